"""Deaths from the civil registry (ЕГР ЗАГС): a file of SNILS and dates of death.

A death changes the register rather than adding to it. Each good row sets the person's date of
death and ends every membership of theirs that was open after it on that day, so the household's
snapshots from the next day on no longer count them (family size, per-capita income) and the
person is calculated for no more: ``mera recalc`` then reports their own rights as lost. The
changes go through the ORM in the import's savepoint, so the audit log journals each one and a
failure leaves none.

A row is rejected, with its reason, when no person has the SNILS, when the date is before the
birth date or in the future, when another date of death is already registered, when a
membership of the person begins after the death (the composition of the family must be put right
first), or when the SNILS is repeated in the file. A row repeating the date already registered
changes nothing and is not an error: a feed may send a death twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.importing.checks import Frames, among, chunks, good_records, persons_by_snils, reject_repeats
from registry.importing.records import Record
from registry.models import Membership, Person


def load_deaths(session: Session, records: list[Record], as_of: date) -> Frames:
    """Check the rows and register the good ones' deaths (nothing is inserted: no frames)."""
    reject_repeats(records, lambda r: r.values["snils"], "snils", "СНИЛС")
    found = persons_by_snils(session, records)
    ids = sorted({found[r.values["snils"]][0] for r in records if r.values["snils"] in found})
    persons: dict[int, Person] = {}
    memberships: dict[int, list[Membership]] = defaultdict(list)
    for batch in chunks(ids):  # loaded once, as the objects the good rows then change
        persons.update((person.id, person) for person in session.scalars(select(Person).where(among(Person.id, batch))))
        for membership in session.scalars(select(Membership).where(among(Membership.person_id, batch))):
            memberships[membership.person_id].append(membership)
    for record in records:
        snils, died = record.values["snils"], record.values["death_date"]
        if snils not in found or died is None:
            continue
        person_id, born = found[snils]
        if died < born:
            record.reject("death_date", f"{died:%d.%m.%Y} — раньше даты рождения {born:%d.%m.%Y}")
            continue
        earlier = persons[person_id].death_date
        if earlier is not None and earlier != died:
            record.reject("death_date", f"уже зарегистрирована другая дата смерти: {earlier:%d.%m.%Y}")
            continue
        later = sorted(m.valid_from for m in memberships[person_id] if m.valid_from > died)
        if later:
            record.reject(
                "death_date", f"в составе семьи с {later[0]:%d.%m.%Y} — после даты смерти: исправьте состав семьи"
            )
    for record in good_records(records):
        person_id, _born = found[record.values["snils"]]
        died = record.values["death_date"]
        if persons[person_id].death_date == died:
            continue  # registered already: the feed sent it again
        persons[person_id].death_date = died
        for membership in memberships[person_id]:
            if membership.valid_to is None or membership.valid_to > died:
                membership.valid_to = died
    session.flush()
    return []


__all__ = ["load_deaths"]
