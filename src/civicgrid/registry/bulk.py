"""Writing many people at once: the path shared by the ledger import, the demo generator and
``benchmarks/bench_import.py``.

Rows arrive already checked and prepared (``people.prepare_person`` values plus the
place: ``area_code`` and optionally ``building_id``, ``house_id``, ``household_id``). This
module only stores them, fast: on PostgreSQL with ``COPY`` (ids taken from the table's
sequence first, so tags and history rows can refer to them in the same pass), on SQLite
with ``executemany`` (ids given under the write lock). Each person gets a "registered" history row and their tags.

It must run inside the caller's transaction (``transaction.atomic``): the caller decides
what "all or nothing" covers, and writes the audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter

from django.db import connection, transaction
from django.utils import timezone

from .models import Household, Person, PersonEvent, PersonTag

CHUNK = 5000

_PERSON_FIELDS = [f for f in Person._meta.concrete_fields if not f.primary_key]
PERSON_COLUMNS = [f.column for f in _PERSON_FIELDS]
_HOUSEHOLD_FIELDS = [f for f in Household._meta.concrete_fields if not f.primary_key]
_EVENT_COLUMNS = ["person_id", "kind", "at", "actor_name", "from_household", "to_household",
                  "from_area_code", "to_area_code", "changed", "note"]
_TAG_COLUMNS = ["person_id", "tag", "area_code"]


def _defaults(fields=_PERSON_FIELDS) -> dict:
    out = {}
    for f in fields:
        if f.has_default():
            out[f.attname] = f.get_default()
        elif f.null:
            out[f.attname] = None
        else:
            out[f.attname] = ""
    return out


def _row_values(values: dict, defaults: dict, now: dt.datetime) -> dict:
    row = defaults | values
    for key in ("building", "house", "household"):  # accept objects as well as *_id
        if key in row:
            obj = row.pop(key)
            row[f"{key}_id"] = obj.pk if obj is not None else None
    row["created_at"] = row["updated_at"] = now
    return row


def insert_people(
    rows: Sequence[dict], *, tags: Sequence[Sequence[str]] | None = None, actor_name: str = "",
    note: str = "", progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Store prepared people; returns their ids in the order given.

    ``tags[i]`` are the tag values of ``rows[i]``. ``progress(done, total)`` is called
    after each chunk is written (still inside the caller's transaction).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("insert_people must run inside transaction.atomic()")
    defaults = _defaults()
    now = timezone.now()
    total = len(rows)
    ids: list[int] = []
    for start in range(0, total, CHUNK):
        chunk = [_row_values(v, defaults, now) for v in rows[start:start + CHUNK]]
        chunk_tags = tags[start:start + CHUNK] if tags is not None else None
        if connection.vendor == "postgresql":
            chunk_ids = _copy_chunk(chunk, chunk_tags, actor_name, note, now)
        else:
            chunk_ids = _sqlite_chunk(chunk, chunk_tags, actor_name, note, now)
        ids.extend(chunk_ids)
        if progress is not None:
            progress(len(ids), total)
    return ids


def _events_and_tags(ids: Iterable[int], chunk: list[dict], chunk_tags, actor_name: str, note: str):
    events, tag_rows = [], []
    for i, (pk, row) in enumerate(zip(ids, chunk, strict=True)):
        events.append((pk, PersonEvent.Kind.REGISTERED.value, actor_name, row["area_code"]))
        if chunk_tags is not None:
            tag_rows.extend((pk, t, row["area_code"]) for t in chunk_tags[i])
    return events, tag_rows


def _sqlite_chunk(chunk: list[dict], chunk_tags, actor_name: str, note: str, now) -> list[int]:
    """Plain executemany with ids given: the transaction holds SQLite's write lock (BEGIN
    IMMEDIATE), so max(id)+1… cannot be taken by anyone else before the commit."""
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    attnames = [f.attname for f in _PERSON_FIELDS]
    convert = {f.attname: ops.adapt_datefield_value for f in _PERSON_FIELDS if f.get_internal_type() == "DateField"}
    convert |= {f.attname: ops.adapt_datetimefield_value for f in _PERSON_FIELDS
                if f.get_internal_type() == "DateTimeField"}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {Person._meta.db_table}")
        first = cursor.fetchone()[0] + 1
        ids = list(range(first, first + len(chunk)))
        marks = ", ".join(["%s"] * (len(attnames) + 1))
        cursor.executemany(
            f"INSERT INTO {Person._meta.db_table} (id, {', '.join(PERSON_COLUMNS)}) VALUES ({marks})",
            [(pk, *[convert[a](row[a]) if a in convert else row[a] for a in attnames])
             for pk, row in zip(ids, chunk, strict=True)],
        )
        events, tag_rows = _events_and_tags(ids, chunk, chunk_tags, actor_name, note)
        cursor.executemany(
            f"INSERT INTO {PersonEvent._meta.db_table} ({', '.join(_EVENT_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(_EVENT_COLUMNS))})",
            [(pk, kind, at, actor, "", "", "", code, "[]", note) for pk, kind, actor, code in events],
        )
        if tag_rows:
            cursor.executemany(
                f"INSERT INTO {PersonTag._meta.db_table} ({', '.join(_TAG_COLUMNS)}) VALUES (%s, %s, %s)",
                tag_rows)
    return ids


def _copy_chunk(chunk: list[dict], chunk_tags, actor_name: str, note: str, now) -> list[int]:
    person_table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [person_table, len(chunk)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        raw = cursor.cursor  # the psycopg cursor, same connection and transaction
        values_of = itemgetter(*[f.attname for f in _PERSON_FIELDS])  # row dict → tuple in column order
        with raw.copy(f"COPY {person_table} (id, {', '.join(PERSON_COLUMNS)}) FROM STDIN") as copy:
            for pk, row in zip(ids, chunk, strict=True):
                copy.write_row((pk, *values_of(row)))
        events, tag_rows = _events_and_tags(ids, chunk, chunk_tags, actor_name, note)
        with raw.copy(f"COPY {PersonEvent._meta.db_table} ({', '.join(_EVENT_COLUMNS)}) FROM STDIN") as copy:
            for pk, kind, actor, code in events:
                copy.write_row((pk, kind, now, actor, "", "", "", code, "[]", note))
        if tag_rows:
            with raw.copy(f"COPY {PersonTag._meta.db_table} ({', '.join(_TAG_COLUMNS)}) FROM STDIN") as copy:
                for r in tag_rows:
                    copy.write_row(r)
    return ids


def insert_households(rows: Sequence[dict]) -> list[int]:
    """Store new households (``number``, ``area_code`` and optionally ``building_id``,
    ``house_id``); returns their ids in the order given. Inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("insert_households must run inside transaction.atomic()")
    if connection.vendor != "postgresql":
        created = Household.objects.bulk_create([Household(**row) for row in rows], batch_size=2000)
        return [h.pk for h in created]
    table = Household._meta.db_table
    defaults, now = _defaults(_HOUSEHOLD_FIELDS), timezone.now()
    values_of = itemgetter(*[f.attname for f in _HOUSEHOLD_FIELDS])
    columns = ", ".join(f.column for f in _HOUSEHOLD_FIELDS)
    ids: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [table, len(rows)])
        ids = [r[0] for r in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {table} (id, {columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                merged = defaults | row
                merged["created_at"] = now
                copy.write_row((pk, *values_of(merged)))
    return ids


def set_household_heads(heads: dict[int, int]) -> None:
    """household id → head person id, in one statement (one per batch on SQLite)."""
    table = Household._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} AS h SET head_id = v.person "
                           "FROM unnest(%s::bigint[], %s::bigint[]) AS v(household, person) WHERE h.id = v.household",
                           [list(heads), list(heads.values())])
            return
        cursor.executemany(f"UPDATE {table} SET head_id = %s WHERE id = %s",
                           [(person, household) for household, person in heads.items()])
