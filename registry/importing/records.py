"""Record shapes of import files: the fields of each kind with their English codes and Russian
aliases, the mapping of a file's header onto them, and the parsing of one row into a ``Record``.

Checks that need the database or other rows (duplicates, persons by SNILS, households) are the
service's. Reasons are Russian, for the person who prepared the file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from registry.importing import values as v
from registry.importing.files import ImportFileError
from registry.importing.values import ValueProblem, fold
from registry.reference import DOCUMENT_KINDS, ENTITLEMENT_CATEGORIES, INCOME_KINDS, OWNERSHIP, UTILITY_SERVICES

_sex = v.choice({"M": ("М", "муж", "мужской", "male"), "F": ("Ж", "жен", "женский", "female")}, "пол (М или Ж)")
_role = v.choice(
    {
        "applicant": ("заявитель",),
        "spouse": ("супруг", "супруга"),
        "child": ("ребенок", "сын", "дочь"),
        "other": ("другой", "иной", "иное", "прочий"),
    },
    "роль в семье",
)
_flag = v.choice({"yes": ("да", "есть", "true", "1"), "no": ("нет", "false", "0")}, "ответ (да или нет)")


def _has_debts(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return _flag(raw) == "yes"


# -- record shapes -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    code: str
    parse: Callable[[Any], Any]
    aliases: tuple[str, ...] = ()
    is_required: bool = False
    is_past: bool = False  # a date or month that cannot be after the import day
    is_ignored: bool = False  # accepted in the header, not loaded (case numbers are the register's)


_SNILS_ALIASES = ("person_snils", "СНИЛС", "Страховой номер", "СНИЛС члена семьи")
_OKTMO_ALIASES = ("oktmo", "ОКТМО", "Код ОКТМО", "Муниципальное образование")
_HOUSEHOLD_ALIASES = ("household_reference", "reference", "Семья", "Номер семьи", "Код семьи", "Номер дела семьи")
_MONTH_ALIASES = ("Месяц", "Период")

KINDS: dict[str, tuple[Field, ...]] = {
    "persons": (
        Field("snils", v.snils, _SNILS_ALIASES),
        Field("last_name", v.name, ("Фамилия",), is_required=True),
        Field("first_name", v.name, ("Имя",), is_required=True),
        Field("middle_name", v.name, ("Отчество",)),
        Field("birth_date", v.parse_date, ("Дата рождения",), is_required=True, is_past=True),
        Field("sex", _sex, ("Пол", "Пол (М/Ж)"), is_required=True),
        Field("municipality", v.oktmo, _OKTMO_ALIASES, is_required=True),
        Field("registration_address", v.text_of(500), ("Адрес регистрации", "Адрес места жительства")),
        Field("residence_address", v.text_of(500), ("Адрес проживания", "Адрес фактического проживания")),
        Field("case_number", v.text_of(18), ("Номер личного дела", "Личное дело"), is_ignored=True),
    ),
    "households": (
        Field("household", v.text_of(40), _HOUSEHOLD_ALIASES, is_required=True),
        Field("municipality", v.oktmo, _OKTMO_ALIASES, is_required=True),
        Field("snils", v.snils, _SNILS_ALIASES, is_required=True),
        Field("role", _role, ("Роль", "Роль в семье", "Родство"), is_required=True),
        Field(
            "member_from",
            v.parse_date,
            ("valid_from", "Член семьи с", "В составе семьи с"),
            is_required=True,
            is_past=True,
        ),
    ),
    "documents": (
        Field("snils", v.snils, _SNILS_ALIASES, is_required=True),
        Field(
            "kind",
            v.choice({c: (k.title,) for c, k in DOCUMENT_KINDS.items()}, "вид документа"),
            ("Вид документа",),
            is_required=True,
        ),
        Field("subkind", v.text_of(300), ("Подвид", "Подвид документа")),
        Field("series", v.text_of(20), ("Серия",)),
        Field("number", v.text_of(40), ("Номер", "Номер документа")),
        Field("issued_on", v.parse_date, ("Дата выдачи",)),
        Field("issued_by", v.text_of(300), ("Кем выдан",)),
        Field("valid_to", v.parse_date, ("Действителен до", "Срок действия")),
    ),
    "incomes": (
        Field("snils", v.snils, _SNILS_ALIASES, is_required=True),
        Field("month", v.parse_month, _MONTH_ALIASES, is_required=True, is_past=True),
        Field("kind", v.choice({c: (k.title,) for c, k in INCOME_KINDS.items()}, "вид дохода"), ("Вид дохода",)),
        Field("amount", v.money, ("Сумма", "Сумма дохода", "Сумма, руб."), is_required=True),
        Field("source", v.text_of(200), ("Источник", "Источник дохода", "Плательщик")),
    ),
    "housing": (
        Field("household", v.text_of(40), _HOUSEHOLD_ALIASES, is_required=True),
        Field("area", v.quantity(2), ("Площадь", "Общая площадь", "Площадь, м2")),
        Field("ownership", v.choice(OWNERSHIP, "вид права на жилье"), ("Право пользования", "Основание проживания")),
        Field("registered_residents", v.count, ("Зарегистрировано", "Число зарегистрированных")),
        Field("has_debts", _has_debts, ("Задолженность", "Есть задолженность")),
        Field("valid_from", v.parse_date, ("Действует с", "Сведения о жилье с"), is_past=True),
        Field("month", v.parse_month, _MONTH_ALIASES, is_required=True, is_past=True),
        Field(
            "service",
            v.choice(UTILITY_SERVICES, "вид услуги"),
            ("code", "service_code", "Услуга", "Код услуги"),
            is_required=True,
        ),
        Field("unit", v.text_of(20), ("Ед. изм.", "Единица измерения")),
        Field("tariff", v.quantity(4), ("Тариф",)),
        Field("norm", v.quantity(6), ("Норматив",)),
        Field("volume", v.quantity(4), ("Объем", "Потребление")),
        Field("cost", v.money, ("Начислено", "Сумма", "Стоимость", "Сумма начисления"), is_required=True),
    ),
    "categories": (
        Field("snils", v.snils, _SNILS_ALIASES, is_required=True),
        Field(
            "code",
            v.choice({c: (k.title,) for c, k in ENTITLEMENT_CATEGORIES.items()}, "код категории"),
            ("Категория", "Код категории", "Льготная категория"),
            is_required=True,
        ),
        Field("valid_from", v.parse_date, ("Действует с", "Дата начала"), is_past=True),
        Field("valid_to", v.parse_date, ("Действует по", "Дата окончания")),
    ),
    "deaths": (  # from the civil registry: the register changes (registry.importing.deaths)
        Field("snils", v.snils, _SNILS_ALIASES, is_required=True),
        Field("death_date", v.parse_date, ("Дата смерти",), is_required=True, is_past=True),
    ),
}

_SPELLINGS: dict[str, dict[str, str]] = {  # kind → folded spelling → field code
    kind: {fold(spelling): f.code for f in fields for spelling in (f.code, *f.aliases)}
    for kind, fields in KINDS.items()
}
_KNOWN = frozenset(spelling for spellings in _SPELLINGS.values() for spelling in spellings)


def is_known_column(name: str) -> bool:
    """Whether a header cell names a field of some kind (used to choose a CSV's encoding)."""
    return bool(name) and fold(name) in _KNOWN


def _display(kind: str, code: str) -> str:
    spec = next(f for f in KINDS[kind] if f.code == code)
    russian = next((a for a in spec.aliases if re.search("[А-Яа-я]", a)), None)
    return f"{russian} ({code})" if russian else code


@dataclass(frozen=True, slots=True)
class Columns:
    """How a file's header maps onto a kind's fields."""

    what: str
    fields: tuple[str | None, ...]  # per column: a field code, or None for an unnamed column
    labels: dict[str, str]  # field code → the header as the file writes it
    index: dict[str, int]  # field code → column
    unnamed: tuple[int, ...]  # columns without a header


@dataclass(frozen=True, slots=True)
class _Fit:
    kind: str
    fields: tuple[str | None, ...]
    missing: tuple[str, ...]
    unknown: tuple[str, ...]
    repeated: tuple[str, ...]

    @property
    def matched(self) -> int:
        return sum(code is not None for code in self.fields)

    def describe(self) -> str:
        parts = []
        if self.missing:
            parts.append("нет столбцов " + ", ".join(_display(self.kind, code) for code in self.missing))
        for name in self.unknown:
            close = difflib.get_close_matches(fold(name), list(_SPELLINGS[self.kind]), n=1)
            hint = f" (возможно, {_display(self.kind, _SPELLINGS[self.kind][close[0]])})" if close else ""
            parts.append(f"неизвестный столбец «{name[:60]}»{hint}")
        if self.repeated:
            parts.append("повторяются столбцы " + ", ".join(self.repeated))
        return "; ".join(parts)


def _fit(kind: str, header: tuple[str, ...]) -> _Fit:
    spellings = _SPELLINGS[kind]
    fields: list[str | None] = []
    unknown, repeated = [], []
    for name in header:
        code = spellings.get(fold(name)) if name else None
        if name and code is None:
            unknown.append(name)
        elif code is not None and code in fields:
            repeated.append(name)
        fields.append(code)
    missing = tuple(f.code for f in KINDS[kind] if f.is_required and f.code not in fields)
    return _Fit(kind, tuple(fields), missing, tuple(unknown), tuple(repeated))


def resolve_columns(header: tuple[str, ...], what: str | None = None) -> Columns:
    """The kind of records a header holds (``what``, or inferred) and its column mapping."""
    if what is not None and what not in KINDS:
        raise ImportFileError(f"неизвестный вид записей «{what}»: есть {', '.join(KINDS)}")
    fits = [_fit(kind, header) for kind in ([what] if what else KINDS)]
    whole = [fit for fit in fits if not (fit.missing or fit.unknown or fit.repeated)]
    if what is not None and not whole:
        raise ImportFileError(f"заголовок не подходит для записей «{what}»: {fits[0].describe()}")
    if not whole:
        closest = min(fits, key=lambda f: (len(f.missing) + len(f.unknown) + len(f.repeated), -f.matched))
        raise ImportFileError(
            f"по заголовку не понять, что в файле; ближе всего записи «{closest.kind}»: {closest.describe()}"
        )
    best = max(fit.matched for fit in whole)
    chosen = [fit for fit in whole if fit.matched == best]
    if len(chosen) > 1:
        names = ", ".join(f"«{fit.kind}»" for fit in chosen)
        raise ImportFileError(f"заголовок подходит для записей {names}: укажите вид явно")
    fit = chosen[0]
    labels = {code: name for name, code in zip(header, fit.fields, strict=True) if code is not None}
    index = {code: i for i, code in enumerate(fit.fields) if code is not None}
    return Columns(fit.kind, fit.fields, labels, index, tuple(i for i, c in enumerate(fit.fields) if c is None))


# -- one row -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """A parsed row: its values by field code, its cells as read, and what is wrong with it."""

    row: int
    values: dict[str, Any]
    cells: tuple[Any, ...]  # as read, for the report; not copied into text for every row
    problems: list[tuple[str, str]] = field(default_factory=list)

    def reject(self, code: str, reason: str) -> None:
        self.problems.append((code, reason))

    @property
    def is_good(self) -> bool:
        return not self.problems


def cell_text(raw: Any, limit: int = 200) -> str:
    """A cell as the report shows it (long values cut)."""
    if raw is None:
        text = ""
    elif isinstance(raw, datetime) and raw.time() == time(0):
        text = raw.date().isoformat()
    elif isinstance(raw, date | datetime):
        text = raw.isoformat()
    elif isinstance(raw, float):
        text = repr(raw)
    else:
        text = str(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_record(columns: Columns, row: int, cells: tuple[Any, ...], as_of: date) -> Record:
    """Parse one row, collecting every problem of the row, not just the first."""
    record = Record(row, {}, cells)
    for index in range(len(columns.fields), len(cells)):
        if not _is_blank(cells[index]):
            record.reject("", f"значение за последним столбцом заголовка: «{cell_text(cells[index], 40)}»")
    for index in columns.unnamed:
        if index < len(cells) and not _is_blank(cells[index]):
            record.reject("", f"значение в столбце без заголовка: «{cell_text(cells[index], 40)}»")
    for spec in KINDS[columns.what]:
        index = columns.index.get(spec.code)
        raw = cells[index] if index is not None and index < len(cells) else None
        record.values[spec.code] = None
        if spec.is_ignored:
            continue
        if _is_blank(raw):
            if spec.is_required:
                record.reject(spec.code, "не заполнено")
            continue
        if isinstance(raw, dict | list):
            record.reject(spec.code, "вложенные значения не допускаются")
            continue
        try:
            value = spec.parse(raw)
        except ValueProblem as problem:
            record.reject(spec.code, str(problem))
            continue
        if spec.is_past and value > as_of:
            record.reject(spec.code, f"{value:%d.%m.%Y} — дата в будущем")
            continue
        record.values[spec.code] = value
    return record


def cell_of(columns: Columns, record: Record, code: str) -> str:
    """The cell of a field in a record as the report shows it."""
    index = columns.index.get(code)
    return cell_text(record.cells[index]) if index is not None and index < len(record.cells) else ""


__all__ = [
    "KINDS",
    "Columns",
    "Field",
    "Record",
    "cell_of",
    "cell_text",
    "is_known_column",
    "parse_record",
    "resolve_columns",
]
