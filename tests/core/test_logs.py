"""Personal data never in logs (issue 13, finding 9): requests with an ID number and a phone in
``?q=`` against the development server (``civicgrid serve``) and gunicorn with the platform's
configuration; their captured logs hold no valid ID number and no full phone number."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from civicgrid.core.idnumber import make_id_number
from civicgrid.core.logging import GunicornLogger, RedactFilter, redact_text

from ..conftest import full_phones
from ..conftest import valid_id_numbers as valid_ids

ID = make_id_number("330106", __import__("datetime").date(1958, 3, 18), 1, "M")
PHONE = "13252958400"
PATHS = [
    f"/registry/people/?q={ID}", f"/api/registry/people?q={ID}", f"/api/registry/people?q={PHONE}",
    f"/registry/people/?q={PHONE}&tag=elderly", f"/api/registry/export/people.xlsx?q={ID}",
    f"/cases/?reporter={PHONE}", f"/healthz?id={ID.lower()}", f"/public/track/?code=ABCDEFGHJK&p={PHONE}",
]




def test_redaction_rules():
    line = f'"GET /registry/people/?q=%E7%8E%8B&tag=x HTTP/1.1" 200 {ID} {PHONE} 138-1234-5678'
    clean = redact_text(line)
    assert "/registry/people/?[redacted]" in clean and not valid_ids(clean) and not full_phones(clean)
    assert "138-1234-5678" not in clean
    assert redact_text('"GET /cases/?status=open HTTP/1.1" 200') == '"GET /cases/?status=open HTTP/1.1" 200'
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "search %s by %s", (ID, PHONE), None)
    RedactFilter().filter(record)
    assert record.getMessage() == "search [id] by [phone]"


def test_gunicorn_atoms_are_redacted():
    from datetime import timedelta
    from types import SimpleNamespace

    logger = GunicornLogger.__new__(GunicornLogger)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/registry/people/?q={ID}", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/registry/people/", "QUERY_STRING": f"q={ID}",
               "HTTP_REFERER": f"http://x/api/registry/people?q={PHONE}"}
    atoms = logger.atoms(SimpleNamespace(status="200 OK", sent=10, headers=[]), SimpleNamespace(headers=[]),
                         environ, timedelta(milliseconds=5))
    text = str(atoms)
    assert atoms["q"] == "[redacted]" and not valid_ids(text) and not full_phones(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, process) -> None:
    deadline = time.monotonic() + 60  # a start-up bound, not a measurement
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server stopped")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _request_all(port: int) -> None:
    for path in PATHS:
        try:
            urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"Referer": f"http://127.0.0.1:{port}{PATHS[0]}"}),
                timeout=10)
        except urllib.error.HTTPError:
            pass  # 401/403/302 are fine: the line is logged all the same


@pytest.fixture
def server_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CIVICGRID_VAR_DIR=str(tmp_path / "var"), CIVICGRID_LOG_LEVEL="INFO", PYTHONUNBUFFERED="1")
    return env


@pytest.mark.parametrize("server", ["serve", "gunicorn"])
def test_server_logs_hold_no_id_number_and_no_phone(server, server_env, tmp_path):
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    if server == "serve":
        cmd = [str(bin_dir / "civicgrid"), "serve", "--no-jobs", "--host", "127.0.0.1", "--port", str(port)]
    else:
        cmd = [str(bin_dir / "gunicorn"), "-c", "python:civicgrid.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "civicgrid.wsgi:application"]
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=server_env)
        try:
            _wait(port, process)
            _request_all(port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "/registry/people/?[redacted]" in text and "/api/registry/people?[redacted]" in text, text
    assert valid_ids(text) == [] and full_phones(text) == [], text
