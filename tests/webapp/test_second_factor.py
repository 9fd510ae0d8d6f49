"""The second factor of the administrator's and the payment officer's logins: an authenticator
app set up at the first login, its code for the current 30 seconds only and once, wrong codes
counted with wrong passwords, a reset by an administrator; other roles log in with the password."""

from __future__ import annotations

import base64
import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from registry.access import SYSTEM
from registry.models import AuditEntry, LoginChallenge, User
from registry.staff import LOCK_AFTER, UserForm, create_user
from registry.totp import accepted_step, code_at, provisioning_uri, step_of
from tests.webapp.webkit import csrf_of, csrf_of_page, current_code, login

PASSWORD = "фраза второго фактора для входа"
_numbers = itertools.count()


# -- the codes (RFC 6238) ----------------------------------------------------------------------

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("seconds", "code"),
    [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_are_those_of_rfc_6238(seconds, code):
    assert code_at(RFC_SECRET, step_of(datetime.fromtimestamp(seconds, UTC))) == code


def test_a_code_counts_for_its_own_step_only_and_once():
    moment = datetime(2026, 11, 23, 10, 0, 10, tzinfo=UTC)
    step = step_of(moment)
    code = code_at(RFC_SECRET, step)
    assert accepted_step(RFC_SECRET, code, moment, None) == step
    assert accepted_step(RFC_SECRET, code[:3] + " " + code[3:], moment, None) == step  # as apps show it
    assert accepted_step(RFC_SECRET, code, moment, step) is None  # used already: a replay
    assert accepted_step(RFC_SECRET, code, moment + timedelta(seconds=30), None) is None  # older than 30 s
    assert accepted_step(RFC_SECRET, code_at(RFC_SECRET, step + 1), moment, None) is None  # not yet
    wrong = str((int(code) + 1) % 10**6).zfill(6)
    assert accepted_step(RFC_SECRET, wrong, moment, None) is None
    assert accepted_step(RFC_SECRET, "12345", moment, None) is None
    assert accepted_step(RFC_SECRET, "abcdef", moment, None) is None


def test_the_address_for_apps():
    uri = provisioning_uri(RFC_SECRET, "pay")
    assert uri.startswith("otpauth://totp/%D0%9C%D0%B5%D1%80%D0%B0%3Apay?")
    assert f"secret={RFC_SECRET}" in uri and "digits=6" in uri and "period=30" in uri


# -- logging in ----------------------------------------------------------------------------------


def _new_user(app, role: str) -> str:
    from webapp.database import db

    name = f"mfa{role[:3]}{next(_numbers)}{datetime.now(UTC).timestamp():.0f}"
    with app.test_request_context():
        session = db()
        create_user(session, SYSTEM, UserForm(name, "Тест Второго Фактора", role, (), True, True, PASSWORD))
        session.commit()
    return name


def _user(app, name: str) -> User:
    from webapp.database import db

    with app.test_request_context():
        session = db()
        user = session.execute(select(User).where(User.login == name)).scalar_one()
        session.expunge(user)
        return user


def _password_step(client, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return login(client, name, password, second_factor=False)


def _send_code(client, code: str):  # type: ignore[no-untyped-def]
    return client.post("/login/code", data={"code": code, "csrf_token": csrf_of_page(client, "/login/code")})


def _wrong(code: str) -> str:
    return str((int(code) + 500_000) % 10**6).zfill(6)


def test_a_payment_officer_sets_up_the_authenticator_at_the_first_login(app):
    client = app.test_client()
    name = _new_user(app, "payment_officer")
    response = _password_step(client, name)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/code")
    assert client.get_cookie("mera-session") is None  # the password alone opens nothing
    assert "/login" in client.get("/staff/").headers["Location"]
    page = client.get("/login/code").get_data(as_text=True)
    shown = re.search(r'<code id="secret" class="secret">([A-Z2-7 ]+)</code>', page)
    assert shown and "otpauth://totp/" in page
    secret = shown.group(1).replace(" ", "")
    refused = _send_code(client, _wrong(code_at(secret, step_of(datetime.now(UTC)))))
    assert refused.status_code == 400 and "неверный код" in refused.get_data(as_text=True)
    assert _user(app, name).totp_secret is None  # not kept before a right code
    done = _send_code(client, current_code(client, name))
    assert done.status_code == 302 and client.get_cookie("mera-session") is not None
    assert client.get("/staff/").status_code == 200
    user = _user(app, name)
    assert user.totp_secret == secret and user.totp_last_step is not None and user.failed_logins == 0
    assert client.get_cookie("mera-login") is None  # the waiting login is over


def test_later_logins_ask_the_code_and_take_it_once(app):
    name = _new_user(app, "administrator")
    assert login(app.test_client(), name, PASSWORD).status_code == 302  # set up
    secret = _user(app, name).totp_secret
    client = app.test_client()
    assert _password_step(client, name).status_code == 302
    page = client.get("/login/code").get_data(as_text=True)
    assert 'id="secret"' not in page and name in page  # the secret is never shown again
    code = current_code(client, name)
    assert _send_code(client, code).status_code == 302
    assert client.get("/admin/").status_code == 200
    other = app.test_client()  # someone who saw that code, within the same 30 seconds
    _password_step(other, name)
    replayed = _send_code(other, code)
    assert replayed.status_code == 400 and other.get_cookie("mera-session") is None
    previous = code_at(secret, step_of(datetime.now(UTC)) - 1)  # older than 30 seconds
    assert _send_code(other, previous).status_code == 400


def test_wrong_codes_count_with_wrong_passwords_and_lock_the_account(app):
    name = _new_user(app, "payment_officer")
    assert login(app.test_client(), name, PASSWORD).status_code == 302  # set up
    client = app.test_client()
    _password_step(client, name)
    for _ in range(3):
        assert _send_code(client, _wrong(current_code(client, name))).status_code == 400
    _password_step(client, name)  # the right password does not start the count again
    assert _send_code(client, _wrong(current_code(client, name))).status_code == 400
    last = _send_code(client, _wrong(current_code(client, name)))
    assert last.status_code == 400 and "заблокирована" in last.get_data(as_text=True)
    assert client.get_cookie("mera-login") is None
    refused = _password_step(client, name)  # locked: the right password is refused too
    assert refused.status_code == 400 and "заблокирована" in refused.get_data(as_text=True)
    user = _user(app, name)
    assert user.locked_until is not None
    from webapp.database import db

    with app.test_request_context():
        actions = db().execute(select(AuditEntry.action).where(AuditEntry.row_id == str(user.id))).scalars().all()
    assert actions.count("login_failed") == LOCK_AFTER and "lockout" in actions


def test_other_roles_log_in_with_the_password(app):
    client = app.test_client()
    name = _new_user(app, "specialist")
    response = _password_step(client, name)
    assert response.status_code == 302 and not response.headers["Location"].startswith("/login/code")
    assert client.get_cookie("mera-session") is not None


def test_a_waiting_login_ends_after_five_minutes(app):
    from webapp.database import db

    client = app.test_client()
    name = _new_user(app, "administrator")
    _password_step(client, name)
    with app.test_request_context():
        session = db()
        user_id = session.execute(select(User.id).where(User.login == name)).scalar_one()
        session.execute(
            update(LoginChallenge)
            .where(LoginChallenge.user_id == user_id)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=6))
        )
        session.commit()
    page = client.get("/login/code")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert app.test_client().get("/login/code").status_code == 302  # no waiting login at all


