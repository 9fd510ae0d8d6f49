"""``mera bench web``: latency of the web application under concurrent clients, against the
production server (waitress, started as ``mera serve`` in a subprocess).

The database is a temporary SQLite file prepared like ``mera demo --no-serve`` (the example
population and the demo accounts), or the one given with ``--database``. A specialist logs in
through the login form (session cookie and CSRF token, as a browser does) and gets an API token;
then CLIENTS threads, each with its own keep-alive HTTP connection, send REQUESTS requests each
to every scenario in turn:

- ``form``: the calculation form posted for one household member, all measures;
- ``api``: ``POST /api/v1/calculate`` for the same person, all measures, with the trace;
- ``card``: the person's card page.

Printed per scenario: p50, p95 and p99 latency and the throughput. Figures for notes: nothing is
asserted, and one noisy machine's figures compare only within one run.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import click

SAMARA = "36701000"
SCENARIOS = {
    "form": "форма расчета (все меры)",
    "api": "API /calculate (все меры, с трассой)",
    "card": "карточка гражданина",
}
# The calculation form's fields (webapp/staff.py): the member, the measure ("" = all), the month.
FORM_FIELDS = {"member": "member", "measure": "measure", "period": "period"}
FORM_ALL_MEASURES = ""
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


# -- figures ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(latencies: Sequence[float], errors: int, seconds: float) -> dict[str, Any]:
    """Figures of one scenario from its latencies in seconds and its wall-clock time."""
    figures: dict[str, Any] = {"requests": len(latencies), "errors": errors, "seconds": round(seconds, 3)}
    if latencies:
        figures.update(
            {
                "p50_ms": round(percentile(latencies, 50) * 1000, 2),
                "p95_ms": round(percentile(latencies, 95) * 1000, 2),
                "p99_ms": round(percentile(latencies, 99) * 1000, 2),
                "mean_ms": round(sum(latencies) / len(latencies) * 1000, 2),
                "max_ms": round(max(latencies) * 1000, 2),
                "throughput_rps": round(len(latencies) / seconds, 1) if seconds > 0 else None,
            }
        )
    return figures


# -- HTTP -------------------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened when the server closes it."""

    def __init__(self, host: str, port: int):
        self.connection = http.client.HTTPConnection(host, port, timeout=120)

    def send(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, http.client.HTTPMessage]:
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
                if response.will_close:
                    self.connection.close()
                return response.status, data, response.headers
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionError):
                self.connection.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for line in headers.get_all("Set-Cookie") or []:
        jar.load(line)
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def login_through_the_form(host: str, port: int, login: str, password: str) -> tuple[str, str]:
    """Log in as a browser does; return the Cookie header and the session's CSRF token."""
    connection = Connection(host, port)
    try:
        status, page, headers = connection.send("GET", "/login")
        found = _CSRF.search(page.decode("utf-8"))
        if status != 200 or not found:
            raise click.ClickException(f"the login page answered {status} without a form token")
        cookies = _cookies(headers)
        body = urlencode({"login": login, "password": password, "csrf_token": found.group(1)}).encode()
        status, _page, headers = connection.send(
            "POST",
            "/login",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(cookies)},
        )
        cookies.update(_cookies(headers))
        if status != 302 or not any(name.endswith("mera-session") for name in cookies):
            raise click.ClickException(f"logging in as {login} failed: status {status}")
        status, page, headers = connection.send("GET", "/staff/", headers={"Cookie": _cookie_header(cookies)})
        cookies.update(_cookies(headers))
        found = _CSRF.search(page.decode("utf-8"))
        if not found:
            raise click.ClickException(f"no form token on the specialist's start page (status {status})")
        return _cookie_header(cookies), found.group(1)
    finally:
        connection.close()


# -- load -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    expect: int = 200


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


