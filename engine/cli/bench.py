"""``mera bench calc``: how fast one household is evaluated, and how fast rules reload.

Figures are printed, never asserted: the machine is noisy, so compare ratios within one run.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import click

from engine.cli import MeraGroup
from engine.cli.common import default_rules_dir, load_household_or_exit, rules_option
from engine.evaluate import evaluate, evaluate_all
from engine.reload import build_checked
from engine.ruleset import read_rule_files
from engine.snapshot import parse_snapshot


class BenchGroup(MeraGroup):
    """``mera bench`` subcommands: the engine's own, and those other packages register."""

    plugin_group = "mera.bench"


@click.group(cls=BenchGroup)
def bench() -> None:
    """Benchmarks (figures for notes; nothing is asserted)."""


def _default_household() -> Path:
    examples = Path(__file__).resolve().parents[2] / "examples" / "households"
    found = sorted(examples.glob("*.yaml")) + sorted(examples.glob("*.json"))
    if not found:
        raise click.UsageError("give --household FILE (no example households found)")
    return found[0]


def _replicated(rules_dir: Path, target: Path, measure_files: int) -> int:
    """Copy the rules, then copy measure files under new codes until there are ``measure_files``."""
    shutil.copytree(rules_dir, target)
    originals = sorted((target / "measures").rglob("*.yaml"))
    count, copy = len(originals), 0
    while count < measure_files and originals:
        source = originals[copy % len(originals)]
        code = source.stem
        new_code = f"{code}_copy{copy // len(originals) + 1}"
        text = source.read_text("utf-8")
        text = re.sub(rf"^measure: {code}\s*$", f"measure: {new_code}", text, count=1, flags=re.M)
        (source.parent / f"{new_code}.yaml").write_text(text, "utf-8")
        count += 1
        copy += 1
    return count


@bench.command("calc")
@rules_option
@click.option(
    "--household",
    "household_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Household snapshot (default: the first example household).",
)
@click.option("--period", default=None, help="Month (default: the month of the household's application).")
@click.option("--repeat", default=50, show_default=True, help="Evaluations per embedded-test household.")
@click.option("--reloads", default=5, show_default=True, help="Full reloads to time.")
@click.option(
    "--measure-files",
    default=100,
    show_default=True,
    help="Measure files in the reload benchmark (copies of the shipped ones).",
)
@click.option("--json", "as_json", is_flag=True)
def bench_calc(
    rules_dir: Path | None,
    household_file: Path | None,
    period: str | None,
    repeat: int,
    reloads: int,
    measure_files: int,
    as_json: bool,
) -> None:
    """Time per measure with full trace (on its embedded tests' households) and full reload time."""
    folder = rules_dir or default_rules_dir()
    files = read_rule_files(folder)
    ruleset, tests = build_checked(files, folder.resolve().name)
    snapshot = load_household_or_exit(household_file or _default_household())
    month = period or (str(snapshot.application.month) if snapshot.application else None)
    if month is None:
        raise click.UsageError("give --period: the household has no application date")
    # Each measure on the households of its own embedded tests: the cases where it applies and its
    # rules run in full, not a short refusal on a household it is not about.
    per_measure: dict[str, float] = {}
    for code in sorted(ruleset.measures):
        measure = ruleset.measures[code]
        cases = [(parse_snapshot(test.household), test.period, test.person) for test in measure.tests]
        if not cases:
            cases = [(snapshot, month, None)]
        times = []
        for case_snapshot, case_period, person in cases:
            for _ in range(3):  # warm the compiled closures
                evaluate(ruleset, case_snapshot, code, case_period, person)
            for _ in range(repeat):
                started = time.perf_counter()
                evaluate(ruleset, case_snapshot, code, case_period, person)
                times.append(time.perf_counter() - started)
        per_measure[code] = statistics.median(times)
    household_times = []
    household_untraced = []
    for _ in range(max(10, repeat // 10)):
        started = time.perf_counter()
        results = evaluate_all(ruleset, snapshot, month)
        household_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        evaluate_all(ruleset, snapshot, month, trace=False)
        household_untraced.append(time.perf_counter() - started)
    reload_times = []
    for _ in range(reloads):
        started = time.perf_counter()
        build_checked(read_rule_files(folder), folder.resolve().name)
        reload_times.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "rules"
        count = _replicated(folder, copy, measure_files)
        big_times = []
        big_tests = 0
        for _ in range(reloads):
            started = time.perf_counter()
            _big, big_tests = build_checked(read_rule_files(copy), "rules")
            big_times.append(time.perf_counter() - started)
    figures = {
        "measures": len(ruleset.measures),
        "results_per_household": len(results),
        "median_ms_per_measure_with_trace": round(statistics.median(per_measure.values()) * 1000, 4),
        "max_ms_per_measure_with_trace": round(max(per_measure.values()) * 1000, 4),
        "household_all_measures_ms_with_trace": round(statistics.median(household_times) * 1000, 3),
        "household_all_measures_ms_without_trace": round(statistics.median(household_untraced) * 1000, 3),
        "reload_s_shipped": round(statistics.median(reload_times), 3),
        "embedded_tests_shipped": tests,
        "reload_measure_files": count,
        "reload_s_replicated": round(statistics.median(big_times), 3),
        "embedded_tests_replicated": big_tests,
        "per_measure_ms": {code: round(value * 1000, 4) for code, value in per_measure.items()},
    }
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(
        f"rules {folder}: {figures['measures']} measures, household {household_file or 'example'}, period {month}"
    )
    for code, value in figures["per_measure_ms"].items():
        click.echo(f"  {code:<45} {value:8.3f} ms")
    click.echo(
        f"median per measure with full trace: {figures['median_ms_per_measure_with_trace']:.3f} ms "
        f"(max {figures['max_ms_per_measure_with_trace']:.3f} ms)"
    )
    click.echo(
        f"whole household, all {figures['results_per_household']} results: "
        f"{figures['household_all_measures_ms_with_trace']:.2f} ms with trace, "
        f"{figures['household_all_measures_ms_without_trace']:.2f} ms without"
    )
    click.echo(f"full reload (load, check, {tests} embedded tests): {figures['reload_s_shipped']:.3f} s")
    click.echo(
        f"full reload of {count} measure files ({big_tests} embedded tests): {figures['reload_s_replicated']:.3f} s"
    )
