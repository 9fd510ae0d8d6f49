"""``mera serve`` runs the web application with a production WSGI server (waitress);
``mera demo`` prepares the embedded register with the example population and demo accounts,
then serves it at http://127.0.0.1:8000."""

from __future__ import annotations

import logging
import os

import click

from registry.access import ROLES
from registry.audit import acting_as
from registry.cli import db_seed, db_upgrade
from registry.db import make_engine, transaction
from registry.staff import DEMO_PASSWORD, demo_accounts, seed_demo_accounts


def _run(app, host: str, port: int, threads: int) -> None:  # type: ignore[no-untyped-def]
    from waitress import serve as waitress_serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Мера: http://{host}:{port}/  (Ctrl-C — остановить)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="mera", clear_untrusted_proxy_headers=True)


def _run_processes(host: str, port: int, workers: int, threads: int) -> None:
    """gunicorn with ``workers`` processes of ``threads`` threads each: a calculation holds the
    GIL, so one process uses one core. Each process has its own rules watcher, login and what-if
    limits; sessions live in the database and are shared."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": None,  # request lines carry ids in paths; nothing personal is logged
                "proc_name": "mera",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):  # type: ignore[no-untyped-def]
            from webapp import create_app

            return create_app()

    click.echo(f"Мера: http://{host}:{port}/  ({workers} processes; Ctrl-C — остановить)")
    _Server().run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes: 1 serves with waitress; more with gunicorn (Unix), one per core.",
)
def serve(host: str, port: int, threads: int, workers: int) -> None:
    """Serve the web application (configuration: instance/config.py and MERA_* variables)."""
    if workers > 1:
        _run_processes(host, port, workers, threads)
        return
    from webapp import create_app

    _run(create_app(), host, port, threads)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--persons", default=2000, show_default=True, help="Size of the example population.")
@click.option("--no-serve", is_flag=True, help="Prepare the database and accounts, then stop.")
@click.pass_context
def demo(ctx: click.Context, host: str, port: int, persons: int, no_serve: bool) -> None:
    """Build the embedded register with the example population and demo accounts, and serve it."""
    ctx.invoke(db_upgrade, url=None)
    ctx.invoke(db_seed, url=None, persons=persons, seed_value=2026, months=24, if_empty=True)
    engine = make_engine(None)
    with acting_as("cli:demo"), transaction(engine) as session:
        created = seed_demo_accounts(session)
    engine.dispose()
    click.echo(f"demo accounts: {len(created)} created" if created else "demo accounts: present")
    click.echo(f"\nУчетные записи демонстрации (пароль у всех: {DEMO_PASSWORD}):")
    for form in demo_accounts():
        scope = "весь регион" if form.whole_region else ", ".join(form.municipalities)
        click.echo(f"  {form.login:<8} {ROLES[form.role]:<24} {scope}")
    click.echo(
        "Администратор и специалист по выплатам входят со вторым фактором: при первом входе\n"
        "подключите приложение-аутентификатор (Яндекс Ключ, Google Authenticator, FreeOTP) по ключу на странице."
    )
    if no_serve:
        return
    from webapp import create_app

    os.environ.setdefault("MERA_COOKIE_SECURE", "false")  # the demo is served over plain http
    _run(create_app(), host, port, 8)
