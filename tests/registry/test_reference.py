"""Reference books: consistency with the rules and examples, and the document rules case by case."""

from __future__ import annotations

import doctest
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from registry import reference
from registry.identifiers import validate_oktmo
from registry.reference import (
    DOCUMENT_KINDS,
    ENTITLEMENT_CATEGORIES,
    INCOME_KINDS,
    NO_INCOME_REASONS,
    NUMBER_CHECKS,
    REGIONS,
    SAMARA_MUNICIPALITIES,
    add_years,
    validate_document,
    validate_region,
)

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # the snapshot schema's "code"
ON = date(2026, 3, 10)


def test_docstring_examples_hold():
    result = doctest.testmod(reference)
    assert result.attempted > 5
    assert result.failed == 0


# --- the books themselves ---------------------------------------------------------------------


def test_document_kinds_cover_a_social_protection_file():
    required = {
        "passport",
        "birth_certificate",
        "snils",
        "disability",
        "labour_veteran_certificate",
        "large_family_certificate",
        "marriage_certificate",
        "divorce_certificate",
        "death_certificate",
        "paternity_certificate",
        "name_change_certificate",
        "household_certificate",
        "housing_title",
        "income_certificate",
        "employment_record",
        "pension_certificate",
        "education_certificate",
        "court_decision",
        "guardianship_document",
        "international_passport",
        "foreign_identity",
        "military_id",
        "bank_details",
    }
    assert required <= set(DOCUMENT_KINDS)
    assert len(DOCUMENT_KINDS) >= 21


@pytest.mark.parametrize("kind", DOCUMENT_KINDS.values(), ids=lambda kind: kind.code)
def test_each_document_kind_is_well_formed(kind):
    assert CODE.match(kind.code)
    assert kind.title
    codes = [sub.code for sub in kind.subkinds]
    assert len(codes) == len(set(codes))
    assert all(CODE.match(code) for code in codes)
    assert not kind.is_subkind_required or kind.subkinds
    for rules in [kind.rules, *(sub.rules for sub in kind.subkinds if sub.rules is not None)]:
        assert rules.source, f"{kind.code}: every rule names its legal source"
        for pattern in (rules.series_pattern, rules.number_pattern):
            if pattern is not None:
                re.compile(pattern)
        assert rules.series_pattern is None or rules.series_format
        assert rules.number_pattern is None or rules.number_format
        assert rules.number_check is None or rules.number_check in NUMBER_CHECKS
        assert rules.max_validity_years is None or rules.validity_end != "none"


def test_subkinds_named_in_the_brief_exist():
    assert set(DOCUMENT_KINDS["birth_certificate"].subkind_titles) == {"russian", "foreign"}
    assert set(DOCUMENT_KINDS["disability"].subkind_titles) == {"group_1", "group_2", "group_3", "child"}


@pytest.mark.parametrize(
    ("book", "proof"),
    [
        *[(f"category {c.code}", (c.proof_kind, c.proof_subkind)) for c in ENTITLEMENT_CATEGORIES.values()],
        *[(f"no-income reason {r.code}", (r.proof_kind, r.proof_subkind)) for r in NO_INCOME_REASONS.values()],
    ],
)
def test_every_proof_document_exists(book, proof):
    kind, subkind = proof
    assert kind in DOCUMENT_KINDS, book
    assert subkind is None or DOCUMENT_KINDS[kind].subkind(subkind) is not None, book


def test_categories_include_those_the_rules_use_and_the_common_others():
    used = {
        "labour_veteran",
        "pensioner",
        "sole_parent",
        "full_time_student",
        "insured_on_parental_leave",
        "dismissed_on_liquidation",
        "maternity_capital_received",
        "part_time_employment",
        "nsu_cash_medicines",
        "nsu_cash_sanatorium",
        "nsu_cash_travel",
    }
    common = {
        "large_family",
        "disabled_child_parent",
        "combat_veteran",
        "chernobyl",
        "rehabilitated",
        "home_front_worker",
    }
    assert used | common <= set(ENTITLEMENT_CATEGORIES)
    assert all(CODE.match(code) and category.title for code, category in ENTITLEMENT_CATEGORIES.items())


