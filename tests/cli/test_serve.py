"""``mera serve`` answers over HTTP with one process (waitress) and with several (gunicorn)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from registry.db import make_engine
from registry.migrate import upgrade
from tests.conftest import RULES_DIR
from webapp.benchweb import free_port


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_the_login_page(tmp_path: Path, workers: int):
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    environment = dict(
        os.environ,
        MERA_DATABASE_URL=url,
        MERA_RULES_DIR=str(RULES_DIR),
        MERA_RULES_WATCH="false",
        MERA_COOKIE_SECURE="false",
        MERA_INSTANCE=str(tmp_path / "instance"),
    )
    command = [sys.executable, "-m", "engine.cli", "serve", "--port", str(port), "--workers", str(workers)]
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        status = None
        for _ in range(300):  # the server imports, loads and tests the rules first
            if server.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    status = response.status
                    body = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200, (tmp_path / "server.log").read_text("utf-8")[-2000:]
        assert "Вход в систему" in body
    finally:
        server.terminate()
        server.wait(timeout=30)
