"""Hot reload: watch the rules folder, and swap in a new RuleSet only when it is sound.

Every change builds a new RuleSet, checks it and runs its embedded tests; only when all pass
does it replace the live one, atomically (a single reference assignment under a lock). When
anything fails, the old RuleSet keeps serving and the errors are kept for whoever asks: the
CLI, the methodologist's page, the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.embedded import run_embedded_tests
from engine.errors import RuleError, RuleErrors
from engine.ruleset import RuleSet, build_ruleset, content_hash, read_rule_files
from engine.store import RuleSetStore

log = logging.getLogger("mera.rules")


@dataclass(frozen=True, slots=True)
class ReloadAttempt:
    at: datetime
    ok: bool
    version: str | None  # the version built (when the files could be read)
    live_version: str | None  # the version serving after the attempt
    errors: tuple[RuleError, ...]
    tests_run: int
    seconds: float
    changed: bool  # whether the live version changed

    def summary(self) -> str:
        if self.ok and not self.changed:
            return f"unchanged: {self.live_version[:12] if self.live_version else '-'}"
        if self.ok:
            return (
                f"swapped in {self.version[:12] if self.version else '-'} ({self.tests_run} tests passed, "
                f"{self.seconds:.2f} s)"
            )
        live = self.live_version[:12] if self.live_version else "none"
        return f"refused ({len(self.errors)} error(s)); still serving {live}"


def build_checked(files: dict[str, bytes], label: str) -> tuple[RuleSet, int]:
    """Build a RuleSet and run its embedded tests; ``RuleErrors`` when anything fails."""
    ruleset = build_ruleset(files, label)
    outcomes = run_embedded_tests(ruleset)
    failures = [outcome.as_error() for outcome in outcomes if not outcome.passed]
    if failures:
        raise RuleErrors(failures)
    return ruleset, len(outcomes)


class LiveRules:
    """The RuleSet currently serving, and the history of reload attempts."""

    def __init__(
        self,
        root: Path | str,
        store: RuleSetStore | None = None,
        on_reload: Callable[[ReloadAttempt], None] | None = None,
    ):
        self.root = Path(root)
        self.store = store
        self.on_reload = on_reload
        self._current: RuleSet | None = None
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self.attempts: deque[ReloadAttempt] = deque(maxlen=50)
        self._watcher: _Watcher | None = None

    @property
    def current(self) -> RuleSet:
        ruleset = self._current
        if ruleset is None:
            raise RuntimeError("no rules are live yet: the first load failed")
        return ruleset

    @property
    def last_attempt(self) -> ReloadAttempt | None:
        return self.attempts[-1] if self.attempts else None

    def reload(self) -> ReloadAttempt:
        """Build, check and test the folder's rules; swap them in only if all passes."""
        with self._reload_lock:  # one build at a time; readers are never blocked
            started = time.perf_counter()
            errors: tuple[RuleError, ...] = ()
            version = None
            tests = 0
            ruleset = None
            try:
                files = read_rule_files(self.root)
                version = content_hash(files)
                live = self._current
                if live is not None and live.version == version:
                    attempt = ReloadAttempt(
                        datetime.now(UTC), True, version, version, (), 0, time.perf_counter() - started, False
                    )
                    self._record(attempt)
                    return attempt
                ruleset, tests = build_checked(files, self.root.resolve().name)
            except RuleErrors as exc:
                errors = exc.errors
            except OSError as exc:  # a file vanished between listing and reading: try again later
                errors = (RuleError("rules-read", f"could not read the rules: {exc}", _root_span(self.root)),)
            changed = False
            if ruleset is not None:
                if self.store is not None:
                    self.store.save(ruleset)
                with self._lock:
                    self._current = ruleset
                changed = True
            live = self._current
            attempt = ReloadAttempt(
                datetime.now(UTC),
                not errors,
                version,
                live.version if live else None,
                errors,
                tests,
                time.perf_counter() - started,
                changed,
            )
            self._record(attempt)
            return attempt

    def _record(self, attempt: ReloadAttempt) -> None:
        self.attempts.append(attempt)
        if attempt.ok:
            log.info("rules %s", attempt.summary())
        else:
            log.warning("rules %s", attempt.summary())
            for error in attempt.errors:
                log.warning("%s", error.render())
        if self.on_reload is not None:
            self.on_reload(attempt)

    def watch(self, debounce: float = 0.3) -> None:
        """Start watching the folder in a background thread (watchdog)."""
        if self._watcher is None:
            self._watcher = _Watcher(self, debounce)
            self._watcher.start()

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None


def _root_span(root: Path):  # type: ignore[no-untyped-def]
    from engine.source import Span

    return Span(str(root), 1, 1, 1, 1)


class _Watcher:
    """Debounced file events → ``LiveRules.reload`` on one worker thread."""

    def __init__(self, live: LiveRules, debounce: float):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.live = live
        self.debounce = debounce
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:  # type: ignore[no-untyped-def]
                if event.event_type in ("opened", "closed_no_write"):
                    return
                paths = [getattr(event, "src_path", ""), getattr(event, "dest_path", "")]
                if event.is_directory or any(str(p).endswith((".yaml", ".yml")) for p in paths):
                    watcher.poke()

        self.observer = Observer()
        self.observer.daemon = True
        self.observer.schedule(Handler(), str(live.root), recursive=True)

    def start(self) -> None:
        self.observer.start()

    def poke(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.debounce, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        try:
            self.live.reload()
        except Exception:  # a bug must not kill the watcher; the live rules keep serving
            log.exception("rules reload crashed; the live rules keep serving")

    def stop(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
        self.observer.stop()
        self.observer.join(timeout=5)
