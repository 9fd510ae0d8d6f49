"""The rules engine: YAML rule files → checked AST → evaluation with a step-by-step trace.

It imports nothing else of Mera's; everything else imports it.
"""

from engine.errors import EvaluationError, MeraError, ParameterNotFoundError, RuleError, RuleErrors, SnapshotError
from engine.evaluate import evaluate, evaluate_all
from engine.periods import Month, Window
from engine.reload import LiveRules, ReloadAttempt
from engine.result import MissingFact, Result, Schedule
from engine.ruleset import RuleSet, build_ruleset, load_ruleset
from engine.snapshot import Snapshot, load_snapshot_file, parse_snapshot
from engine.trace import TraceStep

__all__ = [
    "EvaluationError",
    "LiveRules",
    "MeraError",
    "MissingFact",
    "Month",
    "ParameterNotFoundError",
    "ReloadAttempt",
    "Result",
    "RuleError",
    "RuleErrors",
    "RuleSet",
    "Schedule",
    "Snapshot",
    "SnapshotError",
    "TraceStep",
    "Window",
    "build_ruleset",
    "evaluate",
    "evaluate_all",
    "load_ruleset",
    "load_snapshot_file",
    "parse_snapshot",
]
