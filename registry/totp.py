"""One-time codes of an authenticator app (TOTP, RFC 6238): the second factor of the roles that
administer users or pay money.

A secret is 20 random bytes, shown to the user in base32 (and as an ``otpauth://`` address for
apps that read one); the code of a moment is the HMAC-SHA1 of its 30-second step, truncated to
six digits (RFC 4226). A code is accepted for its own step only — never older than 30 seconds —
and only once: a step at or before the last one accepted is a replay.

Examples (RFC 6238, appendix B, the SHA-1 secret, six digits):
    >>> secret = base64.b32encode(b"12345678901234567890").decode()
    >>> code_at(secret, step_of(datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC)))
    '287082'
    >>> code_at(secret, step_of(datetime(2005, 3, 18, 1, 58, 29, tzinfo=UTC)))
    '081804'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
ISSUER = "Мера"


def new_secret() -> str:
    """20 random bytes (the HMAC-SHA1 key size RFC 4226 recommends), in base32."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def step_of(moment: datetime) -> int:
    """The 30-second step of a moment (aware; a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret.upper())
    digest = hmac.new(key, step.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def accepted_step(secret: str, code: str, moment: datetime, last_step: int | None) -> int | None:
    """The step a code is accepted for at a moment, or None: a wrong code, one of another step,
    or one of a step already used (``last_step``)."""
    cleaned = "".join(code.split())
    if len(cleaned) != DIGITS or not cleaned.isdigit():
        return None
    step = step_of(moment)
    if last_step is not None and step <= last_step:
        return None
    return step if hmac.compare_digest(code_at(secret, step), cleaned) else None


def provisioning_uri(secret: str, login: str) -> str:
    """The address an authenticator app reads (Key URI Format: otpauth://totp/ISSUER:LOGIN?...)."""
    label = quote(f"{ISSUER}:{login}")
    query = urlencode({"secret": secret, "issuer": ISSUER, "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four characters, as a person types it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
