"""The household snapshot: what the rules read, validated against a JSON Schema.

A snapshot is plain data (from JSON, YAML or the register) turned into frozen dataclasses.
Unknown is not zero: facts left out stay ``None`` here and become *unknown* in evaluation,
so a rule that needs them is undetermined and names what is missing.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from engine.arithmetic import div
from engine.errors import SnapshotError
from engine.periods import Month, Window


@dataclass(frozen=True, slots=True)
class CategoryPeriod:
    code: str
    start: date | None
    end: date | None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class ReasonPeriod:
    """A period with an objective reason for having no income."""

    kind: str
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Disability:
    group: int | str  # 1, 2, 3 or "child"
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Pregnancy:
    registered_on: date
    weeks_at_registration: int
    expected_birth: date | None


@dataclass(frozen=True, slots=True)
class RealEstate:
    kind: str
    area: Decimal
    share: Decimal
    owner: str
    path: str


@dataclass(frozen=True, slots=True)
class Vehicle:
    kind: str
    year: int | None
    power_hp: int | None
    owner: str
    path: str


@dataclass(frozen=True, slots=True)
class Deposit:
    balance: Decimal
    owner: str
    path: str


@dataclass(frozen=True, slots=True)
class Document:
    kind: str
    series: str | None
    number: str | None
    issued_on: date | None
    valid_to: date | None


@dataclass(frozen=True, slots=True, eq=False)
class Member:
    id: str
    role: str
    birth_date: date
    sex: str
    categories: tuple[CategoryPeriod, ...] = ()
    incomes_declared: Window | None = None
    incomes: Mapping[Month, Mapping[str, Decimal]] = field(default_factory=dict)
    no_income_reasons: tuple[ReasonPeriod, ...] | None = None
    disability: Disability | None = None
    pregnancy: Pregnancy | None = None
    real_estate: tuple[RealEstate, ...] | None = None
    vehicles: tuple[Vehicle, ...] | None = None
    deposits: tuple[Deposit, ...] | None = None
    documents: tuple[Document, ...] = ()

    @property
    def path(self) -> str:
        return f"members[{self.id}]"


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    unit: str | None
    tariff: Decimal | None
    norm: Decimal | None
    volume: Decimal | None
    cost: Decimal
    path: str


@dataclass(frozen=True, slots=True)
class Housing:
    area: Decimal
    ownership: str | None
    registered_residents: int | None
    has_debts: bool | None
    services: tuple[Service, ...]
    path: str = "housing"


@dataclass(frozen=True, slots=True)
class Application:
    date: date
    measure: str | None

    @property
    def month(self) -> Month:
        return Month.of(self.date)

    path = "application"


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    region: str
    members: tuple[Member, ...]
    municipality: str | None = None
    application: Application | None = None
    housing: Housing | None = None
    id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the validated input

    path = "household"

    def with_application(self, day: date | None, measure: str | None) -> Snapshot:
        """The same household with another application (or none), without validating it again."""
        data = {key: value for key, value in self.data.items() if key != "application"}
        if day is None:
            return replace(self, application=None, data=data)
        data["application"] = {"date": day.isoformat(), "measure": measure}
        return replace(self, application=Application(day, measure), data=data)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def applicant(self) -> Member:
        for member in self.members:
            if member.role == "applicant":
                return member
        return self.members[0]

    def member(self, member_id: str) -> Member:
        for member in self.members:
            if member.id == member_id:
                return member
        raise KeyError(member_id)

    def _flatten(self, name: str) -> tuple | None:
        items: list = []
        for member in self.members:
            values = getattr(member, name)
            if values is None:
                return None
            items.extend(values)
        return tuple(items)

    @property
    def real_estate(self) -> tuple[RealEstate, ...] | None:
        return self._flatten("real_estate")

    @property
    def vehicles(self) -> tuple[Vehicle, ...] | None:
        return self._flatten("vehicles")

    @property
    def deposits(self) -> tuple[Deposit, ...] | None:
        return self._flatten("deposits")


@cache
def schema() -> dict[str, Any]:
    """The snapshot's JSON Schema (``engine/schemas/snapshot.schema.json``)."""
    text = resources.files("engine").joinpath("schemas/snapshot.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator():  # type: ignore[no-untyped-def]
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


@cache
def _fast_validator():  # type: ignore[no-untyped-def]
    """A compiled validator for the common case (valid input); about 10x faster than jsonschema.

    When it refuses, jsonschema walks the input again to name every bad field, not just one.
    """
    import fastjsonschema

    # a copy: fastjsonschema rewrites the $refs of the dict it compiles. No detailed exceptions:
    # they format every failed branch's name, and on a refusal jsonschema names the fields anyway.
    # Dates are parsed, and named, below.
    return fastjsonschema.compile(copy.deepcopy(schema()), use_formats=False, detailed_exceptions=False)


def _path_text(path: list[Any], data: Any) -> str:
    parts: list[str] = []
    node = data
    for element in path:
        if isinstance(element, int):
            label = f"[{element}]"
            if isinstance(node, list) and element < len(node) and isinstance(node[element], dict):
                member_id = node[element].get("id")
                if isinstance(member_id, str) and parts and parts[-1] == "members":
                    label = f"[{element}:{member_id}]"
            parts[-1:] = [(parts[-1] if parts else "") + label]
        else:
            parts.append(str(element))
        try:
            node = node[element]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts) or "(snapshot)"


