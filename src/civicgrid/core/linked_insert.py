"""Insert a row and the rows that refer to it, in one statement where the database allows.

The hot write paths (a case filed over the API: its number from the day's counter, the case,
its first history event, its audit row) insert a parent row and a few rows that need the
parent's new primary key. Through the ORM that is a statement per row, each compiled anew
(~0.3 ms of Python) and each a round trip, inside BEGIN … COMMIT, with the counter's row lock
held across all of them. On PostgreSQL :func:`insert_linked` sends one statement::

    WITH n AS (INSERT INTO core_counter … ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value),
         p AS (INSERT INTO parent (…, number, …) VALUES (…, (SELECT … FROM n), …) RETURNING *),
         c0 AS (INSERT INTO child (…, parent_id, …) VALUES (…, (SELECT id FROM p), …) RETURNING id)
    SELECT (SELECT id FROM p), (SELECT number FROM p), (SELECT id FROM c0)

with the SQL text built once per shape and cached, and every value prepared by the fields
themselves (``pre_save`` for ``auto_now`` and the like, then ``get_db_prep_save``), so a field
added to a model is written here without touching this code. One statement is atomic on its
own: a caller with nothing else to write may run it outside a transaction, and the counter's
row lock is then held only while the statement runs and commits. Other databases (SQLite) get
plain ORM inserts in order, with the same values; there the caller's transaction is required.

What the fast path skips: ``Model.save()`` overrides — callers use it only for new rows of
append-only models whose ``save()`` merely refuses updates. Signals are not skipped: when any of
the models has a ``pre_save`` or ``post_save`` receiver, the rows go through the ORM. A test
compares the rows written both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.models import Model
from django.db.models.signals import post_save, pre_save


@dataclass(frozen=True)
class FromParent:
    """A child's field taken from the parent's new row: ``sql``, an expression over the parent's
    columns written by the programmer (``{pk}`` stands for the primary key column), and
    ``python``, the same value from the saved parent instance (for the ORM path)."""

    sql: str
    python: Callable[[Model], Any]


AS_KEY = FromParent("{pk}", lambda parent: parent.pk)  # a foreign key to the parent
AS_TEXT = FromParent("{pk}::text", lambda parent: str(parent.pk))  # e.g. ``AuditLog.object_id``


@dataclass(frozen=True)
class Serial:
    """The parent's field ``attname`` gets ``prefix`` + the next number of the counter ``name``
    (``core.models.Counter``, as :func:`core.models.next_serial`), zero-padded to ``width``."""

    attname: str
    name: str
    prefix: str
    width: int


# Statements by shape. Shapes are few in practice (which fields are NULL, '' or a boolean differs
# little between rows of one path); the cap only guards against a caller with many.
_sql_cache: dict[tuple, str] = {}
SQL_CACHE_MAX = 256


def _fields(model) -> tuple:
    """Concrete columns written on insert: all but an auto primary key (the database assigns it)."""
    return tuple(f for f in model._meta.local_concrete_fields
                 if not (f.primary_key and getattr(f, "db_returning", False)) and not f.generated)


def _literal(value):
    """The SQL literal written in place of a parameter for values that need none (NULL, TRUE,
    FALSE, ''), or None. Fewer parameters keep the statement under psycopg's limit for caching
    its parsed form (50 parameters, ``psycopg._queries.MAX_CACHED_STATEMENT_PARAMS``)."""
    if value is None:
        return "NULL"
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if value == "" and isinstance(value, str):
        return "''"
    return None


def _shape_sql(connection, parent_model, children: tuple, literals: tuple, serial: Serial | None) -> str:
    """The statement for a parent model and its children ``((model, ((attname, FromParent), …)), …)``,
    with ``literals`` (one tuple per row: a literal or None per field) written into the text."""
    key = (connection.alias, parent_model, children, literals, serial and (serial.attname, serial.width))
    cached = _sql_cache.get(key)
    if cached is not None:
        return cached
    qn = connection.ops.quote_name
    pk_col = qn(parent_model._meta.pk.column)
    parent_fields = _fields(parent_model)
    parts, values = [], []
    if serial is not None:
        from .models import Counter

        counter = qn(Counter._meta.db_table)
        name, value = (qn(Counter._meta.get_field(f).column) for f in ("name", "value"))
        parts.append(f"n AS (INSERT INTO {counter} ({name}, {value}) VALUES (%s, 1) ON CONFLICT ({name}) "
                     f"DO UPDATE SET {value} = {counter}.{value} + 1 RETURNING {value} AS value)")
    for f, lit in zip(parent_fields, literals[0], strict=True):
        if serial is not None and f.attname == serial.attname:
            values.append(f"(SELECT %s || lpad(value::text, greatest({int(serial.width)}, length(value::text)), "
                          f"'0') FROM n)")
        else:
            values.append(lit or "%s")
    parts.append(f"p AS (INSERT INTO {qn(parent_model._meta.db_table)} "
                 f"({', '.join(qn(f.column) for f in parent_fields)}) VALUES ({', '.join(values)}) RETURNING *)")
    for i, (model, links) in enumerate(children):
        links = dict(links)
        values = []
        for f, lit in zip(_fields(model), literals[i + 1], strict=True):
            link = links.get(f.attname)
            values.append(f"(SELECT {link.sql.format(pk=pk_col)} FROM p)" if link else lit or "%s")
        parts.append(f"c{i} AS (INSERT INTO {qn(model._meta.db_table)} "
                     f"({', '.join(qn(f.column) for f in _fields(model))}) VALUES ({', '.join(values)}) "
                     f"RETURNING {qn(model._meta.pk.column)})")
    returned = [f"(SELECT {pk_col} FROM p)"]
    if serial is not None:
        returned.append(f"(SELECT {qn(parent_model._meta.get_field(serial.attname).column)} FROM p)")
    returned += [f"(SELECT {qn(model._meta.pk.column)} FROM c{i})" for i, (model, _links) in enumerate(children)]
    if len(_sql_cache) >= SQL_CACHE_MAX:
        _sql_cache.clear()
    _sql_cache[key] = sql = f"WITH {', '.join(parts)} SELECT {', '.join(returned)}"
    return sql


# Fields whose value of the plain Python type goes to the database as it is: their classes add
# nothing to saving (no pre_save, no conversion beyond str()/float()/bool() of that type). Integer
# fields and foreign keys are not among them: on PostgreSQL Django wraps integers in psycopg's
# sized types.
_PLAIN = {models.CharField: str, models.TextField: str, models.FloatField: float, models.BooleanField: bool}
_writers: dict[type, tuple] = {}


def _plain_type(field) -> type | None:
    """The Python type a field passes through unchanged when saving, or None (prepare it fully)."""
    cls = type(field)
    if (cls.pre_save is not models.Field.pre_save or cls.get_db_prep_value is not models.Field.get_db_prep_value
            or cls.get_db_prep_save is not models.Field.get_db_prep_save):
        return None
    for base, kind in _PLAIN.items():
        if isinstance(field, base) and cls.get_prep_value is base.get_prep_value:
            return kind
    return None


def _writer(model) -> tuple:
    """(field, attname, plain type or None) for each column written, built once per model."""
    found = _writers.get(model)
    if found is None:
        found = _writers[model] = tuple((f, f.attname, _plain_type(f)) for f in _fields(model))
    return found


def _row(obj, connection, links=(), serial: Serial | None = None) -> tuple[tuple, list]:
    """The literals (or None) of one row's fields, and the parameters for the others: none for a
    field taken from the parent, the prefix for the numbered field."""
    literals, params = [], []
    for f, attname, plain in _writer(type(obj)):
        if attname in links:
            literals.append(None)
            continue
        if serial is not None and attname == serial.attname:
            literals.append(None)
            params.append(serial.prefix)
            continue
        value = getattr(obj, attname) if plain is not None else None
        if plain is None or (value is not None and type(value) is not plain):
            value = f.get_db_prep_save(f.pre_save(obj, True), connection)
        lit = _literal(value)
        literals.append(lit)
        if lit is None:
            params.append(value)
    return tuple(literals), params


def insert_linked(parent: Model, children: list[tuple[Model, dict[str, FromParent]]], *,
                  serial: Serial | None = None) -> Model:
    """Insert ``parent`` (a new instance) and each child, whose fields named in its links dict
    (``{attname: AS_KEY | AS_TEXT | FromParent(…)}``) are taken from the parent's new row; with
    ``serial``, the parent's numbered field first. Sets every instance's primary key (and the
    numbered field) and marks it saved, as ``save()`` would. Returns ``parent``."""
    using = router.db_for_write(type(parent), instance=parent)
    models = {type(parent), *(type(child) for child, _links in children)}
    # A model someone listens to (pre_save/post_save) is saved through the ORM, so no receiver is
    # skipped silently.
    heard = any(signal.has_listeners(m) for m in models for signal in (pre_save, post_save))
    if connections[using].vendor == "postgresql" and not heard:
        return _insert_statement(parent, children, serial, using)
    return _insert_orm(parent, children, serial, using)


def _insert_orm(parent, children, serial, using):
    """The same rows through ``save()``, one statement each (the caller's transaction holds them)."""
    from .models import next_serial

    if serial is not None:
        setattr(parent, serial.attname, f"{serial.prefix}{next_serial(serial.name):0{serial.width}d}")
    parent.save(using=using, force_insert=True)
    for child, links in children:
        for attname, link in links.items():
            setattr(child, attname, link.python(parent))
        child.save(using=using, force_insert=True)
    return parent


def _insert_statement(parent, children, serial, using):
    connection = connections[using]
    model = type(parent)
    shape = tuple((type(child), tuple(sorted(links.items(), key=lambda item: item[0]))) for child, links in children)
    literals, params = _row(parent, connection, serial=serial)
    if serial is not None:
        params.insert(0, serial.name)
    literals = [literals]
    for child, links in children:
        child_literals, child_params = _row(child, connection, links)
        literals.append(child_literals)
        params += child_params
    sql = _shape_sql(connection, model, shape, tuple(literals), serial)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    parent.pk = row[0]
    if serial is not None:
        setattr(parent, serial.attname, row[1])
    parent._state.adding, parent._state.db = False, using
    for (child, links), child_pk in zip(children, row[2 if serial is not None else 1:], strict=True):
        for attname, link in links.items():
            setattr(child, attname, link.python(parent))
        child.pk = child_pk
        child._state.adding, child._state.db = False, using
    return parent
