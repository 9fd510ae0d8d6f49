"""Services that add persons and households to the register, one at a time (forms, tests,
small imports). Bulk paths use ``registry.bulk``; both assign case numbers the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.identifiers import make_case_number, normalize_snils, validate_bank_account, validate_snils
from registry.models import BankAccount, CaseCounter, Household, Membership, Municipality, Person, PostalDelivery
from registry.reference import SAMARA_MUNICIPALITIES


class RegisterError(ValueError):
    """A change the register refuses; ``problems`` lists (field, reason)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))


def sync_reference(session: Session) -> int:
    """Add the municipalities of the reference book that the database lacks; return how many."""
    known = set(session.execute(select(Municipality.oktmo)).scalars())
    missing = [m for m in SAMARA_MUNICIPALITIES.values() if m.oktmo not in known]
    session.add_all(Municipality(oktmo=m.oktmo, region=m.region, name=m.name) for m in missing)
    session.flush()  # the counters refer to the municipalities
    session.add_all(CaseCounter(oktmo=m.oktmo, last=0) for m in missing)
    session.flush()
    return len(missing)


def next_case_numbers(session: Session, oktmo: str, count: int) -> list[str]:
    """Reserve ``count`` personal case numbers in a municipality (the counter row is locked)."""
    municipality = session.get(Municipality, oktmo)
    if municipality is None:
        raise RegisterError([("municipality", f"нет муниципального образования с ОКТМО {oktmo}")])
    counter = session.execute(
        select(CaseCounter).where(CaseCounter.oktmo == oktmo).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        counter = CaseCounter(oktmo=oktmo, last=0)
        session.add(counter)
    first = counter.last + 1
    counter.last += count
    session.flush()
    return [make_case_number(municipality.region, oktmo, sequence) for sequence in range(first, first + count)]


@dataclass(frozen=True, slots=True)
class NewPerson:
    last_name: str
    first_name: str
    birth_date: date
    sex: str
    municipality: str
    middle_name: str | None = None
    snils: str | None = None
    registration_address: str | None = None
    residence_address: str | None = None


def register_person(session: Session, new: NewPerson) -> Person:
    """Add a person: SNILS checked and unique, name and birth date not already registered."""
    problems: list[tuple[str, str]] = []
    snils = None
    if new.snils:
        snils = normalize_snils(new.snils)
        reason = validate_snils(snils)
        if reason:
            problems.append(("snils", reason))
        elif session.execute(select(Person.id).where(Person.snils == snils)).first():
            problems.append(("snils", "человек с таким СНИЛС уже есть в регистре"))
    if new.sex not in ("M", "F"):
        problems.append(("sex", "пол: M или F"))
    if new.birth_date > date.today():
        problems.append(("birth_date", "дата рождения в будущем"))
    same = session.execute(
        select(Person.case_number).where(
            Person.last_name == new.last_name,
            Person.first_name == new.first_name,
            Person.middle_name == new.middle_name,
            Person.birth_date == new.birth_date,
        )
    ).first()
    if same:
        problems.append(("last_name", f"человек с теми же ФИО и датой рождения уже есть (дело {same[0]})"))
    if problems:
        raise RegisterError(problems)
    (case_number,) = next_case_numbers(session, new.municipality, 1)
    person = Person(
        case_number=case_number,
        snils=snils,
        last_name=new.last_name,
        first_name=new.first_name,
        middle_name=new.middle_name,
        birth_date=new.birth_date,
        sex=new.sex,
        municipality=new.municipality,
        registration_address=new.registration_address,
        residence_address=new.residence_address,
    )
    session.add(person)
    session.flush()
    return person


def create_household(
    session: Session, reference: str, municipality: str, members: list[tuple[Person, str]], since: date
) -> Household:
    """A household of persons with their roles (exactly one applicant), from a date."""
    roles = [role for _person, role in members]
    if roles.count("applicant") != 1:
        raise RegisterError([("role", "в семье должен быть ровно один заявитель")])
    place = session.get(Municipality, municipality)
    if place is None:
        raise RegisterError([("municipality", f"нет муниципального образования с ОКТМО {municipality}")])
    household = Household(reference=reference, region=place.region, municipality=municipality)
    session.add(household)
    session.flush()
    for person, role in members:
        session.add(Membership(household_id=household.id, person_id=person.id, role=role, valid_from=since))
    session.flush()
    return household


def add_bank_account(session: Session, person_id: int, bik: str, account: str, valid_from: date) -> BankAccount:
    """A person's account for payments: BIK and account number checked by the control key; the
    previous account ends the day before."""
    bik = "".join(bik.split())
    account = "".join(account.split())
    reason = validate_bank_account(bik, account)
    if reason:
        raise RegisterError([("account", reason)])
    for current in session.execute(
        select(BankAccount).where(BankAccount.person_id == person_id, BankAccount.valid_to.is_(None))
    ).scalars():
        if current.valid_from >= valid_from:
            raise RegisterError([("valid_from", "новый счет должен действовать позже текущего")])
        current.valid_to = valid_from - timedelta(days=1)
    record = BankAccount(person_id=person_id, bik=bik, account=account, valid_from=valid_from)
    session.add(record)
    session.flush()
    return record


def add_postal_delivery(
    session: Session, person_id: int, post_index: str, address: str, valid_from: date
) -> PostalDelivery:
    """Delivery through a post office instead of a bank account."""
    if not (len(post_index) == 6 and post_index.isdigit()):
        raise RegisterError([("post_index", "почтовый индекс — шесть цифр")])
    if not address.strip():
        raise RegisterError([("address", "нужен адрес доставки")])
    record = PostalDelivery(person_id=person_id, post_index=post_index, address=address.strip(), valid_from=valid_from)
    session.add(record)
    session.flush()
    return record
