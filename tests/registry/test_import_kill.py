"""Killing the importing process in the middle of its commit leaves none of the rows.

The import runs in a separate process (``civicgrid ledger import --commit``) on its own
database: a fresh SQLite file, and a fresh PostgreSQL database when the suite runs against
PostgreSQL. The test waits until the process reports that it has written part of the rows
inside its transaction, kills it with SIGKILL, and counts.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from civicgrid.demo.ledgers import people_ledger

REPO = Path(__file__).resolve().parents[2]

ADDRESSES = ["文三街6号枫丹新村1幢", "文三街6号枫丹新村2幢"]
OUTSIDE = "学院路9号求是村3幢"

SETUP = textwrap.dedent("""
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from civicgrid.areas.actions import do_import_areas
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.registry import actions
    from civicgrid.accounts.roles import Role
    from civicgrid.areas.models import Area
    from tests.conftest import collection, tree_features, make_user
    assert do_import_areas(collection(tree_features()), actor=SYSTEM).committed
    make_user("s_admin", Role.STREET_ADMIN, Area.objects.get(code="330106001"))
    for i, a in enumerate(%r):
        actions.do_create_building(actor=SYSTEM, address=a, lon=120.005 + i * 0.004, lat=30.205)
    actions.do_create_building(actor=SYSTEM, address=%r, lon=120.065, lat=30.205)
""") % (ADDRESSES, OUTSIDE)


def _backends():
    yield "sqlite"
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        yield "postgresql"


@pytest.fixture(params=list(_backends()))
def database(request, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env["CIVICGRID_VAR_DIR"] = str(tmp_path / "var")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if request.param == "sqlite":
        path = tmp_path / "var" / "civicgrid.sqlite3"

        def count(table):
            with sqlite3.connect(path) as con:
                return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        def dump() -> bytes:
            with sqlite3.connect(path) as con:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return b"".join(f.read_bytes() for f in path.parent.glob("civicgrid.sqlite3*"))

        yield env, count, dump
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"cg_kill_{uuid.uuid4().hex[:8]}"
    admin = dict(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                 password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    user = db["USER"] or ""
    auth = f"{user}:{db['PASSWORD']}@" if db["PASSWORD"] else (f"{user}@" if user else "")
    env["DATABASE_URL"] = f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"

    def count(table):
        with psycopg.connect(**(admin | {"dbname": name})) as con:
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def dump() -> bytes:
        pg_dump = shutil.which("pg_dump") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))),
                                                  None)
        assert pg_dump, "pg_dump is needed to check the PostgreSQL dump for plaintext"
        result = subprocess.run([str(pg_dump), "--data-only", env["DATABASE_URL"].replace("postgres://", "postgresql://")],
                                capture_output=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    try:
        yield env, count, dump
    finally:
        with psycopg.connect(**admin) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_killing_the_import_during_its_commit_leaves_no_rows(database, tmp_path):
    """…and, once imported for real, the database file (or dump) holds no ID number or phone."""
    env, count, dump = database
    setup = subprocess.run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=300,
                           cwd=REPO)
    assert setup.returncode == 0, setup.stderr[-3000:]
    sample = people_ledger(ADDRESSES, 10_000, bad_share=0.01, seed=7, outside=[OUTSIDE])
    ledger_file = tmp_path / "台账.csv"
    with ledger_file.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(sample.header)
        writer.writerows(sample.rows)
    command = [sys.executable, "-m", "civicgrid", "ledger", "import", str(ledger_file), "--kind", "people",
               "--user", "s_admin", "--commit"]

    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            bufsize=1)
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("written "):
                proc.send_signal(signal.SIGKILL)  # mid-transaction: some rows sent, none committed
                break
    finally:
        proc.wait(timeout=120)
    assert any("100 rejected" in s for s in seen), "".join(seen) + proc.stderr.read()[-2000:]
    assert proc.returncode == -signal.SIGKILL, "".join(seen)
    assert not any(s.startswith("committed") for s in seen)
    assert count("registry_person") == 0
    assert count("registry_household") == 0
    assert count("registry_personevent") == 0

    # the same file, not interrupted: all accepted rows, once
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "committed: 9900 rows" in done.stdout
    assert count("registry_person") == 9_900

    # Personal data at rest: not one ID number or phone of the ledger in the raw database.
    raw = dump()
    assert "枫丹新村".encode() in raw  # the dump is readable text: the check below means something
    ids = {row[2] for row in sample.rows if len(row[2]) == 18}
    phones = {row[3] for row in sample.rows if len(row[3]) == 11}
    assert len(ids) > 9_000 and len(phones) > 5_000
    # every 18-character ID-like and 11-digit run in the file, overlapping ones included
    found = {m.decode() for m in re.findall(rb"(?=(\d{17}[\dX]))", raw)}
    found |= {m.decode() for m in re.findall(rb"(?=(1\d{10}))", raw)}
    leaked = sorted((ids | phones) & found)
    assert not leaked, f"{len(leaked)} plaintext identifiers in the database, e.g. {leaked[:3]}"
