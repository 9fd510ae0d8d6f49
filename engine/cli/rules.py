"""``mera rules check|watch|functions``: the rule author's loop."""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path

import click

from engine.cli.common import default_rules_dir, rules_option
from engine.embedded import run_embedded_tests
from engine.errors import RuleErrors
from engine.library import describe
from engine.reload import LiveRules, ReloadAttempt
from engine.ruleset import load_ruleset
from engine.store import FileRuleSetStore


@click.group()
def rules() -> None:
    """Check, watch and describe rule files."""


@rules.command()
@rules_option
def check(rules_dir: Path | None) -> None:
    """Load and check every rule file and run every embedded test.

    Prints each error as path:line:column with the source line, a caret and a hint; exits 1
    on any error.
    """
    folder = rules_dir or default_rules_dir()
    started = time.perf_counter()
    try:
        ruleset = load_ruleset(folder)
    except RuleErrors as exc:
        click.echo(exc.render())
        click.echo(f"\n{len(exc.errors)} error(s) in {folder}")
        raise SystemExit(1) from None
    outcomes = run_embedded_tests(ruleset)
    failures = [outcome for outcome in outcomes if not outcome.passed]
    for outcome in failures:
        click.echo(outcome.as_error().render())
        click.echo()
    if failures:
        click.echo(f"{len(failures)} of {len(outcomes)} embedded test(s) failed in {folder}")
        raise SystemExit(1)
    unverified = ruleset.params.unverified()
    elapsed = time.perf_counter() - started
    click.echo(
        f"ok: {len(ruleset.files)} files, {len(ruleset.measures)} measures, {len(ruleset.params)} parameters, "
        f"{len(outcomes)} tests passed in {elapsed:.2f} s\nversion {ruleset.version}"
    )
    if unverified:
        click.echo(f"note: {len(unverified)} parameter value(s) are marked unverified:")
        for name, value in unverified:
            click.echo(f"  {name} from {value.effective_from}: {value.note}")


@rules.command()
@rules_option
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep every version that goes live in this folder (content-addressed).",
)
@click.option("--debounce", default=0.3, show_default=True, help="Seconds to wait for a burst of saves to end.")
def watch(rules_dir: Path | None, store_dir: Path | None, debounce: float) -> None:
    """Watch the rules folder and report each reload: swapped in, or refused with the errors."""
    folder = rules_dir or default_rules_dir()
    logging.getLogger("mera.rules").setLevel(logging.CRITICAL)  # this command prints attempts itself

    def report(attempt: ReloadAttempt) -> None:
        stamp = attempt.at.astimezone().strftime("%H:%M:%S")
        click.echo(f"[{stamp}] {attempt.summary()}")
        if not attempt.ok:
            for error in attempt.errors:
                click.echo(error.render())
                click.echo()

    store = FileRuleSetStore(store_dir) if store_dir else None
    live = LiveRules(folder, store=store, on_reload=report)
    live.reload()
    live.watch(debounce)
    click.echo(f"watching {folder} (Ctrl-C to stop)")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        live.stop()


@rules.command()
def functions() -> None:
    """List the function library of the rule language."""
    for signature, doc in describe():
        click.echo(f"{signature}\n    {doc}")
