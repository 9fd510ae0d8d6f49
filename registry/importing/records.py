"""Record shapes of import files: the fields of each kind with their English codes and Russian
aliases, the grammar each value must follow, and the parsing of one row into a ``Record``.

Checks that need the database or other rows (duplicates, persons by SNILS, households) are the
service's. Reasons are Russian, for the person who prepared the file.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from registry.identifiers import normalize_snils, validate_oktmo, validate_snils
from registry.importing.files import ImportFileError
from registry.reference import DOCUMENT_KINDS, ENTITLEMENT_CATEGORIES, INCOME_KINDS


class ValueProblem(ValueError):
    """A cell that does not follow its field's grammar; the message is the reason."""


# -- the grammar of values ---------------------------------------------------------------------------

_THOUSANDS = " \u00a0\u2009\u202f"  # space, no-break, thin and narrow no-break spaces
_NUMBER = re.compile(r"(-)?([0-9]{1,3}(?:[ \u00a0\u2009\u202f][0-9]{3})+|[0-9]+)(?:[.,]([0-9]+))?")
_MAX_WHOLE_DIGITS = 12
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


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


def _money(raw: Any) -> Decimal:
    return parse_decimal(raw, 2, is_money=True)


def _quantity(places: int) -> Callable[[Any], Decimal]:
    return lambda raw: parse_decimal(raw, places)


def _count(raw: Any) -> int:
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


def _text(max_length: int) -> Callable[[Any], str]:
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


def _name(raw: Any) -> str:
    text = _text(100)(raw)
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
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw:
        return str(raw).zfill(width)
    if isinstance(raw, str):
        return raw.strip()
    raise ValueProblem("ожидался код из цифр")


def _snils(raw: Any) -> str:
    digits = normalize_snils(_digits_of(raw, 11))
    reason = validate_snils(digits)
    if reason:
        raise ValueProblem(reason)
    return digits


def _oktmo(raw: Any) -> str:
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


def _choice(options: Mapping[str, tuple[str, ...]], what: str) -> Callable[[Any], str]:
    """A code, or one of its Russian spellings; unknown values get the closest code suggested."""
    lookup = {fold(spelling): code for code, spellings in options.items() for spelling in (code, *spellings)}

    def parse(raw: Any) -> str:
        text = _text(300)(raw)
        code = lookup.get(fold(text))
        if code is not None:
            return code
        close = difflib.get_close_matches(text, list(options), n=1) or difflib.get_close_matches(
            fold(text), list(lookup), n=1
        )
        hint = f"; возможно, «{lookup.get(close[0], close[0])}»" if close else ""
        return _raise(f"неизвестный {what} «{text[:60]}»{hint}")

    return parse


def _raise(reason: str) -> Any:
    raise ValueProblem(reason)


