"""``mera calc`` and ``mera trace``: evaluate measures for a household file."""

from __future__ import annotations

import json
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
            required=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Household snapshot (.json or .yaml).",
        ),
        click.option(
            "--period",
            default=None,
            callback=_month,
            help="Month to evaluate, YYYY-MM (default: the month of the household's application).",
        ),
        click.option("--measure", "measure_codes", multiple=True, help="Measure code (repeatable)."),
        click.option("--all", "all_measures", is_flag=True, help="Every measure."),
        click.option("--person", default=None, help="Only this member (person measures)."),
        rules_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _results(
    household_file: Path,
    period: Month | None,
    measure_codes: tuple[str, ...],
    all_measures: bool,
    person: str | None,
    rules_dir: Path | None,
) -> tuple[list[Result], str, Month]:
    if bool(measure_codes) == all_measures:
        raise click.UsageError("give --measure CODE or --all")
    ruleset = load_rules_or_exit(rules_dir)
    snapshot = load_household_or_exit(household_file)
    if period is None:
        if snapshot.application is None:
            raise click.UsageError("give --period: the household has no application date")
        period = snapshot.application.month
    for code in measure_codes:
        if code not in ruleset.measures:
            raise click.BadParameter(str(ruleset_error(ruleset, code)), param_hint="--measure")
    if person is not None and all(m.id != person for m in snapshot.members):
        raise click.BadParameter(f"no member {person!r} in the household", param_hint="--person")
    codes = list(measure_codes) if measure_codes else None
    return evaluate_all(ruleset, snapshot, period, codes, person), ruleset.version, period


def ruleset_error(ruleset, code: str) -> str:  # type: ignore[no-untyped-def]
    try:
        ruleset.measure(code)
    except KeyError as exc:
        return str(exc.args[0])
    return ""


@click.command()
@_calc_options
@click.option("--json", "as_json", is_flag=True, help="One JSON document with the traces and the rules version.")
def calc(
    household_file: Path,
    period: Month | None,
    measure_codes: tuple[str, ...],
    all_measures: bool,
    person: str | None,
    rules_dir: Path | None,
    as_json: bool,
) -> None:
    """Calculate measures for a household file and a month."""
    results, version, period = _results(household_file, period, measure_codes, all_measures, person, rules_dir)
    if as_json:
        document = {
            "ruleset_version": version,
            "period": str(period),
            "household": str(household_file),
            "results": [result.as_dict() for result in results],
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    click.echo(f"household {household_file}, period {period}, rules {version[:12]}")
    for result in results:
        who = f" [{result.person}]" if result.person else ""
        line = f"  {result.measure}{who}: {STATUS_WORDS[result.status]}"
        if result.amount is not None:
            line += f", {result.amount} руб."
        if result.schedule is not None:
            end = result.schedule.end or "без срока"
            line += f" ({result.schedule.start} — {end})"
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
    household_file: Path,
    period: Month | None,
    measure_codes: tuple[str, ...],
    all_measures: bool,
    person: str | None,
    rules_dir: Path | None,
) -> None:
    """Show the step-by-step trace of each calculation as an indented tree."""
    results, _version, _period = _results(household_file, period, measure_codes, all_measures, person, rules_dir)
    click.echo("\n".join(result.render() for result in results))
