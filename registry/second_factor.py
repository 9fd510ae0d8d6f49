"""The second factor of a login, for the roles that need one — by default the administrator, who
grants rights, and the payment officer, who sends money out (ASVS 6.3.3; 4.0.3 4.3.1: MFA on
administrative interfaces): after the right password, the code of the user's authenticator app
(``registry.totp``). A user without one sets it up at that step: a secret is proposed, and kept
once a code made from it is entered — at the first login after the account is created, or after
an administrator has reset the second factor (a lost phone).

Figures (shared/notes/reliability-security.md, §2.1): a code is accepted for its own 30-second
step and once; a wrong code counts as a failed login (five in a row lock the account for 15
minutes, as wrong passwords do); a login waits at most 5 minutes for its code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from registry import totp
from registry.access import Actor, NotFoundError, require
from registry.audit import journal
from registry.models import LoginChallenge, User
from registry.staff import LoginError, as_utc, count_failure, digest, end_sessions, is_locked, moment_or_now

SECOND_FACTOR_ROLES = frozenset({"administrator", "payment_officer"})
CHALLENGE_FOR = timedelta(minutes=5)


class LoginExpired(LoginError):
    """The waiting login is over (its time ran out, the account was locked or disabled): log in
    again from the password."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """What the code page shows: whose login it is and, while setting up, the secret."""

    login: str
    secret: str | None  # proposed while setting up the authenticator; None once it is set up


def start_challenge(session: Session, user: User, now: datetime | None = None) -> str:
    """A login of a user whose password was right, waiting for the code; the cookie's token.
    The user's other waiting logins end."""
    moment = moment_or_now(now)
    session.execute(delete(LoginChallenge).where(LoginChallenge.user_id == user.id))
    token = secrets.token_urlsafe(32)
    proposed = None if user.totp_secret else totp.new_secret()
    session.add(LoginChallenge(token_hash=digest(token), user_id=user.id, created_at=moment, proposed_secret=proposed))
    session.flush()
    journal(session, "second_factor_asked", "users", str(user.id), {"setting_up": proposed is not None})
    return token


def _waiting(session: Session, token: str, moment: datetime) -> tuple[LoginChallenge, User] | None:
    if not token or len(token) > 100:
        return None
    record = session.get(LoginChallenge, digest(token))
    if record is None:
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.active or moment - as_utc(record.created_at) > CHALLENGE_FOR:  # type: ignore[operator]
        session.delete(record)
        return None
    return record, user


def challenge_of(session: Session, token: str, now: datetime | None = None) -> Challenge | None:
    """The waiting login of a cookie's token; None when there is none (or no longer)."""
    found = _waiting(session, token, moment_or_now(now))
    if found is None:
        return None
    record, user = found
    return Challenge(user.login, record.proposed_secret)


def complete_challenge(session: Session, token: str, code: str, now: datetime | None = None) -> User:
    """Check the code of a waiting login and return its user, whose session may then start.

    Raises ``LoginError`` for a wrong code (the login still waits) and ``LoginExpired`` when the
    login is over: its time ran out, or this failure locked the account."""
    moment = moment_or_now(now)
    found = _waiting(session, token, moment)
    if found is None:
        raise LoginExpired("время ввода кода истекло; войдите заново")
    record, user = found
    if is_locked(user, moment):
        session.delete(record)
        journal(session, "login_refused", "users", str(user.id), {"reason": "locked"})
        raise LoginExpired("учетная запись временно заблокирована после неудачных попыток входа; попробуйте позже")
    secret = record.proposed_secret or user.totp_secret
    if secret is None:  # reset by an administrator while the login waited
        session.delete(record)
        raise LoginExpired("второй фактор сброшен администратором; войдите заново")
    last = None if record.proposed_secret else user.totp_last_step
    step = totp.accepted_step(secret, code, moment, last)
    if step is None:
        if count_failure(session, user, moment, factor="code"):
            session.delete(record)
            raise LoginExpired("учетная запись временно заблокирована после неудачных попыток входа; попробуйте позже")
        raise LoginError("неверный код: введите шесть цифр, которые приложение показывает сейчас")
    values: dict[str, object] = {"totp_last_step": step}
    if record.proposed_secret:
        values["totp_secret"] = record.proposed_secret
        journal(session, "second_factor_set_up", "users", str(user.id), {})
    session.execute(update(User).where(User.id == user.id).values(**values))
    session.delete(record)
    session.flush()
    session.expire(user)
    return user


def reset_second_factor(session: Session, actor: Actor, user_id: int, now: datetime | None = None) -> None:
    """An administrator resets a user's second factor (a lost phone): the user sets up a new
    authenticator at the next login; the user's sessions and waiting logins end."""
    require(actor, "users.manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("пользователь не найден")
    session.execute(update(User).where(User.id == user_id).values(totp_secret=None, totp_last_step=None))
    session.execute(delete(LoginChallenge).where(LoginChallenge.user_id == user_id))
    session.expire(user)
    end_sessions(session, user_id, now)
    journal(session, "second_factor_reset", "users", str(user_id), {})
