"""Russian identifiers: published examples, exact reasons, and check-digit properties."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from registry import identifiers
from registry.identifiers import (
    CaseNumber,
    bank_account_key,
    format_snils,
    inn_organisation_check_digit,
    inn_person_check_digits,
    is_opened_in_bank_of_russia,
    is_valid_bank_account,
    is_valid_case_number,
    is_valid_inn,
    is_valid_oktmo,
    is_valid_region_code,
    is_valid_snils,
    luhn_check_digit,
    make_case_number,
    normalize_snils,
    parse_case_number,
    snils_check_number,
    validate_account_number,
    validate_bank_account,
    validate_bik,
    validate_case_number,
    validate_inn,
    validate_inn_organisation,
    validate_inn_person,
    validate_oktmo,
    validate_region_code,
    validate_snils,
)


def test_docstring_examples_hold():
    result = doctest.testmod(identifiers)
    assert result.attempted > 20
    assert result.failed == 0


def _replace(text: str, position: int, digit: str) -> str:
    return text[:position] + digit + text[position + 1 :]


# --- SNILS ------------------------------------------------------------------------------------


def _snils_sum(number: str) -> int:
    return sum(int(d) * w for d, w in zip(number, range(9, 0, -1), strict=True))


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("112233445", "95"),  # the Pension Fund's published example, sum 95 < 100
        ("041521340", "00"),  # sum exactly 100
        ("041521341", "00"),  # sum exactly 101
        ("123456789", "64"),  # sum 165 > 101: 165 mod 101
        ("017996174", "00"),  # sum 201: 201 mod 101 = 100, which gives 00
        ("087654303", "00"),  # sum 202: 202 mod 101 = 0
        ("001001999", "65"),  # the first checked number
    ],
)
def test_snils_check_number_follows_pension_fund_rule(number, expected):
    assert snils_check_number(number) == expected


def test_snils_check_number_sums_used_in_the_table_are_the_ones_claimed():
    assert [_snils_sum(n) for n in ("041521340", "041521341", "123456789", "017996174", "087654303")] == [
        100,
        101,
        165,
        201,
        202,
    ]


@pytest.mark.parametrize("bad", ["12345678", "1234567890", "12345678a", "１２３４５６７８９"])
def test_snils_check_number_rejects_anything_but_nine_ascii_digits(bad):
    with pytest.raises(ValueError, match="SNILS number must be 9 ASCII digits"):
        snils_check_number(bad)


@pytest.mark.parametrize(
    "value",
    [
        "112-233-445 95",
        "11223344595",
        " 112 233 445 95 ",
        "112-233-445\u00a095",
        "041-521-340 00",
        "123-456-789 64",
        "001-001-998 00",  # up to 001-001-998 the check number is not verified
        "001-001-998 17",
        "000-000-001 99",
    ],
)
def test_valid_snils(value):
    assert validate_snils(value) is None
    assert is_valid_snils(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "СНИЛС не указан"),
        ("   ", "СНИЛС не указан"),
        ("112-233-445 96", "неверное контрольное число СНИЛС: указано 96, должно быть 95"),
        ("112-233-445 59", "неверное контрольное число СНИЛС: указано 59, должно быть 95"),
        ("001-001-999 00", "неверное контрольное число СНИЛС: указано 00, должно быть 65"),
        ("112-233-445", "СНИЛС должен содержать 11 цифр, указано 9"),
        ("112233445950", "СНИЛС должен содержать 11 цифр, указано 12"),
        ("112-233-445 9О", "СНИЛС содержит недопустимый символ «О»"),  # Cyrillic О for zero
        ("112/233/445 95", "СНИЛС содержит недопустимый символ «/»"),
    ],
)
def test_invalid_snils_says_why(value, reason):
    assert validate_snils(value) == reason
    assert not is_valid_snils(value)


def test_snils_normalise_and_format():
    assert normalize_snils("112-233-445 95") == "11223344595"
    assert format_snils("11223344595") == "112-233-445 95"
    assert format_snils(" 112 233 445 95") == "112-233-445 95"


def test_format_snils_refuses_a_wrong_length_with_the_reason():
    with pytest.raises(ValueError, match="СНИЛС должен содержать 11 цифр, указано 10"):
        format_snils("1122334459")


snils_numbers = st.integers(min_value=1_001_999, max_value=999_999_999).map(lambda n: f"{n:09d}")


@given(snils_numbers)
def test_generated_snils_always_validates(number):
    snils = number + snils_check_number(number)
    assert validate_snils(snils) is None
    assert validate_snils(format_snils(snils)) is None


def test_snils_rule_cannot_see_a_plus_one_on_the_ninth_digit_between_sums_100_and_101():
    # A property of the Pension Fund rule itself, not a bug here: 100 and 101 both give 00.
    assert is_valid_snils("041-521-340 00")
    assert is_valid_snils("041-521-341 00")


@given(snils_numbers, st.integers(min_value=0, max_value=10), st.sampled_from("0123456789"))
@example("041521340", 8, "1")
@example("112233445", 9, "8")
def test_changing_one_snils_digit_makes_it_invalid(number, position, digit):
    snils = number + snils_check_number(number)
    assume(snils[position] != digit)
    changed = _replace(snils, position, digit)
    assume(int(changed[:9]) > 1_001_998)  # the unchecked range accepts any check number
    before, after = _snils_sum(snils[:9]) % 101, _snils_sum(changed[:9]) % 101
    # The only blind spot: the weight-1 digit moves the sum between ...100 and ...101 (mod 101).
    if position == 8 and {before, after} == {100, 0}:
        assert is_valid_snils(changed)
    else:
        assert not is_valid_snils(changed)


# --- INN --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["500100732259", "5001 0073 2259"])
def test_valid_person_inn(value):
    assert validate_inn_person(value) is None
    assert validate_inn(value) is None


@pytest.mark.parametrize("value", ["7707083893", "7830002293"])
def test_valid_organisation_inn(value):
    assert validate_inn_organisation(value) is None
    assert is_valid_inn(value)


@pytest.mark.parametrize(
    ("check", "value", "reason"),
    [
        (validate_inn_person, "500100732258", "неверные контрольные цифры ИНН: указано 58, должно быть 59"),
        (validate_inn_person, "500100732269", "неверные контрольные цифры ИНН: указано 69, должно быть 59"),
        (validate_inn_person, "50010073225", "ИНН физического лица должен содержать 12 цифр, указано 11"),
        (validate_inn_person, "7707083893", "ИНН физического лица должен содержать 12 цифр, указано 10"),
        (validate_inn_organisation, "7707083894", "неверная контрольная цифра ИНН: указано 4, должно быть 3"),
        (validate_inn_organisation, "500100732259", "ИНН организации должен содержать 10 цифр, указано 12"),
        (validate_inn, "77070838931", "ИНН должен содержать 10 или 12 цифр, указано 11"),
        (validate_inn, "", "ИНН не указан"),
        (validate_inn, "77O7083893", "ИНН содержит недопустимый символ «O»"),
    ],
)
def test_invalid_inn_says_why(check, value, reason):
    assert check(value) == reason


def test_inn_check_digits():
    assert inn_person_check_digits("5001007322") == "59"
    assert inn_organisation_check_digit("770708389") == "3"


ten_digits = st.text(alphabet="0123456789", min_size=10, max_size=10)


@given(ten_digits, st.sampled_from("0123456789"), st.sampled_from("0123456789"))
def test_generated_inns_validate_and_a_changed_check_digit_does_not(body, digit11, digit12):
    person = body + inn_person_check_digits(body)
    organisation = body[:9] + inn_organisation_check_digit(body[:9])
    assert validate_inn_person(person) is None
    assert validate_inn_organisation(organisation) is None
    assume(digit11 + digit12 != person[10:])
    assert validate_inn_person(body + digit11 + digit12) is not None


# --- BIK and bank account ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bik", "account"),
    [
        ("049805746", "40602810700000000025"),  # regulation № 515, example 3: a client account
        ("049805000", "30101810800000000746"),  # regulation № 515, example 1: a correspondent account in an RKC
        ("044525225", "30101810400000000225"),  # Sberbank's correspondent account, with Sberbank's BIK
        ("004525988", "40102810545370000003"),  # single treasury account (ЕКС) in Moscow
        ("013601205", "40102810545370000036"),  # single treasury account (ЕКС) in Samara
        ("013601205", "03100643000000014200"),  # treasury account: no key
        ("049805746", "4060 2810 7000 0000 0025"),
    ],
)
def test_valid_bank_accounts(bik, account):
    assert validate_bank_account(bik, account) is None
    assert is_valid_bank_account(bik, account)


@pytest.mark.parametrize(
    ("bik", "account", "reason"),
    [
        (
            "049805746",
            "40602810300000000025",
            "неверный контрольный ключ счета: 9-я цифра 3, должна быть 7 для БИК 049805746",
        ),
        (
            "049805747",
            "40602810700000000025",
            "неверный контрольный ключ счета: 9-я цифра 7, должна быть 6 для БИК 049805747",
        ),
        ("04980574", "40602810700000000025", "БИК должен содержать 9 цифр, указано 8"),
        ("", "40602810700000000025", "БИК не указан"),
        ("049805746", "4060281070000000002", "номер счета должен содержать 20 цифр, указано 19"),
        ("049805746", "4060281070000000002X", "номер счета содержит недопустимый символ «X»"),
    ],
)
def test_invalid_bank_account_says_why(bik, account, reason):
    assert validate_bank_account(bik, account) == reason


def test_the_rkc_rule_and_the_credit_organisation_rule_give_different_keys():
    assert bank_account_key("049805746", "40602810000000000025", in_bank_of_russia=False) == "7"
    assert bank_account_key("049805746", "40602810000000000025", in_bank_of_russia=True) == "9"
    assert bank_account_key("049805000", "30101810000000000746", in_bank_of_russia=True) == "8"
    assert (
        validate_bank_account("044525225", "30101810400000000225", in_bank_of_russia=False)
        == "неверный контрольный ключ счета: 9-я цифра 4, должна быть 6 для БИК 044525225"
    )


@pytest.mark.parametrize(
    ("bik", "account", "expected"),
    [
        ("044525225", "30101810400000000225", True),
        ("013601205", "40102810545370000036", True),
        ("049805000", "40602810000000000025", True),
        ("049805746", "40602810700000000025", False),
        ("044525225", "40817810000000000000", False),
    ],
)
def test_which_accounts_use_the_rkc_rule(bik, account, expected):
    assert is_opened_in_bank_of_russia(bik, account) is expected


def test_key_refuses_malformed_input():
    with pytest.raises(ValueError, match="BIK must be 9 ASCII digits"):
        bank_account_key("12345678", "40602810000000000025", in_bank_of_russia=False)
    with pytest.raises(ValueError, match="account number must be 20 ASCII digits"):
        bank_account_key("049805746", "4060281000000000002", in_bank_of_russia=False)


def test_bik_and_account_shapes():
    assert validate_bik("044525225") is None
    assert validate_account_number("40817810000000000000") is None


def _digits(count: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=count, max_size=count)


@given(_digits(9), _digits(20), st.booleans())
def test_an_account_with_its_computed_key_always_validates(bik, account, in_bank_of_russia):
    keyed = _replace(account, 8, bank_account_key(bik, account, in_bank_of_russia=in_bank_of_russia))
    assert validate_bank_account(bik, keyed, in_bank_of_russia=in_bank_of_russia) is None


@given(_digits(9), _digits(20), st.booleans(), st.integers(0, 19), st.sampled_from("0123456789"))
def test_changing_one_account_digit_makes_it_invalid(bik, account, in_bank_of_russia, position, digit):
    keyed = _replace(account, 8, bank_account_key(bik, account, in_bank_of_russia=in_bank_of_russia))
    assume(keyed[position] != digit)
    changed = _replace(keyed, position, digit)
    assert validate_bank_account(bik, changed, in_bank_of_russia=in_bank_of_russia) is not None


# --- OKTMO and region code --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("36701000", None),
        ("36701000001", None),
        ("3670100", "код ОКТМО должен содержать 8 или 11 цифр, указано 7"),
        ("367010000", "код ОКТМО должен содержать 8 или 11 цифр, указано 9"),
        ("3670100O", "код ОКТМО содержит недопустимый символ «O»"),
        ("", "код ОКТМО не указан"),
    ],
)
def test_oktmo(value, reason):
    assert validate_oktmo(value) == reason
    assert is_valid_oktmo(value) is (reason is None)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("63", None),
        ("00", None),
        ("6", "код региона должен содержать 2 цифры, указано 1"),
        ("063", "код региона должен содержать 2 цифры, указано 3"),
        ("6a", "код региона содержит недопустимый символ «a»"),
    ],
)
def test_region_code(value, reason):
    assert validate_region_code(value) == reason
    assert is_valid_region_code(value) is (reason is None)


# --- personal case number ---------------------------------------------------------------------


def test_luhn_matches_the_textbook_example():
    assert luhn_check_digit("7992739871") == "3"


@pytest.mark.parametrize(
    ("region", "oktmo", "sequence", "number"),
    [
        ("63", "36701000", 1, "633670100000000013"),
        ("63", "36701000", 1234567, "633670100012345679"),
        ("01", "00000000", 9_999_999, "010000000099999996"),
        ("99", "99999999", 1, "999999999900000018"),
    ],
)
def test_make_and_parse_case_number(region, oktmo, sequence, number):
    assert make_case_number(region, oktmo, sequence) == number
    parsed = parse_case_number(number)
    assert parsed == CaseNumber(region, oktmo, sequence, number[-1])
    assert str(parsed) == number


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("63-36701000-0000001-3", None),
        ("63 36701000 0000001 3", None),
        ("633670100000000014", "неверная контрольная цифра номера дела: указано 4, должно быть 3"),
        ("633670100000000031", "неверная контрольная цифра номера дела: указано 1, должно быть 9"),
        ("63367010000000001", "номер личного дела должен содержать 18 цифр, указано 17"),
        ("003670100000000015", "код региона в номере дела не может быть 00"),
        ("633670100000000006", "порядковый номер в номере дела не может быть 0000000"),
        ("63367010000000001Х", "номер личного дела содержит недопустимый символ «Х»"),
        ("", "номер личного дела не указан"),
    ],
)
def test_validate_case_number(value, reason):
    assert validate_case_number(value) == reason
    assert is_valid_case_number(value) is (reason is None)


@pytest.mark.parametrize(
    ("region", "oktmo", "sequence", "message"),
    [
        ("6", "36701000", 1, "region must be two digits other than '00'"),
        ("00", "36701000", 1, "region must be two digits other than '00'"),
        ("63", "36701000001", 1, "case number OKTMO must be 8 ASCII digits"),
        ("63", "36701000", 0, r"sequence must be within 1\.\.9999999, got 0"),
        ("63", "36701000", 10_000_000, r"sequence must be within 1\.\.9999999, got 10000000"),
    ],
)
def test_make_case_number_refuses_bad_parts(region, oktmo, sequence, message):
    with pytest.raises(ValueError, match=message):
        make_case_number(region, oktmo, sequence)


def test_parse_case_number_raises_the_reason():
    with pytest.raises(ValueError, match="неверная контрольная цифра номера дела: указано 4, должно быть 3"):
        parse_case_number("633670100000000014")


case_parts = st.tuples(
    st.integers(1, 99).map(lambda n: f"{n:02d}"),
    _digits(8),
    st.integers(1, 9_999_999),
)


@given(case_parts)
def test_generated_case_number_always_validates_and_parses_back(parts):
    region, oktmo, sequence = parts
    number = make_case_number(region, oktmo, sequence)
    assert validate_case_number(number) is None
    assert parse_case_number(number) == CaseNumber(region, oktmo, sequence, number[-1])


@given(case_parts, st.integers(0, 17), st.sampled_from("0123456789"))
def test_changing_one_case_number_digit_makes_it_invalid(parts, position, digit):
    number = make_case_number(*parts)
    assume(number[position] != digit)
    assert validate_case_number(_replace(number, position, digit)) is not None
