"""Template filters: money, dates and months the Russian way, masked SNILS, status words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from registry.cards import PAYMENT_TITLES
from registry.identifiers import mask_snils

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
THIN_SPACE = "\u202f"
STATUSES = {
    "eligible": "право есть",
    "ineligible": "права нет",
    "undetermined": "не хватает сведений",
    "error": "ошибка в правилах",
    "not_applicable": "не применяется",
}
ROLES_IN_HOUSEHOLD = {"applicant": "заявитель", "spouse": "супруг(а)", "child": "ребенок", "other": "член семьи"}


def money(value: Decimal | int | str | None, kopecks: bool = False) -> str:
    """``Decimal('12345.6')`` → ``12 345,60 ₽`` (a narrow no-break space between thousands)."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value) / 100 if kopecks else Decimal(str(value))
    sign = "−" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + THIN_SPACE.join(groups) + "," + fraction + "\u00a0₽"


def day(value: date | datetime | str | None, zone: ZoneInfo | None = None) -> str:
    """A date as ``23.11.2026``; a moment in the office's time zone as ``23.11.2026 08:15``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        if zone is not None:
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
        return value.strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def month(value: date | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        year, number = int(value[:4]), int(value[5:7])
    else:
        year, number = value.year, value.month
    return f"{MONTHS[number - 1]} {year}"


def snils(value: str | None) -> str:
    if not value:
        return "—"
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}" if len(digits) == 11 else value


def office_zone() -> ZoneInfo:
    """The time zone moments are shown in (``TIMEZONE``), for the views' date filters."""
    return ZoneInfo(current_app.config.get("TIMEZONE") or "Europe/Samara")


def init_app(app: Flask) -> None:
    zone = ZoneInfo(app.config.get("TIMEZONE") or "Europe/Samara")
    app.jinja_env.filters.update(
        money=money,
        day=lambda value: day(value, zone),
        month=month,
        masked_snils=mask_snils,
        payment=lambda value: PAYMENT_TITLES.get(value, value),
        snils=snils,
        status=lambda value: STATUSES.get(value, value),
        household_role=lambda value: ROLES_IN_HOUSEHOLD.get(value, value),
    )
