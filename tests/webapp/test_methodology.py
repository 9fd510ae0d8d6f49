"""The methodologist's pages: the live rules and their refused reloads, measures and parameters in
readable form, the diff between versions, the what-if of a draft with its CSV, reference books,
and who may see what."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from measures.drafts import csv_cell
from registry.models import User
from tests.conftest import RULES_DIR
from tests.webapp.conftest import web_config
from tests.webapp.webkit import csrf_of, login

MEASURE = "measures/federal/unified_child_allowance.yaml"
STEPS = "parameters/unified_allowance.yaml"
FULL_STEP = "третья ступень)\n    unit: ratio\n    values:\n      2023-01-01: {value: 1,"


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


@contextmanager
def _private_app(url: str, **extra: object):  # type: ignore[no-untyped-def]
    """An application of its own (its own rules folder, drafts ...), always cleaned up."""
    from webapp import create_app

    application = create_app(web_config(url, **extra))
    try:
        yield application
    finally:
        application.extensions["mera.rules"].stop()
        application.extensions["mera.engine"].dispose()


def _raise_full_step(text: str) -> str:
    assert FULL_STEP in text
    return text.replace(FULL_STEP, FULL_STEP.replace("{value: 1,", "{value: 1.1,"), 1)


@pytest.fixture
def drafts(tmp_path: Path, app, monkeypatch):  # type: ignore[no-untyped-def]
    """A drafts folder with one draft: the shipped rules with the full step of the unified
    allowance raised from 1 to 1.1 of the child minimum."""
    root = tmp_path / "drafts"
    draft = root / "full_step_110"
    shutil.copytree(RULES_DIR, draft)
    path = draft / STEPS
    path.write_text(_raise_full_step(path.read_text("utf-8")), "utf-8")
    monkeypatch.setitem(app.config, "DRAFTS_DIR", str(root))
    return root


# -- the rules page -----------------------------------------------------------------------------


def test_the_rules_page_shows_the_live_version(app, client):
    live = app.extensions["mera.rules"].current
    login(client, "method")
    page = client.get("/methodology/")
    assert page.status_code == 200
    text = _text(page)
    assert live.short_version in text and live.version in text
    assert "Встроенных тестов" in text and str(live.test_count) in text
    assert "measures/federal/unified_child_allowance.yaml" in text  # the file list
    assert "rules.js" in text and "Перечитать правила сейчас" in text
    status = client.get("/methodology/rules/status.json")
    assert status.status_code == 200 and status.is_json
    body = status.get_json()
    assert body["version"] == live.version and body["ok"] is True and body["errors"] == 0
    assert body["state"] and live.version in body["state"]
    with client.get("/static/rules.js") as script:
        assert script.status_code == 200 and b"status" in script.data


def test_a_broken_rule_is_shown_with_its_position_and_the_old_version_keeps_serving(web_database, rules_copy):
    url, _ids = web_database
    with _private_app(url, RULES_DIR=str(rules_copy), RULES_WATCH=False) as application:
        live = application.extensions["mera.rules"]
        client = application.test_client()
        login(client, "method")
        old = live.current
        path = rules_copy / MEASURE
        original = path.read_text("utf-8")
        broken = original.replace("rate * child_minimum", "rate * child_minimun", 1)
        path.write_text(broken, "utf-8")
        attempt = live.reload()
        assert not attempt.ok and live.current is old
        (error,) = attempt.errors

        text = _text(client.get("/methodology/"))
        assert "Последние изменения правил не приняты" in text
        assert f"rules/{MEASURE}:{error.span.line}:{error.span.col}" in text
        assert "child_minimun" in text and "^" in text  # the source line with its caret
        assert "Подсказка: did you mean 'child_minimum'?" in text
        assert old.short_version in text  # still serving
        status = client.get("/methodology/rules/status.json").get_json()
        assert status == {**status, "version": old.version, "ok": False, "errors": 1}

        # the fix, with a visible change, goes live through the page's button
        path.write_text(original.replace("title: Единое пособие", "title: Единое  пособие", 1), "utf-8")
        reloaded = client.post("/methodology/rules/reload", data={"csrf_token": csrf_of(client)})
        assert reloaded.status_code == 302
        new = live.current
        assert new.version != old.version
        text = _text(client.get("/methodology/"))
        assert new.short_version in text and "Последние изменения правил не приняты" not in text
        assert client.get("/methodology/rules/status.json").get_json()["state"] != status["state"]

        # both versions are stored: the diff names the file and the measure
        diff = client.get(f"/methodology/diff?from={old.version}&to={new.version}")
        assert diff.status_code == 200
        text = _text(diff)
        assert MEASURE in text and "unified_child_allowance" in text and "название" in text
        assert "Единое  пособие" in text


def test_the_diff_page_offers_the_versions_and_refuses_unknown_ones(app, client):
    login(client, "method")
    page = client.get("/methodology/diff")
    assert page.status_code == 200
    assert app.extensions["mera.rules"].current.short_version in _text(page)
    assert client.get("/methodology/diff?from=deadbeef&to=cafe").status_code == 404


def test_specialists_read_the_rules_but_do_not_reload_or_run_whatif(client):
    login(client, "samara")
    page = client.get("/methodology/")
    assert page.status_code == 200 and "Перечитать правила сейчас" not in _text(page)
    assert client.post("/methodology/rules/reload", data={"csrf_token": csrf_of(client)}).status_code == 403
    assert client.get("/methodology/whatif").status_code == 403
    token = csrf_of(client)
    assert client.post("/methodology/whatif", data={"csrf_token": token, "period": "2026-03"}).status_code == 403
    assert client.get("/methodology/reference").status_code == 403


def test_pages_need_a_login(client):
    for path in ("/methodology/", "/methodology/measures", "/methodology/whatif", "/methodology/rules/status.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- measures and parameters ---------------------------------------------------------------------


def test_the_catalogue_groups_measures_by_level(client):
    login(client, "method")
    text = _text(client.get("/methodology/measures"))
    assert "Федеральные меры" in text and "Региональные меры" in text
    assert "/methodology/measures/samara_edv_labour_veteran" in text
    assert "областной бюджет" in text


def test_a_measure_page_shows_conditions_formulas_and_legal_basis(client):
    login(client, "method")
    page = client.get("/methodology/measures/samara_edv_labour_veteran")
    assert page.status_code == 200
    text = _text(page)
    assert "Закон Самарской области от 28.12.2004 № 169-ГД" in text  # legal basis
    assert "все условия" in text and "eligibility.all[2]" in text  # the tree with ids
    assert "age_now >= pension_age or has_category('pensioner', period.end)" in text
    assert "«возраст {age_now} лет меньше {pension_age} лет и пенсия не назначена»" in text
    assert "param('samara.edv.labour_veteran')" in text  # the amount formula
    assert "до копейки, по правилам арифметики" in text
    assert "rules/measures/regional/samara_edv_labour_veteran.yaml:1" in text
    assert "samara.edv.age" in text and "Закон Самарской области от 06.12.2006 № 155-ГД" in text  # parameters used
    assert "граница — 60 лет исполняется 1 апреля, за март отказ" in text  # embedded tests
    assert "Удостоверение ветерана труда" in text  # documents


def test_an_unknown_measure_is_404(client):
    login(client, "method")
    assert client.get("/methodology/measures/no_such_measure").status_code == 404


def test_the_parameters_page_shows_values_with_legal_references(client):
    login(client, "method")
    text = _text(client.get("/methodology/parameters"))
    assert "mrot.monthly" in text and "Федеральный закон" in text
    found = _text(client.get("/methodology/parameters?q=samara.edv"))
    assert "samara.edv.labour_veteran" in found and "samara.edv.age" in found and "mrot.monthly" not in found
    assert "Найдено 2 из" in found
    assert "Закон Самарской области от 28.12.2004 № 169-ГД; индексация × 1,03 с 01.01.2020" in found
    assert "номер постановления об индексации не найден" in found  # the note of an unverified value
    assert "Нет параметров" in _text(client.get("/methodology/parameters?q=zzz"))


# -- what-if -------------------------------------------------------------------------------------


def test_whatif_of_a_draft_folder_shows_the_cost_change_of_the_measure(client, drafts):
    login(client, "method")
    form = client.get("/methodology/whatif")
    assert form.status_code == 200 and "full_step_110" in _text(form)
    page = client.post(
        "/methodology/whatif",
        data={"csrf_token": csrf_of(client), "source": "folder", "draft": "full_step_110", "period": "2026-03"},
    )
    assert page.status_code == 200, _text(page)[:2000]
    text = _text(page)
    row = re.search(r'<tr id="measure-unified_child_allowance">(.*?)</tr>', text, re.S)
    assert row, "the measure's row is missing from the budget impact"
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert cells[-1].startswith("+") and "₽" in cells[-1]  # the monthly cost change, from kopecks
    assert "rate: 1 → 1.1" in text  # the one-line reason of a household that gains
    assert "Кто выигрывает" in text and "федеральный бюджет" in text and "городской округ Самара" in text


def test_other_pages_write_while_a_whatif_reads(app, client, drafts, monkeypatch):
    """SQLite lets one transaction write at a time, and the web app's transactions take that
    turn as they begin: a what-if reading the whole register must neither keep it (every other
    page would wait, then fail) nor take it. Another connection writes in the middle of the
    what-if's reading, waiting at most a fifth of a second."""
    import sqlalchemy as sa

    import measures.whatif as whatif_module

    url = app.config["DATABASE_URL"]
    other = sa.create_engine(url, connect_args={"timeout": 0.2} if url.startswith("sqlite") else {})
    written = []
    real = whatif_module.compare_partition

    def written_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        with other.begin() as connection:  # another page's write
            connection.execute(sa.text("update users set failed_logins = failed_logins where login = 'method'"))
        written.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(whatif_module, "compare_partition", written_meanwhile)
    login(client, "method")
    try:
        page = client.post(
            "/methodology/whatif",
            data={"csrf_token": csrf_of(client), "source": "folder", "draft": "full_step_110", "period": "2026-03"},
        )
    finally:
        other.dispose()
    assert page.status_code == 200, _text(page)[:2000]
    assert written and "unified_child_allowance" in _text(page)


