"""Backup and key recovery (issue 13, finding 12, acceptance 3): a backup → wipe → restore drill on
the database the suite runs on (SQLite, or PostgreSQL when DATABASE_URL says so — in a database of
its own), through the commands an operator types; and a start with a missing or wrong key refused."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent

PROBE = r"""
import json, django
django.setup()
from django.db import connection
from civicgrid.core.backup import table_counts
from civicgrid.core import crypto
from civicgrid.core.idnumber import parse_id_number
from civicgrid.registry.models import Person
from civicgrid.registry.people import ID_CONTEXT
numbers = [crypto.decrypt(p, context=ID_CONTEXT) for p in
           Person.objects.exclude(id_enc="").order_by("id").values_list("id_enc", flat=True)[:20]]
valid = sum(1 for n in numbers if len(n) != 18 or parse_id_number(n))
with connection.cursor() as c:
    if connection.vendor == "sqlite":
        c.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name='core_auditlog_no_update'")
    else:
        c.execute("SELECT count(*) FROM pg_trigger WHERE tgname='core_auditlog_no_update'")
    trigger = c.fetchone()[0]
print(json.dumps({"counts": table_counts(), "decrypted": len(numbers), "valid": valid, "trigger": trigger}))
"""


def run(args: list[str], env: dict, *, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done


def civicgrid(*args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return run([str(BIN / "civicgrid"), *args], env, check=check)


def probe(env: dict) -> dict:
    return json.loads(run([sys.executable, "-c", PROBE], env).stdout.strip().splitlines()[-1])


@pytest.fixture
def drill(tmp_path):
    """A platform of its own: var/ under tmp_path, and on PostgreSQL a database of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CIVICGRID_DATA_KEY_FILE")}
    env.update(CIVICGRID_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="civicgrid.settings",
               CIVICGRID_JOBS_IMMEDIATE="1")
    url = os.environ.get("DATABASE_URL", "")
    dbname = None
    if url.startswith("postgres"):
        import psycopg

        base = url.rsplit("/", 1)[0]
        dbname = f"cg_drill_{os.getpid()}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname}")
            conn.execute(f"CREATE DATABASE {dbname}")
        env["DATABASE_URL"] = f"{base}/{dbname}"
    yield env
    if dbname:
        import psycopg

        with psycopg.connect(f"{url.rsplit('/', 1)[0]}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def _wipe(env: dict, var: Path) -> None:
    """Lose the database and the key, as a broken disk would."""
    (var / "data.key").unlink()
    if env.get("DATABASE_URL", "").startswith("postgres"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    else:
        for path in var.glob("civicgrid.sqlite3*"):
            path.unlink()


def test_backup_wipe_restore_drill(drill, tmp_path):
    env, var = drill, tmp_path / "var"
    civicgrid("migrate", "-v", "0", env=env)
    civicgrid("demo", "--seed", "2", "--people", "120", "--cases", "6", env=env)
    before = probe(env)
    assert before["decrypted"] == 20 and before["valid"] == 20 and before["trigger"] == 1
    assert before["counts"]["registry_person"] >= 120 and before["counts"]["core_auditlog"] > 0

    refused = civicgrid("backup", str(tmp_path / "nokey"), env=env, check=False)
    assert refused.returncode != 0 and "--key-out" in refused.stderr
    key_copy = tmp_path / "keys" / "civicgrid-data.key"
    out = civicgrid("backup", str(tmp_path / "backup"), "--key-out", str(key_copy), env=env).stdout
    assert "backup written" in out and key_copy.read_text().strip() == (var / "data.key").read_text().strip()
    assert oct(key_copy.stat().st_mode)[-3:] == "600"
    assert not (tmp_path / "backup" / "data.key").exists()  # the key is kept apart

    _wipe(env, var)
    wrong = tmp_path / "wrong.key"
    wrong.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    mismatch = civicgrid("restore", str(tmp_path / "backup"), "--key", str(wrong), "--yes", env=env, check=False)
    assert mismatch.returncode != 0 and "not the key of this backup" in mismatch.stderr

    done = civicgrid("restore", str(tmp_path / "backup"), "--key", str(key_copy), "--yes", env=env)
    assert "restored" in done.stdout
    after = probe(env)
    assert after["counts"] == before["counts"]
    assert after["decrypted"] == 20 and after["valid"] == 20 and after["trigger"] == 1
    assert civicgrid("check", env=env).returncode == 0  # starts with the restored key


def test_start_with_a_missing_or_wrong_key_is_refused(drill, tmp_path):
    env, var = drill, tmp_path / "var"
    civicgrid("migrate", "-v", "0", env=env)
    civicgrid("demo", "--seed", "3", "--people", "40", "--cases", "0", env=env)
    assert civicgrid("check", env=env).returncode == 0

    wrong = tmp_path / "wrong.key"
    wrong.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    with_wrong = dict(env, CIVICGRID_DATA_KEY_FILE=str(wrong))
    refused = civicgrid("check", env=with_wrong, check=False)
    assert refused.returncode != 0 and "is not the key this database's personal data is encrypted with" in refused.stderr
    server = run([sys.executable, "-c", "import civicgrid.wsgi"], with_wrong, check=False)
    assert server.returncode == 3 and "CivicGrid cannot start" in server.stderr

    missing = dict(env, CIVICGRID_DATA_KEY_FILE=str(tmp_path / "nowhere.key"))
    refused = run([sys.executable, "-c", "import civicgrid.wsgi"], missing, check=False)
    assert refused.returncode != 0 and "does not exist" in refused.stderr

    # the local profile's key file lost: no new key silently takes over
    key = (var / "data.key").read_text()
    (var / "data.key").unlink()
    refused = civicgrid("check", env=env, check=False)
    assert refused.returncode != 0 and "just generated because the key file was missing" in refused.stderr
    assert not (var / "data.key").exists()  # the generated key was not left behind
    (var / "data.key").write_text(key)
    assert civicgrid("check", env=env).returncode == 0
