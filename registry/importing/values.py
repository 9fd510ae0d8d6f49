"""The grammar of import cell values: numbers (never through float), dates, months, text,
names, SNILS, OKTMO, and codes with their Russian spellings.

Each parser takes a raw cell (text from CSV; str, int, float, datetime or bool from XLSX; str,
int, Decimal or bool from JSON) and returns the value or raises ``ValueProblem`` with a Russian
reason for the person who prepared the file.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from registry.identifiers import normalize_snils, validate_oktmo, validate_snils


class ValueProblem(ValueError):
    """A cell that does not follow its field's grammar; the message is the reason."""


# -- the grammar of values ---------------------------------------------------------------------------

_THOUSANDS = " \u00a0\u2009\u202f"  # space, no-break, thin and narrow no-break spaces
_NUMBER = re.compile(r"(-)?([0-9]{1,3}(?:[ \u00a0\u2009\u202f][0-9]{3})+|[0-9]+)(?:[.,]([0-9]+))?")
_MAX_WHOLE_DIGITS = 12
# Control characters, zero-width and direction marks, line separators: invisible in a form,
# they make equal-looking names differ or reorder what a reader sees.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def parse_decimal(raw: Any, places: int, *, is_money: bool = False) -> Decimal:
    """A non-negative decimal with at most ``places`` fractional digits, never through float.

    Text: ASCII digits, ``.`` or ``,`` before the fraction, spaces only between groups of three
    digits. No signs, exponents, NaN or Infinity. An XLSX number arrives as a binary double: its
    shortest ``repr`` is the number as typed (up to 15 significant digits), and that text is what
    is parsed.
    """
    if isinstance(raw, bool):
        raise ValueProblem("ожидалось число, а не логическое значение")
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueProblem("не число")
        text = repr(raw)
    elif isinstance(raw, Decimal):
        if not raw.is_finite():
            raise ValueProblem("не число")
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip()
    else:
        raise ValueProblem("ожидалось число")
    match = _NUMBER.fullmatch(text)
    if match is None:
        shown = text[:40]
        if re.search(r"nan|inf", text, re.IGNORECASE):
            raise ValueProblem(f"«{shown}» не число")
        if re.search(r"[0-9][eE][+-]?[0-9]", text):
            raise ValueProblem(f"«{shown}»: экспоненциальная запись не принимается, запишите число полностью")
        raise ValueProblem(
            f"«{shown}» не число: только цифры, запятая или точка перед дробной частью, пробелы между тысячами"
        )
    sign, whole, fraction = match.groups()
    whole = whole.translate({ord(c): None for c in _THOUSANDS}).lstrip("0") or "0"
    fraction = (fraction or "").rstrip("0")
    if sign and (whole != "0" or fraction):
        raise ValueProblem("отрицательное значение не допускается")
    if len(fraction) > places:
        raise ValueProblem("сумма с долями копейки" if is_money else f"больше {places} знаков после запятой")
    if len(whole) > _MAX_WHOLE_DIGITS:
        raise ValueProblem(f"слишком большое число: больше {_MAX_WHOLE_DIGITS} цифр до запятой")
    return Decimal(f"{whole}.{fraction or '0'}")


def money(raw: Any) -> Decimal:
    return parse_decimal(raw, 2, is_money=True)


def quantity(places: int) -> Callable[[Any], Decimal]:
    return lambda raw: parse_decimal(raw, places)


def count(raw: Any) -> int:
    return int(parse_decimal(raw, 0))


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]00:00(?::00)?)?")
_RU_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


def parse_date(raw: Any) -> date:
    """A real calendar date: DD.MM.YYYY, YYYY-MM-DD, or a spreadsheet date cell."""
    if isinstance(raw, datetime):
        if raw.time() != time(0):
            raise ValueProblem("в ячейке дата со временем: нужна только дата")
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if match := _ISO_DATE.fullmatch(text):
            year, month, day = match.groups()
        elif match := _RU_DATE.fullmatch(text):
            day, month, year = match.groups()
        else:
            raise ValueProblem(f"«{text[:40]}» не дата: нужно ДД.ММ.ГГГГ или ГГГГ-ММ-ДД")
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueProblem(f"нет такой даты: «{text}»") from None
    elif isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        raise ValueProblem("дата записана числом: задайте ячейке формат даты или введите ДД.ММ.ГГГГ")
    else:
        raise ValueProblem("ожидалась дата")
    if value.year < 1900:
        raise ValueProblem(f"дата {value:%d.%m.%Y} раньше 1900 года")
    return value


