"""Logging in through a real browser: the error summary, keyboard focus, the role's start page."""

from __future__ import annotations

from tests.browser.conftest import shoot, sign_in


def test_a_wrong_password_is_shown_in_the_summary_and_next_to_the_field(page):
    page.goto("/login")
    shoot(page, "01-login")
    page.get_by_label("Логин").fill("samara")
    page.get_by_label("Пароль").fill("not the password")
    page.get_by_role("button", name="Войти").click()
    summary = page.locator(".error-summary")
    assert "неверный логин или пароль" in summary.inner_text()
    # the summary takes the focus, and its link leads to the field
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "password"


def test_the_skip_link_is_the_first_stop_of_the_keyboard(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Перейти к содержанию"


def test_a_specialist_lands_on_the_search(page):
    sign_in(page, "samara")
    assert page.url.endswith("/staff/")
    assert "Специалист" in page.locator(".who").inner_text()