def test_an_administrator_resets_a_lost_second_factor(app):
    name = _new_user(app, "payment_officer")
    user_client = app.test_client()
    assert login(user_client, name, PASSWORD).status_code == 302
    assert user_client.get("/staff/").status_code == 200
    user = _user(app, name)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Сбросить второй фактор" in page
    done = admin.post(f"/admin/users/{user.id}/second-factor/reset", data={"csrf_token": csrf_of(admin)})
    assert done.status_code == 303
    assert user_client.get("/staff/").status_code == 302  # the user's sessions ended
    assert _user(app, name).totp_secret is None
    again = app.test_client()
    _password_step(again, name)
    assert 'id="secret"' in again.get("/login/code").get_data(as_text=True)  # set up anew
    assert login(again, name, PASSWORD).status_code == 302
    assert _user(app, name).totp_secret not in (None, user.totp_secret)


def test_the_settings_of_the_second_factor(web_database):
    from tests.webapp.conftest import web_config
    from webapp import create_app

    with pytest.raises(RuntimeError, match="unknown roles"):
        create_app(web_config(web_database[0], SECOND_FACTOR_ROLES="administrator,cashier"))
    production = {"PRODUCTION": True, "COOKIE_SECURE": True, "SECRET_KEY": "x" * 32}
    with pytest.raises(RuntimeError, match="second factor"):
        create_app(web_config(web_database[0], **production, SECOND_FACTOR_ROLES="payment_officer"))
