"""The data key and the database belong together (issue 13, finding 12).

The database keeps the fingerprint of the key its personal data is encrypted with
(``KeyFingerprint``). At every start — the web server (``wsgi.py``/``asgi.py``), the job
consumer and every management command that runs Django's checks — ``verify_data_key`` compares
it with the key file in force and stops the platform with a message saying what to do, instead
of running on a key that decrypts nothing (every reveal would fail, every new value would be
encrypted with a key nobody keeps).

A database without a fingerprint (made before this check, or new) gets one on first start, but
only after a sample of its encrypted values decrypts with the key in force. Apps declare their
encrypted columns with :func:`register`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError

from . import crypto


@dataclass(frozen=True)
class EncryptedColumn:
    model: str  # "app_label.ModelName"
    field: str
    context: str  # the column's associated data (core.crypto)


COLUMNS: list[EncryptedColumn] = []
SAMPLE = 3  # values read per column when a database without a fingerprint is first checked


def register(model: str, field: str, context: str) -> None:
    column = EncryptedColumn(model, field, context)
    if column not in COLUMNS:
        COLUMNS.append(column)


class KeyMismatch(Exception):
    """The key file in force does not belong to this database; ``str()`` says what to do."""


def _key_source() -> str:
    return getattr(settings, "DATA_KEY_SOURCE", "") or "CIVICGRID_DATA_KEY_FILE"


def _advice() -> str:
    return ("Put the key file this database was encrypted with back in place (from the backup: "
            "`civicgrid restore BACKUP --key-only` or copy it), or point CIVICGRID_DATA_KEY_FILE at it. "
            "Nothing was changed; see docs/operations.md.")


def _encrypted_values(limit: int):
    from django.apps import apps

    for column in COLUMNS:
        model = apps.get_model(column.model)
        values = (model.objects.exclude(**{column.field: ""}).exclude(**{f"{column.field}__isnull": True})
                  .values_list(column.field, flat=True)[:limit])
        for value in values:
            yield column, value


def has_encrypted_data() -> bool:
    return any(True for _ in _encrypted_values(1))


def verify_data_key(*, record: bool = True) -> None:
    """Raise ``KeyMismatch`` if the key in force is not this database's; record the fingerprint
    of a database that has none yet (when the key decrypts its data). A database whose tables do
    not exist yet (before ``migrate``) is not checked."""
    from .models import KeyFingerprint

    current = crypto.fingerprint()
    try:
        stored = KeyFingerprint.objects.filter(pk=1).values_list("value", flat=True).first()
    except DatabaseError:
        return  # not migrated yet
    generated = getattr(settings, "DATA_KEY_GENERATED", False)
    if stored is not None:
        if stored != current:
            raise KeyMismatch(
                f"The data key ({_key_source()}) is not the key this database's personal data is encrypted "
                f"with: the database expects key {stored[:12]}…, the key file is {current[:12]}…"
                + (" (it was just generated because the key file was missing)." if generated else ".")
                + " " + _advice())
        return
    try:
        for column, value in _encrypted_values(SAMPLE):
            try:
                crypto.decrypt(value, context=column.context)
            except (crypto.DecryptionError, ValueError):
                raise KeyMismatch(
                    f"The data key ({_key_source()}) does not decrypt the personal data in this database "
                    f"({column.model}.{column.field})"
                    + (" — it was just generated because the key file was missing." if generated else ".")
                    + " " + _advice())
    except DatabaseError:
        return
    if record:
        KeyFingerprint.objects.get_or_create(pk=1, defaults={"value": current})


def verify_or_exit() -> None:
    """For the web server's start: the message on stderr and exit 3 (gunicorn does not retry)."""
    import sys

    try:
        verify_data_key()
    except KeyMismatch as exc:
        _forget_generated_key()
        sys.stderr.write(f"CivicGrid cannot start: {exc}\n")
        sys.stderr.flush()
        raise SystemExit(3)


def _forget_generated_key() -> None:
    """A key generated at this start (the file was missing) has encrypted nothing: remove it, so the
    next start says again that the key is missing rather than that it is wrong."""
    from pathlib import Path

    path = getattr(settings, "DATA_KEY_GENERATED", None)
    if path:
        Path(path).unlink(missing_ok=True)
