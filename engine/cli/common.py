"""Options and helpers shared by the rule authors' commands."""

from __future__ import annotations

import os
from pathlib import Path

import click

from engine.errors import RuleErrors, SnapshotError
from engine.ruleset import RuleSet, load_ruleset
from engine.snapshot import Snapshot, load_snapshot_file


def default_rules_dir() -> Path:
    """``$MERA_RULES``, else ``./rules``, else the rules folder beside the installed sources."""
    configured = os.environ.get("MERA_RULES")
    if configured:
        return Path(configured)
    local = Path("rules")
    if local.is_dir():
        return local
    return Path(__file__).resolve().parents[2] / "rules"


rules_option = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Rules folder (default: $MERA_RULES or ./rules).",
)


def load_rules_or_exit(rules_dir: Path | None) -> RuleSet:
    """Load the rules; on errors print every one of them and exit with status 1."""
    try:
        return load_ruleset(rules_dir or default_rules_dir())
    except RuleErrors as exc:
        click.echo(exc.render(), err=True)
        click.echo(f"\n{len(exc.errors)} error(s); nothing was calculated.", err=True)
        raise SystemExit(1) from None


def load_household_or_exit(path: Path) -> Snapshot:
    try:
        return load_snapshot_file(str(path))
    except SnapshotError as exc:
        click.echo(f"{path}: the household is invalid:", err=True)
        for where, reason in exc.problems:
            click.echo(f"  {where}: {reason}", err=True)
        raise SystemExit(2) from None
    except RuleErrors as exc:
        click.echo(exc.render(), err=True)
        raise SystemExit(2) from None
