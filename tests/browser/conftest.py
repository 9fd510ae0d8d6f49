"""Real browser tests: Debian's chromium, headless, driven by Playwright, against the production
WSGI server (waitress) serving the application over a private SQLite register and a private copy
of the rules folder that the tests break and mend while the server watches it.

Screenshots of the main pages are written to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, RULES_DIR
from tests.webapp.webkit import prepare_web_register

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
_SERVED: dict[str, object] = {}  # the served application, for sign_in's second factor


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The application served by waitress on a free port: {url, rules, ids, app}."""
    from waitress import create_server

    from webapp import create_app

    folder = tmp_path_factory.mktemp("browser")
    rules = folder / "rules"
    shutil.copytree(RULES_DIR, rules)
    url = f"sqlite:///{folder / 'register.sqlite3'}"
    ids = prepare_web_register(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "RULES_DIR": str(rules),
            "RULES_WATCH": True,
            "COOKIE_SECURE": False,
            "SECRET_KEY": "browser-test-secret",
            "DRAFTS_DIR": str(folder / "drafts"),
        }
    )
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _SERVED["app"] = app
    yield {"url": f"http://127.0.0.1:{server.effective_port}", "rules": rules, "ids": ids, "app": app}
    server.close()
    app.extensions["mera.rules"].stop()
    app.extensions["mera.engine"].dispose()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser, served):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=served["url"], locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, login: str) -> None:  # type: ignore[no-untyped-def]
    from tests.webapp.webkit import PASSWORD

    page.goto("/login")
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    if "/login/code" in page.url:  # the administrator's and the payment officer's second factor
        from tests.webapp.webkit import authenticator_code

        secret = page.locator("#secret")
        shown = secret.inner_text() if secret.count() else None
        engine = _SERVED["app"].extensions["mera.engine"]  # type: ignore[attr-defined]
        page.get_by_label("Код из приложения").fill(authenticator_code(engine, login, shown))
        page.get_by_role("button", name="Подтвердить").click()
        page.wait_for_load_state()