def run_scenario(
    host: str, port: int, request: Request, clients: int, requests: int, warmup: int, think: float = 0.0
) -> dict[str, Any]:
    """``clients`` threads, each on its own keep-alive connection: ``warmup`` untimed requests,
    then, all together, ``requests`` timed ones. ``think``: the mean pause of a client between
    its requests (drawn from 0.5-1.5 times it, seeded), as a person at a form pauses; 0 sends the
    next request at once (the server's saturation)."""
    outcomes = [Outcome() for _ in range(clients)]
    ready = threading.Barrier(clients + 1)
    done = threading.Barrier(clients + 1)

    def client(outcome: Outcome, seed: int) -> None:
        pauses = random.Random(seed)  # noqa: S311  (pauses of a load test, not secrets)
        connection = Connection(host, port)
        try:
            for _ in range(warmup):
                connection.send(request.method, request.path, request.body, request.headers)
            ready.wait()
            for _ in range(requests):
                started = time.perf_counter()
                try:
                    status, data, _headers = connection.send(
                        request.method, request.path, request.body, request.headers
                    )
                except OSError as exc:
                    status, data = 0, str(exc).encode()
                outcome.latencies.append(time.perf_counter() - started)
                if think:
                    time.sleep(think * pauses.uniform(0.5, 1.5))
                if status != request.expect:
                    outcome.errors += 1
                    if outcome.first_error is None:
                        outcome.first_error = f"{status}: {data[:200].decode('utf-8', 'replace')}"
        finally:
            connection.close()
            done.wait()

    threads = [
        threading.Thread(target=client, args=(outcome, number), daemon=True) for number, outcome in enumerate(outcomes)
    ]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    done.wait()
    seconds = time.perf_counter() - started
    for thread in threads:
        thread.join()
    latencies = [value for outcome in outcomes for value in outcome.latencies]
    figures = summarize(latencies, sum(outcome.errors for outcome in outcomes), seconds)
    first = next((outcome.first_error for outcome in outcomes if outcome.first_error), None)
    if first:
        figures["first_error"] = first
    return figures


def scenario_requests(person_id: int, period: str, cookie: str, csrf: str, token: str) -> dict[str, Request]:
    form = urlencode(
        {
            FORM_FIELDS["member"]: str(person_id),
            FORM_FIELDS["measure"]: FORM_ALL_MEASURES,
            FORM_FIELDS["period"]: period,
            "csrf_token": csrf,
        }
    ).encode()
    return {
        "form": Request(
            "POST",
            f"/staff/persons/{person_id}/calculate",
            form,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        ),
        "api": Request(
            "POST",
            "/api/v1/calculate",
            json.dumps({"person_id": person_id, "period": period}).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        ),
        "card": Request("GET", f"/staff/persons/{person_id}", None, {"Cookie": cookie}),
    }


# -- the server -------------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _mera(*args: str) -> list[str]:
    return [sys.executable, "-m", "engine.cli", *args]


