"""Staff accounts: users, argon2id passwords, lockout after failed logins, server-side sessions
and API tokens. Every login, failure, lockout and change of rights is journaled.

Figures (shared/notes/reliability-security.md, §2.1-2.2): passwords of 12 to 128 characters, no
composition rules, common passwords refused; 5 consecutive failures lock the account for 15
minutes; a session ends after 30 idle minutes or 12 hours, and a user keeps at most 3.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from registry.access import ROLES, Actor, NotFoundError, require
from registry.audit import journal
from registry.models import ApiToken, Municipality, User, UserScope, WebSession
from registry.people import RegisterError

PASSWORD_MIN, PASSWORD_MAX = 12, 128
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
MAX_SESSIONS = 3
# The most common passwords of at least 12 characters in public breach lists (a short list: a
# deployment should add a breached-password service, ASVS 6.2.12).
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678910",
        "qwertyuiopas",
        "qwerty123456",
        "password1234",
        "password12345",
        "passwordpassword",
        "111111111111",
        "000000000000",
        "123123123123",
        "qwertyqwerty",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "йцукенгшщзхъ",
        "administrator",
        "administrator1",
        "iloveyou1234",
        "abcdefghijkl",
        "abc123abc123",
        "пароль123456",
        "парольпароль",
    }
)

_hasher = PasswordHasher()  # argon2id, the library's defaults (RFC 9106 low-memory profile)
_DUMMY_HASH = _hasher.hash("a password nobody has, to spend the same time on unknown logins")


def moment_or_now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def password_problem(password: str, login: str = "") -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < PASSWORD_MIN:
        return f"пароль должен быть не короче {PASSWORD_MIN} символов"
    if len(password) > PASSWORD_MAX:
        return f"пароль должен быть не длиннее {PASSWORD_MAX} символов"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return "этот пароль слишком распространен; придумайте фразу из нескольких слов"
    if login and login.lower() in lowered:
        return "пароль не должен содержать логин"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def actor_of(session: Session, user: User) -> Actor:
    if user.whole_region:
        scope = None
    else:
        scope = frozenset(session.execute(select(UserScope.oktmo).where(UserScope.user_id == user.id)).scalars())
    return Actor(user.id, user.login, user.role, scope)


# -- users ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserForm:
    """What an administrator enters for a user; ``password`` empty keeps the current one."""

    login: str
    full_name: str
    role: str
    municipalities: tuple[str, ...]
    whole_region: bool
    active: bool = True
    password: str = ""


def _check_form(session: Session, form: UserForm, new: bool) -> list[tuple[str, str]]:
    problems = []
    if not form.login or len(form.login) > 64 or not all(c.isalnum() or c in "._-" for c in form.login):
        problems.append(("login", "логин: латинские буквы, цифры, точка, дефис или подчеркивание, до 64 символов"))
    if not form.full_name.strip():
        problems.append(("full_name", "укажите фамилию, имя и отчество"))
    if form.role not in ROLES:
        problems.append(("role", "выберите роль"))
    if not form.whole_region and not form.municipalities:
        problems.append(("municipalities", "выберите муниципальные образования или весь регион"))
    known = set(session.execute(select(Municipality.oktmo)).scalars())
    unknown = [code for code in form.municipalities if code not in known]
    if unknown:
        problems.append(("municipalities", f"нет муниципальных образований с ОКТМО {', '.join(unknown)}"))
    if new or form.password:
        reason = password_problem(form.password, form.login)
        if reason:
            problems.append(("password", reason))
    return problems


def _set_scope(session: Session, user: User, form: UserForm) -> None:
    session.execute(delete(UserScope).where(UserScope.user_id == user.id))
    if not form.whole_region:
        session.add_all(UserScope(user_id=user.id, oktmo=code) for code in sorted(set(form.municipalities)))
    session.flush()


def create_user(session: Session, actor: Actor, form: UserForm, now: datetime | None = None) -> User:
    require(actor, "users.manage")
    problems = _check_form(session, form, new=True)
    if session.execute(select(User.id).where(User.login == form.login)).first():
        problems.append(("login", "пользователь с таким логином уже есть"))
    if problems:
        raise RegisterError(problems)
    user = User(
        login=form.login,
        full_name=form.full_name.strip(),
        role=form.role,
        password_hash=hash_password(form.password),
        active=form.active,
        whole_region=form.whole_region,
        failed_logins=0,
        created_at=moment_or_now(now),
        password_changed_at=moment_or_now(now),
    )
    session.add(user)
    session.flush()
    _set_scope(session, user, form)
    return user


def update_user(session: Session, actor: Actor, user_id: int, form: UserForm, now: datetime | None = None) -> User:
    """Change a user's name, role, scope, state or password; a change of rights or a disabled
    account ends the user's sessions."""
    require(actor, "users.manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("пользователь не найден")
    problems = _check_form(session, form, new=False)
    if form.login != user.login:
        problems.append(("login", "логин не меняется"))
    if user.id == actor.user_id and form.role != user.role:
        problems.append(("role", "нельзя снять с себя роль администратора"))
    if user.id == actor.user_id and not form.active:
        problems.append(("active", "нельзя отключить свою учетную запись"))
    if problems:
        raise RegisterError(problems)
    before = (user.role, user.whole_region, frozenset(actor_of(session, user).municipalities or ()), user.active)
    user.full_name = form.full_name.strip()
    user.role = form.role
    user.whole_region = form.whole_region
    user.active = form.active
    if form.password:
        user.password_hash = hash_password(form.password)
        user.password_changed_at = moment_or_now(now)
    session.flush()
    _set_scope(session, user, form)
    after = (user.role, user.whole_region, frozenset(form.municipalities if not form.whole_region else ()), user.active)
    if before != after or form.password:
        end_sessions(session, user.id, now)
    return user


def list_users(session: Session, actor: Actor) -> list[tuple[User, tuple[str, ...]]]:
    require(actor, "users.manage")
    users = session.execute(select(User).order_by(User.login)).scalars().all()
    scopes: dict[int, list[str]] = {}
    for user_id, oktmo in session.execute(select(UserScope.user_id, UserScope.oktmo).order_by(UserScope.oktmo)):
        scopes.setdefault(user_id, []).append(oktmo)
    return [(user, tuple(scopes.get(user.id, ()))) for user in users]


def user_by_login(session: Session, login: str) -> User:
    """A user by login (for commands acting as the system); ``NotFoundError`` if there is none."""
    user = session.execute(select(User).where(User.login == login)).scalar_one_or_none()
    if user is None:
        raise NotFoundError(f"нет пользователя {login}")
    return user


def get_user(session: Session, actor: Actor, user_id: int) -> tuple[User, tuple[str, ...]]:
    require(actor, "users.manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("пользователь не найден")
    scope = session.execute(select(UserScope.oktmo).where(UserScope.user_id == user.id).order_by(UserScope.oktmo))
    return user, tuple(scope.scalars())


# -- login and sessions -----------------------------------------------------------------------


class LoginError(Exception):
    """A refused login; the message never says whether the login exists."""


def authenticate(session: Session, login: str, password: str, now: datetime | None = None) -> User:
    """Check a login and password. Five failures in a row lock the account for 15 minutes; a
    locked account is refused without checking the password."""
    moment = moment_or_now(now)
    user = session.execute(select(User).where(User.login == login)).scalar_one_or_none()
    if user is None:
        with contextlib.suppress(VerificationError):  # spend the same time as for a real account
            _hasher.verify(_DUMMY_HASH, password)
        journal(session, "login_failed", "users", None, {"reason": "unknown login"})
        raise LoginError("неверный логин или пароль")
    if is_locked(user, moment):
        journal(session, "login_refused", "users", str(user.id), {"reason": "locked"})
        raise LoginError("учетная запись временно заблокирована после неудачных попыток входа; попробуйте позже")
    try:
        _hasher.verify(user.password_hash, password)
        ok = True
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        count_failure(session, user, moment)
        raise LoginError("неверный логин или пароль")
    if not user.active:
        journal(session, "login_refused", "users", str(user.id), {"reason": "disabled"})
        raise LoginError("учетная запись отключена; обратитесь к администратору")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def count_failure(session: Session, user: User, moment: datetime, **details: object) -> bool:
    """A failed password or code: counted, journaled; the fifth in a row locks the account for
    15 minutes (True then)."""
    failures = (user.failed_logins or 0) + 1
    values: dict[str, object] = {"failed_logins": failures}
    if failures >= LOCK_AFTER:
        values = {"failed_logins": 0, "locked_until": moment + LOCK_FOR}
    # a plain UPDATE: the counter is not a change of personal data worth a journal row each
    session.execute(update(User).where(User.id == user.id).values(**values))
    journal(session, "login_failed", "users", str(user.id), {"failures": failures, **details})
    if failures >= LOCK_AFTER:
        journal(session, "lockout", "users", str(user.id), {"minutes": int(LOCK_FOR.total_seconds() // 60)})
    session.expire(user)
    return failures >= LOCK_AFTER


def is_locked(user: User, moment: datetime) -> bool:
    locked_until = as_utc(user.locked_until)
    return locked_until is not None and locked_until > moment


def start_session(session: Session, user: User, now: datetime | None = None) -> str:
    """A new session for a user who just logged in; return the cookie's token. The count of
    failed attempts starts again only here, once every factor of the login has passed (a right
    password followed by wrong codes goes on counting). The oldest of the user's sessions beyond
    the limit are ended."""
    moment = moment_or_now(now)
    if user.failed_logins or user.locked_until is not None:
        session.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None))
        session.expire(user)
    token = secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=digest(token), user_id=user.id, created_at=moment, last_seen_at=moment))
    session.flush()
    live = session.execute(
        select(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .order_by(WebSession.created_at.desc(), WebSession.last_seen_at.desc())
    ).scalars()
    for number, record in enumerate(live):
        if number >= MAX_SESSIONS:
            record.ended_at = moment
    journal(session, "login", "users", str(user.id), {})
    return token


def resume_session(session: Session, token: str, now: datetime | None = None) -> tuple[User, Actor] | None:
    """The user of a live session, or None when it ended, expired, or its user was disabled."""
    if not token or len(token) > 100:
        return None
    moment = moment_or_now(now)
    record = session.get(WebSession, digest(token))
    if record is None or record.ended_at is not None:
        return None
    if moment - as_utc(record.last_seen_at) > IDLE_TIMEOUT or moment - as_utc(record.created_at) > ABSOLUTE_TIMEOUT:
        record.ended_at = moment
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        record.ended_at = moment
        return None
    if moment - as_utc(record.last_seen_at) > timedelta(seconds=30):  # one write a minute at most
        record.last_seen_at = moment
    return user, actor_of(session, user)


def end_session(session: Session, token: str, now: datetime | None = None) -> None:
    record = session.get(WebSession, digest(token))
    if record is not None and record.ended_at is None:
        record.ended_at = moment_or_now(now)
        journal(session, "logout", "users", str(record.user_id), {})


def end_sessions(session: Session, user_id: int, now: datetime | None = None) -> int:
    """End every live session of a user (disabled, rights changed, terminated by an administrator)."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=moment_or_now(now))
    )
    if result.rowcount:
        journal(session, "sessions_ended", "users", str(user_id), {"sessions": result.rowcount})
    return result.rowcount


def end_user_sessions(session: Session, actor: Actor, user_id: int, now: datetime | None = None) -> int:
    """An administrator ends a user's sessions."""
    require(actor, "users.manage")
    if session.get(User, user_id) is None:
        raise NotFoundError("пользователь не найден")
    return end_sessions(session, user_id, now)


# -- API tokens -------------------------------------------------------------------------------

API_REFUSED_FOR_SECOND_FACTOR = (
    "Эта роль входит в систему со вторым фактором, а токен API — один фактор: токен ей не выдается. "
    "Заведите для внешней системы отдельную учетную запись с ролью без второго фактора."
)


def issue_token(
    session: Session,
    actor: Actor,
    user_id: int,
    name: str,
    second_factor_roles: Collection[str],
    now: datetime | None = None,
) -> str:
    """A new API token for a user (shown once; only its hash is kept). Not for a user whose role
    logs in with a second factor: a token is one factor, and it would act with the role's rights
    without the second — a machine client gets an account of its own, with a role that needs none."""
    require(actor, "users.manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("пользователь не найден")
    if user.role in second_factor_roles:
        raise RegisterError([("name", API_REFUSED_FOR_SECOND_FACTOR)])
    if not name.strip():
        raise RegisterError([("name", "назовите токен: для какой системы он выдан")])
    token = "mera_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(token_hash=digest(token), user_id=user_id, name=name.strip()[:100], created_at=moment_or_now(now))
    )
    session.flush()
    return token


def revoke_token(session: Session, actor: Actor, token_id: int, now: datetime | None = None) -> None:
    require(actor, "users.manage")
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFoundError("токен не найден")
    record.revoked_at = record.revoked_at or moment_or_now(now)


def tokens_of(session: Session, actor: Actor, user_id: int) -> list[ApiToken]:
    require(actor, "users.manage")
    return list(session.execute(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)).scalars())


def token_actor(session: Session, token: str, second_factor_roles: Collection[str]) -> Actor | None:
    """The actor of a live API token of an active user, or None — None too when the user's role
    now logs in with a second factor (a token issued before the role or the setting changed)."""
    if not token or len(token) > 200:
        return None
    record = session.execute(select(ApiToken).where(ApiToken.token_hash == digest(token))).scalar_one_or_none()
    if record is None or record.revoked_at is not None:
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.active or user.role in second_factor_roles:
        return None
    return actor_of(session, user)


# -- demo accounts ----------------------------------------------------------------------------


DEMO_PASSWORD = "демо-пароль-мера"  # noqa: S105  printed by `mera demo`; never used outside the demo


def demo_accounts() -> list[UserForm]:
    """One account per role; the specialist works in Samara city only, the second specialist in
    Tolyatti, so the demo shows territorial rights."""
    return [
        UserForm("admin", "Администратор системы", "administrator", (), True, True, DEMO_PASSWORD),
        UserForm("method", "Методолог Иванова Е. П.", "methodologist", (), True, True, DEMO_PASSWORD),
        UserForm(
            "samara", "Специалист Петрова А. В. (г. Самара)", "specialist", ("36701000",), False, True, DEMO_PASSWORD
        ),
        UserForm(
            "tlt", "Специалист Сидоров К. Л. (г. Тольятти)", "specialist", ("36740000",), False, True, DEMO_PASSWORD
        ),
        UserForm("audit", "Аудитор Кузнецова О. Н.", "auditor", (), True, True, DEMO_PASSWORD),
        UserForm("pay", "Специалист по выплатам Орлов Д. С.", "payment_officer", (), True, True, DEMO_PASSWORD),
    ]


def seed_demo_accounts(session: Session) -> list[str]:
    """Create the demo accounts that are missing; return the logins created."""
    from registry.access import SYSTEM

    created = []
    for form in demo_accounts():
        if session.execute(select(User.id).where(User.login == form.login)).first() is None:
            create_user(session, SYSTEM, form)
            created.append(form.login)
    return created
