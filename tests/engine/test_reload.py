"""Hot reload: a broken edit keeps the old rules serving; a good edit goes live; the watcher
notices saves by itself. Waits poll with a generous deadline; nothing asserts a duration."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.reload import LiveRules
from engine.store import FileRuleSetStore

MEASURE = "measures/federal/unified_child_allowance.yaml"


def _wait_for(condition, deadline: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_first_load_goes_live(rules_copy: Path):
    live = LiveRules(rules_copy)
    attempt = live.reload()
    assert attempt.ok and attempt.changed
    assert live.current.version == attempt.version
    assert attempt.tests_run == live.current.test_count


def test_broken_edit_is_refused_and_the_old_rules_keep_serving(rules_copy: Path):
    live = LiveRules(rules_copy)
    live.reload()
    old = live.current
    path = rules_copy / MEASURE
    path.write_text(path.read_text("utf-8").replace("rate * child_minimum", "rate * child_minimun"), "utf-8")
    attempt = live.reload()
    assert not attempt.ok
    assert live.current is old
    assert attempt.live_version == old.version
    (error,) = attempt.errors
    assert error.code == "name-unknown"
    assert error.span.path.endswith("unified_child_allowance.yaml")
    assert error.hint == "did you mean 'child_minimum'?"


def test_an_edit_that_fails_an_embedded_test_is_refused(rules_copy: Path):
    live = LiveRules(rules_copy)
    live.reload()
    old = live.current
    path = rules_copy / MEASURE
    path.write_text(path.read_text("utf-8").replace("amount: rate * child_minimum", "amount: 2 * rate * child_minimum"))
    attempt = live.reload()
    assert not attempt.ok
    assert {e.code for e in attempt.errors} == {"test-failed"}
    assert live.current is old


def test_a_good_edit_goes_live_and_is_stored_by_its_hash(rules_copy: Path, tmp_path: Path):
    store = FileRuleSetStore(tmp_path / "store")
    live = LiveRules(rules_copy, store=store)
    live.reload()
    first = live.current.version
    path = rules_copy / MEASURE
    path.write_text(path.read_text("utf-8").replace("title: Единое пособие", "title: Единое  пособие"), "utf-8")
    attempt = live.reload()
    assert attempt.ok and attempt.changed and live.current.version != first
    assert store.versions() == sorted([first, live.current.version])
    again = store.load(first[:12])
    assert again.version == first


def test_unchanged_files_do_not_swap(rules_copy: Path):
    live = LiveRules(rules_copy)
    live.reload()
    current = live.current
    attempt = live.reload()
    assert attempt.ok and not attempt.changed and live.current is current


def test_the_watcher_reloads_on_save(rules_copy: Path):
    seen = []
    live = LiveRules(rules_copy, on_reload=seen.append)
    live.reload()
    old = live.current.version
    live.watch(debounce=0.1)
    try:
        path = rules_copy / MEASURE
        text = path.read_text("utf-8")
        path.write_text(text.replace("amount: rate", "amount: rate_typo"), "utf-8")
        assert _wait_for(lambda: any(not a.ok for a in seen)), "the broken save was not noticed"
        assert live.current.version == old
        path.write_text(text.replace("title: Единое пособие", "title: Единое пособие (ред.)"), "utf-8")
        assert _wait_for(lambda: live.current.version != old), "the good save did not go live"
    finally:
        live.stop()


def test_no_rules_live_when_the_first_load_fails(tmp_path: Path):
    (tmp_path / "measures").mkdir()
    (tmp_path / "measures" / "x.yaml").write_text("measure: [\n")
    live = LiveRules(tmp_path)
    assert not live.reload().ok
    with pytest.raises(RuntimeError, match="no rules are live"):
        _ = live.current