def test_income_kinds_and_no_income_reasons_are_exactly_the_agreed_codes():
    assert set(INCOME_KINDS) == {
        "wages",
        "sick_leave",
        "self_employment",
        "business",
        "stipend",
        "pension",
        "deposit_interest",
        "maternity_benefit",
        "alimony",
        "unemployment_benefit",
        "social_benefit",
        "other",
    }
    assert set(NO_INCOME_REASONS) == {
        "registered_unemployment",
        "child_care_under_3",
        "disabled_child_care",
        "disabled_care",
        "full_time_study",
        "medical_treatment",
        "conscript_service",
        "imprisonment",
        "pregnancy",
        "mobilised",
    }
    assert all(kind.title for kind in INCOME_KINDS.values())
    assert all(reason.title for reason in NO_INCOME_REASONS.values())


def _quoted_codes(text: str) -> set[str]:
    return set(re.findall(r"'([a-z][a-z0-9_]*)'", text))


def test_every_code_the_shipped_rules_use_is_in_a_reference_book():
    categories, incomes, reasons = set(), set(), set()
    for path in sorted((ROOT / "rules").rglob("*.yaml")):
        text = path.read_text("utf-8")
        categories |= set(re.findall(r"has_category\((?:[^()',]+,\s*)?'([a-z0-9_]+)'", text))
        for call in re.findall(r"has_reason\([^)]*?kinds=\[([^\]]*)\]", text):
            reasons |= _quoted_codes(call)
        for call in re.findall(r"income\([^)]*?kinds=\[([^\]]*)\]", text):
            incomes |= _quoted_codes(call)
    assert categories, "the scan found no has_category calls: the pattern is out of date"
    assert categories - set(ENTITLEMENT_CATEGORIES) == set()
    assert incomes - set(INCOME_KINDS) == set()
    assert reasons - set(NO_INCOME_REASONS) == set()


def _example_members():
    for path in sorted((ROOT / "examples" / "households").glob("*.yaml")):
        household = yaml.safe_load(path.read_text("utf-8"))
        for member in household["members"]:
            yield path.name, household, member


def test_example_households_use_only_reference_codes():
    for name, household, member in _example_members():
        assert household["region"] in REGIONS, name
        for category in member.get("categories", []):
            code = category if isinstance(category, str) else category["code"]
            assert code in ENTITLEMENT_CATEGORIES, (name, code)
        for income in member.get("incomes", []):
            assert income["kind"] in INCOME_KINDS, (name, income)
        for reason in member.get("no_income_reasons", []):
            assert reason["kind"] in NO_INCOME_REASONS, (name, reason)


def test_example_households_documents_are_valid_on_the_application_date():
    for name, household, member in _example_members():
        for document in member.get("documents", []):
            problems = validate_document(
                document["kind"],
                document.get("subkind"),
                document.get("series"),
                document.get("number"),
                document.get("issued_on"),
                document.get("valid_to"),
                birth_date=member["birth_date"],
                on=household["application"]["date"],
            )
            assert problems == [], (name, member["id"], problems)


def test_regions():
    assert REGIONS["63"].name == "Самарская область"
    assert REGIONS["00"].name == "Российская Федерация"
    assert all(re.fullmatch(r"\d{2}", code) and region.code == code for code, region in REGIONS.items())
    assert len({region.name for region in REGIONS.values()}) == len(REGIONS)
    assert validate_region("63") is None
    assert validate_region("85") == "неизвестный код региона «85»"  # Усть-Ордынский округ, merged in 2008


def test_samara_municipalities():
    assert SAMARA_MUNICIPALITIES["36701000"].name == "городской округ Самара"
    assert sum(m.is_urban_district for m in SAMARA_MUNICIPALITIES.values()) == 10
    assert sum(not m.is_urban_district for m in SAMARA_MUNICIPALITIES.values()) == 27
    for oktmo, municipality in SAMARA_MUNICIPALITIES.items():
        assert validate_oktmo(oktmo) is None
        assert oktmo.startswith("367" if municipality.is_urban_district else "366"), oktmo
        assert (municipality.oktmo, municipality.region) == (oktmo, "63")


# --- validate_document ------------------------------------------------------------------------


