"""RuleSets stored in the database by their content hash, so a calculation can be replayed on
exactly the rules it was made with."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import RuleSet
from engine.store import ruleset_document, ruleset_from_document
from registry.models import RuleSetRecord


def store_ruleset(session: Session, ruleset: RuleSet) -> str:
    """Store a RuleSet unless its version is already stored; return the version."""
    if session.get(RuleSetRecord, ruleset.version) is None:
        document = ruleset_document(ruleset)
        session.add(
            RuleSetRecord(
                version=ruleset.version,
                label=ruleset.label,
                files=json.dumps(document["files"], ensure_ascii=False, sort_keys=True),
                stored_at=datetime.now(UTC),
            )
        )
        session.flush()
    return ruleset.version


def load_ruleset_version(session: Session, version: str) -> RuleSet:
    """Rebuild a stored RuleSet; its rebuilt hash must equal the stored version."""
    record = session.get(RuleSetRecord, version)
    if record is None:
        raise KeyError(f"no stored rules with version {version}")
    return ruleset_from_document({"version": record.version, "label": record.label, "files": json.loads(record.files)})


def stored_versions(session: Session) -> list[tuple[str, datetime]]:
    rows = session.execute(select(RuleSetRecord.version, RuleSetRecord.stored_at).order_by(RuleSetRecord.stored_at))
    return [(version, stored_at) for version, stored_at in rows]
