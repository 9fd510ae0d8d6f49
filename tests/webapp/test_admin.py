"""The administrator's pages: users, roles, territorial scope, sessions and API tokens; only the
listed form fields are read, and invalid input saves nothing."""

from __future__ import annotations

import itertools
import re
import time

from sqlalchemy import select

from registry.models import User, UserScope
from registry.second_factor import SECOND_FACTOR_ROLES
from registry.staff import token_actor
from tests.webapp.webkit import PASSWORD, SAMARA, TOLYATTI, csrf_of, login

NEW_PASSWORD = "тихий вечер у реки"
_numbers = itertools.count()


def unique_login(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10**9}{next(_numbers)}"


def stored_user(app, login_name: str) -> tuple[User | None, set[str]]:  # type: ignore[no-untyped-def]
    from webapp.database import db

    with app.test_request_context():
        session = db()
        user = session.execute(select(User).where(User.login == login_name)).scalar_one_or_none()
        if user is None:
            return None, set()
        scope = set(session.execute(select(UserScope.oktmo).where(UserScope.user_id == user.id)).scalars())
        session.expunge(user)
        return user, scope


def create_through_the_page(client, login_name: str, **extra: object):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_of(client),
        "login": login_name,
        "full_name": "Специалист Тестовая Т. Т.",
        "role": "specialist",
        "municipalities": [SAMARA],
        "active": "1",
        "password": NEW_PASSWORD,
    }
    data.update(extra)
    return client.post("/admin/users/new", data=data)


def test_the_user_list(client):
    login(client, "admin")
    page = client.get("/admin/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in ("samara", "tlt", "audit", "городской округ Самара", "весь регион", "Специалист"):
        assert name in text
    assert 'href="/admin/users/new"' in text


def test_a_short_password_is_refused_next_to_the_field_and_nothing_is_saved(app, client):
    login(client, "admin")
    name = unique_login("short")
    response = create_through_the_page(client, name, password="короткий")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'href="#password"' in text and 'id="password-error"' in text and "не короче 12" in text
    assert f'value="{name}"' in text  # the form keeps what was entered, except the password
    assert "короткий" not in text
    assert stored_user(app, name)[0] is None


def test_missing_fields_are_named(client):
    login(client, "admin")
    response = client.post("/admin/users/new", data={"csrf_token": csrf_of(client), "password": NEW_PASSWORD})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    for field in ("login", "full_name", "role", "municipalities"):
        assert f'href="#{field}"' in text and f'id="{field}-error"' in text


def test_the_administrator_creates_a_user(app, client):
    login(client, "admin")
    name = unique_login("new")
    response = create_through_the_page(client, name)
    assert response.status_code == 303
    user, scope = stored_user(app, name)
    assert user is not None and user.role == "specialist" and user.active and not user.whole_region
    assert scope == {SAMARA}
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "Пользователь создан" in page.get_data(as_text=True)
    duplicate = create_through_the_page(client, name)
    assert duplicate.status_code == 400 and "уже есть" in duplicate.get_data(as_text=True)
    fresh = app.test_client()
    assert login(fresh, name, NEW_PASSWORD).status_code == 302


def test_extra_fields_are_ignored(app, client):
    login(client, "admin")
    name = unique_login("extra")
    response = create_through_the_page(
        client, name, password_hash="plain-text-hash", failed_logins="99", id="1", created_at="2000-01-01"
    )
    assert response.status_code == 303
    user, _scope = stored_user(app, name)
    assert user.password_hash.startswith("$argon2id$") and user.failed_logins == 0 and user.id != 1
    user_id = user.id

    # a token form does not change the user's role, password or state
    csrf = csrf_of(client)
    issued = client.post(
        f"/admin/users/{user_id}/tokens",
        data={"csrf_token": csrf, "name": "проверка", "role": "administrator", "password_hash": "x", "active": "0"},
    )
    assert issued.status_code == 200
    ending = client.post(
        f"/admin/users/{user_id}/sessions/end", data={"csrf_token": csrf, "role": "administrator", "whole_region": "1"}
    )
    assert ending.status_code == 303
    # the edit form does not change the login, the hash or the failure counter
    edited = client.post(
        f"/admin/users/{user_id}",
        data={
            "csrf_token": csrf,
            "login": "someone-else",
            "full_name": "Специалист Тестовая Т. Т.",
            "role": "specialist",
            "municipalities": [SAMARA],
            "active": "1",
            "password_hash": "plain-text-hash",
            "failed_logins": "7",
            "locked_until": "2099-01-01T00:00:00",
        },
    )
    assert edited.status_code == 303
    after, scope = stored_user(app, name)
    assert after.role == "specialist" and after.active and not after.whole_region and scope == {SAMARA}
    assert after.password_hash == user.password_hash and after.failed_logins == 0 and after.locked_until is None
    assert stored_user(app, "someone-else")[0] is None


def test_a_change_of_scope_ends_the_users_sessions(app, client):
    login(client, "admin")
    name = unique_login("scope")
    create_through_the_page(client, name)
    user, _scope = stored_user(app, name)

    other = app.test_client()
    assert login(other, name, NEW_PASSWORD).status_code == 302
    assert other.get("/audit/").status_code == 200

    response = client.post(
        f"/admin/users/{user.id}",
        data={
            "csrf_token": csrf_of(client),
            "full_name": "Специалист Тестовая Т. Т.",
            "role": "specialist",
            "municipalities": [TOLYATTI],
            "active": "1",
            "password": "",
        },
    )
    assert response.status_code == 303
    assert "Изменения сохранены" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert stored_user(app, name)[1] == {TOLYATTI}
    again = other.get("/audit/")
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    # logged in again, the user works with the new scope
    assert login(other, name, NEW_PASSWORD).status_code == 302
    assert other.get("/audit/").status_code == 200


def test_the_administrator_ends_a_users_sessions(app, client):
    login(client, "admin")
    name = unique_login("ended")
    create_through_the_page(client, name)
    user, _scope = stored_user(app, name)
    other = app.test_client()
    login(other, name, NEW_PASSWORD)
    assert other.get("/audit/").status_code == 200
    response = client.post(f"/admin/users/{user.id}/sessions/end", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 303
    assert "сеансы пользователя завершены" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert other.get("/audit/").status_code == 302


def test_a_token_is_shown_once_authenticates_and_can_be_revoked(app, client):
    from webapp.database import db

    login(client, "admin")
    name = unique_login("api")
    create_through_the_page(client, name)
    user, _scope = stored_user(app, name)

    refused = client.post(f"/admin/users/{user.id}/tokens", data={"csrf_token": csrf_of(client), "name": " "})
    assert refused.status_code == 400 and 'id="name-error"' in refused.get_data(as_text=True)

    issued = client.post(f"/admin/users/{user.id}/tokens", data={"csrf_token": csrf_of(client), "name": "Портал"})
    assert issued.status_code == 200
    token = re.search(r'value="(mera_[A-Za-z0-9_-]+)"', issued.get_data(as_text=True)).group(1)
    with app.test_request_context():
        actor = token_actor(db(), token, SECOND_FACTOR_ROLES)
        assert actor is not None and actor.login == name and actor.municipalities == frozenset({SAMARA})
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert token not in page and "Портал" in page  # never shown again

    token_id = re.search(r'action="/admin/tokens/(\d+)/revoke"', page).group(1)
    revoked = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(client), "user_id": user.id})
    assert revoked.status_code == 303 and revoked.headers["Location"].endswith(f"/admin/users/{user.id}?done=revoked")
    with app.test_request_context():
        assert token_actor(db(), token, SECOND_FACTOR_ROLES) is None
    assert "отозван" in client.get(revoked.headers["Location"]).get_data(as_text=True)


