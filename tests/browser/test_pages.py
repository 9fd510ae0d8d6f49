"""The remaining pages in a real browser: the methodologist's what-if over a draft folder, the
parameters, the diff and the reference books; the administrator's user form with a field error."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import shoot, sign_in
from tests.conftest import RULES_DIR
from tests.webapp.test_methodology import STEPS, _raise_full_step


def test_a_methodologist_runs_a_what_if_and_reads_parameters_diff_and_reference(page, served):
    drafts = served["app"].config["DRAFTS_DIR"]
    draft = Path(drafts) / "full_step_110"
    if not draft.exists():
        shutil.copytree(RULES_DIR, draft)
        path = draft / STEPS
        path.write_text(_raise_full_step(path.read_text("utf-8")), "utf-8")
    sign_in(page, "method")
    page.goto("/methodology/whatif")
    page.get_by_label("папка проекта правил на сервере").check()
    page.get_by_label("Папка", exact=True).select_option("full_step_110")
    page.get_by_label("Месяц").fill("2026-03")
    page.get_by_role("button", name="Рассчитать").click()
    expect(page.locator("h2#result")).to_be_visible()
    expect(page.locator("main")).to_contain_text("unified_child_allowance")
    expect(page.locator("main")).to_contain_text("rate: 1 → 1.1")
    shoot(page, "17-whatif-result")

    page.goto("/methodology/parameters")
    expect(page.locator("main")).to_contain_text(re.compile("ПП РФ|ФЗ|Постановление"))
    shoot(page, "18-parameters")
    page.goto("/methodology/diff")
    expect(page.locator("h1")).to_have_text("Сравнение версий правил")
    page.goto("/methodology/reference")
    expect(page.locator("main")).to_contain_text("городской округ Тольятти")
    shoot(page, "19-reference")


def test_an_administrator_sees_the_error_next_to_the_field(page):
    sign_in(page, "admin")
    page.goto("/admin/users/new")
    page.get_by_label("Логин").fill("new.specialist")
    page.get_by_label("Фамилия, имя, отчество").fill("Новикова Н. Н.")
    page.get_by_label("Роль", exact=True).select_option("specialist")
    page.get_by_label(re.compile("городской округ Самара")).check()
    page.get_by_role("textbox", name="Пароль").fill("short")
    page.get_by_role("button", name=re.compile("Создать|Сохранить")).click()
    expect(page.locator(".error-summary")).to_contain_text("не короче 12")
    expect(page.locator(".field-error").first).to_be_visible()
    shoot(page, "20-admin-user-error")