def check(kind, subkind=None, series=None, number=None, issued_on=None, valid_to=None, birth_date=None, on=ON):
    return validate_document(kind, subkind, series, number, issued_on, valid_to, birth_date=birth_date, on=on)


BORN = date(2000, 1, 15)  # 14 on 15.01.2014, 20 on 15.01.2020, 45 on 15.01.2045


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # ПП № 2267 / № 828: series 4 digits, number 6 digits
        (("3612", "123456", date(2020, 2, 1)), []),
        (("36 12", "123 456", date(2020, 2, 1)), []),
        (("361", "123456", date(2020, 2, 1)), [("series", "серия «361» не соответствует формату: 4 цифры")]),
        (("3612", "12345", date(2020, 2, 1)), [("number", "номер «12345» не соответствует формату: 6 цифр")]),
        (
            (None, None, None),
            [
                ("series", "не заполнено поле «серия»"),
                ("number", "не заполнено поле «номер»"),
                ("issued_on", "не указана дата выдачи"),
            ],
        ),
        (
            ("3612", "123456", date(2013, 12, 1)),
            [("issued_on", "паспорт выдан до 14 лет: 14 лет исполнилось 15.01.2014")],
        ),
        (
            ("3612", "123456", date(2026, 3, 11)),
            [("issued_on", "дата выдачи 11.03.2026 позже даты проверки 10.03.2026")],
        ),
    ],
)
def test_passport_series_number_and_issue_date(args, expected):
    assert check("passport", None, *args, birth_date=BORN) == expected


def test_passport_before_1997_form_is_refused():
    assert check(
        "passport", None, "3612", "123456", date(1997, 9, 30), birth_date=date(1970, 1, 1), on=date(1998, 1, 1)
    ) == [
        ("issued_on", "документы «паспорт гражданина Российской Федерации» выдаются с 01.10.1997"),
    ]


def test_passport_has_no_validity_end_date():
    assert check("passport", None, "3612", "123456", date(2020, 2, 1), date(2045, 1, 15), birth_date=BORN) == [
        ("valid_to", "у документа «паспорт гражданина Российской Федерации» нет срока действия"),
    ]


@pytest.mark.parametrize(
    ("issued_on", "on", "expected"),
    [
        # issued at 14: valid until 20, plus at most 90 days while it is being replaced
        (date(2014, 2, 1), date(2020, 1, 14), []),
        (date(2014, 2, 1), date(2020, 4, 14), []),  # 15.01.2020 + 90 days
        (
            date(2014, 2, 1),
            date(2020, 4, 15),
            [
                (
                    "issued_on",
                    "паспорт недействителен с 15.04.2020: "
                    "по достижении 20 лет его нужно было заменить в течение 90 дней",
                )
            ],
        ),
        # re-issued at 20: valid until 45 (+90 days)
        (date(2020, 2, 1), date(2045, 4, 15), []),
        (
            date(2020, 2, 1),
            date(2045, 4, 16),
            [
                (
                    "issued_on",
                    "паспорт недействителен с 16.04.2045: "
                    "по достижении 45 лет его нужно было заменить в течение 90 дней",
                )
            ],
        ),
        # issued on the 20th birthday itself: that is the passport for 20 to 45
        (date(2020, 1, 15), date(2030, 1, 1), []),
        # issued at 45: indefinite
        (date(2045, 2, 1), date(2090, 1, 1), []),
    ],
)
def test_passport_validity_follows_age(issued_on, on, expected):
    assert check("passport", None, "3612", "123456", issued_on, birth_date=BORN, on=on) == expected


@given(
    born=st.dates(min_value=date(1984, 1, 1), max_value=date(2010, 12, 31)),  # 14 after 01.10.1997
    issue_age_days=st.integers(min_value=0, max_value=60 * 366),
    checked_after_days=st.integers(min_value=0, max_value=80 * 366),
)
def test_passport_is_valid_exactly_until_90_days_after_the_next_replacement_age(
    born, issue_age_days, checked_after_days
):
    issued_on = add_years(born, 14) + timedelta(days=issue_age_days)
    on = issued_on + timedelta(days=checked_after_days)
    next_age = next((age for age in (20, 45) if issued_on < add_years(born, age)), None)
    expires = None if next_age is None else add_years(born, next_age) + timedelta(days=90)
    problems = check("passport", None, "3612", "123456", issued_on, birth_date=born, on=on)
    assert (problems == []) is (expires is None or on <= expires)


