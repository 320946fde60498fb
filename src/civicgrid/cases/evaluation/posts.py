"""Post scores (岗位评价): supervisors, shift leaders and dispatchers scored per person from the
case history, with the weights of ``ScoreRule`` and the grade bands of ``GradeBand``
(definitions in docs/cases.md)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

from django.db.models import Count, F, Q

from civicgrid.accounts.models import Membership
from civicgrid.accounts.roles import Role
from civicgrid.core import workcalendar
from civicgrid.core.periods import Period

from .. import sla
from ..models import Case, CaseEvent, CaseTask, ScoreRule
from . import cache
from .figures import (
    NOT_DUE,
    OUTSIDE_CHANNELS,
    PATROL_KINDS,
    CaseFigures,
    Row,
    _in,
    _prefix_q,
    assignments,
    base,
    by_area,
    by_unit,
    grade,
    grade_bands,
    ratio,
    score_rules,
    totals,
    weighted_score,
)


# --- posts ----------------------------------------------------------------------------------------
def _people(role: str, prefixes) -> dict:
    """user → (user, [membership area codes], unit) for active memberships of ``role`` in the prefixes."""
    out: dict = {}
    for m in (Membership.objects.filter(role=role, active=True, user__is_active=True)
              .select_related("user", "unit").order_by("user__username")):
        if not _in(m.area_code, prefixes):
            continue
        entry = out.setdefault(m.user_id, [m.user, [], m.unit])
        entry[1].append(m.area_code)
    return out


def _person_row(post: str, user, values: dict, counts: dict, rules, bands) -> Row:
    score = weighted_score(values, rules)
    name = user.display_name or user.get_username()
    return Row(key=user.get_username(), name=name, kind=str(post), kind_label=str(ScoreRule.Post(post).label), values=values,
               counts=counts, score=score, grade=grade(score, bands))


def _minimal(codes) -> list[str]:
    """The codes not lying under another of them (their areas are disjoint)."""
    out: list[str] = []
    for code in sorted(set(codes), key=len):
        if not any(code.startswith(c) for c in out):
            out.append(code)
    return out


class _CountUnder:
    """How many of some area codes lie under a code, for the code lengths asked: one pass over the
    codes, then a lookup per area (a city has thousands of supervisors and tens of thousands of
    cases a month; testing every case against every supervisor's areas is quadratic)."""

    def __init__(self, codes, lengths):
        """``codes``: area codes, or (area code, how many) pairs."""
        self.counts: dict[str, int] = defaultdict(int)
        for item in codes:
            code, weight = (item, 1) if isinstance(item, str) else item
            for n in lengths:
                if len(code) >= n:
                    self.counts[code[:n]] += weight

    def under(self, prefixes) -> int:
        return sum(self.counts.get(p, 0) for p in _minimal(prefixes))


def _task_rates(kind: str, tasks: dict, user, codes) -> tuple[int, int]:
    """Tasks of ``kind`` due in the period that were the supervisor's: done by them, or still open
    in their area (``tasks``: "done" → {(kind, done by): (done, on time)}, "open" → {kind:
    _CountUnder of the open tasks' areas}). On time: done by them by the due time."""
    done, on_time = tasks["done"].get((kind, user.pk), (0, 0))
    return on_time, done + tasks["open"][kind].under(codes)


def supervisors(period: Period, prefixes=None) -> list[Row]:
    """监督员: valid reports ×40 % + (1 − missed) ×20 % + on-time confirmations ×20 % + checks ×20 %.
    Three queries for all of them (their reports, the outside reports and the tasks in their
    areas), counted per person here."""
    rules, bands = score_rules(ScoreRule.Post.SUPERVISOR), grade_bands()
    people = _people(Role.SUPERVISOR, prefixes)
    if not people:
        return []
    codes_of_all = sorted({code for _user, codes, _unit in people.values() for code in codes})
    in_period = Q(reported_at__gte=period.start, reported_at__lt=period.end)
    # Counted by the database (a city's month: tens of thousands of reports and tasks).
    reports = defaultdict(lambda: [0, 0])  # reporter → [reports, valid (registered) ones]
    for reporter_id, n, valid in (Case.objects.filter(in_period, channel=Case.Channel.PATROL,
                                                      reporter_id__in=list(people))
                                  .order_by().values_list("reporter_id")
                                  .annotate(n=Count("id"), valid=Count("id", filter=Q(registered_at__isnull=False)))):
        reports[reporter_id] = [n, valid]
    outside = list(Case.objects.filter(in_period, _prefix_q(codes_of_all), channel__in=OUTSIDE_CHANNELS,
                                       cls__kind__in=PATROL_KINDS, registered_at__isnull=False)
                   .order_by().values_list("area_code").annotate(n=Count("id")))
    tasks_due = (CaseTask.objects.filter(kind__in=[CaseTask.Kind.CONFIRM, CaseTask.Kind.CHECK],
                                         due_at__gte=period.start, due_at__lt=period.end)
                 .exclude(outcome=CaseTask.Outcome.CANCELLED).order_by())
    done = {(kind, done_by): (n, ok) for kind, done_by, n, ok in (
        tasks_due.filter(done_by_id__in=list(people)).values_list("kind", "done_by_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(done_at__isnull=False, done_at__lte=F("due_at")))))}
    still_open = defaultdict(list)
    for kind, area_code, n in (tasks_due.filter(Q(done_by__isnull=True) & _prefix_q(codes_of_all))
                               .values_list("kind", "area_code").annotate(n=Count("id"))):
        still_open[kind].append((area_code, n))
    lengths = sorted({len(code) for code in codes_of_all})
    tasks = {"done": done, "open": {kind: _CountUnder(still_open[kind], lengths)
                                    for kind in (CaseTask.Kind.CONFIRM, CaseTask.Kind.CHECK)}}
    outside = _CountUnder(outside, lengths)
    rows = []
    for user, codes, _unit in people.values():
        n_reports, valid = reports[user.pk]
        missed = outside.under(codes)
        confirm_ok, confirm_n = _task_rates(CaseTask.Kind.CONFIRM, tasks, user, codes)
        check_ok, check_n = _task_rates(CaseTask.Kind.CHECK, tasks, user, codes)
        values = {
            "valid_report_rate": ratio(valid, n_reports),
            "missed_report_rate": ratio(missed, missed + valid),
            "confirm_on_time_rate": ratio(confirm_ok, confirm_n),
            "check_on_time_rate": ratio(check_ok, check_n),
        }
        counts = {"reports": n_reports, "valid_reports": valid, "missed_reports": missed, "confirms": confirm_n,
                  "confirms_on_time": confirm_ok, "checks": check_n, "checks_on_time": check_ok}
        rows.append(_person_row(ScoreRule.Post.SUPERVISOR, user, values, counts, rules, bands))
    return rows


def shift_leaders(period: Period, prefixes=None, *, data=None) -> list[Row]:
    """值班长: on-time registrations ×25 % + accurate registrations ×40 % + on-time closing ×35 %."""
    rules, bands = score_rules(ScoreRule.Post.SHIFT_LEADER), grade_bands()
    limit_hours = sla.step_minutes("register") / 60
    people = _people(Role.SHIFT_LEADER, prefixes)
    # One replay for all of them (their registrations anywhere), grouped by who registered; the
    # assignments inside the prefixes are those of the page's case tables (``data``) when given.
    theirs = defaultdict(list)
    if people:
        mine = Q(registered_by_id__in=list(people))
        if data is not None and data.period == period:
            found = [a for a, _h in data.assigned if a.registered_by_id in people]
            if data.prefixes is not None:
                found += assignments(period, case_filter=mine & ~_prefix_q(data.prefixes))
        else:
            found = assignments(period, case_filter=mine)
        for a in found:
            theirs[a.registered_by_id].append(a)
    registered = defaultdict(list)  # shift leader → their registrations in the period
    reclass_after = defaultdict(list)
    if people:
        for row in (Case.objects.filter(registered_by_id__in=list(people), registered_at__gte=period.start,
                                        registered_at__lt=period.end).order_by()
                    .values_list("registered_by_id", "pk", "reported_at", "registered_at", "status", "reclassified")):
            registered[row[0]].append(row[1:])
        ids = [row[0] for rows_of in registered.values() for row in rows_of]
        for case_id, at in (CaseEvent.objects.filter(case_id__in=ids, kind=CaseEvent.Kind.RECLASSIFIED)
                            .order_by().values_list("case_id", "at")):
            reclass_after[case_id].append(at)
    rows = []
    within = workcalendar.default_calendar().within()
    for user, _codes, _unit in people.values():
        n = on_time = accurate = 0
        for pk, reported_at, registered_at, status, reclassified in registered[user.pk]:
            n += 1
            on_time += within(reported_at, registered_at, limit_hours)
            corrected = reclassified or any(at > registered_at for at in reclass_after.get(pk, ()))
            accurate += status not in NOT_DUE and not corrected
        due = closed_ok = 0
        for a in theirs[user.pk]:
            due += 1
            closed_ok += a.closed_in(period) and a.on_time
        values = {
            "register_on_time_rate": ratio(on_time, n),
            "register_accuracy_rate": ratio(accurate, n),
            "close_on_time_rate": ratio(closed_ok, due),
        }
        counts = {"registered": n, "registered_on_time": on_time, "registered_accurately": accurate, "due": due,
                  "closed_on_time": closed_ok}
        rows.append(_person_row(ScoreRule.Post.SHIFT_LEADER, user, values, counts, rules, bands))
    return rows


def _dispatch_stats(period: Period, user_ids) -> dict:
    """Per dispatcher: dispatches in the period, on time (within the 'dispatch' step limit after the
    case last became ready for dispatch), accurate (not followed by a send-back before the next dispatch)."""
    limit_hours = sla.step_minutes("dispatch") / 60
    stats = {uid: {"dispatches": 0, "on_time": 0, "accurate": 0} for uid in user_ids}
    within = workcalendar.default_calendar().within()
    for actor_id, at, ready, next_kind in _dispatches(period, user_ids):
        s = stats[actor_id]
        s["dispatches"] += 1
        if ready is not None and within(ready, at, limit_hours):
            s["on_time"] += 1
        if next_kind != CaseEvent.Kind.SENT_BACK:
            s["accurate"] += 1
    return stats


# Each dispatch by these users in the period, with the last time its case became ready for dispatch
# before it and the kind of the next dispatch or send-back after it — in one statement on
# PostgreSQL (times as integer microseconds), in Python elsewhere.
_DISPATCHES_SQL = """
WITH mine AS (
  SELECT id, case_id, actor_id, at FROM {table}
  WHERE kind = %(dispatched)s AND actor_id = ANY(%(users)s) AND at >= %(start)s AND at < %(end)s
), h AS (
  SELECT id, case_id, kind, at, to_status FROM {table}
  WHERE case_id IN (SELECT case_id FROM mine) AND (to_status = %(registered)s OR kind = ANY(%(moves)s))
), ready AS (
  SELECT id, max(at) FILTER (WHERE to_status = %(registered)s) OVER (
           PARTITION BY case_id ORDER BY at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS ready
  FROM h
), nxt AS (
  SELECT id, lead(kind) OVER (PARTITION BY case_id ORDER BY at, id) AS next_kind FROM h WHERE kind = ANY(%(moves)s)
)
SELECT m.actor_id, (EXTRACT(EPOCH FROM m.at) * 1000000)::bigint, (EXTRACT(EPOCH FROM r.ready) * 1000000)::bigint,
       n.next_kind
FROM mine m JOIN ready r ON r.id = m.id JOIN nxt n ON n.id = m.id
"""


def _dispatches(period: Period, user_ids) -> list[tuple]:
    from django.db import connection

    K = CaseEvent.Kind
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_DISPATCHES_SQL.format(table=CaseEvent._meta.db_table), {
                "dispatched": str(K.DISPATCHED), "registered": str(Case.Status.REGISTERED),
                "moves": [str(K.DISPATCHED), str(K.SENT_BACK)], "users": list(user_ids),
                "start": period.start, "end": period.end})
            return cursor.fetchall()
    mine = list(CaseEvent.objects.filter(kind=K.DISPATCHED, actor_id__in=user_ids,
                                         at__gte=period.start, at__lt=period.end)
                .values_list("id", "case_id", "actor_id", "at"))
    history = defaultdict(list)
    for row in CaseEvent.objects.filter(case_id__in={c for _i, c, _a, _t in mine}).filter(
            Q(to_status=Case.Status.REGISTERED) | Q(kind__in=[K.DISPATCHED, K.SENT_BACK])
    ).values_list("case_id", "id", "at", "kind", "to_status").order_by("case_id", "at", "id"):
        history[row[0]].append(row[1:])
    out = []
    for event_id, case_id, actor_id, at in mine:
        events = history[case_id]
        ready = [t for i, t, kind, to in events if to == Case.Status.REGISTERED and (t, i) < (at, event_id)]
        after = [kind for i, t, kind, to in events if kind in (K.DISPATCHED, K.SENT_BACK) and (t, i) > (at, event_id)]
        out.append((actor_id, at, max(ready) if ready else None, after[0] if after else None))
    return out


def dispatchers(period: Period, prefixes=None) -> list[Row]:
    """派遣员: dispatch count score ×20 % + on-time dispatches ×40 % + accurate dispatches ×40 %.
    The count score compares with the busiest dispatcher of the same centre (= 100)."""
    rules, bands = score_rules(ScoreRule.Post.DISPATCHER), grade_bands()
    listed = _people(Role.DISPATCHER, prefixes)
    everyone = _people(Role.DISPATCHER, None)  # colleagues of the same centre set the maximum
    stats = _dispatch_stats(period, list(everyone))
    busiest = defaultdict(int)
    for uid, (_user, _codes, unit) in everyone.items():
        busiest[unit.pk if unit else None] = max(busiest[unit.pk if unit else None], stats[uid]["dispatches"])
    rows = []
    for uid, (user, _codes, unit) in listed.items():
        s = stats[uid]
        top = busiest[unit.pk if unit else None]
        values = {
            "dispatch_count_score": min(1.0, s["dispatches"] / top) if top else None,
            "dispatch_on_time_rate": ratio(s["on_time"], s["dispatches"]),
            "dispatch_accuracy_rate": ratio(s["accurate"], s["dispatches"]),
        }
        counts = {"dispatches": s["dispatches"], "dispatched_on_time": s["on_time"],
                  "dispatched_accurately": s["accurate"]}
        rows.append(_person_row(ScoreRule.Post.DISPATCHER, user, values, counts, rules, bands))
    return rows


def by_post(period: Period, prefixes=None, *, data=None) -> list[Row]:
    return supervisors(period, prefixes) + shift_leaders(period, prefixes, data=data) + dispatchers(period, prefixes)


def _several_districts() -> bool:
    from civicgrid.areas.models import Area

    return Area.objects.filter(level=Area.Level.DISTRICT).count() > 1


@dataclass
class Evaluation:
    period: Period
    totals: CaseFigures
    units: list[Row]
    areas: list[Row]
    posts: list[Row]
    computed_at: float = 0.0  # when (time.time()) these figures were computed
    current: bool = True  # nothing they are computed from has changed since

    def as_dict(self) -> dict:
        return {
            "period": {"kind": self.period.kind, "key": self.period.key, "start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat()},
            "totals": self.totals.as_dict(),
            "units": [r.as_dict() for r in self.units],
            "areas": [r.as_dict() for r in self.areas],
            "posts": [r.as_dict() for r in self.posts],
            "computed_at": dt.datetime.fromtimestamp(self.computed_at, tz=dt.UTC).isoformat() if self.computed_at
            else None,
            "current": self.current,
        }


def evaluate(period: Period, prefixes=None, *, refresh: bool = False) -> Evaluation:
    """Everything of the page: streets and communities, or communities and grids inside a community
    (kept by ``cache.cached``: possibly a few minutes old, saying so; ``refresh`` computes anew)."""
    if prefixes and all(len(p) >= 12 for p in prefixes):
        levels = ("community", "grid")
    elif prefixes is not None and any(len(p) < 6 for p in prefixes) or prefixes is None and _several_districts():
        levels = ("district", "street")  # a city
    else:
        levels = ("street", "community")
    value, at, current = cache.cached("evaluate", period, prefixes, levels,
                                      lambda: _evaluate(period, prefixes, levels), refresh=refresh)
    return replace(value, computed_at=at, current=current)


def _evaluate(period: Period, prefixes, levels) -> Evaluation:
    data = base(period, prefixes)  # read once for the three case tables
    return Evaluation(period, totals(period, prefixes, data=data), by_unit(period, prefixes, data=data),
                      by_area(period, prefixes, levels=levels, data=data), by_post(period, prefixes, data=data))


def refresh_viewed() -> int:
    """The background job's work: the evaluations viewed in the last hour, recomputed where
    anything changed."""
    return cache.refresh_viewed({"evaluate": _evaluate})


