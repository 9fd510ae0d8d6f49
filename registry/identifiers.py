"""Russian identifiers: SNILS, INN, BIK and bank account, OKTMO, region code, personal case number.

Pure functions, no third-party code. Each ``validate_*`` returns ``None`` when the value is valid
and otherwise one short Russian reason that names what is wrong, for the person who typed it.
``is_valid_*`` are the boolean shorthands. Generators (``snils_check_number``,
``bank_account_key``, ``make_case_number``...) raise ``ValueError`` on malformed input, since a
bad argument there is a bug in the caller rather than a data-entry mistake.

Examples:
    >>> validate_snils("112-233-445 95") is None
    True
    >>> validate_snils("112-233-445 96")
    'неверное контрольное число СНИЛС: указано 96, должно быть 95'
    >>> validate_bank_account("049805746", "40602810700000000025") is None
    True
    >>> make_case_number("63", "36701000", 1)
    '633670100000000013'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Spaces, hyphens and no-break spaces that people and exports put inside numbers.
_SEPARATORS = re.compile(r"[\s\-\u00a0\u2010-\u2015]")


def _strip_separators(value: str) -> str:
    return _SEPARATORS.sub("", value.strip())


def _digits_reason(digits: str, lengths: tuple[int, ...], what: str) -> str | None:
    """The reason ``digits`` is not a string of one of ``lengths`` digits, or ``None``."""
    if not digits:
        return f"{what} не указан"
    bad = next((ch for ch in digits if ch not in "0123456789"), None)
    if bad is not None:
        return f"{what} содержит недопустимый символ «{bad}»"
    if len(digits) not in lengths:
        expected = " или ".join(str(n) for n in lengths)
        return f"{what} должен содержать {expected} {_digit_word(lengths[-1])}, указано {len(digits)}"
    return None


def _digit_word(count: int) -> str:
    """Russian plural of "цифра" after a number: 1 цифра, 2 цифры, 5 цифр."""
    if count % 10 == 1 and count % 100 != 11:
        return "цифру"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "цифры"
    return "цифр"


def _require_digits(value: str, length: int, what: str) -> None:
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise ValueError(f"{what} must be {length} ASCII digits, got {value!r}")


# ---------------------------------------------------------------------------------------------
# SNILS (страховой номер индивидуального лицевого счёта)
# ---------------------------------------------------------------------------------------------

# Numbers up to 001-001-998 were issued before the check number was introduced: the Pension
# Fund's rule says their check number is not verified.
_SNILS_UNCHECKED_UP_TO = 1_001_998


def mask_snils(value: str | None) -> str:
    """Only the last digits of a SNILS, as lists show it.

    Examples:
        >>> mask_snils("112-233-445 95")
        '***-***-445 95'
        >>> mask_snils(None)
        '—'
    """
    if not value:
        return "—"
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"***-***-{digits[6:9]} {digits[9:11]}" if len(digits) == 11 else "***"


def full_name(last: str | None, first: str | None, middle: str | None) -> str:
    """Surname, name and patronymic as one line (``—`` when there is none)."""
    return " ".join(part for part in (last, first, middle) if part) or "—"


def normalize_snils(value: str) -> str:
    """Remove the hyphens and spaces people write inside a SNILS.

    Nothing else is changed, so a value with letters stays invalid for ``validate_snils``.

    Examples:
        >>> normalize_snils("112-233-445 95")
        '11223344595'
        >>> normalize_snils(" 11223344595 ")
        '11223344595'
    """
    return _strip_separators(value)


def snils_check_number(number: str) -> str:
    """The two-digit check number for the first nine digits of a SNILS.

    Pension Fund rule: each digit times its position weight, 9 for the first down to 1 for the
    ninth, summed. A sum under 100 is the check number; 100 and 101 give "00"; above 101 the sum
    is taken modulo 101, and a remainder of 100 again gives "00".

    Args:
        number: nine ASCII digits.

    Returns:
        Two digits, e.g. ``"95"``.

    Raises:
        ValueError: ``number`` is not nine digits.

    Examples:
        >>> snils_check_number("112233445")  # sum 95
        '95'
        >>> snils_check_number("041521340"), snils_check_number("041521341")  # sums 100 and 101
        ('00', '00')
        >>> snils_check_number("123456789")  # sum 165, 165 mod 101 = 64
        '64'
        >>> snils_check_number("017996174")  # sum 201, 201 mod 101 = 100
        '00'
    """
    _require_digits(number, 9, "SNILS number")
    total = sum(int(digit) * weight for digit, weight in zip(number, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return "00" if total in (100, 101) else f"{total:02d}"


def validate_snils(value: str) -> str | None:
    """Why ``value`` is not a valid SNILS, or ``None``.

    Hyphens and spaces are allowed anywhere ("112-233-445 95"). Numbers up to 001-001-998 are
    accepted with any check number, as the Pension Fund rule prescribes.

    Examples:
        >>> validate_snils("11223344595") is None
        True
        >>> validate_snils("112-233-445")
        'СНИЛС должен содержать 11 цифр, указано 9'
        >>> validate_snils("001-001-998 99") is None
        True
    """
    digits = normalize_snils(value)
    reason = _digits_reason(digits, (11,), "СНИЛС")
    if reason is not None:
        return reason
    if int(digits[:9]) <= _SNILS_UNCHECKED_UP_TO:
        return None
    expected = snils_check_number(digits[:9])
    if digits[9:] != expected:
        return f"неверное контрольное число СНИЛС: указано {digits[9:]}, должно быть {expected}"
    return None


def is_valid_snils(value: str) -> bool:
    """``True`` when ``validate_snils`` finds nothing wrong.

    Examples:
        >>> is_valid_snils("112-233-445 95"), is_valid_snils("112-233-445 59")
        (True, False)
    """
    return validate_snils(value) is None


def format_snils(value: str) -> str:
    """Write a SNILS the way documents print it: ``XXX-XXX-XXX YY``.

    Raises:
        ValueError: the value is not 11 digits after removing separators (the message is the
            Russian reason from ``validate_snils``). The check number is not verified here.

    Examples:
        >>> format_snils("11223344595")
        '112-233-445 95'
    """
    digits = normalize_snils(value)
    reason = _digits_reason(digits, (11,), "СНИЛС")
    if reason is not None:
        raise ValueError(reason)
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


# ---------------------------------------------------------------------------------------------
# INN (идентификационный номер налогоплательщика), НК РФ ст. 84; check digits per ФНС
# ---------------------------------------------------------------------------------------------

_INN_10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def inn_person_check_digits(number: str) -> str:
    """The two check digits (11th and 12th) of a person's INN from its first ten digits.

    Examples:
        >>> inn_person_check_digits("5001007322")
        '59'
    """
    _require_digits(number, 10, "person INN prefix")
    eleventh = _inn_digit(number, _INN_11_WEIGHTS)
    return eleventh + _inn_digit(number + eleventh, _INN_12_WEIGHTS)


def inn_organisation_check_digit(number: str) -> str:
    """The check digit (10th) of an organisation's INN from its first nine digits.

    Examples:
        >>> inn_organisation_check_digit("770708389")
        '3'
    """
    _require_digits(number, 9, "organisation INN prefix")
    return _inn_digit(number, _INN_10_WEIGHTS)


def validate_inn_person(value: str) -> str | None:
    """Why ``value`` is not a valid 12-digit INN of a person, or ``None``.

    Examples:
        >>> validate_inn_person("500100732259") is None
        True
        >>> validate_inn_person("500100732258")
        'неверные контрольные цифры ИНН: указано 58, должно быть 59'
    """
    digits = _strip_separators(value)
    reason = _digits_reason(digits, (12,), "ИНН физического лица")
    if reason is not None:
        return reason
    expected = inn_person_check_digits(digits[:10])
    if digits[10:] != expected:
        return f"неверные контрольные цифры ИНН: указано {digits[10:]}, должно быть {expected}"
    return None


def validate_inn_organisation(value: str) -> str | None:
    """Why ``value`` is not a valid 10-digit INN of an organisation, or ``None``.

    Examples:
        >>> validate_inn_organisation("7707083893") is None
        True
        >>> validate_inn_organisation("7707083894")
        'неверная контрольная цифра ИНН: указано 4, должно быть 3'
    """
    digits = _strip_separators(value)
    reason = _digits_reason(digits, (10,), "ИНН организации")
    if reason is not None:
        return reason
    expected = inn_organisation_check_digit(digits[:9])
    if digits[9] != expected:
        return f"неверная контрольная цифра ИНН: указано {digits[9]}, должно быть {expected}"
    return None


def validate_inn(value: str) -> str | None:
    """Why ``value`` is not a valid INN of either kind (10 or 12 digits), or ``None``.

    Examples:
        >>> validate_inn("7707083893") is None, validate_inn("500100732259") is None
        (True, True)
        >>> validate_inn("77070838")
        'ИНН должен содержать 10 или 12 цифр, указано 8'
    """
    digits = _strip_separators(value)
    reason = _digits_reason(digits, (10, 12), "ИНН")
    if reason is not None:
        return reason
    return validate_inn_organisation(digits) if len(digits) == 10 else validate_inn_person(digits)


def is_valid_inn_person(value: str) -> bool:
    """``True`` when ``validate_inn_person`` finds nothing wrong."""
    return validate_inn_person(value) is None


def is_valid_inn_organisation(value: str) -> bool:
    """``True`` when ``validate_inn_organisation`` finds nothing wrong."""
    return validate_inn_organisation(value) is None


def is_valid_inn(value: str) -> bool:
    """``True`` when ``validate_inn`` finds nothing wrong."""
    return validate_inn(value) is None


# ---------------------------------------------------------------------------------------------
# BIK and account number. The key: "Порядок расчета контрольного ключа в номере лицевого
# счета" (утв. ЦБ РФ 08.09.1997 № 515), referred to by the charts of accounts (Положение Банка
# России № 385-П, now № 579-П): 9th digit of the 20-digit account.
# ---------------------------------------------------------------------------------------------

_KEY_WEIGHTS = ((7, 1, 3) * 8)[:23]  # over 3 + 20 = 23 digits
_KEY_POSITION = 8  # 0-based index of the key inside the account number

# Accounts that a credit organisation or the Treasury holds in a division of the Bank of Russia
# (formerly an RKC): correspondent accounts (30101), the pre-2021 revenue accounts of the
# Federal Treasury (40101) and the single treasury accounts ЕКС (40102). For them the
# three-digit prefix of the key is the RKC's number, "0" + digits 5–6 of the BIK.
_BANK_OF_RUSSIA_BALANCE_ACCOUNTS = ("30101", "40101", "40102")
# Treasury accounts (казначейские счета, 03xxx, since 2021) are numbered by the Federal
# Treasury with the currency code 643 in digits 6–8; their 9th digit is not a key.
_TREASURY_ACCOUNT_PREFIX = "03"


def validate_bik(value: str) -> str | None:
    """Why ``value`` is not a BIK (nine digits), or ``None``.

    Examples:
        >>> validate_bik("044525225") is None
        True
        >>> validate_bik("04452522")
        'БИК должен содержать 9 цифр, указано 8'
    """
    return _digits_reason(_strip_separators(value), (9,), "БИК")


def validate_account_number(value: str) -> str | None:
    """Why ``value`` is not a 20-digit account number, or ``None``. The key is not checked.

    Examples:
        >>> validate_account_number("4060281070000000002")
        'номер счета должен содержать 20 цифр, указано 19'
    """
    return _digits_reason(_strip_separators(value), (20,), "номер счета")


def is_opened_in_bank_of_russia(bik: str, account: str) -> bool:
    """Whether the key of ``account`` uses the RKC rule rather than the credit-organisation rule.

    True for correspondent and treasury balance accounts held in the Bank of Russia (30101,
    40101, 40102) and for any account at a BIK ending in "000", the number the regulation's
    example gives to an RKC itself.

    Examples:
        >>> is_opened_in_bank_of_russia("044525225", "30101810400000000225")
        True
        >>> is_opened_in_bank_of_russia("049805746", "40602810700000000025")
        False
    """
    return account.startswith(_BANK_OF_RUSSIA_BALANCE_ACCOUNTS) or bik.endswith("000")


def bank_account_key(bik: str, account: str, *, in_bank_of_russia: bool) -> str:
    """The control key (9th digit) that ``account`` must carry at ``bik``.

    The three digits in front of the account are the credit organisation's number (digits
    7–9 of the BIK) or, for an account opened in an RKC of the Bank of Russia, the RKC's number
    ("0" and digits 5–6 of the BIK). With the key set to 0, each of the 23 digits is multiplied
    by 7, 1, 3, 7, 1, 3, ...; the last digits of the products are summed; the last digit of the
    sum times 3 gives the key as its last digit.

    Args:
        bik: nine digits.
        account: twenty digits; its 9th digit is ignored.
        in_bank_of_russia: use the RKC rule.

    Raises:
        ValueError: ``bik`` or ``account`` has the wrong shape.

    Examples:
        The two examples of the regulation:

        >>> bank_account_key("049805746", "40602810000000000025", in_bank_of_russia=False)
        '7'
        >>> bank_account_key("049805000", "30101810000000000746", in_bank_of_russia=True)
        '8'
    """
    _require_digits(bik, 9, "BIK")
    _require_digits(account, 20, "account number")
    prefix = "0" + bik[4:6] if in_bank_of_russia else bik[6:9]
    digits = prefix + account[:_KEY_POSITION] + "0" + account[_KEY_POSITION + 1 :]
    total = sum(int(d) * w % 10 for d, w in zip(digits, _KEY_WEIGHTS, strict=True))
    return str(total % 10 * 3 % 10)


def validate_bank_account(bik: str, account: str, *, in_bank_of_russia: bool | None = None) -> str | None:
    """Why ``account`` at ``bik`` is not a valid account number, or ``None``.

    Args:
        bik: the BIK of the bank (or of the Bank of Russia division) where the account is.
        account: the 20-digit account number.
        in_bank_of_russia: force the RKC rule (``True``) or the credit-organisation rule
            (``False``); ``None`` decides by ``is_opened_in_bank_of_russia``. Treasury accounts
            (03...) carry no key and are checked for shape only.

    Examples:
        >>> validate_bank_account("044525225", "30101810400000000225") is None
        True
        >>> validate_bank_account("049805746", "40602810300000000025")
        'неверный контрольный ключ счета: 9-я цифра 3, должна быть 7 для БИК 049805746'
    """
    bik = _strip_separators(bik)
    account = _strip_separators(account)
    reason = validate_bik(bik) or validate_account_number(account)
    if reason is not None:
        return reason
    if in_bank_of_russia is None:
        if account.startswith(_TREASURY_ACCOUNT_PREFIX):
            return None
        in_bank_of_russia = is_opened_in_bank_of_russia(bik, account)
    expected = bank_account_key(bik, account, in_bank_of_russia=in_bank_of_russia)
    given = account[_KEY_POSITION]
    if given != expected:
        return f"неверный контрольный ключ счета: 9-я цифра {given}, должна быть {expected} для БИК {bik}"
    return None


def is_valid_bank_account(bik: str, account: str, *, in_bank_of_russia: bool | None = None) -> bool:
    """``True`` when ``validate_bank_account`` finds nothing wrong."""
    return validate_bank_account(bik, account, in_bank_of_russia=in_bank_of_russia) is None


# ---------------------------------------------------------------------------------------------
# OKTMO and region code
# ---------------------------------------------------------------------------------------------


def validate_oktmo(value: str) -> str | None:
    """Why ``value`` is not an OKTMO code (8 digits, or 11 for a settlement), or ``None``.

    OKTMO has no check digit inside the code (the classifier's "КЧ" column is separate), so
    only the shape is checked; whether the code exists is the reference's business.

    Examples:
        >>> validate_oktmo("36701000") is None, validate_oktmo("36701000001") is None
        (True, True)
        >>> validate_oktmo("3670100")
        'код ОКТМО должен содержать 8 или 11 цифр, указано 7'
    """
    return _digits_reason(_strip_separators(value), (8, 11), "код ОКТМО")


def validate_region_code(value: str) -> str | None:
    """Why ``value`` is not a two-digit region code ("00" is the Russian Federation), or ``None``.

    Examples:
        >>> validate_region_code("63") is None
        True
        >>> validate_region_code("6")
        'код региона должен содержать 2 цифры, указано 1'
    """
    return _digits_reason(value.strip(), (2,), "код региона")


def is_valid_oktmo(value: str) -> bool:
    """``True`` when ``validate_oktmo`` finds nothing wrong."""
    return validate_oktmo(value) is None


def is_valid_region_code(value: str) -> bool:
    """``True`` when ``validate_region_code`` finds nothing wrong."""
    return validate_region_code(value) is None


# ---------------------------------------------------------------------------------------------
# Personal case number (номер личного дела): our own scheme, 18 digits
#   <2-digit region><8-digit OKTMO><7-digit sequence><Luhn check digit over the 17 digits>
# Luhn catches every single-digit error and most swaps of neighbouring digits.
# ---------------------------------------------------------------------------------------------

_CASE_LENGTH = 18
_SEQUENCE_MAX = 9_999_999


@dataclass(frozen=True, slots=True)
class CaseNumber:
    """A personal case number taken apart.

    Examples:
        >>> case = parse_case_number("633670100000000013")
        >>> case.region, case.oktmo, case.sequence, str(case)
        ('63', '36701000', 1, '633670100000000013')
    """

    region: str  # two-digit region code, e.g. "63"
    oktmo: str  # eight-digit OKTMO of the municipality that keeps the case
    sequence: int  # 1..9 999 999 within the municipality
    check_digit: str

    def __str__(self) -> str:
        return f"{self.region}{self.oktmo}{self.sequence:07d}{self.check_digit}"


def luhn_check_digit(payload: str) -> str:
    """The Luhn check digit to append to ``payload`` (ASCII digits).

    Examples:
        >>> luhn_check_digit("7992739871")
        '3'
    """
    if not payload or not payload.isascii() or not payload.isdigit():
        raise ValueError(f"Luhn payload must be ASCII digits, got {payload!r}")
    total = 0
    # The rightmost payload digit is doubled: it sits next to the check digit.
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str(-total % 10)


def make_case_number(region: str, oktmo: str, sequence: int) -> str:
    """Build the 18-digit case number for a region, an 8-digit OKTMO and a sequence number.

    Raises:
        ValueError: a part has the wrong shape or the sequence is outside 1..9 999 999.

    Examples:
        >>> make_case_number("63", "36701000", 1234567)
        '633670100012345679'
    """
    if region == "00" or validate_region_code(region) is not None:
        raise ValueError(f"case number region must be two digits other than '00', got {region!r}")
    _require_digits(oktmo, 8, "case number OKTMO")
    if not 1 <= sequence <= _SEQUENCE_MAX:
        raise ValueError(f"case number sequence must be within 1..{_SEQUENCE_MAX}, got {sequence}")
    payload = f"{region}{oktmo}{sequence:07d}"
    return payload + luhn_check_digit(payload)


def validate_case_number(value: str) -> str | None:
    """Why ``value`` is not a valid personal case number, or ``None``. Separators are allowed.

    Examples:
        >>> validate_case_number("63-36701000-0000001-3") is None
        True
        >>> validate_case_number("633670100000000014")
        'неверная контрольная цифра номера дела: указано 4, должно быть 3'
    """
    digits = _strip_separators(value)
    reason = _digits_reason(digits, (_CASE_LENGTH,), "номер личного дела")
    if reason is not None:
        return reason
    if digits[:2] == "00":
        return "код региона в номере дела не может быть 00"
    if digits[10:17] == "0000000":
        return "порядковый номер в номере дела не может быть 0000000"
    expected = luhn_check_digit(digits[:17])
    if digits[17] != expected:
        return f"неверная контрольная цифра номера дела: указано {digits[17]}, должно быть {expected}"
    return None


def is_valid_case_number(value: str) -> bool:
    """``True`` when ``validate_case_number`` finds nothing wrong."""
    return validate_case_number(value) is None


def parse_case_number(value: str) -> CaseNumber:
    """Take a valid case number apart.

    Raises:
        ValueError: the number is invalid; the message is the reason from ``validate_case_number``.

    Examples:
        >>> parse_case_number("633670100012345679").sequence
        1234567
        >>> parse_case_number("633670100012345678")
        Traceback (most recent call last):
        ...
        ValueError: неверная контрольная цифра номера дела: указано 8, должно быть 9
    """
    reason = validate_case_number(value)
    if reason is not None:
        raise ValueError(reason)
    digits = _strip_separators(value)
    return CaseNumber(region=digits[:2], oktmo=digits[2:10], sequence=int(digits[10:17]), check_digit=digits[17])