_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})|([0-9]{1,2})\.([0-9]{4})")


def parse_month(raw: Any) -> date:
    """The first day of a month given as YYYY-MM or MM.YYYY (or a date on the 1st)."""
    if isinstance(raw, str) and (match := _MONTH.fullmatch(raw.strip())):
        year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
        if not 1 <= int(month) <= 12:
            raise ValueProblem(f"нет такого месяца: «{raw.strip()}»")
        value = date(int(year), int(month), 1)
    else:
        try:
            value = parse_date(raw)
        except ValueProblem:
            raise ValueProblem(f"«{str(raw)[:40]}» не месяц: нужно ГГГГ-ММ") from None
        if value.day != 1:
            raise ValueProblem(f"в месяце указан день ({value:%d.%m.%Y}): нужно ГГГГ-ММ")
    if value.year < 1900:
        raise ValueProblem("месяц раньше 1900 года")
    return value


def text_of(max_length: int) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
            raise ValueProblem("ожидался текст")
        text = str(raw).strip()
        if _CONTROL.search(text):
            raise ValueProblem("управляющие символы (перевод строки, табуляция, смена направления) не допускаются")
        text = " ".join(text.split())
        if len(text) > max_length:
            raise ValueProblem(f"длиннее {max_length} символов")
        return text

    return parse


_CYRILLIC_NAME = re.compile(r"[А-ЯЁа-яё]+(?:[-'’ ][А-ЯЁа-яё]+)*")
_LATIN_NAME = re.compile(r"[A-Za-z]+(?:[-'’ ][A-Za-z]+)*")


def name(raw: Any) -> str:
    text = text_of(100)(raw)
    if _CYRILLIC_NAME.fullmatch(text) or _LATIN_NAME.fullmatch(text):
        return text
    if re.search("[А-ЯЁа-яё]", text) and re.search("[A-Za-z]", text):
        raise ValueProblem("смешаны латинские и русские буквы (например, латинская «a» вместо русской «а»)")
    if re.search("[0-9]", text):
        raise ValueProblem("цифры в имени")
    raise ValueProblem("допускаются только буквы, дефис, апостроф и пробел")


def _digits_of(raw: Any, width: int) -> str:
    """Digits as text; a spreadsheet number gets back the leading zeros it dropped."""
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return str(raw).zfill(width)
    if isinstance(raw, str):
        return raw.strip()
    raise ValueProblem("ожидался код из цифр")


def snils(raw: Any) -> str:
    digits = normalize_snils(_digits_of(raw, 11))
    reason = validate_snils(digits)
    if reason:
        raise ValueProblem(reason)
    return digits


def oktmo(raw: Any) -> str:
    text = _digits_of(raw, 8)
    if len(text) in (9, 10) and text.isdigit():
        text = text.zfill(11)
    reason = validate_oktmo(text)
    if reason:
        raise ValueProblem(reason)
    return text


def fold(text: str) -> str:
    """Names and aliases compared without case, ё, spaces or punctuation."""
    return re.sub(r"[^0-9a-zа-я]", "", text.casefold().replace("ё", "е"))


def choice(options: Mapping[str, tuple[str, ...]], what: str) -> Callable[[Any], str]:
    """A code, or one of its Russian spellings; unknown values get the closest code suggested."""
    lookup = {fold(spelling): code for code, spellings in options.items() for spelling in (code, *spellings)}

    def parse(raw: Any) -> str:
        text = text_of(300)(raw)
        code = lookup.get(fold(text))
        if code is not None:
            return code
        close = difflib.get_close_matches(text, list(options), n=1) or difflib.get_close_matches(
            fold(text), list(lookup), n=1
        )
        hint = f"; возможно, «{lookup.get(close[0], close[0])}»" if close else ""
        raise ValueProblem(f"неизвестный {what} «{text[:60]}»{hint}")

    return parse


__all__ = [
    "ValueProblem",
    "choice",
    "count",
    "fold",
    "money",
    "name",
    "oktmo",
    "parse_date",
    "parse_decimal",
    "parse_month",
    "quantity",
    "snils",
    "text_of",
]