@pytest.mark.parametrize(
    ("subkind", "series", "number", "expected"),
    [
        ("russian", "IV-ЕР", "123456", []),
        ("russian", "XXI-ОВ", "654321", []),
        (None, "I-ЕР", "123456", []),
        ("russian", "IVЕР", "123456", [("series", "в серии «IVЕР» нет дефиса: пишется IV-ЕР")]),
        (
            "russian",
            "ІV-ЕР",  # Cyrillic І
            "123456",
            [("series", "в серии «ІV-ЕР» римское число набрано кириллицей: нужны латинские I, V, X, L, C")],
        ),
        (
            "russian",
            "IV-EP",  # Latin E and P
            "123456",
            [("series", "в серии «IV-EP» после дефиса латинские буквы: нужны две заглавные буквы кириллицы")],
        ),
        (
            "russian",
            "IIII-ЕР",  # not a Roman numeral
            "123456",
            [
                (
                    "series",
                    "серия «IIII-ЕР» не соответствует формату: римское число латинскими буквами, дефис и две "
                    "заглавные буквы кириллицы, например IV-ЕР",
                )
            ],
        ),
        ("russian", "IV-ЕР", "1234567", [("number", "номер «1234567» не соответствует формату: 6 цифр")]),
        ("foreign", "A-17", "2016/0042", []),
        ("foreign", None, "2016/0042", []),
    ],
)
def test_birth_certificate(subkind, series, number, expected):
    born = date(2016, 6, 20)
    assert check("birth_certificate", subkind, series, number, date(2016, 7, 1), birth_date=born) == expected


def test_a_document_cannot_be_issued_before_its_holder_was_born():
    assert check("birth_certificate", "russian", "IV-ЕР", "123456", date(2016, 6, 1), birth_date=date(2016, 6, 20)) == [
        ("issued_on", "дата выдачи 01.06.2016 раньше даты рождения 20.06.2016"),
    ]


@pytest.mark.parametrize(
    ("subkind", "series", "number", "issued_on", "expected"),
    [
        (None, None, "112-233-445 95", None, []),
        (
            None,
            None,
            "112-233-445 96",
            None,
            [("number", "неверное контрольное число СНИЛС: указано 96, должно быть 95")],
        ),
        (None, "12", "11223344595", None, [("series", "у документа «СНИЛС» нет серии")]),
        (None, None, None, None, [("number", "не заполнено поле «номер»")]),
        ("insurance_certificate", None, "11223344595", date(2005, 3, 1), []),
        (
            "insurance_certificate",
            None,
            "11223344595",
            date(2019, 4, 1),
            [
                (
                    "issued_on",
                    "документы «страховое свидетельство обязательного пенсионного страхования» "
                    "выдавались по 31.03.2019",
                )
            ],
        ),
        (
            "registration_notice",
            None,
            "11223344595",
            date(2019, 3, 31),
            [
                (
                    "issued_on",
                    "документы «уведомление о регистрации в системе индивидуального учета (АДИ-РЕГ)» выдаются с "
                    "01.04.2019",
                )
            ],
        ),
    ],
)
def test_snils_document(subkind, series, number, issued_on, expected):
    assert check("snils", subkind, series, number, issued_on) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("500100732259", []),
        ("500100732258", [("number", "неверные контрольные цифры ИНН: указано 58, должно быть 59")]),
        ("7707083893", [("number", "номер «7707083893» не соответствует формату: 12 цифр")]),
    ],
)
def test_inn_document(number, expected):
    assert check("inn", None, None, number) == expected


@pytest.mark.parametrize(
    ("bik", "account", "expected"),
    [
        ("049805746", "40602810700000000025", []),
        (
            "049805746",
            "40602810300000000025",
            [("number", "неверный контрольный ключ счета: 9-я цифра 3, должна быть 7 для БИК 049805746")],
        ),
        ("04980574", "40602810700000000025", [("series", "БИК «04980574» не соответствует формату: 9 цифр")]),
        (None, "40602810700000000025", [("series", "не заполнено поле «БИК»")]),
        (
            "049805746",
            "4060281070000000002",
            [("number", "номер счета «4060281070000000002» не соответствует формату: 20 цифр")],
        ),
    ],
)
def test_bank_details(bik, account, expected):
    assert check("bank_details", None, bik, account) == expected


