"""Writing many people at once: the path shared by the ledger import, the demo generator and
``benchmarks/bench_import.py``.

Rows arrive already checked and prepared (``people.prepare_person`` values plus the
place: ``area_code`` and optionally ``building_id``, ``house_id``, ``household_id``). This
module only stores them, fast: on PostgreSQL with ``COPY`` (ids taken from the table's
sequence first, so tags and history rows can refer to them in the same pass), on SQLite
with ``executemany`` (ids given under the write lock). Each person gets a "registered" history row and their tags.

``insert_rows`` stores rows of any other model the same way (households, houses, tenancies…);
``reserve_ids`` gives ids ahead, so rows written earlier can point at rows written later
(foreign keys are checked at commit), and ``update_column`` sets one column of many rows.

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
                  "from_area_code", "to_area_code", "changed", "note", "area_code", "from_status", "to_status"]
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
    at = connection.ops.adapt_datetimefield_value(now)
    attnames = [f.attname for f in _PERSON_FIELDS]
    convert = _sqlite_converters(_PERSON_FIELDS, now, at)
    with connection.cursor() as cursor:
        first = _sqlite_next_id(cursor, Person._meta.db_table)
        ids = list(range(first, first + len(chunk)))
        marks = ", ".join(["%s"] * (len(attnames) + 1))
        cursor.executemany(
            f"INSERT INTO {Person._meta.db_table} (id, {', '.join(PERSON_COLUMNS)}) VALUES ({marks})",
            _sqlite_tuples(attnames, convert, ids, chunk),
        )
        events, tag_rows = _events_and_tags(ids, chunk, chunk_tags, actor_name, note)
        cursor.executemany(
            f"INSERT INTO {PersonEvent._meta.db_table} ({', '.join(_EVENT_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(_EVENT_COLUMNS))})",
            [(pk, kind, at, actor, "", "", "", code, "[]", note, code, "", Person.Status.ACTIVE.value)
             for pk, kind, actor, code in events],
        )
        if tag_rows:
            cursor.executemany(
                f"INSERT INTO {PersonTag._meta.db_table} ({', '.join(_TAG_COLUMNS)}) VALUES (%s, %s, %s)",
                tag_rows)
    return ids


def _sqlite_next_id(cursor, table: str) -> int:
    """The next id SQLite would give (AUTOINCREMENT: never one of a deleted row)."""
    cursor.execute(f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                   f"coalesce((SELECT max(id) FROM {table}), 0))", [table])
    return cursor.fetchone()[0] + 1


def _sqlite_converters(fields, now, at) -> dict:
    """attname → function turning a Python value into what the SQLite driver takes (only the
    fields that need one; ``now`` is converted once, to ``at``)."""
    ops, convert = connection.ops, {}
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            convert[f.attname] = lambda v, adapt=ops.adapt_datetimefield_value: at if v is now else adapt(v)
        elif kind == "DateField":
            convert[f.attname] = ops.adapt_datefield_value
        elif kind in ("JSONField", "DecimalField"):
            convert[f.attname] = lambda v, f=f: f.get_db_prep_save(v, connection)
    return convert


def _sqlite_tuples(attnames: list[str], convert: dict, ids: Sequence[int], rows: Sequence[dict]) -> list[tuple]:
    """(id, value, …) per row in ``attnames`` order, the values that need it converted."""
    values_of = itemgetter(*attnames)
    converted = [(i + 1, convert[a]) for i, a in enumerate(attnames) if a in convert]
    out = []
    for pk, row in zip(ids, rows, strict=True):
        values = [pk, *values_of(row)]
        for i, fn in converted:
            values[i] = fn(values[i])
        out.append(values)
    return out


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
                copy.write_row((pk, kind, now, actor, "", "", "", code, "[]", note, code, "", Person.Status.ACTIVE.value))
        if tag_rows:
            with raw.copy(f"COPY {PersonTag._meta.db_table} ({', '.join(_TAG_COLUMNS)}) FROM STDIN") as copy:
                for r in tag_rows:
                    copy.write_row(r)
    return ids


def reserve_ids(model, count: int) -> list[int]:
    """Ids for ``count`` new rows of ``model``, to be given to ``insert_rows(..., ids=…)``, so
    that rows written before them can already point at them (foreign keys are checked at
    commit). On PostgreSQL drawn from the sequence; on SQLite the next ones after the table's
    highest, so insert them before any other row of that table. Inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reserve_ids must run inside transaction.atomic()")
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [model._meta.db_table, count])
            return [r[0] for r in cursor.fetchall()]
        if connection.vendor == "sqlite":
            first = _sqlite_next_id(cursor, model._meta.db_table)
            return list(range(first, first + count))
    raise NotImplementedError(f"reserve_ids on {connection.vendor}")


