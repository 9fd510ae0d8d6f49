"""Who may do what, and where: roles, permissions and territorial scope, enforced in services.

A service that reads or changes personal data takes an ``Actor`` and asks this module: the web
pages and the API only pass the actor along, so a right cannot be forgotten in a template. An
object outside the actor's scope is reported exactly like a missing one (``NotFoundError``), so a
foreign id does not even reveal that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true

ROLES: dict[str, str] = {
    "administrator": "Администратор",
    "methodologist": "Методолог",
    "specialist": "Специалист",
    "auditor": "Аудитор",
    "payment_officer": "Специалист по выплатам",
}

# Every permission a service asks for, with the roles that have it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "person.read": frozenset({"specialist", "auditor", "payment_officer"}),
    "calculation.run": frozenset({"specialist"}),
    "calculation.save": frozenset({"specialist"}),
    "decision.make": frozenset({"specialist"}),
    "calculation.history": frozenset({"auditor", "specialist"}),
    "calculation.replay": frozenset({"auditor"}),
    "audit.read": frozenset({"auditor", "administrator"}),
    "rules.read": frozenset({"methodologist", "auditor", "administrator", "specialist"}),
    "rules.whatif": frozenset({"methodologist"}),
    "users.manage": frozenset({"administrator"}),
    "reference.read": frozenset({"administrator", "methodologist"}),
    "api.snapshot": frozenset({"specialist", "methodologist"}),
}


class AccessDeniedError(PermissionError):
    """The actor's role does not allow the action (HTTP 403)."""


class NotFoundError(LookupError):
    """No such object, or none the actor may see (HTTP 404: the two look the same)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The user on whose behalf a service acts."""

    user_id: int
    login: str
    role: str
    municipalities: frozenset[str] | None  # None: the whole region

    @property
    def role_title(self) -> str:
        return ROLES[self.role]

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def sees(self, oktmo: str | None) -> bool:
        return self.municipalities is None or (oktmo is not None and oktmo in self.municipalities)

    def scope_clause(self, column) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
        """A WHERE clause keeping the rows of the actor's municipalities."""
        if self.municipalities is None:
            return true()
        if not self.municipalities:
            return false()
        return column.in_(sorted(self.municipalities))


def require(actor: Actor, permission: str) -> None:
    """Refuse unless the actor's role has the permission."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission}")
    if not actor.can(permission):
        raise AccessDeniedError(f"роль «{actor.role_title}» не дает права на это действие")


def require_scope(actor: Actor, oktmo: str | None, missing: str = "объект не найден") -> None:
    """Refuse an object of a municipality outside the actor's scope with exactly the error of a
    missing one (``missing``: the message the caller gives for an id that does not exist)."""
    if not actor.sees(oktmo):
        raise NotFoundError(missing)


SYSTEM = Actor(0, "system", "administrator", None)

__all__ = ["PERMISSIONS", "ROLES", "SYSTEM", "AccessDeniedError", "Actor", "NotFoundError", "require", "require_scope"]
