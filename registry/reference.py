"""Reference books of a social-protection case file, as data in code.

Document kinds (with subkinds and the rules a document's series, number and dates obey),
entitlement categories, income kinds, objective reasons for having no income, regions and the
municipalities of the Samara region. These are the seeds: an administrator edits copies in the
database later, and the codes here are the ones the rules (``rules/``) and snapshots use.

Every validation rule names its legal source in ``DocumentRules.source`` or in a comment.
Messages are in Russian, for the person who keys the document in.

Examples:
    >>> DOCUMENT_KINDS["passport"].title
    'паспорт гражданина Российской Федерации'
    >>> validate_document("passport", None, "3612", "123456", date(2008, 6, 1), None,
    ...                   birth_date=date(1988, 5, 12), on=date(2026, 3, 10))
    []
    >>> validate_document("passport", None, "361", "123456", date(2008, 6, 1), None)
    [('series', 'серия «361» не соответствует формату: 4 цифры')]
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from registry.identifiers import validate_bank_account, validate_inn_person, validate_snils

Presence = Literal["none", "optional", "required"]
Problem = tuple[str, str]  # (field, reason); field is a parameter name of ``validate_document``


# ---------------------------------------------------------------------------------------------
# Document kinds
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentRules:
    """What a document's series, number and dates must look like.

    Patterns are full-match regular expressions applied after removing whitespace;
    ``*_format`` says the same thing in words for the error message.
    """

    source: str  # the legal act the rules come from
    series: Presence = "none"
    series_label: str = "серия"  # what the series field holds, for messages
    series_pattern: str | None = None  # None: any text
    series_format: str = ""
    number: Presence = "required"
    number_label: str = "номер"
    number_pattern: str | None = None  # None: any text
    number_format: str = ""
    number_check: str | None = None  # a key of NUMBER_CHECKS, run when the pattern passes
    is_issue_date_required: bool = True
    validity_end: Presence = "none"  # whether ``valid_to`` must, may or must not be given
    max_validity_years: int | None = None
    is_validity_to_month_start: bool = False  # the term runs to the 1st of the following month
    is_authority_required: bool = True  # the issuing authority must be recorded
    issued_from: date | None = None  # first day such documents are issued
    issued_until: date | None = None  # last day such documents were issued


@dataclass(frozen=True, slots=True)
class Subkind:
    code: str
    title: str
    rules: DocumentRules | None = None  # None: the kind's rules


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """A kind of document in a personal file.

    Examples:
        >>> list(DOCUMENT_KINDS["disability"].subkind_titles)
        ['group_1', 'group_2', 'group_3', 'child']
        >>> DOCUMENT_KINDS["birth_certificate"].rules_for("russian").series_pattern is not None
        True
    """

    code: str
    title: str
    rules: DocumentRules
    subkinds: tuple[Subkind, ...] = ()
    is_subkind_required: bool = False

    @property
    def subkind_titles(self) -> dict[str, str]:
        return {sub.code: sub.title for sub in self.subkinds}

    def subkind(self, code: str) -> Subkind | None:
        return next((sub for sub in self.subkinds if sub.code == code), None)

    def rules_for(self, subkind: str | None) -> DocumentRules:
        """The subkind's own rules when it has them, else the kind's."""
        sub = self.subkind(subkind) if subkind is not None else None
        return sub.rules if sub is not None and sub.rules is not None else self.rules


# Civil-status certificates: the printed blank's series is a Roman numeral in Latin letters, a
# hyphen and two Cyrillic capitals ("IV-ЕР"); the number has six digits. Forms under ФЗ от
# 15.11.1997 № 143-ФЗ «Об актах гражданского состояния», ст. 8.
_ROMAN = r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_CIVIL_SERIES = rf"(?=[IVXLCDM]){_ROMAN}-[А-ЯЁ]{{2}}"
_CIVIL_SERIES_FORMAT = "римское число латинскими буквами, дефис и две заглавные буквы кириллицы, например IV-ЕР"
_ZAGS = "ФЗ от 15.11.1997 № 143-ФЗ «Об актах гражданского состояния»"


def _civil(article: str) -> DocumentRules:
    return DocumentRules(
        source=f"{_ZAGS}, {article}",
        series="required",
        series_pattern=_CIVIL_SERIES,
        series_format=_CIVIL_SERIES_FORMAT,
        number_pattern=r"\d{6}",
        number_format="6 цифр",
    )


def _foreign_civil(article: str) -> DocumentRules:
    # Foreign certificates follow the issuing state's format; legalisation or apostille and a
    # certified translation are required (143-ФЗ, ст. 13), which the file records separately.
    return DocumentRules(source=f"{_ZAGS}, {article}, ст. 13", series="optional")


def _civil_kind(code: str, title: str, article: str) -> DocumentKind:
    return DocumentKind(
        code,
        title,
        _civil(article),
        (
            Subkind("russian", "выдано в Российской Федерации"),
            Subkind("foreign", "выдано компетентным органом иностранного государства", _foreign_civil(article)),
        ),
    )


def _plain(source: str, **changes: Any) -> DocumentRules:
    """Rules of a document with an optional free-form series and a free-form number."""
    return replace(DocumentRules(source=source, series="optional"), **changes)


_PASSPORT_SOURCE = (
    "ПП РФ от 23.12.2023 № 2267 «Положение о паспорте гражданина РФ» (до 06.01.2024 — ПП РФ от 08.07.1997 № 828)"
)
_VETERANS = "ФЗ от 12.01.1995 № 5-ФЗ «О ветеранах»"
_DISABILITY = "ПП РФ от 05.04.2022 № 588 «О признании лица инвалидом»"
_MIGRANTS = "ФЗ от 25.07.2002 № 115-ФЗ «О правовом положении иностранных граждан в РФ»"
_MILITARY = "ФЗ от 28.03.1998 № 53-ФЗ «О воинской обязанности и военной службе»"


def _disability(years: int | None) -> DocumentRules:
    # A group is set for 2 years (I) or 1 year (II, III), until the 1st day of the month after
    # the month of the next examination, or without a term; a disabled child, until 18 at most.
    return DocumentRules(
        source=_DISABILITY,
        series="optional",
        series_pattern=r"МСЭ-\d{4}",
        series_format="МСЭ-ГГГГ, например МСЭ-2021",
        validity_end="optional",
        max_validity_years=years,
        is_validity_to_month_start=years is not None,
    )


_KINDS: tuple[DocumentKind, ...] = (
    DocumentKind(
        "passport",
        "паспорт гражданина Российской Федерации",
        DocumentRules(
            source=_PASSPORT_SOURCE,
            series="required",
            series_pattern=r"\d{4}",
            series_format="4 цифры",
            number_pattern=r"\d{6}",
            number_format="6 цифр",
            # No printed end date: validity follows from age (see _passport_problems).
            issued_from=date(1997, 10, 1),  # the 1997 passport replaced the USSR one from 01.10.1997
        ),
    ),
    DocumentKind(
        "international_passport",
        "заграничный паспорт гражданина Российской Федерации",
        DocumentRules(
            # ФЗ от 15.08.1996 № 114-ФЗ, ст. 10: 5 years, 10 years with an electronic chip.
            source="ФЗ от 15.08.1996 № 114-ФЗ «О порядке выезда из РФ и въезда в РФ», ст. 10",
            series="required",
            series_pattern=r"\d{2}",
            series_format="2 цифры",
            number_pattern=r"\d{7}",
            number_format="7 цифр",
            validity_end="required",
            max_validity_years=10,
        ),
    ),
    DocumentKind(
        "foreign_identity",
        "документ иностранного гражданина или лица без гражданства",
        _plain(_MIGRANTS, validity_end="optional"),
        (
            # Since 01.11.2019 issued to foreign citizens without a term, to stateless persons for
            # 10 years (115-ФЗ, ст. 8 п. 4).
            Subkind(
                "residence_permit",
                "вид на жительство",
                DocumentRules(
                    source=f"{_MIGRANTS}, ст. 8",
                    series="required",
                    series_pattern=r"\d{2}",
                    series_format="2 цифры",
                    number_pattern=r"\d{7}",
                    number_format="7 цифр",
                    validity_end="optional",
                    max_validity_years=10,
                ),
            ),
            # Granted for three years (115-ФЗ, ст. 6 п. 4).
            Subkind(
                "temporary_residence_permit",
                "разрешение на временное проживание",
                _plain(f"{_MIGRANTS}, ст. 6", validity_end="required", max_validity_years=3),
            ),
            Subkind("foreign_passport", "паспорт иностранного гражданина", _plain(_MIGRANTS, validity_end="optional")),
            Subkind(
                "refugee_certificate",
                "удостоверение беженца",
                _plain("ФЗ от 19.02.1993 № 4528-1 «О беженцах»", validity_end="optional"),
            ),
            Subkind(
                "temporary_asylum_certificate",
                "свидетельство о предоставлении временного убежища",
                _plain("ФЗ от 19.02.1993 № 4528-1 «О беженцах», ст. 12", validity_end="required"),
            ),
        ),
        is_subkind_required=True,
    ),
    _civil_kind("birth_certificate", "свидетельство о рождении", "гл. II"),
    _civil_kind("marriage_certificate", "свидетельство о заключении брака", "гл. III"),
    _civil_kind("divorce_certificate", "свидетельство о расторжении брака", "гл. IV"),
    _civil_kind("death_certificate", "свидетельство о смерти", "гл. VIII"),
    _civil_kind("paternity_certificate", "свидетельство об установлении отцовства", "гл. VI"),
    _civil_kind("name_change_certificate", "свидетельство о перемене имени", "гл. VII"),
    DocumentKind(
        "civil_registry_statement",
        "справка органа ЗАГС",
        _plain(f"{_ZAGS}, ст. 9"),
        (
            Subkind("birth", "справка о рождении"),
            # Father entered from the mother's statement: the sole-mother case (143-ФЗ, ст. 17 п. 3).
            Subkind("birth_father_by_mother", "справка о рождении: сведения об отце внесены по заявлению матери"),
            Subkind("death", "справка о смерти"),
            Subkind("marriage", "справка о заключении брака"),
            Subkind("no_record", "извещение об отсутствии записи акта гражданского состояния"),
        ),
    ),
    DocumentKind(
        "snils",
        "СНИЛС",
        DocumentRules(
            source="ФЗ от 01.04.1996 № 27-ФЗ «Об индивидуальном (персонифицированном) учете»",
            number_check="snils",
            is_issue_date_required=False,
        ),
        (
            # The green card was replaced by a notice from 01.04.2019 (ФЗ от 01.04.2019 № 48-ФЗ).
            Subkind(
                "insurance_certificate",
                "страховое свидетельство обязательного пенсионного страхования",
                DocumentRules(
                    source="ФЗ от 01.04.1996 № 27-ФЗ; ФЗ от 01.04.2019 № 48-ФЗ",
                    number_check="snils",
                    is_issue_date_required=False,
                    issued_until=date(2019, 3, 31),
                ),
            ),
            Subkind(
                "registration_notice",
                "уведомление о регистрации в системе индивидуального учета (АДИ-РЕГ)",
                DocumentRules(
                    source="ФЗ от 01.04.1996 № 27-ФЗ; ФЗ от 01.04.2019 № 48-ФЗ",
                    number_check="snils",
                    is_issue_date_required=False,
                    issued_from=date(2019, 4, 1),
                ),
            ),
        ),
    ),
    DocumentKind(
        "inn",
        "ИНН физического лица (свидетельство или уведомление о постановке на учет)",
        DocumentRules(
            source="Налоговый кодекс РФ, ст. 84",
            number_pattern=r"\d{12}",
            number_format="12 цифр",
            number_check="inn_person",
            is_issue_date_required=False,
        ),
    ),
    DocumentKind(
        "disability",
        "справка МСЭ или выписка из реестра инвалидов",
        # Number length differs between blank series (UNCONFIRMED), so any number is accepted.
        _disability(None),
        (
            Subkind("group_1", "I группа", _disability(2)),
            Subkind("group_2", "II группа", _disability(1)),
            Subkind("group_3", "III группа", _disability(1)),
            Subkind("child", "категория «ребенок-инвалид»", _disability(None)),
        ),
        is_subkind_required=True,
    ),
    DocumentKind("labour_veteran_certificate", "удостоверение ветерана труда", _plain(f"{_VETERANS}, ст. 7")),
    DocumentKind(
        "veteran_certificate",
        "удостоверение ветерана (инвалида) войны, ветерана боевых действий, военной службы",
        _plain(_VETERANS),
        (
            Subkind("wwii_participant", "участник Великой Отечественной войны", _plain(f"{_VETERANS}, ст. 2")),
            Subkind("combat_veteran", "ветеран боевых действий", _plain(f"{_VETERANS}, ст. 3")),
            Subkind("military_service_veteran", "ветеран военной службы", _plain(f"{_VETERANS}, ст. 5")),
            Subkind("war_disabled", "инвалид войны", _plain(f"{_VETERANS}, ст. 14")),
            Subkind("siege_survivor", "житель блокадного Ленинграда", _plain(f"{_VETERANS}, ст. 18")),
            Subkind("home_front_worker", "труженик тыла", _plain(f"{_VETERANS}, ст. 20")),
            Subkind("war_victim_family", "член семьи погибшего (умершего) ветерана", _plain(f"{_VETERANS}, ст. 21")),
        ),
    ),
    DocumentKind(
        "large_family_certificate",
        "удостоверение многодетной семьи",
        # Status lasts until the youngest child is 18 (23 in full-time study); the form is regional.
        _plain(
            "Указ Президента РФ от 23.01.2024 № 63 «О мерах социальной поддержки многодетных семей»",
            validity_end="optional",
        ),
    ),
    DocumentKind(
        "chernobyl_certificate",
        "удостоверение лица, пострадавшего вследствие катастрофы на Чернобыльской АЭС",
        _plain("Закон РФ от 15.05.1991 № 1244-1", validity_end="optional"),
        (
            Subkind("liquidator", "участник ликвидации последствий катастрофы"),
            Subkind("evacuee", "эвакуированный или переселенный из зоны отчуждения"),
            Subkind("disabled", "инвалид вследствие чернобыльской катастрофы"),
            Subkind("zone_resident", "проживающий (работающий) в зоне радиоактивного загрязнения"),
        ),
    ),
    DocumentKind(
        "rehabilitation_certificate",
        "справка о реабилитации",
        _plain("Закон РФ от 18.10.1991 № 1761-1 «О реабилитации жертв политических репрессий»"),
        (
            Subkind("rehabilitated", "о реабилитации"),
            Subkind("repression_victim", "о признании пострадавшим от политических репрессий"),
        ),
    ),
    DocumentKind(
        "household_certificate",
        "справка о составе семьи или о регистрации",
        _plain("Закон РФ от 25.06.1993 № 5242-1; ПП РФ от 17.07.1995 № 713"),
        (
            Subkind("household_composition", "справка о составе семьи"),
            Subkind("residence_registration", "справка (свидетельство) о регистрации по месту жительства"),
            # Registration at a place of stay is always for a term (ПП № 713, п. 9).
            Subkind(
                "stay_registration",
                "свидетельство о регистрации по месту пребывания",
                _plain("Закон РФ от 25.06.1993 № 5242-1; ПП РФ от 17.07.1995 № 713", validity_end="required"),
            ),
        ),
    ),
    DocumentKind(
        "housing_title",
        "документ о праве на жилое помещение",
        _plain("Жилищный кодекс РФ; ФЗ от 13.07.2015 № 218-ФЗ «О государственной регистрации недвижимости»"),
        (
            Subkind(
                "egrn_extract",
                "выписка из ЕГРН",
                _plain("ФЗ от 13.07.2015 № 218-ФЗ (в силе с 01.01.2017)", issued_from=date(2017, 1, 1)),
            ),
            # Certificates of registered title were abolished from 15.07.2016 (ФЗ от 03.07.2016 № 360-ФЗ).
            Subkind(
                "ownership_certificate",
                "свидетельство о государственной регистрации права",
                _plain("ФЗ от 21.07.1997 № 122-ФЗ; ФЗ от 03.07.2016 № 360-ФЗ", issued_until=date(2016, 7, 14)),
            ),
            Subkind("social_rent_contract", "договор социального найма", _plain("Жилищный кодекс РФ, ст. 60")),
            Subkind("rent_contract", "договор найма (аренды)", _plain("Гражданский кодекс РФ, ст. 671")),
            # The occupancy warrant (ордер) ended with the Housing Code in force from 01.03.2005
            # (ФЗ от 29.12.2004 № 189-ФЗ).
            Subkind(
                "warrant",
                "ордер на жилое помещение",
                _plain("Жилищный кодекс РСФСР, ст. 47; ФЗ от 29.12.2004 № 189-ФЗ", issued_until=date(2005, 2, 28)),
            ),
        ),
        is_subkind_required=True,
    ),
    DocumentKind(
        "income_certificate",
        "справка о доходах",
        _plain("ПП РФ от 16.12.2022 № 2330 (сведения о доходах для назначения мер поддержки)", number="optional"),
    ),
    DocumentKind(
        "employment_record",
        "трудовая книжка или сведения о трудовой деятельности",
        _plain("Трудовой кодекс РФ, ст. 66, 66.1", number="optional", is_issue_date_required=False),
        (
            Subkind("labour_book", "трудовая книжка"),
            Subkind("work_record_info", "сведения о трудовой деятельности (СТД-Р, СТД-СФР)"),
        ),
    ),
    DocumentKind(
        "employer_statement",
        "справка или выписка из приказа работодателя",
        _plain("Трудовой кодекс РФ", number="optional"),
        (
            Subkind("parental_leave_order", "об отпуске по уходу за ребенком (ТК РФ, ст. 256)"),
            Subkind("part_time_order", "о работе на условиях неполного рабочего времени (ТК РФ, ст. 93)"),
            Subkind("dismissal", "об увольнении (ТК РФ, ст. 81, 84.1)"),
            Subkind("employment", "о работе и заработной плате"),
        ),
    ),
    DocumentKind(
        "employment_centre_statement",
        "справка центра занятости населения",
        _plain("ФЗ от 12.12.2023 № 565-ФЗ «О занятости населения в РФ»", validity_end="optional", number="optional"),
    ),
    DocumentKind(
        "pension_certificate",
        "пенсионное удостоверение или справка о назначении пенсии",
        _plain("ФЗ от 28.12.2013 № 400-ФЗ «О страховых пенсиях»", validity_end="optional"),
        (
            Subkind("pension_id", "пенсионное удостоверение"),
            Subkind("pension_statement", "справка о назначении (размере) пенсии"),
        ),
    ),
    DocumentKind(
        "sfr_statement",
        "справка (сведения) Социального фонда России",
        _plain("ФЗ от 17.07.1999 № 178-ФЗ «О государственной социальной помощи»", validity_end="optional"),
        (
            Subkind("nsu", "о наборе социальных услуг (178-ФЗ, ст. 6.2, 6.3)"),
            Subkind("edv", "о ежемесячной денежной выплате"),
            Subkind("care_compensation", "о компенсационной выплате по уходу"),
        ),
    ),
    DocumentKind(
        "maternity_capital_certificate",
        "государственный сертификат на материнский (семейный) капитал",
        _plain("ФЗ от 29.12.2006 № 256-ФЗ «О дополнительных мерах государственной поддержки семей, имеющих детей»"),
    ),
    DocumentKind(
        "education_certificate",
        "справка из образовательной организации",
        _plain("ФЗ от 29.12.2012 № 273-ФЗ «Об образовании в РФ»", validity_end="optional"),
        (
            Subkind("general", "общеобразовательная организация"),
            Subkind("vocational", "профессиональная образовательная организация"),
            Subkind("higher", "образовательная организация высшего образования"),
        ),
    ),
    DocumentKind(
        "medical_certificate",
        "справка (заключение) медицинской организации",
        _plain("ФЗ от 21.11.2011 № 323-ФЗ «Об основах охраны здоровья граждан в РФ»", validity_end="optional"),
        (
            Subkind("pregnancy_registration", "о постановке на учет по беременности"),
            Subkind("treatment", "о длительном лечении"),
            Subkind("care_need", "о нуждаемости в постороннем уходе"),
        ),
    ),
    DocumentKind(
        "court_decision",
        "решение (приговор) суда",
        _plain("Гражданский процессуальный кодекс РФ, ст. 198, 209; УПК РФ, ст. 390"),
        (
            Subkind("paternity", "об установлении отцовства"),
            Subkind("alimony", "о взыскании алиментов"),
            Subkind("family_member", "о признании членом семьи"),
            Subkind("missing_person", "о признании безвестно отсутствующим или умершим"),
            Subkind("parental_rights", "о лишении (ограничении) родительских прав"),
            Subkind("sentence", "приговор суда"),
        ),
    ),
    DocumentKind(
        "guardianship_document",
        "документ об опеке (попечительстве)",
        _plain("ФЗ от 24.04.2008 № 48-ФЗ «Об опеке и попечительстве»", validity_end="optional"),
        (
            Subkind("guardianship_act", "акт органа опеки о назначении опекуна (попечителя)"),
            Subkind("foster_agreement", "договор о приемной семье (СК РФ, ст. 152)"),
            Subkind("guardian_certificate", "удостоверение опекуна (попечителя)"),
        ),
    ),
    DocumentKind(
        "military_id",
        "военный билет или справка военного комиссариата",
        _plain(_MILITARY),
        (
            # Military ID: two Cyrillic capitals and a 7-digit number (forms of the Ministry of
            # Defence under 53-ФЗ).
            Subkind(
                "military_id",
                "военный билет",
                DocumentRules(
                    source=_MILITARY,
                    series="required",
                    series_pattern=r"[А-ЯЁ]{2}",
                    series_format="2 заглавные буквы кириллицы",
                    number_pattern=r"\d{7}",
                    number_format="7 цифр",
                ),
            ),
            Subkind("call_up_statement", "справка о призыве на военную службу"),
            Subkind(
                "mobilisation_statement",
                "справка о призыве на военную службу по мобилизации",
                _plain("ФЗ от 26.02.1997 № 31-ФЗ «О мобилизационной подготовке и мобилизации в РФ»"),
            ),
            Subkind("service_statement", "справка о прохождении военной службы (участии в СВО)"),
        ),
        is_subkind_required=True,
    ),
    DocumentKind(
        "bank_details",
        "банковские реквизиты",
        DocumentRules(
            # The series field holds the BIK, the number field the account; the account's key
            # per the Порядок ЦБ РФ от 08.09.1997 № 515.
            source="Положение Банка России от 27.02.2017 № 579-П; Порядок расчета контрольного ключа № 515",
            series="required",
            series_pattern=r"\d{9}",
            series_label="БИК",
            series_format="9 цифр",
            number_pattern=r"\d{20}",
            number_label="номер счета",
            number_format="20 цифр",
            number_check="bank_account",
            is_issue_date_required=False,
            is_authority_required=False,
        ),
    ),
)

DOCUMENT_KINDS: dict[str, DocumentKind] = {kind.code: kind for kind in _KINDS}


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _check_snils(series: str | None, number: str) -> list[Problem]:
    reason = validate_snils(number)
    return [("number", reason)] if reason else []


def _check_inn(series: str | None, number: str) -> list[Problem]:
    reason = validate_inn_person(number)
    return [("number", reason)] if reason else []


def _check_bank_account(series: str | None, number: str) -> list[Problem]:
    if series is None or not re.fullmatch(r"\d{9}", series):
        return []  # the series check has already said what is wrong with the BIK
    reason = validate_bank_account(series, number)
    return [("number", reason)] if reason else []


NUMBER_CHECKS: dict[str, Callable[[str | None, str], list[Problem]]] = {
    "snils": _check_snils,
    "inn_person": _check_inn,
    "bank_account": _check_bank_account,
}


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year.

    A term counted in years ends on the same day of the month, or the last day of the month
    when it has no such day (Гражданский кодекс РФ, ст. 192).

    Examples:
        >>> add_years(date(2004, 2, 29), 20), add_years(date(2004, 2, 29), 1)
        (datetime.date(2024, 2, 29), datetime.date(2005, 2, 28))
    """
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _next_month_start(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _years_text(years: int) -> str:
    return f"{years} года" if years % 10 == 1 and years % 100 != 11 else f"{years} лет"


def _unknown(code: str, known: list[str], what: str) -> str:
    close = difflib.get_close_matches(code, known, n=1)
    hint = f"; возможно, «{close[0]}»" if close else ""
    return f"неизвестный {what} «{code}»{hint}"


def _clean(value: str | None) -> str | None:
    """Whitespace removed; ``None`` for a missing or blank value."""
    if value is None:
        return None
    cleaned = re.sub(r"\s+", "", value)
    return cleaned or None


# Cyrillic letters that look like Roman numerals, and Latin ones that look like Cyrillic.
_CYRILLIC_ROMAN = set("ІХСМ")
_LATIN_LOOKALIKES = set("ABCEHKMOPTXY")


def _civil_series_reason(series: str) -> str:
    """A precise reason a civil-status series fails, for the usual typing mistakes."""
    roman, dash, letters = series.partition("-")
    if not dash:
        match = re.fullmatch(r"([IVXLCDM]+)([А-ЯЁ]{2})", series)
        if match:
            return f"в серии «{series}» нет дефиса: пишется {match[1]}-{match[2]}"
    elif any(ch in _CYRILLIC_ROMAN for ch in roman):
        return f"в серии «{series}» римское число набрано кириллицей: нужны латинские I, V, X, L, C"
    elif any(ch in _LATIN_LOOKALIKES for ch in letters):
        return f"в серии «{series}» после дефиса латинские буквы: нужны две заглавные буквы кириллицы"
    return f"серия «{series}» не соответствует формату: {_CIVIL_SERIES_FORMAT}"


def _series_problems(title: str, rules: DocumentRules, series: str | None) -> list[Problem]:
    if series is None:
        return [("series", f"не заполнено поле «{rules.series_label}»")] if rules.series == "required" else []
    if rules.series == "none":
        return [("series", f"у документа «{title}» нет серии")]
    if rules.series_pattern is not None and not re.fullmatch(rules.series_pattern, series):
        if rules.series_pattern == _CIVIL_SERIES:
            return [("series", _civil_series_reason(series))]
        return [("series", f"{rules.series_label} «{series}» не соответствует формату: {rules.series_format}")]
    return []


def _number_problems(rules: DocumentRules, series: str | None, number: str | None) -> list[Problem]:
    if number is None:
        return [("number", f"не заполнено поле «{rules.number_label}»")] if rules.number == "required" else []
    if rules.number_pattern is not None and not re.fullmatch(rules.number_pattern, number):
        return [("number", f"{rules.number_label} «{number}» не соответствует формату: {rules.number_format}")]
    if rules.number_check is not None:
        return NUMBER_CHECKS[rules.number_check](series, number)
    return []


def _date_problems(
    titles: tuple[str, str],
    rules: DocumentRules,
    issued_on: date | None,
    valid_to: date | None,
    birth_date: date | None,
    on: date,
) -> list[Problem]:
    title, issue_title = titles  # the kind's title, and the subkind's when there is one
    problems: list[Problem] = []
    if issued_on is None:
        if rules.is_issue_date_required:
            problems.append(("issued_on", "не указана дата выдачи"))
    else:
        if issued_on > on:
            problems.append(("issued_on", f"дата выдачи {_d(issued_on)} позже даты проверки {_d(on)}"))
        if birth_date is not None and issued_on < birth_date:
            problems.append(("issued_on", f"дата выдачи {_d(issued_on)} раньше даты рождения {_d(birth_date)}"))
        if rules.issued_from is not None and issued_on < rules.issued_from:
            problems.append(("issued_on", f"документы «{issue_title}» выдаются с {_d(rules.issued_from)}"))
        if rules.issued_until is not None and issued_on > rules.issued_until:
            problems.append(("issued_on", f"документы «{issue_title}» выдавались по {_d(rules.issued_until)}"))
    if valid_to is None:
        if rules.validity_end == "required":
            problems.append(("valid_to", "не указан срок действия"))
        return problems
    if rules.validity_end == "none":
        problems.append(("valid_to", f"у документа «{title}» нет срока действия"))
        return problems
    if issued_on is not None and valid_to < issued_on:
        problems.append(("valid_to", f"срок действия {_d(valid_to)} раньше даты выдачи {_d(issued_on)}"))
    elif issued_on is not None and rules.max_validity_years is not None:
        limit = add_years(issued_on, rules.max_validity_years)
        if rules.is_validity_to_month_start:
            limit = _next_month_start(limit)
        if valid_to > limit:
            problems.append(
                (
                    "valid_to",
                    f"срок действия больше {_years_text(rules.max_validity_years)}: не позже {_d(limit)}",
                )
            )
    if valid_to < on:
        problems.append(("valid_to", f"срок действия истек {_d(valid_to)}"))
    return problems


# Replacement ages of the passport: issued at 14, replaced at 20 and at 45, then indefinite.
_PASSPORT_FIRST_AGE = 14
_PASSPORT_REPLACEMENT_AGES = (20, 45)
# A passport due for replacement stays valid until the new one is issued, at most 90 days after
# the birthday (ПП № 828, п. 7 as amended in 2021; ПП № 2267 keeps it).
_PASSPORT_GRACE = timedelta(days=90)


def _passport_problems(
    subkind: str | None, issued_on: date | None, valid_to: date | None, birth_date: date | None, on: date
) -> list[Problem]:
    if issued_on is None or birth_date is None or issued_on < birth_date:
        return []  # before birth is reported by the common date checks
    first = add_years(birth_date, _PASSPORT_FIRST_AGE)
    if issued_on < first:
        # A passport is issued to citizens who have reached 14 (Положение о паспорте, п. 1).
        return [("issued_on", f"паспорт выдан до 14 лет: 14 лет исполнилось {_d(first)}")]
    for age in _PASSPORT_REPLACEMENT_AGES:
        birthday = add_years(birth_date, age)
        if issued_on < birthday:
            last_valid = birthday + _PASSPORT_GRACE
            if on > last_valid:
                return [
                    (
                        "issued_on",
                        f"паспорт недействителен с {_d(last_valid + timedelta(days=1))}: "
                        f"по достижении {age} лет его нужно было заменить в течение 90 дней",
                    )
                ]
            break
    return []


_ADULT_AGE = 18


def _disability_problems(
    subkind: str | None, issued_on: date | None, valid_to: date | None, birth_date: date | None, on: date
) -> list[Problem]:
    # Under 18 the category «ребенок-инвалид» is set, at most until 18; from 18 a group
    # (ПП РФ от 05.04.2022 № 588).
    if birth_date is None or subkind is None:
        return []
    adult_on = add_years(birth_date, _ADULT_AGE)
    problems: list[Problem] = []
    if subkind == "child":
        if issued_on is not None and issued_on >= adult_on:
            problems.append(
                (
                    "issued_on",
                    f"категория «ребенок-инвалид» устанавливается до 18 лет, а 18 лет исполнилось {_d(adult_on)}",
                )
            )
        if valid_to is not None and valid_to > adult_on:
            problems.append(
                ("valid_to", f"категория «ребенок-инвалид» устанавливается не дольше чем до 18 лет ({_d(adult_on)})")
            )
    elif issued_on is not None and issued_on < adult_on:
        problems.append(
            ("issued_on", f"группа инвалидности устанавливается с 18 лет, а 18 лет исполнится {_d(adult_on)}")
        )
    return problems


_KIND_PROBLEMS: dict[str, Callable[[str | None, date | None, date | None, date | None, date], list[Problem]]] = {
    "passport": _passport_problems,
    "disability": _disability_problems,
}


def validate_document(
    kind: str,
    subkind: str | None,
    series: str | None,
    number: str | None,
    issued_on: date | None,
    valid_to: date | None,
    birth_date: date | None = None,
    on: date | None = None,
) -> list[tuple[str, str]]:
    """Everything wrong with a document record, as ``(field, reason)`` pairs; empty when valid.

    Args:
        kind: a code of ``DOCUMENT_KINDS``.
        subkind: a subkind code of that kind, or ``None``.
        series, number: as printed; whitespace inside is ignored. For ``bank_details`` the
            series is the BIK and the number the account.
        issued_on, valid_to: issue date and the last day of validity, if any.
        birth_date: the holder's birth date; enables the age rules (passport, disability).
        on: the date the document must be valid at; today when ``None``.

    The issuing authority is not passed in, so ``DocumentRules.is_authority_required`` is left
    to the form that collects it.

    Examples:
        >>> validate_document("birth_certificate", "russian", "IV-ЕР", "123456", date(2016, 7, 1), None,
        ...                   birth_date=date(2016, 6, 20), on=date(2026, 3, 10))
        []
        >>> for field, reason in validate_document("birth_certificate", "russian", "IVЕР", "12345", None, None):
        ...     print(field, reason)
        series в серии «IVЕР» нет дефиса: пишется IV-ЕР
        number номер «12345» не соответствует формату: 6 цифр
        issued_on не указана дата выдачи
        >>> validate_document("pasport", None, None, None, None, None)
        [('kind', 'неизвестный вид документа «pasport»; возможно, «passport»')]
    """
    on = on if on is not None else date.today()
    spec = DOCUMENT_KINDS.get(kind)
    if spec is None:
        return [("kind", _unknown(kind, list(DOCUMENT_KINDS), "вид документа"))]
    if subkind is None:
        if spec.is_subkind_required:
            return [("subkind", f"для документа «{spec.title}» нужен подвид: {', '.join(spec.subkind_titles)}")]
        issue_title = spec.title
    else:
        sub = spec.subkind(subkind)
        if sub is None:
            if not spec.subkinds:
                return [("subkind", f"у документа «{spec.title}» нет подвидов")]
            codes = list(spec.subkind_titles)
            close = difflib.get_close_matches(subkind, codes, n=1)
            hint = f"возможно, «{close[0]}»" if close else f"есть: {', '.join(codes)}"
            return [("subkind", f"у документа «{spec.title}» нет подвида «{subkind}»; {hint}")]
        issue_title = sub.title
    rules = spec.rules_for(subkind)
    series, number = _clean(series), _clean(number)
    problems = _series_problems(spec.title, rules, series)
    problems += _number_problems(rules, series, number)
    problems += _date_problems((spec.title, issue_title), rules, issued_on, valid_to, birth_date, on)
    extra = _KIND_PROBLEMS.get(kind)
    if extra is not None:
        problems += extra(subkind, issued_on, valid_to, birth_date, on)
    return problems


# ---------------------------------------------------------------------------------------------
# Entitlement categories, income kinds, reasons for having no income
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntitlementCategory:
    """A category of person the rules test with ``has_category``, and the document that proves it."""

    code: str
    title: str
    proof_kind: str  # a code of DOCUMENT_KINDS
    proof_subkind: str | None
    source: str


_CATEGORIES: tuple[EntitlementCategory, ...] = (
    EntitlementCategory("labour_veteran", "ветеран труда", "labour_veteran_certificate", None, f"{_VETERANS}, ст. 7"),
    EntitlementCategory(
        "pensioner", "пенсионер", "pension_certificate", "pension_statement", "ФЗ от 28.12.2013 № 400-ФЗ"
    ),
    EntitlementCategory(
        "sole_parent",
        "одинокий родитель",
        "civil_registry_statement",
        "birth_father_by_mother",
        f"{_ZAGS}, ст. 17 п. 3",
    ),
    EntitlementCategory(
        "full_time_student", "обучающийся по очной форме", "education_certificate", None, "ФЗ от 29.12.2012 № 273-ФЗ"
    ),
    EntitlementCategory(
        "insured_on_parental_leave",
        "застрахованное лицо в отпуске по уходу за ребенком",
        "employer_statement",
        "parental_leave_order",
        "ФЗ от 19.05.1995 № 81-ФЗ «О государственных пособиях гражданам, имеющим детей», ст. 13",
    ),
    EntitlementCategory(
        "dismissed_on_liquidation",
        "уволенный в связи с ликвидацией организации",
        "employment_record",
        None,
        "ФЗ от 19.05.1995 № 81-ФЗ, ст. 13; Трудовой кодекс РФ, ст. 81 ч. 1 п. 1",
    ),
    EntitlementCategory(
        "maternity_capital_received",
        "получивший право на материнский (семейный) капитал",
        "maternity_capital_certificate",
        None,
        "ФЗ от 29.12.2006 № 256-ФЗ",
    ),
    EntitlementCategory(
        "part_time_employment",
        "работающий на условиях неполного рабочего времени",
        "employer_statement",
        "part_time_order",
        "Трудовой кодекс РФ, ст. 93, 256",
    ),
    EntitlementCategory(
        "nsu_cash_medicines",
        "отказ от набора социальных услуг в части лекарств (деньгами)",
        "sfr_statement",
        "nsu",
        "ФЗ от 17.07.1999 № 178-ФЗ, ст. 6.2 ч. 1 п. 1, ст. 6.3",
    ),
    EntitlementCategory(
        "nsu_cash_sanatorium",
        "отказ от набора социальных услуг в части санаторно-курортного лечения (деньгами)",
        "sfr_statement",
        "nsu",
        "ФЗ от 17.07.1999 № 178-ФЗ, ст. 6.2 ч. 1 п. 1.1, ст. 6.3",
    ),
    EntitlementCategory(
        "nsu_cash_travel",
        "отказ от набора социальных услуг в части проезда (деньгами)",
        "sfr_statement",
        "nsu",
        "ФЗ от 17.07.1999 № 178-ФЗ, ст. 6.2 ч. 1 п. 2, ст. 6.3",
    ),
    EntitlementCategory(
        "edv_other_ground_chosen",
        "ЕДВ получает по другому основанию",
        "sfr_statement",
        "edv",
        "ФЗ от 24.11.1995 № 181-ФЗ, ст. 28.1; ФЗ от 12.01.1995 № 5-ФЗ, ст. 23.1",
    ),
    EntitlementCategory(
        "large_family",
        "многодетная семья",
        "large_family_certificate",
        None,
        "Указ Президента РФ от 23.01.2024 № 63",
    ),
    EntitlementCategory(
        "disabled_child_parent",
        "родитель (законный представитель) ребенка-инвалида",
        "disability",
        "child",
        "ФЗ от 24.11.1995 № 181-ФЗ «О социальной защите инвалидов в РФ»",
    ),
    EntitlementCategory(
        "combat_veteran", "ветеран боевых действий", "veteran_certificate", "combat_veteran", f"{_VETERANS}, ст. 3"
    ),
    EntitlementCategory(
        "wwii_participant",
        "участник Великой Отечественной войны",
        "veteran_certificate",
        "wwii_participant",
        f"{_VETERANS}, ст. 2",
    ),
    EntitlementCategory("war_disabled", "инвалид войны", "veteran_certificate", "war_disabled", f"{_VETERANS}, ст. 14"),
    EntitlementCategory(
        "siege_survivor",
        "житель блокадного Ленинграда",
        "veteran_certificate",
        "siege_survivor",
        f"{_VETERANS}, ст. 18",
    ),
    EntitlementCategory(
        "home_front_worker", "труженик тыла", "veteran_certificate", "home_front_worker", f"{_VETERANS}, ст. 20"
    ),
    EntitlementCategory(
        "military_service_veteran",
        "ветеран военной службы",
        "veteran_certificate",
        "military_service_veteran",
        f"{_VETERANS}, ст. 5",
    ),
    EntitlementCategory(
        "war_victim_family",
        "член семьи погибшего (умершего) инвалида войны, участника ВОВ, ветерана боевых действий",
        "veteran_certificate",
        "war_victim_family",
        f"{_VETERANS}, ст. 21",
    ),
    EntitlementCategory(
        "chernobyl",
        "пострадавший вследствие катастрофы на Чернобыльской АЭС",
        "chernobyl_certificate",
        None,
        "Закон РФ от 15.05.1991 № 1244-1",
    ),
    EntitlementCategory(
        "rehabilitated",
        "реабилитированное лицо",
        "rehabilitation_certificate",
        "rehabilitated",
        "Закон РФ от 18.10.1991 № 1761-1",
    ),
    EntitlementCategory(
        "repression_victim",
        "признанный пострадавшим от политических репрессий",
        "rehabilitation_certificate",
        "repression_victim",
        "Закон РФ от 18.10.1991 № 1761-1",
    ),
    EntitlementCategory(
        "conscript_spouse",
        "супруга военнослужащего, проходящего военную службу по призыву",
        "military_id",
        "call_up_statement",
        "ФЗ от 19.05.1995 № 81-ФЗ, гл. IV.1",
    ),
    EntitlementCategory(
        "svo_participant",
        "участник специальной военной операции",
        "military_id",
        "service_statement",
        f"{_VETERANS}, ст. 3; законы субъекта РФ о мерах поддержки участников СВО",
    ),
    EntitlementCategory(
        "guardian", "опекун (попечитель)", "guardianship_document", "guardianship_act", "ФЗ от 24.04.2008 № 48-ФЗ"
    ),
    EntitlementCategory(
        "foster_parent", "приемный родитель", "guardianship_document", "foster_agreement", "Семейный кодекс РФ, ст. 152"
    ),
)

ENTITLEMENT_CATEGORIES: dict[str, EntitlementCategory] = {category.code: category for category in _CATEGORIES}


@dataclass(frozen=True, slots=True)
class IncomeKind:
    code: str
    title: str


INCOME_KINDS: dict[str, IncomeKind] = {
    kind.code: kind
    for kind in (
        IncomeKind("wages", "заработная плата и иные выплаты по трудовому договору"),
        IncomeKind("sick_leave", "пособие по временной нетрудоспособности"),
        IncomeKind("self_employment", "доход от профессиональной деятельности (налог на профессиональный доход)"),
        IncomeKind("business", "доход от предпринимательской деятельности"),
        IncomeKind("stipend", "стипендия"),
        IncomeKind("pension", "пенсия и компенсационные выплаты к ней"),
        IncomeKind("deposit_interest", "проценты по вкладам (счетам) в банках"),
        IncomeKind("maternity_benefit", "пособие по беременности и родам"),
        IncomeKind("alimony", "алименты"),
        IncomeKind("unemployment_benefit", "пособие по безработице"),
        IncomeKind("social_benefit", "социальные выплаты и пособия"),
        IncomeKind("other", "иные доходы"),
    )
}


# Housing: the right to live in a dwelling, and the utility services a housing measure counts.
# Code → (title, other spellings an import file may use).
OWNERSHIP = {
    "own": ("собственность", "собственник", "в собственности"),
    "social_rent": ("социальный наем", "социальный найм", "соцнайм"),
    "private_rent": ("коммерческий наем", "коммерческий найм", "аренда", "частный наем"),
    "cooperative": ("кооператив", "член жилищного кооператива", "ЖСК"),
    "service": ("служебное", "служебное жилье"),
}
UTILITY_SERVICES = {  # the service codes the housing rules read (rules/measures/*/housing_*, *utilities*)
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


@dataclass(frozen=True, slots=True)
class NoIncomeReason:
    """An objective reason for having no income in a period, and the document that proves it."""

    code: str
    title: str
    proof_kind: str
    proof_subkind: str | None


NO_INCOME_REASONS: dict[str, NoIncomeReason] = {
    reason.code: reason
    for reason in (
        NoIncomeReason(
            "registered_unemployment",
            "зарегистрирован безработным в центре занятости",
            "employment_centre_statement",
            None,
        ),
        NoIncomeReason("child_care_under_3", "уход за ребенком до 3 лет", "birth_certificate", None),
        NoIncomeReason("disabled_child_care", "уход за ребенком-инвалидом", "disability", "child"),
        NoIncomeReason(
            "disabled_care", "уход за инвалидом I группы или лицом старше 80 лет", "sfr_statement", "care_compensation"
        ),
        NoIncomeReason("full_time_study", "очное обучение", "education_certificate", None),
        NoIncomeReason("medical_treatment", "длительное лечение", "medical_certificate", "treatment"),
        NoIncomeReason("conscript_service", "военная служба по призыву", "military_id", "call_up_statement"),
        NoIncomeReason("imprisonment", "отбывание наказания или содержание под стражей", "court_decision", "sentence"),
        NoIncomeReason("pregnancy", "беременность", "medical_certificate", "pregnancy_registration"),
        NoIncomeReason("mobilised", "призыв на военную службу по мобилизации", "military_id", "mobilisation_statement"),
    )
}


# ---------------------------------------------------------------------------------------------
# Regions and Samara municipalities
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # two digits, as in the tax and address registers (ФНС, ГАР); "00" is the country
    name: str


# Codes of subjects of the Russian Federation as the tax service and the address register (ГАР)
# use them. Codes of merged subjects (80–82, 84, 85, 88) are gone and left out.
REGIONS: dict[str, Region] = {
    code: Region(code, name)
    for code, name in (
        ("00", "Российская Федерация"),
        ("01", "Республика Адыгея"),
        ("02", "Республика Башкортостан"),
        ("03", "Республика Бурятия"),
        ("04", "Республика Алтай"),
        ("05", "Республика Дагестан"),
        ("06", "Республика Ингушетия"),
        ("07", "Кабардино-Балкарская Республика"),
        ("08", "Республика Калмыкия"),
        ("09", "Карачаево-Черкесская Республика"),
        ("10", "Республика Карелия"),
        ("11", "Республика Коми"),
        ("12", "Республика Марий Эл"),
        ("13", "Республика Мордовия"),
        ("14", "Республика Саха (Якутия)"),
        ("15", "Республика Северная Осетия — Алания"),
        ("16", "Республика Татарстан"),
        ("17", "Республика Тыва"),
        ("18", "Удмуртская Республика"),
        ("19", "Республика Хакасия"),
        ("20", "Чеченская Республика"),
        ("21", "Чувашская Республика"),
        ("22", "Алтайский край"),
        ("23", "Краснодарский край"),
        ("24", "Красноярский край"),
        ("25", "Приморский край"),
        ("26", "Ставропольский край"),
        ("27", "Хабаровский край"),
        ("28", "Амурская область"),
        ("29", "Архангельская область"),
        ("30", "Астраханская область"),
        ("31", "Белгородская область"),
        ("32", "Брянская область"),
        ("33", "Владимирская область"),
        ("34", "Волгоградская область"),
        ("35", "Вологодская область"),
        ("36", "Воронежская область"),
        ("37", "Ивановская область"),
        ("38", "Иркутская область"),
        ("39", "Калининградская область"),
        ("40", "Калужская область"),
        ("41", "Камчатский край"),
        ("42", "Кемеровская область — Кузбасс"),
        ("43", "Кировская область"),
        ("44", "Костромская область"),
        ("45", "Курганская область"),
        ("46", "Курская область"),
        ("47", "Ленинградская область"),
        ("48", "Липецкая область"),
        ("49", "Магаданская область"),
        ("50", "Московская область"),
        ("51", "Мурманская область"),
        ("52", "Нижегородская область"),
        ("53", "Новгородская область"),
        ("54", "Новосибирская область"),
        ("55", "Омская область"),
        ("56", "Оренбургская область"),
        ("57", "Орловская область"),
        ("58", "Пензенская область"),
        ("59", "Пермский край"),
        ("60", "Псковская область"),
        ("61", "Ростовская область"),
        ("62", "Рязанская область"),
        ("63", "Самарская область"),
        ("64", "Саратовская область"),
        ("65", "Сахалинская область"),
        ("66", "Свердловская область"),
        ("67", "Смоленская область"),
        ("68", "Тамбовская область"),
        ("69", "Тверская область"),
        ("70", "Томская область"),
        ("71", "Тульская область"),
        ("72", "Тюменская область"),
        ("73", "Ульяновская область"),
        ("74", "Челябинская область"),
        ("75", "Забайкальский край"),
        ("76", "Ярославская область"),
        ("77", "г. Москва"),
        ("78", "г. Санкт-Петербург"),
        ("79", "Еврейская автономная область"),
        ("83", "Ненецкий автономный округ"),
        ("86", "Ханты-Мансийский автономный округ — Югра"),
        ("87", "Чукотский автономный округ"),
        ("89", "Ямало-Ненецкий автономный округ"),
        ("90", "Запорожская область"),  # UNCONFIRMED
        ("91", "Республика Крым"),
        ("92", "г. Севастополь"),
        ("93", "Донецкая Народная Республика"),  # UNCONFIRMED
        ("94", "Луганская Народная Республика"),  # UNCONFIRMED
        ("95", "Херсонская область"),  # UNCONFIRMED
    )
}


def validate_region(code: str) -> str | None:
    """Why ``code`` is not a known region code, or ``None``.

    Examples:
        >>> validate_region("63") is None
        True
        >>> validate_region("81")
        'неизвестный код региона «81»'
    """
    if code in REGIONS:
        return None
    return f"неизвестный код региона «{code}»"


@dataclass(frozen=True, slots=True)
class Municipality:
    oktmo: str
    name: str
    region: str
    is_urban_district: bool  # городской округ; otherwise муниципальный район


# The 10 urban districts and 27 municipal districts of the Samara region. Only Samara's OKTMO is
# confirmed; the others follow the classifier's pattern (366xx000 districts in alphabetical
# order, 367xx000 urban districts) and must be checked against ОК 033-2013 before use.
SAMARA_MUNICIPALITIES: dict[str, Municipality] = {
    m.oktmo: m
    for m in (
        Municipality("36701000", "городской округ Самара", "63", True),
        Municipality("36704000", "городской округ Жигулевск", "63", True),  # UNCONFIRMED
        Municipality("36708000", "городской округ Кинель", "63", True),  # UNCONFIRMED
        Municipality("36713000", "городской округ Новокуйбышевск", "63", True),  # UNCONFIRMED
        Municipality("36716000", "городской округ Октябрьск", "63", True),  # UNCONFIRMED
        Municipality("36718000", "городской округ Отрадный", "63", True),  # UNCONFIRMED
        Municipality("36724000", "городской округ Похвистнево", "63", True),  # UNCONFIRMED
        Municipality("36735000", "городской округ Сызрань", "63", True),  # UNCONFIRMED
        Municipality("36740000", "городской округ Тольятти", "63", True),  # UNCONFIRMED
        Municipality("36750000", "городской округ Чапаевск", "63", True),  # UNCONFIRMED
        Municipality("36602000", "муниципальный район Алексеевский", "63", False),  # UNCONFIRMED
        Municipality("36604000", "муниципальный район Безенчукский", "63", False),  # UNCONFIRMED
        Municipality("36606000", "муниципальный район Богатовский", "63", False),  # UNCONFIRMED
        Municipality("36608000", "муниципальный район Большеглушицкий", "63", False),  # UNCONFIRMED
        Municipality("36610000", "муниципальный район Большечерниговский", "63", False),  # UNCONFIRMED
        Municipality("36612000", "муниципальный район Борский", "63", False),  # UNCONFIRMED
        Municipality("36614000", "муниципальный район Волжский", "63", False),  # UNCONFIRMED
        Municipality("36616000", "муниципальный район Елховский", "63", False),  # UNCONFIRMED
        Municipality("36618000", "муниципальный район Исаклинский", "63", False),  # UNCONFIRMED
        Municipality("36620000", "муниципальный район Камышлинский", "63", False),  # UNCONFIRMED
        Municipality("36622000", "муниципальный район Кинельский", "63", False),  # UNCONFIRMED
        Municipality("36624000", "муниципальный район Кинель-Черкасский", "63", False),  # UNCONFIRMED
        Municipality("36626000", "муниципальный район Клявлинский", "63", False),  # UNCONFIRMED
        Municipality("36628000", "муниципальный район Кошкинский", "63", False),  # UNCONFIRMED
        Municipality("36630000", "муниципальный район Красноармейский", "63", False),  # UNCONFIRMED
        Municipality("36632000", "муниципальный район Красноярский", "63", False),  # UNCONFIRMED
        Municipality("36634000", "муниципальный район Нефтегорский", "63", False),  # UNCONFIRMED
        Municipality("36636000", "муниципальный район Пестравский", "63", False),  # UNCONFIRMED
        Municipality("36638000", "муниципальный район Похвистневский", "63", False),  # UNCONFIRMED
        Municipality("36640000", "муниципальный район Приволжский", "63", False),  # UNCONFIRMED
        Municipality("36642000", "муниципальный район Сергиевский", "63", False),  # UNCONFIRMED
        Municipality("36644000", "муниципальный район Ставропольский", "63", False),  # UNCONFIRMED
        Municipality("36646000", "муниципальный район Сызранский", "63", False),  # UNCONFIRMED
        Municipality("36648000", "муниципальный район Хворостянский", "63", False),  # UNCONFIRMED
        Municipality("36650000", "муниципальный район Челно-Вершинский", "63", False),  # UNCONFIRMED
        Municipality("36652000", "муниципальный район Шенталинский", "63", False),  # UNCONFIRMED
        Municipality("36654000", "муниципальный район Шигонский", "63", False),  # UNCONFIRMED
    )
}
