"""Logging in and out: argon2id hashes, lockout, server-side sessions, CSRF, security headers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from registry.models import AuditEntry, RateEvent, User, WebSession
from registry.staff import LOCK_AFTER, authenticate, password_problem, resume_session, start_session
from tests.webapp.webkit import csrf_of, login


def test_login_lands_on_the_role_home_and_logout_kills_the_session(client):
    response = login(client, "samara")
    assert response.status_code == 302
    home = client.get(response.headers["Location"], follow_redirects=True)
    assert home.status_code == 200
    cookie = client.get_cookie("mera-session").value
    logout = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert logout.status_code == 302
    client.set_cookie("mera-session", cookie)  # a stolen copy, replayed after logout
    again = client.get("/staff/")
    assert again.status_code == 302 and "/login" in again.headers["Location"]


def test_wrong_password_shows_the_error_next_to_the_field(client):
    response = login(client, "samara", "not the password at all")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#password"' in page and "неверный логин или пароль" in page


def test_passwords_are_argon2id(app):
    from webapp.database import db

    with app.test_request_context():
        user = db().execute(select(User).where(User.login == "samara")).scalar_one()
        assert user.password_hash.startswith("$argon2id$")


def test_five_failures_lock_the_account_for_fifteen_minutes(app):
    from registry.access import SYSTEM
    from registry.models import User as UserModel
    from registry.staff import LoginError, UserForm, create_user
    from webapp.database import db

    with app.test_request_context():
        session = db()
        login_name = f"lock{datetime.now(UTC).timestamp():.0f}"
        create_user(session, SYSTEM, UserForm(login_name, "Тест", "auditor", (), True, True, "длинная фраза для входа"))
        session.commit()
        start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        for attempt in range(LOCK_AFTER):
            with contextlib.suppress(LoginError):
                authenticate(session, login_name, "wrong password!", now=start + timedelta(seconds=attempt))
        session.commit()
        # locked: even the right password is refused until the lock ends
        try:
            authenticate(session, login_name, "длинная фраза для входа", now=start + timedelta(minutes=14))
            raise AssertionError("a locked account let the user in")
        except LoginError as exc:
            assert "заблокирована" in str(exc)
        user = authenticate(session, login_name, "длинная фраза для входа", now=start + timedelta(minutes=16))
        assert user.login == login_name
        actions = (
            session.execute(
                select(AuditEntry.action).where(AuditEntry.table_name == "users", AuditEntry.row_id == str(user.id))
            )
            .scalars()
            .all()
        )
        assert "lockout" in actions and actions.count("login_failed") == LOCK_AFTER
        session.rollback()
        assert session.get(UserModel, user.id) is not None


def test_sessions_expire_after_thirty_idle_minutes(app):
    from webapp.database import db

    with app.test_request_context():
        session = db()
        user = session.execute(select(User).where(User.login == "audit")).scalar_one()
        # now: the newest of the user's sessions (other tests' logins are real-time), so not one
        # of the oldest ended beyond MAX_SESSIONS — a fixed date became the oldest once it passed
        start = datetime.now(UTC)
        token = start_session(session, user, now=start)
        assert resume_session(session, token, now=start + timedelta(minutes=29)) is not None
        assert resume_session(session, token, now=start + timedelta(minutes=29 + 31)) is None
        record = session.execute(select(WebSession).where(WebSession.user_id == user.id)).scalars().all()
        assert any(r.ended_at is not None for r in record)
        session.rollback()


def test_a_post_without_the_form_token_is_refused(client):
    login(client, "samara")
    response = client.post("/logout")
    assert response.status_code == 403


def test_security_headers_on_pages_and_errors(client):
    for path in ("/login", "/no-such-page", "/static/mera.css"):
        with client.get(path) as response:
            assert "object-src 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
    assert client.get("/login").headers["Cache-Control"] == "no-store"


def test_password_policy():
    assert password_problem("short") is not None
    assert password_problem("abcdefghijk") is not None  # 11 characters
    assert password_problem("вечер у реки") is None  # 12 characters are enough
    assert password_problem("qwerty123456") is not None
    assert password_problem("длинная кириллическая фраза") is None
    assert password_problem("x" * 129) is not None
    assert password_problem("correct horse battery staple") is None


def test_secure_cookie_names_in_production(web_database):
    from tests.webapp.conftest import web_config
    from webapp import create_app

    application = create_app(web_config(web_database[0], COOKIE_SECURE=True))
    client = application.test_client()
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-mera-csrf=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    application.extensions["mera.rules"].stop()
    application.extensions["mera.engine"].dispose()


def test_a_client_address_gets_a_limited_number_of_attempts_across_processes(web_database):
    """Two applications over one register (two processes of `mera serve --workers 2`) share the
    limit of login attempts per client address; another address is not held up."""
    from tests.webapp.conftest import web_config
    from webapp import create_app

    apps = [create_app(web_config(web_database[0], LOGIN_RATE_LIMIT=4)) for _ in range(2)]
    address = f"10.9.{datetime.now(UTC).microsecond % 250}.{datetime.now(UTC).second}"
    try:
        clients = [application.test_client() for application in apps]
        for client in clients:
            client.environ_base["REMOTE_ADDR"] = address
        answers = [login(clients[n % 2], "samara", "not the password at all") for n in range(5)]
        texts = [answer.get_data(as_text=True) for answer in answers]
        assert all("неверный логин или пароль" in text for text in texts[:4])
        assert "Слишком много попыток" in texts[4]
        other = apps[0].test_client()
        other.environ_base["REMOTE_ADDR"] = address + "1"
        assert login(other, "samara").status_code == 302
    finally:
        for application in apps:
            application.extensions["mera.rules"].stop()
            application.extensions["mera.engine"].dispose()


def test_attempts_are_counted_in_a_sliding_window(db_session):
    from registry.limits import allow_attempt

    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    window = timedelta(minutes=5)
    assert [
        allow_attempt(db_session, "login", "10.0.0.1", 2, window, now=start + timedelta(minutes=m)) for m in (0, 1, 2)
    ] == [
        True,
        True,
        False,
    ]
    assert allow_attempt(db_session, "login", "10.0.0.2", 2, window, now=start)  # another address
    assert allow_attempt(db_session, "login", "10.0.0.1", 2, window, now=start + timedelta(minutes=5, seconds=1))
    stored = db_session.execute(select(RateEvent.key_hash)).scalars().all()
    assert stored and not any("10.0.0" in value for value in stored)  # digests, not addresses