def test_no_token_form_for_a_role_with_a_second_factor(app, client):
    from registry.access import SYSTEM
    from registry.staff import issue_token
    from webapp.database import db

    login(client, "admin")
    pay, _scope = stored_user(app, "pay")
    with app.test_request_context():  # a token issued while the role needed no second factor
        issue_token(db(), SYSTEM, pay.id, "до настройки", frozenset())
        db().commit()
    page = client.get(f"/admin/users/{pay.id}").get_data(as_text=True)
    assert "токен API — один фактор" in page and f'action="/admin/users/{pay.id}/tokens"' not in page
    assert "до настройки" in page and "не действует: роль входит со вторым фактором" in page  # not «действует»
    refused = client.post(f"/admin/users/{pay.id}/tokens", data={"csrf_token": csrf_of(client), "name": "Портал"})
    assert refused.status_code == 400 and "mera_" not in refused.get_data(as_text=True)
    assert "токен API — один фактор" in refused.get_data(as_text=True)


def test_the_administrator_cannot_disable_themself(app, client):
    login(client, "admin")
    admin, _scope = stored_user(app, "admin")
    response = client.post(
        f"/admin/users/{admin.id}",
        data={
            "csrf_token": csrf_of(client),
            "full_name": admin.full_name,
            "role": "administrator",
            "whole_region": "1",
            "password": "",
        },
    )
    assert response.status_code == 400
    assert "нельзя" in response.get_data(as_text=True)
    assert stored_user(app, "admin")[0].active
    assert client.get("/admin/").status_code == 200  # still logged in


def test_unknown_users_and_tokens_are_404(client):
    login(client, "admin")
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/tokens/999999/revoke", data={"csrf_token": csrf_of(client)}).status_code == 404


def test_only_the_administrator_manages_users(client):
    for name in ("method", "audit", "samara"):
        other = client.application.test_client()
        login(other, name, PASSWORD)
        assert other.get("/admin/").status_code == 403
        assert other.get("/admin/users/new").status_code == 403
        response = other.post("/admin/users/new", data={"csrf_token": csrf_of(other), "login": "x"})
        assert response.status_code == 403


def test_a_form_without_the_token_is_refused(client):
    login(client, "admin")
    assert client.post("/admin/users/new", data={"login": "nocsrf"}).status_code == 403