def _schema_problems(data: Any) -> list[tuple[str, str]]:
    from jsonschema.exceptions import best_match

    problems: list[tuple[str, str]] = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        chosen = error
        if error.context:
            chosen = best_match(error.context) or error
        path = list(error.absolute_path) + list(chosen.relative_path if chosen is not error else [])
        message = chosen.message
        if chosen.validator == "pattern":
            message = f"{chosen.instance!r} has the wrong form"
            fmt = {
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "expected a date YYYY-MM-DD",
                "^[0-9]{4}-(0[1-9]|1[0-2])$": "expected a month YYYY-MM",
            }.get(chosen.validator_value)
            if fmt:
                message += f": {fmt}"
            elif "\\.[0-9]{1,2}" in str(chosen.validator_value):
                message += ": expected roubles with at most two decimals, such as '1234.56'"
        elif chosen.validator == "additionalProperties":
            message = message.replace("Additional properties are not allowed", "unknown field(s)")
        problems.append((_path_text(path, data), message))
    return problems


def _date(value: str, path: str, problems: list[tuple[str, str]]) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        problems.append((path, f"{value!r} is not a real calendar date"))
        return None


def _decimal(value: Any, path: str, problems: list[tuple[str, str]]) -> Decimal | None:
    if isinstance(value, float):
        problems.append((path, "a binary float is not accepted for money or quantities; use a decimal string"))
        return None
    if isinstance(value, str) and "/" in value:
        numerator, denominator = value.split("/", 1)
        return div(Decimal(numerator), Decimal(denominator))  # 1/3 → 0.3333333333, as the rules compute
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        problems.append((path, f"{value!r} is not a number"))
        return None
    if not result.is_finite():
        problems.append((path, f"{value!r} is not a finite number"))
        return None
    return result