def test_whatif_csv_of_a_draft_folder(client, drafts):
    login(client, "method")
    response = client.get(
        "/methodology/whatif?source=folder&draft=full_step_110&period=2026-03&municipality=36701000&format=csv"
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Семья (id)"
    assert any(row[2] == "unified_child_allowance" and row[-1] == "rate: 1 → 1.1" for row in rows[1:])


def test_whatif_refuses_a_folder_that_is_not_listed(client, drafts):
    login(client, "method")
    for name in ("../drafts", "nope", str(RULES_DIR)):
        page = client.post(
            "/methodology/whatif",
            data={"csrf_token": csrf_of(client), "source": "folder", "draft": name, "period": "2026-03"},
        )
        assert page.status_code == 400
        assert 'href="#draft"' in page.get_data(as_text=True)
    bad_month = client.post(
        "/methodology/whatif",
        data={"csrf_token": csrf_of(client), "source": "folder", "draft": "full_step_110", "period": "март"},
    )
    assert bad_month.status_code == 400 and 'href="#period"' in bad_month.get_data(as_text=True)


def test_an_uploaded_file_with_an_error_shows_its_position(client):
    login(client, "method")
    source = (RULES_DIR / MEASURE).read_text("utf-8").replace("rate * child_minimum", "rate * child_minimun", 1)
    page = client.post(
        "/methodology/whatif",
        data={
            "csrf_token": csrf_of(client),
            "source": "upload",
            "path": MEASURE,
            "period": "2026-03",
            "rule_file": (io.BytesIO(source.encode()), "unified_child_allowance.yaml"),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 400
    text = _text(page)
    assert "Проект правил не загрузился" in text
    assert re.search(rf"rules/{re.escape(MEASURE)}:\d+:\d+", text)
    assert "did you mean 'child_minimum'?" in text


def test_an_upload_needs_a_known_or_well_formed_path(client):
    login(client, "method")
    page = client.post(
        "/methodology/whatif",
        data={
            "csrf_token": csrf_of(client),
            "source": "upload",
            "path": "__new__",
            "new_path": "../../etc/passwd.yaml",
            "period": "2026-03",
            "rule_file": (io.BytesIO(b"a: 1\n"), "x.yaml"),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 400 and 'href="#new_path"' in page.get_data(as_text=True)


def test_the_csv_of_an_upload_is_guarded_against_formulas(client):
    login(client, "method")
    source = (RULES_DIR / MEASURE).read_text("utf-8")
    assert "amount: rate * child_minimum * paid_children" in source
    edited = re.sub(r"^title: .*$", 'title: "=HYPERLINK(\\"http://evil\\")"', source, count=1, flags=re.M)
    edited = edited.replace(
        "amount: rate * child_minimum * paid_children", "amount: rate * child_minimum * paid_children * 2", 1
    )
    response = client.post(
        "/methodology/whatif",
        data={
            "csrf_token": csrf_of(client),
            "source": "upload",
            "path": MEASURE,
            "period": "2026-03",
            "municipality": "36701000",
            "format": "csv",
            "rule_file": (io.BytesIO(edited.encode()), "unified_child_allowance.yaml"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    titles = [row[3] for row in rows[1:] if row[2] == "unified_child_allowance"]
    assert titles and all(title == '\'=HYPERLINK("http://evil")' for title in titles)
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_csv_cells_starting_like_formulas_get_a_quote():
    assert [csv_cell(v) for v in ("=1+2", "+7", "-3", "@SUM(A1)", "\tx", "\rx", "обычный", None, 5)] == [
        "'=1+2",
        "'+7",
        "'-3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "обычный",
        "",
        "5",
    ]


def test_a_second_whatif_at_once_is_refused_with_429_by_any_process(app, web_database, client, drafts):
    """A run of the user going in another process of the application (its lease in the
    register): this one is refused; once it ends, a run goes."""
    from registry.db import make_engine, transaction
    from registry.limits import end_lease, leases_of, take_lease

    login(client, "method")
    engine = make_engine(web_database[0])  # another process's connection
    with transaction(engine) as session:
        user_id = session.execute(select(User.id).where(User.login == "method")).scalar_one()
        lease = take_lease(session, "whatif", user_id, 1, timedelta(hours=1))
    assert lease is not None
    form = {"csrf_token": csrf_of(client), "source": "folder", "draft": "full_step_110", "period": "2026-03"}
    try:
        response = client.post("/methodology/whatif", data=form)
        assert response.status_code == 429
        assert "еще выполняется" in _text(response)
    finally:
        with transaction(engine) as session:
            end_lease(session, lease)
    assert client.post("/methodology/whatif", data=form).status_code == 200
    with transaction(engine) as session:
        assert leases_of(session, "whatif", user_id) == 0  # the run's own lease ended with it
    engine.dispose()


def test_run_leases(db_session):
    from registry.limits import end_lease, leases_of, take_lease

    people = [
        User(login=f"lease{n}", full_name="Тест", role="methodologist", password_hash="-", created_at=datetime.now(UTC))
        for n in range(2)
    ]
    db_session.add_all(people)
    db_session.flush()
    first, second = (user.id for user in people)
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    stale = timedelta(hours=1)
    lease = take_lease(db_session, "whatif", first, 1, stale, now=start)
    assert lease is not None and leases_of(db_session, "whatif", first) == 1
    assert take_lease(db_session, "whatif", first, 1, stale, now=start + timedelta(minutes=1)) is None
    assert take_lease(db_session, "whatif", first, 2, stale, now=start + timedelta(minutes=1)) is not None
    assert take_lease(db_session, "whatif", second, 1, stale, now=start) is not None  # another user
    # a process that died an hour ago does not hold the user up for ever
    assert take_lease(db_session, "whatif", first, 1, stale, now=start + timedelta(hours=1, minutes=2)) is not None
    end_lease(db_session, lease)


def test_the_reference_books(client):
    login(client, "method")
    page = client.get("/methodology/reference")
    assert page.status_code == 200
    text = _text(page)
    assert "36701000" in text and "городской округ Самара" in text
    assert "паспорт гражданина Российской Федерации" in text
    assert "ветеран труда" in text and "заработная плата" in text


# -- the readable views themselves (no Flask) ------------------------------------------------------


def test_a_measure_view_follows_library_variables_to_their_parameters(rules):
    from measures.catalogue import measure_parameters, measure_view, parameter_views

    params, library = measure_parameters(rules, rules.measures["unified_child_allowance"])
    assert "unified_allowance.steps.full" in params and "subsistence_minimum.children" in params
    assert "ua_per_capita_minimum" in library
    view = measure_view(rules, "unified_child_allowance")
    assert view["versions"][0]["amount"]["text"] == "rate * child_minimum * paid_children"
    assert {p["name"] for p in view["parameters"]} == set(params)
    assert [p["name"] for p in parameter_views(rules, "MROT.")] == [
        name for name in rules.params.names() if name.startswith("mrot.")
    ]