def _wait_until_serving(host: str, port: int, server: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise click.ClickException(f"the server stopped (exit {server.returncode}):\n{_tail(log_path)}")
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/login")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the server did not answer within {timeout:.0f} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


def _prepare(url: str, persons: int, environment: dict[str, str], log_path: Path) -> None:
    """``mera demo --no-serve`` on the database: schema, example population, demo accounts."""
    with open(log_path, "ab") as log:
        finished = subprocess.run(
            _mera("demo", "--no-serve", "--persons", str(persons)),
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if finished.returncode:
        raise click.ClickException(f"preparing the database failed:\n{_tail(log_path)}")


def _token_and_subject(url: str, login: str, period_end: date) -> tuple[str, int, int]:
    """An API token for the user, the token's id, and a household head of Samara city."""
    from registry.access import SYSTEM
    from registry.api_reads import household_head
    from registry.audit import acting_as
    from registry.db import make_engine, transaction
    from registry.second_factor import SECOND_FACTOR_ROLES
    from registry.staff import actor_of, issue_token, tokens_of, user_by_login

    engine = make_engine(url)
    try:
        with acting_as("cli:bench-web"), transaction(engine) as session:
            user = user_by_login(session, login)
            token = issue_token(session, SYSTEM, user.id, "mera bench web", SECOND_FACTOR_ROLES)
            token_id = tokens_of(session, SYSTEM, user.id)[-1].id  # the one just issued
            person_id = household_head(session, actor_of(session, user), SAMARA, period_end)
    finally:
        engine.dispose()
    if person_id is None:
        raise click.ClickException("no household in Samara city in this database")
    return token, token_id, person_id


def _revoke(url: str, token_id: int) -> None:
    from registry.access import SYSTEM
    from registry.audit import acting_as
    from registry.db import make_engine, transaction
    from registry.staff import revoke_token

    engine = make_engine(url)
    try:
        with acting_as("cli:bench-web"), transaction(engine) as session:
            revoke_token(session, SYSTEM, token_id)
    finally:
        engine.dispose()


def _print(figures: dict[str, Any], echo: Callable[[str], None]) -> None:
    echo(
        f"{figures['database']} database, {figures['clients']} clients × {figures['requests_per_client']} requests, "
        f"{figures['server_processes']} process(es) × {figures['server_threads']} threads, period {figures['period']}, "
        f"think time {figures['think_seconds']:g} s"
    )
    echo(f"  {'scenario':<40} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for name, row in figures["scenarios"].items():
        if "p50_ms" not in row:
            echo(f"  {SCENARIOS[name]:<40} {row['requests']:>8} {row['errors']:>6}")
            continue
        echo(
            f"  {SCENARIOS[name]:<40} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']:>8.1f} "
            f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['throughput_rps']:>8.1f}"
        )
        if row.get("first_error"):
            echo(f"    first error: {row['first_error']}")


@click.command("web")
@click.option(
    "--database",
    "url",
    default=None,
    help="Database URL (default: a temporary SQLite file with the demo population). Prepared like `mera demo`.",
)
@click.option("--persons", default=2000, show_default=True, help="Size of the demo population to prepare.")
@click.option("--clients", default=20, show_default=True, help="Concurrent clients.")
@click.option("--requests", "requests_per_client", default=50, show_default=True, help="Timed requests per client.")
@click.option("--warmup", default=3, show_default=True, help="Untimed requests per client before each scenario.")
@click.option("--threads", default=8, show_default=True, help="Threads per server process (as `mera serve`).")
@click.option("--workers", default=1, show_default=True, help="Server processes (as `mera serve --workers`).")
@click.option("--period", default="2026-03", show_default=True, help="The month calculated.")
@click.option(
    "--scenario",
    "scenarios",
    type=click.Choice(list(SCENARIOS)),
    multiple=True,
    help="Run only these scenarios (repeatable; default: all).",
)
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Rules folder the server loads (default: as `mera serve`).",
)
@click.option(
    "--think",
    default=0.0,
    show_default=True,
    type=float,
    help="Mean pause of each client between requests, seconds (0: at once, the server's saturation).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def bench_web(
    url: str | None,
    persons: int,
    clients: int,
    requests_per_client: int,
    warmup: int,
    threads: int,
    workers: int,
    period: str,
    scenarios: tuple[str, ...],
    rules_dir: Path | None,
    think: float,
    as_json: bool,
) -> None:
    """p50/p95/p99 latency and throughput of the calculation form, the API and the person card
    at CLIENTS concurrent clients against the production server (nothing is asserted)."""
    from engine import Month
    from registry.db import database_url
    from registry.staff import DEMO_PASSWORD

    month = Month.parse(period)
    host = "127.0.0.1"
    echo = (lambda _text: None) if as_json else click.echo
    with tempfile.TemporaryDirectory(prefix="mera-bench-web-") as scratch:
        folder = Path(scratch)
        url = database_url(url) if url else f"sqlite:///{folder / 'bench.sqlite3'}"
        log_path = folder / "server.log"
        environment = dict(os.environ)
        environment.update(
            {
                "MERA_DATABASE_URL": url,
                "MERA_INSTANCE": str(folder / "instance"),
                "MERA_COOKIE_SECURE": "false",  # plain http on the loopback
                "MERA_SECRET_KEY": secrets.token_hex(32),
                "MERA_LOGIN_RATE_LIMIT": "100000",
            }
        )
        if rules_dir is not None:
            environment["MERA_RULES_DIR"] = str(rules_dir.resolve())
        echo(f"preparing the database ({persons} persons, demo accounts)...")
        _prepare(url, persons, environment, log_path)
        token, token_id, person_id = _token_and_subject(url, "samara", month.end)
        port = free_port(host)
        with open(log_path, "ab") as log:
            server = subprocess.Popen(
                _mera(
                    "serve", "--host", host, "--port", str(port), "--threads", str(threads), "--workers", str(workers)
                ),
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            echo(f"server on http://{host}:{port}/ (pid {server.pid}), waiting for it to answer...")
            _wait_until_serving(host, port, server, log_path, timeout=120)
            cookie, csrf = login_through_the_form(host, port, "samara", DEMO_PASSWORD)
            requests = scenario_requests(person_id, period, cookie, csrf, token)
            figures: dict[str, Any] = {
                "database": url.split(":", 1)[0].split("+", 1)[0],
                "clients": clients,
                "requests_per_client": requests_per_client,
                "server_threads": threads,
                "server_processes": workers,
                "period": period,
                "think_seconds": think,
                "scenarios": {},
            }
            for name in scenarios or tuple(SCENARIOS):
                echo(f"  {SCENARIOS[name]}...")
                figures["scenarios"][name] = run_scenario(
                    host, port, requests[name], clients, requests_per_client, warmup, think
                )
            if any(row["errors"] for row in figures["scenarios"].values()) and not as_json:
                click.echo(f"errors were answered; the end of the server's log:\n{_tail(log_path, 60)}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            _revoke(url, token_id)
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        _print(figures, click.echo)


__all__ = ["bench_web", "percentile", "run_scenario", "summarize"]