def parse_snapshot(data: Mapping[str, Any]) -> Snapshot:
    """Validate plain data against the schema and build a :class:`Snapshot`.

    Raises :class:`SnapshotError` naming the path of every bad field, not just the first.
    """
    import fastjsonschema

    try:
        _fast_validator()(data)
    except fastjsonschema.JsonSchemaValueException:
        problems = _schema_problems(data) or [("(snapshot)", "does not match the snapshot schema")]
        raise SnapshotError(problems) from None
    problems = []
    members: list[Member] = []
    seen: set[str] = set()
    for index, raw in enumerate(data["members"]):
        member = _member(raw, f"members[{index}:{raw['id']}]", problems)
        if raw["id"] in seen:
            problems.append((f"members[{index}:{raw['id']}].id", f"duplicate member id {raw['id']!r}"))
        seen.add(raw["id"])
        if member is not None:
            members.append(member)
    applicants = [raw["id"] for raw in data["members"] if raw["role"] == "applicant"]
    if len(applicants) > 1:
        problems.append(("members", f"more than one applicant: {', '.join(applicants)}"))
    application = None
    if "application" in data:
        day = _date(data["application"]["date"], "application.date", problems)
        if day is not None:
            application = Application(day, data["application"].get("measure"))
    housing = _housing(data["housing"], problems) if "housing" in data else None
    if problems:
        raise SnapshotError(problems)
    return Snapshot(
        region=data["region"],
        members=tuple(members),
        municipality=data.get("municipality"),
        application=application,
        housing=housing,
        id=data.get("id"),
        data=data,
    )


def _range(raw: Mapping[str, Any], path: str, problems: list[tuple[str, str]]) -> tuple[date | None, date | None]:
    start = _date(raw["from"], f"{path}.from", problems) if raw.get("from") else None
    end = _date(raw["to"], f"{path}.to", problems) if raw.get("to") else None
    if start and end and end < start:
        problems.append((f"{path}.to", f"ends ({end}) before it starts ({start})"))
    return start, end


def _member(raw: Mapping[str, Any], path: str, problems: list[tuple[str, str]]) -> Member | None:
    before = len(problems)
    birth = _date(raw["birth_date"], f"{path}.birth_date", problems)
    member_id = raw["id"]
    categories: list[CategoryPeriod] = []
    for index, item in enumerate(raw.get("categories", [])):
        if isinstance(item, str):
            categories.append(CategoryPeriod(item, None, None))
        else:
            start, end = _range(item, f"{path}.categories[{index}]", problems)
            categories.append(CategoryPeriod(item["code"], start, end, item.get("document")))
    declared = None
    if "incomes_declared" in raw:
        first = Month.parse(raw["incomes_declared"]["from"])
        last = Month.parse(raw["incomes_declared"]["to"])
        if last < first:
            problems.append((f"{path}.incomes_declared.to", f"ends ({last}) before it starts ({first})"))
        else:
            declared = Window(first, last)
    incomes: dict[Month, dict[str, Decimal]] = {}
    for index, item in enumerate(raw.get("incomes", [])):
        item_path = f"{path}.incomes[{index}]"
        amount = _decimal(item["amount"], f"{item_path}.amount", problems)
        if amount is None:
            continue
        if "month" in item:
            months = [Month.parse(item["month"])]
        else:
            first, last = Month.parse(item["from"]), Month.parse(item["to"])
            if last < first:
                problems.append((f"{item_path}.to", f"ends ({last}) before it starts ({first})"))
                continue
            months = list(Window(first, last).months())
        for month in months:
            if declared is None or month not in declared:
                problems.append(
                    (
                        item_path,
                        f"income for {month} lies outside incomes_declared" + ("" if declared else " (not given)"),
                    )
                )
                break
            by_kind = incomes.setdefault(month, {})
            by_kind[item["kind"]] = by_kind.get(item["kind"], Decimal(0)) + amount
    reasons = None
    if "no_income_reasons" in raw:
        reasons = []
        for index, item in enumerate(raw["no_income_reasons"]):
            start, end = _range(item, f"{path}.no_income_reasons[{index}]", problems)
            if start is not None:
                reasons.append(ReasonPeriod(item["kind"], start, end))
        reasons = tuple(reasons)
    disability = None
    if raw.get("disability"):
        start, end = _range(raw["disability"], f"{path}.disability", problems)
        if start is not None:
            disability = Disability(raw["disability"]["group"], start, end)
    pregnancy = None
    if raw.get("pregnancy"):
        item = raw["pregnancy"]
        registered = _date(item["registered_on"], f"{path}.pregnancy.registered_on", problems)
        expected = (
            _date(item["expected_birth"], f"{path}.pregnancy.expected_birth", problems)
            if item.get("expected_birth")
            else None
        )
        if registered is not None:
            pregnancy = Pregnancy(registered, item["weeks_at_registration"], expected)
    real_estate = vehicles = deposits = None
    if "property" in raw:
        prop = raw["property"]
        real_estate = tuple(
            RealEstate(
                item["kind"],
                _decimal(item["area"], f"{path}.property.real_estate[{i}].area", problems) or Decimal(0),
                _decimal(item.get("share", 1), f"{path}.property.real_estate[{i}].share", problems) or Decimal(0),
                member_id,
                f"members[{member_id}].real_estate[{i}]",
            )
            for i, item in enumerate(prop.get("real_estate", []))
        )
        vehicles = tuple(
            Vehicle(
                item["kind"], item.get("year"), item.get("power_hp"), member_id, f"members[{member_id}].vehicles[{i}]"
            )
            for i, item in enumerate(prop.get("vehicles", []))
        )
        deposits = tuple(
            Deposit(
                _decimal(item["balance"], f"{path}.property.deposits[{i}].balance", problems) or Decimal(0),
                member_id,
                f"members[{member_id}].deposits[{i}]",
            )
            for i, item in enumerate(prop.get("deposits", []))
        )
    documents = []
    for index, item in enumerate(raw.get("documents", [])):
        item_path = f"{path}.documents[{index}]"
        documents.append(
            Document(
                item["kind"],
                item.get("series"),
                item.get("number"),
                _date(item["issued_on"], f"{item_path}.issued_on", problems) if "issued_on" in item else None,
                _date(item["valid_to"], f"{item_path}.valid_to", problems) if "valid_to" in item else None,
            )
        )
    if len(problems) > before or birth is None:
        return None
    return Member(
        id=member_id,
        role=raw["role"],
        birth_date=birth,
        sex=raw["sex"],
        categories=tuple(categories),
        incomes_declared=declared,
        incomes=incomes,
        no_income_reasons=reasons,
        disability=disability,
        pregnancy=pregnancy,
        real_estate=real_estate,
        vehicles=vehicles,
        deposits=deposits,
        documents=tuple(documents),
    )