_sex = _choice({"M": ("М", "муж", "мужской", "male"), "F": ("Ж", "жен", "женский", "female")}, "пол (М или Ж)")
_role = _choice(
    {
        "applicant": ("заявитель",),
        "spouse": ("супруг", "супруга"),
        "child": ("ребенок", "сын", "дочь"),
        "other": ("другой", "иной", "иное", "прочий"),
    },
    "роль в семье",
)
_flag = _choice({"yes": ("да", "есть", "true", "1"), "no": ("нет", "false", "0")}, "ответ (да или нет)")
OWNERSHIP = {
    "own": ("собственность", "собственник", "в собственности"),
    "social_rent": ("социальный наем", "социальный найм", "соцнайм"),
    "private_rent": ("коммерческий наем", "коммерческий найм", "аренда", "частный наем"),
    "cooperative": ("кооператив", "член жилищного кооператива", "ЖСК"),
    "service": ("служебное", "служебное жилье"),
}
UTILITY_SERVICES = {  # the service codes the housing rules read (rules/measures/federal/housing_*)
    "maintenance": ("содержание жилья", "содержание и ремонт", "содержание жилого помещения"),
    "capital_repair": ("капитальный ремонт", "взнос на капитальный ремонт", "капремонт"),
    "heating": ("отопление",),
    "cold_water": ("холодное водоснабжение", "ХВС"),
    "hot_water": ("горячее водоснабжение", "ГВС"),
    "sewerage": ("водоотведение", "канализация"),
    "electricity": ("электроснабжение", "электроэнергия"),
    "gas": ("газоснабжение", "газ"),
    "solid_waste": ("обращение с ТКО", "вывоз ТКО", "вывоз мусора"),
}


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
        Field("snils", _snils, _SNILS_ALIASES),
        Field("last_name", _name, ("Фамилия",), is_required=True),
        Field("first_name", _name, ("Имя",), is_required=True),
        Field("middle_name", _name, ("Отчество",)),
        Field("birth_date", parse_date, ("Дата рождения",), is_required=True, is_past=True),
        Field("sex", _sex, ("Пол", "Пол (М/Ж)"), is_required=True),
        Field("municipality", _oktmo, _OKTMO_ALIASES, is_required=True),
        Field("registration_address", _text(500), ("Адрес регистрации", "Адрес места жительства")),
        Field("residence_address", _text(500), ("Адрес проживания", "Адрес фактического проживания")),
        Field("case_number", _text(18), ("Номер личного дела", "Личное дело"), is_ignored=True),
    ),
    "households": (
        Field("household", _text(40), _HOUSEHOLD_ALIASES, is_required=True),
        Field("municipality", _oktmo, _OKTMO_ALIASES, is_required=True),
        Field("snils", _snils, _SNILS_ALIASES, is_required=True),
        Field("role", _role, ("Роль", "Роль в семье", "Родство"), is_required=True),
        Field("member_from", parse_date, ("valid_from", "Член семьи с", "В составе семьи с"), True, True),
    ),
    "documents": (
        Field("snils", _snils, _SNILS_ALIASES, is_required=True),
        Field("kind", _choice({c: (k.title,) for c, k in DOCUMENT_KINDS.items()}, "вид документа"), ("Вид документа",), True),
        Field("subkind", _text(300), ("Подвид", "Подвид документа")),
        Field("series", _text(20), ("Серия",)),
        Field("number", _text(40), ("Номер", "Номер документа")),
        Field("issued_on", parse_date, ("Дата выдачи",)),
        Field("issued_by", _text(300), ("Кем выдан",)),
        Field("valid_to", parse_date, ("Действителен до", "Срок действия")),
    ),
    "incomes": (
        Field("snils", _snils, _SNILS_ALIASES, is_required=True),
        Field("month", parse_month, _MONTH_ALIASES, is_required=True, is_past=True),
        Field("kind", _choice({c: (k.title,) for c, k in INCOME_KINDS.items()}, "вид дохода"), ("Вид дохода",)),
        Field("amount", _money, ("Сумма", "Сумма дохода", "Сумма, руб."), is_required=True),
        Field("source", _text(200), ("Источник", "Источник дохода", "Плательщик")),
    ),
    "housing": (
        Field("household", _text(40), _HOUSEHOLD_ALIASES, is_required=True),
        Field("area", _quantity(2), ("Площадь", "Общая площадь", "Площадь, м2")),
        Field("ownership", _choice(OWNERSHIP, "вид права на жилье"), ("Право пользования", "Основание проживания")),
        Field("registered_residents", _count, ("Зарегистрировано", "Число зарегистрированных")),
        Field("has_debts", _has_debts, ("Задолженность", "Есть задолженность")),
        Field("valid_from", parse_date, ("Действует с", "Сведения о жилье с"), is_past=True),
        Field("month", parse_month, _MONTH_ALIASES, is_required=True, is_past=True),
        Field("service", _choice(UTILITY_SERVICES, "вид услуги"), ("code", "service_code", "Услуга", "Код услуги"), True),
        Field("unit", _text(20), ("Ед. изм.", "Единица измерения")),
        Field("tariff", _quantity(4), ("Тариф",)),
        Field("norm", _quantity(6), ("Норматив",)),
        Field("volume", _quantity(4), ("Объем", "Потребление")),
        Field("cost", _money, ("Начислено", "Сумма", "Стоимость", "Сумма начисления"), is_required=True),
    ),
    "categories": (
        Field("snils", _snils, _SNILS_ALIASES, is_required=True),
        Field(
            "code",
            _choice({c: (k.title,) for c, k in ENTITLEMENT_CATEGORIES.items()}, "код категории"),
            ("Категория", "Код категории", "Льготная категория"),
            is_required=True,
        ),
        Field("valid_from", parse_date, ("Действует с", "Дата начала"), is_past=True),
        Field("valid_to", parse_date, ("Действует по", "Дата окончания")),
    ),
}

_SPELLINGS: dict[str, dict[str, str]] = {  # kind → folded spelling → field code
    kind: {fold(spelling): f.code for f in fields for spelling in (f.code, *f.aliases)} for kind, fields in KINDS.items()
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
    return Columns(fit.kind, fit.fields, labels)


# -- one row -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """A parsed row: its values by field code, its cells as text, and what is wrong with it."""

    row: int
    values: dict[str, Any]
    cells: dict[str, str]
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
    record = Record(row, {}, {})
    by_code: dict[str, Any] = {}
    for index, raw in enumerate(cells):
        code = columns.fields[index] if index < len(columns.fields) else None
        if code is not None:
            by_code[code] = raw
            record.cells[code] = cell_text(raw)
        elif not _is_blank(raw):
            where = "в столбце без заголовка" if index < len(columns.fields) else "за последним столбцом заголовка"
            record.reject("", f"значение {where}: «{cell_text(raw, 40)}»")
    for spec in KINDS[columns.what]:
        raw = by_code.get(spec.code)
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


__all__ = [
    "KINDS",
    "OWNERSHIP",
    "UTILITY_SERVICES",
    "Columns",
    "Field",
    "Record",
    "ValueProblem",
    "cell_text",
    "fold",
    "is_known_column",
    "parse_date",
    "parse_decimal",
    "parse_month",
    "parse_record",
    "resolve_columns",
]
