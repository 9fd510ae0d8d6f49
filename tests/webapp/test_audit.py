"""The auditor's pages: calculation history (scoped), a calculation's trace, its replay on the
stored rules, the audit log and the check of its hash chain."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from engine import Month
from registry.audit import acting_as
from registry.casework import calculate
from registry.models import AuditEntry, Calculation, User
from registry.staff import actor_of
from tests.webapp.webkit import csrf_of, login

MARCH = Month(2026, 3)


def save_calculations(app, login_name, person_id, measures, journal_as=""):  # type: ignore[no-untyped-def]
    """Calculations saved by a specialist through the casework service; their ids."""
    from webapp.database import db
    from webapp.live import ruleset

    with app.test_request_context():
        session = db()
        user = session.execute(select(User).where(User.login == login_name)).scalar_one()
        with acting_as(journal_as or login_name):
            outcomes = calculate(session, actor_of(session, user), ruleset(), person_id, MARCH, measures, save=True)
        session.commit()
        return [outcome.calculation_id for outcome in outcomes]


def _ruleset_version(app, calculation_id: int) -> str:  # type: ignore[no-untyped-def]
    from webapp.database import db

    with app.test_request_context():
        return db().get(Calculation, calculation_id).ruleset_version


def test_auditor_sees_the_history_and_opens_a_calculation_with_its_trace(app, client, ids):
    (number,) = save_calculations(app, "samara", ids["father"], ["unified_child_allowance"])
    login(client, "audit")
    page = client.get(f"/audit/?person={ids['father']}&measure=unified_child_allowance&user=samara")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/audit/calculations/{number}"' in text
    assert "***-***-445 95" in text and "112-233-445 95" not in text  # SNILS masked in the list
    assert "Петров Иван Сергеевич" in text
    version = _ruleset_version(app, number)
    assert version[:12] in text

    by_snils = client.get("/audit/?person=112-233-445+95&measure=unified_child_allowance")
    assert f'href="/audit/calculations/{number}"' in by_snils.get_data(as_text=True)
    by_version = client.get(f"/audit/?version={version[:8]}&person={ids['father']}")
    assert f'href="/audit/calculations/{number}"' in by_version.get_data(as_text=True)
    other_version = client.get(f"/audit/?version={'0' * 12}&person={ids['father']}")
    assert f'href="/audit/calculations/{number}"' not in other_version.get_data(as_text=True)
    other_period = client.get(f"/audit/?period=2025-01&person={ids['father']}")
    assert f'href="/audit/calculations/{number}"' not in other_period.get_data(as_text=True)

    detail = client.get(f"/audit/calculations/{number}")
    assert detail.status_code == 200
    body = detail.get_data(as_text=True)
    assert 'class="trace" id="trace"' in body and "unified_child_allowance" in body
    assert version in body and "членов семьи в расчете: 4" in body
    assert f'action="/audit/calculations/{number}/replay"' in body

    from webapp.database import db

    with app.test_request_context():
        reads = (
            db()
            .execute(select(AuditEntry.changes).where(AuditEntry.action == "read", AuditEntry.actor == "audit"))
            .scalars()
        )
        assert any("calculation_history" in changes for changes in reads)


def test_replay_on_the_stored_rules_matches(app, client, ids):
    (number,) = save_calculations(app, "samara", ids["father"], ["housing_utilities_subsidy"])
    login(client, "audit")
    response = client.post(f"/audit/calculations/{number}/replay", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "совпадает" in text and "не совпадает" not in text
    assert _ruleset_version(app, number) in text  # the page names the stored version it used

    from webapp.database import db

    with app.test_request_context():
        entry = (
            db()
            .execute(select(AuditEntry).where(AuditEntry.action == "replay", AuditEntry.row_id == str(number)))
            .scalar_one()
        )
        assert entry.actor == "audit" and '"matches": true' in entry.changes


def test_a_specialist_sees_only_calculations_of_their_municipalities(app, client, ids):
    (foreign,) = save_calculations(app, "tlt", ids["smirnova"], ["unified_child_allowance"])
    (own,) = save_calculations(app, "samara", ids["mother"], ["unified_child_allowance"])
    login(client, "samara")
    page = client.get("/audit/?measure=unified_child_allowance")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/audit/calculations/{own}"' in text
    assert f'href="/audit/calculations/{foreign}"' not in text
    by_user = client.get("/audit/?user=tlt").get_data(as_text=True)
    assert f'href="/audit/calculations/{foreign}"' not in by_user and "Расчетов по этому отбору нет" in by_user
    assert "Смирнова" not in client.get(f"/audit/?person={ids['smirnova']}").get_data(as_text=True)

    refused = client.get(f"/audit/calculations/{foreign}")
    missing = client.get("/audit/calculations/999999999")
    assert refused.status_code == missing.status_code == 404
    assert "Смирнова" not in refused.get_data(as_text=True)
    assert client.get(f"/audit/calculations/{own}").status_code == 200
    # replay is the auditor's
    replay = client.post(f"/audit/calculations/{own}/replay", data={"csrf_token": csrf_of(client)})
    assert replay.status_code == 403
    assert f'action="/audit/calculations/{own}/replay"' not in client.get(f"/audit/calculations/{own}").get_data(
        as_text=True
    )

    tlt = client.application.test_client()
    login(tlt, "tlt")
    assert tlt.get(f"/audit/calculations/{foreign}").status_code == 200
    assert tlt.get(f"/audit/calculations/{own}").status_code == 404


def test_the_auditor_sees_every_municipality(app, client, ids):
    (foreign,) = save_calculations(app, "tlt", ids["smirnova"], ["unified_child_allowance"])
    login(client, "audit")
    text = client.get("/audit/?user=tlt").get_data(as_text=True)
    assert f'href="/audit/calculations/{foreign}"' in text


def test_bad_filters_are_shown_next_to_their_fields(client):
    login(client, "audit")
    response = client.get("/audit/?period=2026-13&person=abc&created_from=2026-05-01&created_to=2026-04-01")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for field in ("period", "person", "created_to"):
        assert f'href="#{field}"' in text and f'id="{field}-error"' in text
    log = client.get("/audit/log?created_from=yesterday")
    assert log.status_code == 400 and 'id="created_from-error"' in log.get_data(as_text=True)


def test_the_history_pages_by_fifty(app, client, ids):
    saved = 0
    while saved <= 50:  # every shipped measure each time: a row each
        saved += len(save_calculations(app, "samara", ids["son"], None, journal_as="paging.test"))
    assert saved <= 100, "one page after the first: the test saves too much at once"
    login(client, "audit")
    first = client.get("/audit/?user=paging.test").get_data(as_text=True)
    assert len(re.findall(r'href="/audit/calculations/\d+"', first)) == 50
    assert 'rel="next"' in first
    second = client.get("/audit/?user=paging.test&page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/audit/calculations/\d+"', second)) == saved - 50
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_audit_log_lists_logins_and_filters(client):
    login(client, "audit")
    page = client.get("/audit/log?action=login&table=users")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<td>вход" in text and "Журнал изменений" in text
    assert "<td>выход" not in text
    everything = client.get("/audit/log").get_data(as_text=True)
    assert '<th scope="col">Пользователь</th>' in everything


def test_the_audit_log_keeps_masked_values_masked(app, client):
    from registry.access import SYSTEM
    from registry.staff import UserForm, create_user
    from webapp.database import db

    name = f"masked.{time.time_ns() % 10**12}"
    with app.test_request_context():
        session = db()
        with acting_as("test"):
            create_user(session, SYSTEM, UserForm(name, "Тест", "auditor", (), True, True, "фраза для маски"))
        session.commit()
    login(client, "audit")
    text = client.get("/audit/log?table=users&action=insert").get_data(as_text=True)
    assert name in text
    assert "&#34;password_hash&#34;: [&#34;***&#34;, &#34;***&#34;]" in text and "$argon2" not in text


def test_the_chain_check_says_ok(client):
    login(client, "audit")
    response = client.post("/audit/log/verify", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Цепочка цела" in text
    checked = int(re.search(r"Проверено записей: <strong>(\d+)</strong>", text).group(1))
    assert checked > 0


def test_the_administrator_reads_the_log_but_not_the_history(client):
    login(client, "admin")
    assert client.get("/audit/log").status_code == 200
    assert client.get("/audit/").status_code == 403


def test_a_specialist_may_not_read_the_log_or_administer(client):
    login(client, "samara")
    assert client.get("/audit/log").status_code == 403
    assert client.post("/audit/log/verify", data={"csrf_token": csrf_of(client)}).status_code == 403
    assert client.get("/admin/").status_code == 403


def test_pages_need_a_login(client):
    for path in ("/audit/", "/audit/log", "/audit/calculations/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_day_of_the_filters_is_a_day_of_the_office():
    """Pages show moments in the office's time zone; a day typed in a filter means that day there."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from registry.history import _start, audit_filters, history_filters

    samara = ZoneInfo("Europe/Samara")
    filters = history_filters({"created_from": "2026-11-23", "created_to": "2026-11-23"}, samara)
    assert _start(filters.created_from, filters.zone) == datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    assert audit_filters({"created_from": "2026-11-23"}, samara).zone is samara
    assert history_filters({}).zone is UTC
