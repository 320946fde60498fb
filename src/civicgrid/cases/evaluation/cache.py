"""The evaluation page's cache (issue 15, city scale): a whole evaluation — case tables, posts,
scores — kept per period, jurisdiction and language, with the *watermark* of everything it is
computed from at that time.

An evaluation reads the case history (append-only: every action on a case appends a
``CaseEvent`` and writes its rows in the same transaction, so the newest event id moves with any
change of a case, its rating or its tasks), the newest case (a new report) and task ids, the posts'
memberships and their users' names, the score rules and grade bands, and the names of units and
areas. The watermark holds the newest ids of the first three and a digest of the small tables;
reading it is a handful of index lookups and small tables, whatever the size of the history.

A stored evaluation is given while the watermark stands, and for
``CIVICGRID_EVALUATION_FRESH_SECONDS`` (300 s) after it was computed even when it moved — in a
city a case moves every few seconds, and the whole computation of a month costs a second or more —
marked as not current, with its time (the page says both). Views are noted (period, jurisdiction,
levels, language) in the cache the web processes and the job consumer share, and
``refresh_viewed`` (the job ``cases.jobs.refresh_evaluations``, every two minutes) recomputes the
ones viewed in the last hour whose watermark moved.
"""

from __future__ import annotations

import hashlib
import time

from django.db import connection
from django.db.models import Count, Max
from django.utils.translation import get_language

from civicgrid.accounts.models import Membership, OrgUnit
from civicgrid.accounts.roles import Role
from civicgrid.areas.models import Area

from ..models import Case, CaseEvent, CaseTask, GradeBand, ScoreRule

SECONDS = 3600
POST_ROLES = (Role.SUPERVISOR, Role.SHIFT_LEADER, Role.DISPATCHER)


def watermark() -> str:
    """A digest of everything an evaluation is computed from (see the module)."""
    if connection.vendor == "postgresql":
        return _watermark_sql()
    newest = (CaseEvent.objects.aggregate(m=Max("id"))["m"], Case.objects.aggregate(m=Max("id"))["m"],
              CaseTask.objects.aggregate(m=Max("id"))["m"])
    small = (
        list(Membership.objects.filter(role__in=POST_ROLES).order_by("id").values_list(
            "id", "user_id", "role", "area_code", "active", "unit_id", "user__is_active", "user__username",
            "user__display_name")),
        list(ScoreRule.objects.order_by("id").values_list("id", "post", "indicator", "weight", "invert")),
        list(GradeBand.objects.order_by("id").values_list("id", "letter", "lowest")),
        list(OrgUnit.objects.order_by("id").values_list("id", "code", "name", "kind", "area_code")),
        Area.objects.aggregate(n=Count("id"), m=Max("id"), at=Max("updated_at")),
    )
    return hashlib.sha256(repr((newest, small)).encode()).hexdigest()


def _store():
    """The cache the web processes and the job consumer share (Redis, or files without it)."""
    from django.core.cache import caches

    return caches["shared"]


def fresh_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "CIVICGRID_EVALUATION_FRESH_SECONDS", 300))


VIEWED = "cases:evaluation:viewed"  # {key: (name, period, prefixes, levels, language, last viewed)}
VIEWED_FOR = 3600  # the job keeps views of the last hour up to date


def cached(name: str, period, prefixes, levels, compute, *, refresh: bool = False):
    """(``compute()`` for this period, jurisdiction, levels and language, when it was computed,
    whether nothing it reads has changed since). A stored answer is given while the watermark
    stands — and, for ``CIVICGRID_EVALUATION_FRESH_SECONDS`` after it was computed, even when
    something changed (a city's steps come every few seconds; the page says the time of its
    figures, ``refresh_viewed`` recomputes the views of the last hour in the background, and
    ``refresh`` recomputes at once)."""
    key = "cases:evaluation:" + hashlib.sha256(repr((
        name, period.kind, period.start, period.end, None if prefixes is None else sorted(prefixes), levels,
        get_language())).encode()).hexdigest()
    store, mark, now = _store(), watermark(), time.time()
    _note_view(store, key, (name, period, None if prefixes is None else tuple(prefixes), levels, get_language()), now)
    entry = store.get(key)
    if entry is not None and not refresh and (entry["mark"] == mark or now - entry["at"] < fresh_seconds()):
        return entry["value"], entry["at"], entry["mark"] == mark
    value = compute()
    store.set(key, {"mark": mark, "at": now, "value": value}, SECONDS)
    return value, now, True


def _note_view(store, key: str, args: tuple, now: float) -> None:
    viewed = store.get(VIEWED) or {}
    if key in viewed and now - viewed[key][-1] < 60:
        return  # noted a minute ago: spare the write
    viewed = {k: v for k, v in viewed.items() if now - v[-1] < VIEWED_FOR}
    viewed[key] = (*args, now)
    store.set(VIEWED, viewed, VIEWED_FOR)


def refresh_viewed(computers: dict) -> int:
    """Recompute the evaluations viewed in the last hour whose data changed since they were computed
    (``computers``: name → function(period, prefixes, levels)). Returns how many."""
    from django.utils import translation

    store, mark, now, done = _store(), watermark(), time.time(), 0
    for key, (name, period, prefixes, levels, language, seen) in (store.get(VIEWED) or {}).items():
        entry = store.get(key)
        if now - seen >= VIEWED_FOR or name not in computers or entry is not None and entry["mark"] == mark:
            continue
        with translation.override(language):
            value = computers[name](period, prefixes, levels)
        store.set(key, {"mark": mark, "at": time.time(), "value": value}, SECONDS)
        done += 1
    return done


def _watermark_sql() -> str:
    """The same in one statement on PostgreSQL: a city has thousands of supervisors' memberships,
    digested there instead of fetched."""
    t = {m.__name__: m._meta.db_table for m in (Case, CaseEvent, CaseTask, Membership, ScoreRule, GradeBand,
                                                OrgUnit, Area)}
    from civicgrid.accounts.models import User

    t["User"] = User._meta.db_table

    def digest(table, columns, where=""):
        return (f"(SELECT md5(string_agg(concat_ws('|', {columns}), ';' ORDER BY x.id)) FROM {table} x {where})")

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(id) FROM {t['CaseEvent']}), (SELECT max(id) FROM {t['Case']}),"
            f" (SELECT max(id) FROM {t['CaseTask']}),"
            + digest(t["Membership"], "x.id, x.user_id, x.role, x.area_code, x.active, x.unit_id, u.is_active,"
                     " u.username, u.display_name", f"JOIN {t['User']} u ON u.id = x.user_id WHERE x.role = ANY(%s)")
            + ", " + digest(t["ScoreRule"], "x.id, x.post, x.indicator, x.weight, x.invert")
            + ", " + digest(t["GradeBand"], "x.id, x.letter, x.lowest")
            + ", " + digest(t["OrgUnit"], "x.id, x.code, x.name, x.kind, x.area_code")
            + f", (SELECT concat_ws('|', count(*), max(id), max(updated_at)) FROM {t['Area']})",
            [[str(r) for r in POST_ROLES]])
        return hashlib.sha256(repr(cursor.fetchone()).encode()).hexdigest()
