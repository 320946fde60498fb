"""The figures' roll-up per day (``FigureDay``, ``FigureDays``; docs/counter.md, "Figures").

Every application contributes to the numerators and denominators of the figures on the local days
of its ``received_at``, ``accepted_at``, ``decided_at``, ``delivered_at`` and ``rated_at``, under its
group keys (window area, window, department, deciding level and area). ``Application.save`` applies
the difference between what the row contributed when it was read and what it contributes now, in the
same transaction as the action that saves it (an upsert adding the differences, so concurrent actions
only add). The working days of the decided are kept as a histogram per day and group (one row per
distinct value, with its count), so the median and p90 of a period come exactly from the summed
histogram. ``rebuild()`` recomputes both tables from the applications (migration 0005, ``civicgrid
counter rebuild-figures``).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from civicgrid.core import periods

# the application's fields the figures read
FIELDS = ("area_code", "window", "department", "owner_level", "owner_area_code", "received_at", "accepted_at",
          "decided_at", "delivered_at", "rated_at", "proxy", "notices", "promised_days", "legal_days",
          "materials_total", "materials_register", "on_time", "visits", "work_days", "rating")
DIMS = ("day", "area_code", "window", "department", "owner_level", "owner_area_code")
MEASURES = ("received", "proxy", "noticed", "notice_once", "accepted", "promised", "legal", "materials", "register",
            "decided", "on_time", "one_visit", "zero_visit", "delivered", "rated", "good")


def _day(at):
    return timezone.localtime(at, periods.tz()).date()


def contributions(v: dict) -> tuple[dict, dict]:
    """What one application (``v``: its ``FIELDS``) adds: ``{dims: {measure: n}}`` and the histogram
    ``{dims + (work_days,): 1}``."""
    out: dict[tuple, dict] = {}
    hist: dict[tuple, int] = {}
    if not v:
        return out, hist
    rest = (v["area_code"], v["window"] or "", v["department"], v["owner_level"], v["owner_area_code"])

    def add(at, **measures):
        key = (_day(at), *rest)
        bucket = out.setdefault(key, {})
        for k, n in measures.items():
            bucket[k] = bucket.get(k, 0) + n

    if v["received_at"] is not None:
        notices = v["notices"] or 0
        add(v["received_at"], received=1, proxy=int(bool(v["proxy"])), noticed=int(notices >= 1),
            notice_once=int(notices == 1))
    if v["accepted_at"] is not None:
        add(v["accepted_at"], accepted=1, promised=v["promised_days"] or 0, legal=v["legal_days"] or 0,
            materials=v["materials_total"] or 0, register=v["materials_register"] or 0)
    if v["decided_at"] is not None:
        visits = v["visits"] or 0
        add(v["decided_at"], decided=1, on_time=int(bool(v["on_time"])), one_visit=int(visits <= 1),
            zero_visit=int(visits == 0))
        if v["work_days"] is not None:
            hist[(_day(v["decided_at"]), *rest, float(v["work_days"]))] = 1
    if v["delivered_at"] is not None:
        add(v["delivered_at"], delivered=1)
    if v["rated_at"] is not None:
        add(v["rated_at"], rated=1, good=int((v["rating"] or 0) >= 4))
    return out, hist


def _diff(old: dict, new: dict) -> tuple[dict, dict]:
    (o, oh), (n, nh) = contributions(old), contributions(new)
    delta: dict[tuple, dict] = {}
    for key in set(o) | set(n):
        a, b = o.get(key, {}), n.get(key, {})
        d = {m: b.get(m, 0) - a.get(m, 0) for m in set(a) | set(b)}
        d = {m: x for m, x in d.items() if x}
        if d:
            delta[key] = d
    hdelta = {k: nh.get(k, 0) - oh.get(k, 0) for k in set(oh) | set(nh)}
    return delta, {k: x for k, x in hdelta.items() if x}


def _tables():
    from .models import FigureDay, FigureDays

    return FigureDay._meta.db_table, FigureDays._meta.db_table


def _upsert(delta: dict, hdelta: dict) -> None:
    """Add the differences (rows in key order, so concurrent transactions lock them in one order)."""
    day_table, hist_table = _tables()
    qn = connection.ops.quote_name
    dims = ", ".join(qn(d) for d in DIMS)
    with connection.cursor() as cursor:
        for key in sorted(delta):
            values = [delta[key].get(m, 0) for m in MEASURES]
            cursor.execute(
                f"INSERT INTO {qn(day_table)} ({dims}, {', '.join(qn(m) for m in MEASURES)}) "
                f"VALUES ({', '.join(['%s'] * (len(DIMS) + len(MEASURES)))}) "
                f"ON CONFLICT ({dims}) DO UPDATE SET "
                + ", ".join(f"{qn(m)} = {qn(day_table)}.{qn(m)} + EXCLUDED.{qn(m)}" for m in MEASURES),
                [*key, *values])
        for key in sorted(hdelta):
            cursor.execute(
                f"INSERT INTO {qn(hist_table)} ({dims}, {qn('work_days')}, {qn('n')}) "
                f"VALUES ({', '.join(['%s'] * (len(DIMS) + 2))}) "
                f"ON CONFLICT ({dims}, {qn('work_days')}) DO UPDATE SET {qn('n')} = {qn(hist_table)}.{qn('n')} + EXCLUDED.{qn('n')}",
                [*key, hdelta[key]])


def stored(app) -> dict:
    """The counted fields of the application's row as stored (read inside the saving transaction; the
    actions hold the row lock)."""
    return type(app)._default_manager.filter(pk=app.pk).values(*FIELDS).first() or {}


def saving(app, before: dict, *, update_fields=None) -> None:
    """Called by ``Application.save`` after the row is written, inside the same transaction: the
    roll-up gets the difference between the row before and after."""
    after = dict(before)
    for f in FIELDS:
        if update_fields is None or f in update_fields or not before:
            after[f] = getattr(app, f)
    delta, hdelta = _diff(before, after)
    if delta or hdelta:
        _upsert(delta, hdelta)


def deleting(app) -> None:
    delta, hdelta = _diff(stored(app), {})
    if delta or hdelta:
        _upsert(delta, hdelta)


def rebuild(application=None, day_model=None, hist_model=None, *, chunk: int = 20000) -> tuple[int, int]:
    """Recompute the roll-up from every application (the models may be a migration's historical ones):
    in two grouped INSERT … SELECT on PostgreSQL, through ``contributions()`` elsewhere. The roll-up
    tables are locked first, so an action saving meanwhile adds its difference after."""
    if application is None:
        from .models import Application as application
        from .models import FigureDay as day_model
        from .models import FigureDays as hist_model
    acc: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    hist: dict[tuple, int] = defaultdict(int)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{day_model._meta.db_table}", "{hist_model._meta.db_table}" '
                               "IN EXCLUSIVE MODE")
        day_model.objects.all().delete()
        hist_model.objects.all().delete()
        if connection.vendor == "postgresql":
            return _rebuild_sql(application._meta.db_table, day_model._meta.db_table, hist_model._meta.db_table)
        for v in application.objects.order_by().values(*FIELDS).iterator(chunk_size=chunk):
            out, h = contributions(v)
            for key, measures in out.items():
                a = acc[key]
                for m, n in measures.items():
                    a[m] += n
            for key, n in h.items():
                hist[key] += n
        day_model.objects.bulk_create(
            (day_model(**dict(zip(DIMS, key, strict=True)), **measures) for key, measures in acc.items()),
            batch_size=5000)
        hist_model.objects.bulk_create(
            (hist_model(**dict(zip(DIMS, key[:-1], strict=True)), work_days=key[-1], n=n) for key, n in hist.items()),
            batch_size=5000)
    return len(acc), len(hist)


# The same contributions as ``contributions()``, in one statement per table (PostgreSQL).
_PARTS = {
    "received_at": {"received": "1", "proxy": "(proxy <> '')::int", "noticed": "(notices >= 1)::int",
                    "notice_once": "(notices = 1)::int"},
    "accepted_at": {"accepted": "1", "promised": "promised_days", "legal": "legal_days",
                    "materials": "materials_total", "register": "materials_register"},
    "decided_at": {"decided": "1", "on_time": "COALESCE(on_time, false)::int", "one_visit": "(visits <= 1)::int",
                   "zero_visit": "(visits = 0)::int"},
    "delivered_at": {"delivered": "1"},
    "rated_at": {"rated": "1", "good": "(COALESCE(rating, 0) >= 4)::int"},
}


def _rebuild_sql(app_table: str, day_table: str, hist_table: str) -> tuple[int, int]:
    from django.conf import settings

    tz = settings.TIME_ZONE
    rest = '"area_code", "window", "department", "owner_level", "owner_area_code"'
    selects = []
    for when, parts in _PARTS.items():
        cols = ", ".join(f"{parts.get(m, '0')} AS \"{m}\"" for m in MEASURES)
        selects.append(f'SELECT ("{when}" AT TIME ZONE %s)::date AS "day", {rest}, {cols} '
                       f'FROM "{app_table}" WHERE "{when}" IS NOT NULL')
    measures = ", ".join(f'"{m}"' for m in MEASURES)
    sums = ", ".join(f'SUM("{m}")' for m in MEASURES)
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{day_table}" ("day", {rest}, {measures}) SELECT "day", {rest}, {sums} '
                       f'FROM ({" UNION ALL ".join(selects)}) t GROUP BY "day", {rest}', [tz] * len(selects))
        days = cursor.rowcount
        cursor.execute(f'INSERT INTO "{hist_table}" ("day", {rest}, "work_days", "n") '
                       f'SELECT ("decided_at" AT TIME ZONE %s)::date, {rest}, "work_days", COUNT(*) FROM "{app_table}" '
                       f'WHERE "decided_at" IS NOT NULL AND "work_days" IS NOT NULL '
                       f'GROUP BY 1, {rest}, "work_days"', [tz])
        return days, cursor.rowcount


def nearest_rank(pairs, q: float):
    """The nearest-rank quantile of a histogram ``[(value, count)…]`` (sorted by value)."""
    total = sum(n for _v, n in pairs if n > 0)
    if not total:
        return None
    import math

    rank, seen = max(1, math.ceil(q * total)), 0
    for value, n in pairs:
        if n <= 0:
            continue
        seen += n
        if seen >= rank:
            return value
    return None