ADULT = date(1980, 1, 1)


@pytest.mark.parametrize(
    ("subkind", "issued_on", "valid_to", "birth_date", "expected"),
    [
        # ПП № 588: group II and III for a year, group I for two, to the 1st of the next month
        ("group_2", date(2025, 3, 15), date(2026, 4, 1), ADULT, []),
        (
            "group_2",
            date(2025, 3, 15),
            date(2026, 4, 2),
            ADULT,
            [("valid_to", "срок действия больше 1 года: не позже 01.04.2026")],
        ),
        ("group_3", date(2025, 3, 15), None, ADULT, []),  # without a term
        ("group_1", date(2025, 3, 15), date(2027, 4, 1), ADULT, []),
        (
            "group_1",
            date(2025, 3, 15),
            date(2027, 4, 2),
            ADULT,
            [("valid_to", "срок действия больше 2 лет: не позже 01.04.2027")],
        ),
        ("group_1", date(2025, 12, 10), date(2028, 1, 1), ADULT, []),  # December rolls into January
        (
            "group_3",
            date(2025, 3, 15),
            None,
            date(2010, 1, 1),
            [("issued_on", "группа инвалидности устанавливается с 18 лет, а 18 лет исполнится 01.01.2028")],
        ),
        ("child", date(2025, 3, 15), date(2030, 1, 1), date(2012, 1, 1), []),
        (
            "child",
            date(2025, 3, 15),
            date(2030, 1, 2),
            date(2012, 1, 1),
            [("valid_to", "категория «ребенок-инвалид» устанавливается не дольше чем до 18 лет (01.01.2030)")],
        ),
        (
            "child",
            date(2025, 3, 15),
            None,
            date(2006, 1, 1),
            [("issued_on", "категория «ребенок-инвалид» устанавливается до 18 лет, а 18 лет исполнилось 01.01.2024")],
        ),
    ],
)
def test_disability(subkind, issued_on, valid_to, birth_date, expected):
    assert check("disability", subkind, "МСЭ-2024", "1234567", issued_on, valid_to, birth_date=birth_date) == expected


def test_disability_needs_a_group_and_a_well_formed_series():
    assert check("disability", None, None, "1234567", date(2025, 3, 15)) == [
        (
            "subkind",
            "для документа «справка МСЭ или выписка из реестра инвалидов» "
            "нужен подвид: group_1, group_2, group_3, child",
        )
    ]
    assert check("disability", "group_1", "МСЭ2024", "1234567", date(2025, 3, 15)) == [
        ("series", "серия «МСЭ2024» не соответствует формату: МСЭ-ГГГГ, например МСЭ-2021"),
    ]


@pytest.mark.parametrize(
    ("issued_on", "valid_to", "expected"),
    [
        (date(2020, 1, 1), date(2030, 1, 1), []),
        (date(2020, 1, 1), None, [("valid_to", "не указан срок действия")]),
        (date(2020, 1, 1), date(2030, 1, 2), [("valid_to", "срок действия больше 10 лет: не позже 01.01.2030")]),
        (date(2015, 1, 1), date(2025, 1, 1), [("valid_to", "срок действия истек 01.01.2025")]),
        (
            date(2020, 1, 1),
            date(2019, 1, 1),
            [
                ("valid_to", "срок действия 01.01.2019 раньше даты выдачи 01.01.2020"),
                ("valid_to", "срок действия истек 01.01.2019"),
            ],
        ),
    ],
)
def test_international_passport_validity(issued_on, valid_to, expected):
    assert check("international_passport", None, "75", "1234567", issued_on, valid_to) == expected


