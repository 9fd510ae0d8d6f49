"""The main journeys in a real browser: a specialist finds a person, calculates, opens the trace,
saves and decides, and prints the decision; a methodologist breaks a rule file on the running
server, sees the error appear on the rules page by itself, mends it and sees the new version live;
an auditor replays a calculation; an administrator opens the users; a payment officer sets up
the authenticator of the second factor. Screenshots of each page go
to test-artifacts/screenshots/.

Waiting is by Playwright's auto-waiting locators (no sleeps, no timing assertions).
"""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in


def test_a_specialist_finds_calculates_reads_the_trace_and_decides(page):
    sign_in(page, "samara")
    page.get_by_label("СНИЛС").fill("112-233-445 95")
    page.get_by_role("button", name="Найти").click()
    shoot(page, "02-search")
    page.get_by_role("link", name=re.compile("Петров Иван")).click()
    expect(page.locator("h1")).to_contain_text("Петров Иван")
    shoot(page, "03-person-card")
    page.get_by_role("link", name="Рассчитать меры поддержки").click()
    page.get_by_label("Месяц расчета").fill("2026-03")
    page.get_by_role("button", name="Рассчитать", exact=True).click()
    allowance = page.locator("#trace-unified_child_allowance")
    expect(page.locator("main")).to_contain_text("34\u202f538,00")
    expect(page.locator("main")).to_contain_text("Расходы по услугам ЖКУ")
    # open the unified allowance's trace, then every step: the parameters show their legal sources
    page.locator("details.trace-box", has=allowance).locator("summary").first.click()
    allowance.get_by_role("button", name="Раскрыть все шаги").click()
    expect(allowance.locator(".params .source").first).to_be_visible()
    expect(allowance.locator(".params .source").first).to_contain_text("основание:")
    shoot(page, "04-calculation-with-trace")

    section = page.locator("section.outcome", has=page.locator("#outcome-unified_child_allowance"))
    section.get_by_role("button", name=re.compile("^Сохранить расчет")).click()
    expect(page.locator("h2#decision-title")).to_be_visible()
    page.get_by_role("radio", name=re.compile("Назначить")).check()
    page.get_by_label("Дата решения").fill(date.today().isoformat())
    page.get_by_role("button", name="Принять решение").click()
    expect(page.locator("main")).to_contain_text("о назначении меры социальной поддержки")
    shoot(page, "05-decision")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()  # the print stylesheet leaves the decision alone
    shoot(page, "06-decision-print")


def test_a_broken_rule_file_shows_on_the_rules_page_and_the_fix_goes_live(page, served):
    sign_in(page, "method")
    expect(page.locator("h1")).to_have_text("Правила")
    version = page.locator("dd code").first.inner_text()
    shoot(page, "07-rules")
    measure = served["rules"] / "measures" / "federal" / "birth_allowance.yaml"
    original = measure.read_text("utf-8")
    try:
        broken = original.replace("amount: sum(param(", "amount: sum(parm(", 1)
        assert broken != original
        measure.write_text(broken, "utf-8")
        # the server's watcher reloads, the page's poll notices and shows the error with its place
        errors = page.locator("ol.rule-errors")
        expect(errors).to_contain_text(re.compile(r"measures/federal/birth_allowance\.yaml:\d+:\d+"), timeout=30_000)
        expect(page.locator("main")).to_contain_text("Продолжает работать прежняя версия")
        expect(page.locator("main")).to_contain_text(version)
        shoot(page, "08-rules-error")
    finally:
        measure.write_text(original + "\n# checked again\n", "utf-8")
    expect(page.locator("ol.rule-errors")).to_have_count(0, timeout=30_000)
    expect(page.locator("dd code").first).not_to_have_text(version, timeout=30_000)
    shoot(page, "09-rules-new-version")


def test_an_auditor_replays_a_saved_calculation(page, served):
    sign_in(page, "samara")  # a calculation to replay, saved through the form
    page.goto(f"/staff/persons/{served['ids']['father']}/calculate?measure=unified_child_allowance")
    page.get_by_label("Месяц расчета").fill("2026-03")
    page.get_by_role("button", name="Сохранить расчет", exact=True).click()
    expect(page.locator("h2#decision-title")).to_be_visible()
    page.get_by_role("button", name="Выйти").click()

    sign_in(page, "audit")
    expect(page.locator("h1")).to_contain_text("История расчетов")
    shoot(page, "10-audit-history")
    page.locator("table a[href*='/audit/calculations/']").first.click()
    shoot(page, "11-audit-calculation")
    page.get_by_role("button", name="Повторить расчет на сохраненных правилах").click()
    expect(page.locator("main")).to_contain_text("Результат совпадает с сохраненным")
    shoot(page, "12-audit-replay")
    page.goto("/audit/log")
    expect(page.locator("table")).to_contain_text("login")
    shoot(page, "13-audit-log")


def test_an_administrator_sees_users_and_a_methodologist_the_what_if(page):
    sign_in(page, "admin")
    expect(page.locator("main")).to_contain_text("samara")
    shoot(page, "14-admin-users")
    page.get_by_role("button", name="Выйти").click()
    sign_in(page, "method")
    page.goto("/methodology/whatif")
    expect(page.locator("h1")).to_contain_text("Что если")
    shoot(page, "15-whatif")
    page.goto("/methodology/measures/housing_utilities_subsidy")
    expect(page.locator("main")).to_contain_text("ЖК РФ")
    shoot(page, "16-measure")


def test_a_payment_officer_sets_up_the_authenticator_and_logs_in_with_its_code(page):
    """The only browser test that logs in as the payment officer: the first login sets up."""
    from tests.webapp.webkit import PASSWORD, authenticator_code

    page.goto("/login")
    page.get_by_label("Логин").fill("pay")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator("h1")).to_contain_text("Код подтверждения")
    secret = page.locator("#secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", secret)
    shoot(page, "17-second-factor-setup")
    code = authenticator_code(None, "pay", secret)
    page.get_by_label("Код из приложения").fill(str((int(code) + 500_000) % 10**6).zfill(6))  # a wrong one
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.locator(".error-summary, [role=alert]").first).to_contain_text("неверный код")
    page.get_by_label("Код из приложения").fill(authenticator_code(None, "pay", secret))
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    assert "/login" not in page.url
