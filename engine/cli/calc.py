"""``mera calc`` and ``mera trace``: evaluate measures for a household file, or — when the
register is installed — for a person in the register (``--person``, optionally ``--save``).

The engine does not import the register: the register offers a ``calculate`` function through
the ``mera.register`` entry-point group, loaded only when ``--person`` is given.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import click

from engine.cli.common import load_household_or_exit, load_rules_or_exit, rules_option
from engine.evaluate import evaluate_all
from engine.periods import Month
from engine.result import STATUS_WORDS, Result


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> Month | None:
    if value is None:
        return None
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _calc_options(function):  # type: ignore[no-untyped-def]
    options = [
        click.option(
            "--household",
            "household_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Household snapshot (.json or .yaml).",
        ),
        click.option("--person", default=None, help="A person in the register (id or case number)."),
        click.option(
            "--period",
            default=None,
            callback=_month,
            help="Month to evaluate, YYYY-MM (a household file: default the month of its application).",
        ),
        click.option("--measure", "measure_codes", multiple=True, help="Measure code (repeatable)."),
        click.option("--all", "all_measures", is_flag=True, help="Every measure."),
        click.option("--member", default=None, help="With --household: only this member (person measures)."),
        rules_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def register_hook(name: str):  # type: ignore[no-untyped-def]
    """A function the register offers to the engine's commands, or a clear error without it."""
    for entry in entry_points(group="mera.register"):
        if entry.name == name:
            return entry.load()
    raise click.UsageError("the register is not installed: --person needs the registry package")


def _results(
    household_file: Path | None,
    person: str | None,
    period: Month | None,
    measure_codes: tuple[str, ...],
    all_measures: bool,
    member: str | None,
    rules_dir: Path | None,
    save: bool = False,
) -> tuple[list[Result], str, Month, list[int | None]]:
    if bool(measure_codes) == all_measures:
        raise click.UsageError("give --measure CODE or --all")
    if (household_file is None) == (person is None):
        raise click.UsageError("give --household FILE or --person ID")
    if save and person is None:
        raise click.UsageError("--save stores calculations made from the register: give --person")
    ruleset = load_rules_or_exit(rules_dir)
    for code in measure_codes:
        if code not in ruleset.measures:
            raise click.BadParameter(str(ruleset_error(ruleset, code)), param_hint="--measure")
    codes = list(measure_codes) if measure_codes else None
    if person is not None:
        if period is None:
            raise click.UsageError("give --period YYYY-MM")
        calculate = register_hook("calculate")
        results, ids = calculate(ruleset, person, period, codes, save)
        return results, ruleset.version, period, ids
    snapshot = load_household_or_exit(household_file)  # type: ignore[arg-type]
    if period is None:
        if snapshot.application is None:
            raise click.UsageError("give --period: the household has no application date")
        period = snapshot.application.month
    if member is not None and all(m.id != member for m in snapshot.members):
        raise click.BadParameter(f"no member {member!r} in the household", param_hint="--member")
    results = evaluate_all(ruleset, snapshot, period, codes, member)
    return results, ruleset.version, period, [None] * len(results)


def ruleset_error(ruleset, code: str) -> str:  # type: ignore[no-untyped-def]
    try:
        ruleset.measure(code)
    except KeyError as exc:
        return str(exc.args[0])
    return ""


@click.command()
@_calc_options
@click.option("--save", is_flag=True, help="With --person: store each calculation (replay it with `mera replay`).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document with the traces and the rules version.")
def calc(
    household_file: Path | None,
    person: str | None,
    period: Month | None,
    measure_codes: tuple[str, ...],
    all_measures: bool,
    member: str | None,
    rules_dir: Path | None,
    save: bool,
    as_json: bool,
) -> None:
    """Calculate measures for a household file or a person in the register, for a month."""
    results, version, period, ids = _results(
        household_file, person, period, measure_codes, all_measures, member, rules_dir, save
    )
    source = str(household_file) if household_file else f"person {person}"
    if as_json:
        document = {
            "ruleset_version": version,
            "period": str(period),
            "household" if household_file else "person": source if household_file else person,
            "results": [
                result.as_dict() | ({"calculation_id": calculation_id} if calculation_id else {})
                for result, calculation_id in zip(results, ids, strict=True)
            ],
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    click.echo(f"{source}, period {period}, rules {version[:12]}")
    for result, calculation_id in zip(results, ids, strict=True):
        who = f" [{result.person}]" if result.person else ""
        line = f"  {result.measure}{who}: {STATUS_WORDS[result.status]}"
        if result.amount is not None:
            line += f", {result.amount} руб."
        if result.schedule is not None:
            end = result.schedule.end or "без срока"
            line += f" ({result.schedule.start} — {end})"
        if calculation_id:
            line += f"  [расчет № {calculation_id}]"
        click.echo(line)
        for reason in result.reasons:
            click.echo(f"      отказ: {reason}")
        for fact in result.missing:
            document = f" — документ: {fact.document_title or fact.document}" if fact.document else ""
            click.echo(f"      не хватает: {fact.description}{document}")
        if result.error:
            click.echo(f"      ошибка: {result.error}")
    eligible = [r for r in results if r.status == "eligible"]
    total = sum((r.amount for r in eligible if r.amount is not None), start=0)
    click.echo(f"{len(results)} result(s), {len(eligible)} eligible, total {total} руб.")


@click.command()
@_calc_options
def trace(
    household_file: Path | None,
    person: str | None,
    period: Month | None,
    measure_codes: tuple[str, ...],
    all_measures: bool,
    member: str | None,
    rules_dir: Path | None,
) -> None:
    """Show the step-by-step trace of each calculation as an indented tree."""
    results, _version, _period, _ids = _results(
        household_file, person, period, measure_codes, all_measures, member, rules_dir
    )
    click.echo("\n".join(result.render() for result in results))