@pytest.mark.parametrize(
    ("kind", "subkind", "issued_on", "valid_to", "expected"),
    [
        ("foreign_identity", "foreign_passport", date(2020, 1, 1), None, []),
        (
            "foreign_identity",
            "temporary_residence_permit",
            date(2024, 1, 1),
            date(2027, 1, 2),
            [("valid_to", "срок действия больше 3 лет: не позже 01.01.2027")],
        ),
        (
            "foreign_identity",
            None,
            date(2024, 1, 1),
            None,
            [
                (
                    "subkind",
                    "для документа «документ иностранного гражданина или лица без гражданства» нужен подвид: "
                    "residence_permit, temporary_residence_permit, foreign_passport, refugee_certificate, "
                    "temporary_asylum_certificate",
                )
            ],
        ),
        ("housing_title", "warrant", date(2004, 5, 1), None, []),
        (
            "housing_title",
            "warrant",
            date(2006, 1, 1),
            None,
            [("issued_on", "документы «ордер на жилое помещение» выдавались по 28.02.2005")],
        ),
        (
            "housing_title",
            "ownership_certificate",
            date(2016, 7, 15),
            None,
            [("issued_on", "документы «свидетельство о государственной регистрации права» выдавались по 14.07.2016")],
        ),
        (
            "housing_title",
            "egrn_extract",
            date(2016, 12, 31),
            None,
            [("issued_on", "документы «выписка из ЕГРН» выдаются с 01.01.2017")],
        ),
        (
            "household_certificate",
            "stay_registration",
            date(2025, 1, 1),
            None,
            [("valid_to", "не указан срок действия")],
        ),
        (
            "labour_veteran_certificate",
            None,
            date(2010, 1, 1),
            date(2030, 1, 1),
            [("valid_to", "у документа «удостоверение ветерана труда» нет срока действия")],
        ),
    ],
)
def test_dated_rules_of_other_kinds(kind, subkind, issued_on, valid_to, expected):
    assert check(kind, subkind, None, "77-1", issued_on, valid_to) == expected


def test_residence_permit_series_and_number_format():
    assert check("foreign_identity", "residence_permit", "8", "123456", date(2020, 1, 1)) == [
        ("series", "серия «8» не соответствует формату: 2 цифры"),
        ("number", "номер «123456» не соответствует формату: 7 цифр"),
    ]


def test_military_id_format():
    assert check("military_id", "military_id", "АК", "1234567", date(2010, 1, 1)) == []
    assert check("military_id", "military_id", "AK", "1234567", date(2010, 1, 1)) == [
        ("series", "серия «AK» не соответствует формату: 2 заглавные буквы кириллицы"),
    ]


@pytest.mark.parametrize(
    ("kind", "subkind", "expected"),
    [
        ("pasport", None, [("kind", "неизвестный вид документа «pasport»; возможно, «passport»")]),
        ("zzz", None, [("kind", "неизвестный вид документа «zzz»")]),
        (
            "birth_certificate",
            "rusian",
            [("subkind", "у документа «свидетельство о рождении» нет подвида «rusian»; возможно, «russian»")],
        ),
        (
            "snils",
            "card",
            [("subkind", "у документа «СНИЛС» нет подвида «card»; есть: insurance_certificate, registration_notice")],
        ),
        (
            "inn",
            "paper",
            [
                (
                    "subkind",
                    "у документа «ИНН физического лица (свидетельство или уведомление о постановке на учет)» "
                    "нет подвидов",
                )
            ],
        ),
    ],
)
def test_unknown_kind_or_subkind_is_named_with_a_suggestion(kind, subkind, expected):
    assert check(kind, subkind, None, "1", date(2020, 1, 1)) == expected


def test_blank_series_and_number_count_as_missing():
    assert check("passport", None, "  ", "", date(2020, 2, 1), birth_date=BORN) == [
        ("series", "не заполнено поле «серия»"),
        ("number", "не заполнено поле «номер»"),
    ]


def test_validity_is_checked_against_today_by_default():
    expired = validate_document("international_passport", None, "75", "1234567", date(2000, 1, 1), date(2005, 1, 1))
    assert expired == [("valid_to", "срок действия истек 01.01.2005")]


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2004, 2, 29), 20, date(2024, 2, 29)),
        (date(2004, 2, 29), 1, date(2005, 2, 28)),  # ГК РФ ст. 192: the last day of the month
        (date(2000, 1, 15), 45, date(2045, 1, 15)),
    ],
)
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected
