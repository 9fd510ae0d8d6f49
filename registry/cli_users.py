"""``mera user``: staff accounts from the command line, to create the first administrator of a
production database (no account exists until someone makes one: there are no default passwords
outside ``mera demo``)."""

from __future__ import annotations

import click

from registry.access import ROLES, SYSTEM
from registry.audit import acting_as
from registry.cli import _actor, _engine, database_option
from registry.db import transaction
from registry.people import RegisterError
from registry.staff import UserForm, create_user, list_users


@click.group("user")
def user() -> None:
    """Staff accounts: add and list."""


@user.command("add")
@database_option
@click.option("--login", required=True)
@click.option("--name", "full_name", required=True, help="Full name, as shown in the journal and on pages.")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
@click.option("--municipality", "municipalities", multiple=True, help="OKTMO of a municipality (repeat).")
@click.option("--whole-region", is_flag=True, help="Scope: the whole region instead of municipalities.")
@click.password_option(help="Asked twice when not given; at least 12 characters.")
def add(
    url: str | None,
    login: str,
    full_name: str,
    role: str,
    municipalities: tuple[str, ...],
    whole_region: bool,
    password: str,
) -> None:
    """Create a user (the password is hashed with argon2id; only the hash is stored)."""
    engine = _engine(url)
    form = UserForm(login, full_name, role, municipalities, whole_region, True, password)
    try:
        with acting_as(_actor()), transaction(engine) as session:
            created = create_user(session, SYSTEM, form)
            click.echo(f"user {created.login} ({ROLES[created.role]}) created")
    except RegisterError as exc:
        for field, reason in exc.problems:
            click.echo(f"{field}: {reason}", err=True)
        raise SystemExit(2) from None


@user.command("list")
@database_option
def list_command(url: str | None) -> None:
    """The users with their roles and scopes."""
    engine = _engine(url)
    with transaction(engine) as session:
        for account, scope in list_users(session, SYSTEM):
            where = "весь регион" if account.whole_region else ", ".join(scope) or "—"
            state = "" if account.active else " (отключен)"
            click.echo(f"{account.login:<16} {ROLES[account.role]:<24} {where}{state}")