def _housing(raw: Mapping[str, Any], problems: list[tuple[str, str]]) -> Housing | None:
    area = _decimal(raw["area"], "housing.area", problems)
    services = []
    codes: set[str] = set()
    for index, item in enumerate(raw.get("services", [])):
        path = f"housing.services[{index}]"
        if item["code"] in codes:
            problems.append((f"{path}.code", f"service {item['code']!r} listed twice"))
        codes.add(item["code"])
        values = {
            name: _decimal(item[name], f"{path}.{name}", problems) if name in item else None
            for name in ("tariff", "norm", "volume", "cost")
        }
        if values["cost"] is None:
            continue
        services.append(
            Service(
                item["code"],
                item.get("unit"),
                values["tariff"],
                values["norm"],
                values["volume"],
                values["cost"],
                f"housing.services[{item['code']}]",
            )
        )
    if area is None:
        return None
    return Housing(area, raw.get("ownership"), raw.get("registered_residents"), raw.get("has_debts"), tuple(services))


def load_snapshot_file(path: str) -> Snapshot:
    """Read a snapshot from a ``.json`` or ``.yaml`` file (YAML through the strict loader)."""
    with open(path, "rb") as handle:
        data = handle.read()
    if path.endswith((".yaml", ".yml")):
        from engine.plain import plain_from_yaml_bytes

        return parse_snapshot(plain_from_yaml_bytes(data, path))
    try:
        return parse_snapshot(json.loads(data.decode("utf-8-sig"), parse_float=Decimal))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError([("(file)", f"not valid JSON: {exc}")]) from None
