"""The rule authors' commands, through click's runner and, for `rules watch`, a real process."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from engine.cli import main
from tests.conftest import EXAMPLES_DIR, RULES_DIR

HOUSEHOLD = str(EXAMPLES_DIR / "households" / "samara_family_two_children.yaml")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_rules_check_passes_on_the_shipped_rules():
    result = run("rules", "check", "--rules", str(RULES_DIR))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    assert "tests passed" in result.output and "version " in result.output


def test_rules_check_fails_with_the_exact_position_on_a_broken_copy(rules_copy: Path):
    path = rules_copy / "measures/federal/unified_child_allowance.yaml"
    lines = path.read_text("utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("amount:"))
    lines[number] = "amount: rate * child_minimum * paid_childern"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    result = run("rules", "check", "--rules", str(rules_copy))
    assert result.exit_code == 1
    head = result.output.splitlines()[0]
    assert head == (
        f"rules/measures/federal/unified_child_allowance.yaml:{number + 1}:32: error: unknown name "
        "'paid_childern' [name-unknown]"
    )
    assert "^^^^^^^^^^^^^" in result.output
    assert "hint: did you mean 'paid_children'?" in result.output


def test_calc_prints_results_and_totals():
    result = run("calc", "--household", HOUSEHOLD, "--all")
    assert result.exit_code == 0, result.output
    assert "unified_child_allowance: право есть, 34538.00 руб. (2026-03 — 2027-02)" in result.output


def test_calc_json_has_the_trace_and_the_rules_version():
    result = run(
        "calc", "--household", HOUSEHOLD, "--period", "2026-03", "--measure", "unified_child_allowance", "--json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert len(document["ruleset_version"]) == 64
    (first,) = document["results"]
    assert first["amount"] == "34538.00" and first["status"] == "eligible"
    assert first["trace"]["kind"] == "measure"
    names = {child["name"] for child in first["trace"]["children"]}
    assert {"ua_per_capita_income", "amount", "eligibility"} <= names


def test_trace_prints_an_indented_tree():
    result = run("trace", "--household", HOUSEHOLD, "--measure", "unified_child_allowance")
    assert result.exit_code == 0, result.output
    assert "  ua_per_capita_income = ua_total_income / 12 / ua_family_size  → 11 250.00" in result.output
    assert "§ subsistence_minimum.per_capita[63] = 17 803 rub (с 2026-01-01;" in result.output


def test_unknown_measure_is_a_usage_error_with_a_suggestion():
    result = run("calc", "--household", HOUSEHOLD, "--measure", "unified_child_alowance")
    assert result.exit_code == 2
    assert "did you mean 'unified_child_allowance'?" in result.output


def test_invalid_household_names_every_bad_field(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"region": "6", "members": [{"id": "p1", "role": "x", "birth_date": "1990", "sex": "F"}]})
    )
    result = CliRunner().invoke(main, ["calc", "--household", str(bad), "--period", "2026-01", "--all"])
    assert result.exit_code == 2
    assert "region:" in result.output and "members[0:p1].role:" in result.output
    assert "members[0:p1].birth_date:" in result.output


def test_functions_lists_the_library():
    result = run("rules", "functions")
    assert "income([person], window, kinds=, exclude=)" in result.output


def test_rules_watch_reports_refusal_and_swap(rules_copy: Path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "rules", "watch", "--rules", str(rules_copy), "--debounce", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()

    def wait_for(fragment: str, deadline: float = 60.0) -> str:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if fragment in line:
                return line
        raise AssertionError(f"no line with {fragment!r}")

    try:
        wait_for("watching")
        path = rules_copy / "measures/federal/unified_child_allowance.yaml"
        text = path.read_text("utf-8")
        path.write_text(text.replace("amount: rate", "amount: rat"), "utf-8")
        assert "refused (1 error(s))" in wait_for("refused")
        wait_for("unknown name 'rat'")
        path.write_text(text.replace("title: Единое", "title: Единое (ред.)"), "utf-8")
        assert "swapped in" in wait_for("swapped in")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=10)
        process.stdout.close()


def test_bench_batch_prints_every_figure_on_a_small_register():
    """The batch benchmark runs end to end on a temporary SQLite register (figures are printed,
    never asserted: only that each is there and the computation found every result row)."""
    result = run("bench", "batch", "--persons", "300", "--workers", "1", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["database"] == "sqlite" and figures["persons"] == 300
    for key in (
        "seconds_load",
        "seconds_frames",
        "seconds_compute",
        "seconds_compute_2_threads",
        "seconds_recalc_local",
        "seconds_recalc_processes",
        "peak_memory_mb_compute",
    ):
        assert figures[key] > 0, key
    assert figures["results"] > 300  # every measure: a row per household or per person
