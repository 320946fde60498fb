"""Backup and restore of the database together with its data key (issue 13, finding 12).

A backup is a directory:

    manifest.json      when, which engine, the key's fingerprint, rows per table, migrations
    database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API
    database.dump      PostgreSQL: ``pg_dump --format=custom``
    data.key           the data key, only with ``--include-key``

The data key is what makes the personal data readable: a backup without it is worthless, so
``backup`` refuses to run without a destination for the key — inside the backup
(``--include-key``) or apart from it (``--key-out FILE``, to keep on another medium). ``restore``
checks that the key it is given has the fingerprint the manifest recorded before it touches the
database, replaces the database, puts the key in place, and checks the row counts.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from . import crypto

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
KEY_FILE = "data.key"
FORMAT = 1


class BackupError(Exception):
    """Why a backup or restore cannot go on; the message says what to do."""


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    os.chmod(path, 0o600)


def table_counts() -> dict[str, int]:
    """Rows per table of the platform's models (what a restore must give back)."""
    from django.apps import apps

    counts = {}
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in existing and table not in counts and model._meta.managed:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                counts[table] = cursor.fetchone()[0]
    return dict(sorted(counts.items()))


def _pg_env() -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    args = ["--host", db.get("HOST") or "localhost", "--port", str(db.get("PORT") or 5432),
            "--username", db.get("USER") or "postgres", "--dbname", db["NAME"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(cmd: list[str], env: dict) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{cmd[0]} is not installed (Debian: apt-get install postgresql-client-15)")
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[:2000]}")


@dataclass
class BackupResult:
    directory: Path
    manifest: dict


def backup(directory: Path, *, include_key: bool = False, key_out: Path | None = None) -> BackupResult:
    if not include_key and key_out is None:
        raise BackupError("A backup without its data key cannot be read. Give --key-out FILE (the key written "
                          "apart, to keep on another medium) or --include-key (the key inside the backup).")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} exists and is not empty; give a new directory.")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    vendor = connection.vendor
    counts = table_counts()
    if vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(directory / SQLITE_FILE)
        try:
            connection.connection.backup(target)  # consistent while others write (WAL)
        finally:
            target.close()
        os.chmod(directory / SQLITE_FILE, 0o600)
    elif vendor == "postgresql":
        args, env = _pg_env()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(directory / PG_FILE),
              *args], env)
        os.chmod(directory / PG_FILE, 0o600)
    else:
        raise BackupError(f"backups of {vendor} databases are not supported")
    from django.db.migrations.recorder import MigrationRecorder

    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": vendor,
        "key_fingerprint": crypto.fingerprint(),
        "key_included": include_key,
        "tables": counts,
        "migrations": sorted(f"{app}.{name}" for app, name in
                             MigrationRecorder(connection).migration_qs.values_list("app", "name")),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    if include_key:
        _write_private(directory / KEY_FILE, settings.DATA_KEY)
    if key_out is not None:
        _write_private(Path(key_out), settings.DATA_KEY)
    return BackupResult(directory, manifest)


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} is not a CivicGrid backup ({MANIFEST} is missing).")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not known to this version")
    return manifest


def backup_key(directory: Path, key: Path | None) -> str:
    """The data key of a backup (from ``--key`` or the backup itself), checked against its manifest."""
    manifest = read_manifest(directory)
    source = Path(key) if key else Path(directory) / KEY_FILE
    if not source.is_file():
        raise BackupError("The backup holds no data key: give the key file written with it (--key FILE).")
    value = source.read_text(encoding="utf-8").strip()
    try:
        fingerprint = crypto.fingerprint(value)
    except Exception:  # noqa: BLE001 - not base64 of 32 bytes
        raise BackupError(f"{source} is not a CivicGrid data key.")
    if fingerprint != manifest["key_fingerprint"]:
        raise BackupError(f"{source} is not the key of this backup (its fingerprint is {fingerprint[:12]}…, the "
                          f"backup's {manifest['key_fingerprint'][:12]}…). Nothing was changed.")
    return value


def key_path() -> Path:
    return Path(os.environ.get("CIVICGRID_DATA_KEY_FILE") or Path(settings.VAR_DIR) / "data.key")


def restore(directory: Path, *, key: Path | None = None, key_only: bool = False) -> dict:
    """Replace the database with the backup's and put its key in place; returns the manifest and
    the row counts after the restore (``{"manifest", "counts"}``)."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    value = backup_key(directory, key)
    if not key_only:
        vendor = connection.vendor
        if vendor != manifest["engine"]:
            raise BackupError(f"The backup is of a {manifest['engine']} database; this platform uses {vendor}.")
        if vendor == "sqlite":
            source = sqlite3.connect(f"file:{directory / SQLITE_FILE}?mode=ro", uri=True)
            connection.ensure_connection()
            try:
                source.backup(connection.connection)  # page by page into the live database file
            finally:
                source.close()
        else:
            connections.close_all()
            args, env = _pg_env()
            _wipe_postgres()
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args,
                  str(directory / PG_FILE)], env)
    target = key_path()
    if target.exists() and target.read_text(encoding="utf-8").strip() != value:
        shutil.copy2(target, target.with_name(target.name + f".replaced-{timezone.now():%Y%m%d%H%M%S}"))
    _write_private(target, value)
    settings.DATA_KEY = value
    connections.close_all()
    return {"manifest": manifest, "counts": {} if key_only else table_counts()}


def _wipe_postgres() -> None:
    """Drop the platform's schema before pg_restore (a restore is all or nothing: no old rows stay)."""
    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    connections.close_all()