def insert_rows(model, rows: Sequence[dict], *, ids: Sequence[int] | None = None) -> list[int]:
    """Store new rows of ``model`` given as field → value dicts (``*_id`` for foreign keys;
    defaults filled in, ``auto_now``/``auto_now_add`` fields set to now); returns their ids in
    the order given (``ids``: from ``reserve_ids``). ``COPY`` on PostgreSQL (ids from the
    sequence first), ``executemany`` on SQLite (ids given under the write lock). No model
    validation: the caller has checked the values. Inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"inserting {model._meta.label} rows must run inside transaction.atomic()")
    if ids is not None and len(ids) != len(rows):
        raise ValueError("insert_rows: one id per row")
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    related = [f for f in fields if f.is_relation and f.name in rows[0]]
    if related:  # objects given for foreign keys: their ids
        names = {f.name for f in related}
        rows = [{k: v for k, v in row.items() if k not in names}
                | {f.attname: getattr(row[f.name], "pk", None) for f in related} for row in rows]
    now = timezone.now()
    defaults = _defaults(fields) | {f.attname: now for f in fields if getattr(f, "auto_now", False)
                                    or getattr(f, "auto_now_add", False)}
    values_of = itemgetter(*[f.attname for f in fields])
    quote = connection.ops.quote_name  # a column may be a reserved word (Tenancy.end)
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    if connection.vendor not in ("postgresql", "sqlite"):
        objs = [model(**row) for row in rows]
        for obj, pk in zip(objs, ids or (), strict=False):
            obj.pk = pk
        return [obj.pk for obj in model.objects.bulk_create(objs, batch_size=2000)]
    if ids is None:
        ids = reserve_ids(model, len(rows))
    if connection.vendor == "sqlite":
        # executemany with ids given, like _sqlite_chunk (the transaction holds the write lock)
        convert = _sqlite_converters(fields, now, connection.ops.adapt_datetimefield_value(now))
        attnames = [f.attname for f in fields]
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * (len(fields) + 1))
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(f"INSERT INTO {table} (id, {columns}) VALUES ({marks})", _sqlite_tuples(
                    attnames, convert, ids[start:start + CHUNK], [defaults | r for r in rows[start:start + CHUNK]]))
        return list(ids)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} (id, {columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *values_of(defaults | row)))
    return list(ids)


def update_column(model, column: str, values: dict[int, object]) -> None:
    """Set one column of many rows: row id → value (one statement on PostgreSQL, an
    ``executemany`` elsewhere). ``column`` is the database column, e.g. ``landlord_id``."""
    if not values:
        return
    field = next(f for f in model._meta.concrete_fields if f.column == column)  # only known columns
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(field.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cast = field.db_type(connection) if not field.is_relation else field.target_field.rel_db_type(connection)
            cursor.execute(f"UPDATE {table} AS t SET {column} = v.value "
                           f"FROM unnest(%s::bigint[], %s::{cast}[]) AS v(id, value) WHERE t.id = v.id",
                           [list(values), list(values.values())])
            return
        cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s",
                           [(value, pk) for pk, value in values.items()])
