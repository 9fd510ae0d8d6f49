"""Journal entries appended by many threads at once on SQLite keep one unbroken chain (SQLite
has no SELECT ... FOR UPDATE: the head row is locked by a write before it is read)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from registry.audit import journal, verify
from registry.db import make_engine
from registry.migrate import upgrade


def _work(engine: Engine, number: int, failures: list[BaseException]) -> None:
    try:
        for step in range(10):
            with Session(engine) as session, session.begin():
                journal(session, "read", "persons", str(number), {"step": step})
    except BaseException as exc:  # reported by the test
        failures.append(exc)


@pytest.mark.parametrize("serialized", [False, True])
def test_concurrent_reads_journaled_from_threads_keep_the_chain(tmp_path: Path, serialized: bool):
    engine = make_engine(f"sqlite:///{tmp_path / 'chain.sqlite3'}", serialized=serialized)
    upgrade(engine)
    failures: list[BaseException] = []
    threads = [threading.Thread(target=_work, args=(engine, n, failures)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with Session(engine) as session:
        checked = verify(session)
    assert checked.ok and checked.entries == 80
    engine.dispose()
