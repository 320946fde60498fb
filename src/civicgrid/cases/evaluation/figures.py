"""Evaluation (综合评价, R-CASE-5): figures of units, areas and posts over a period [start, end).

Every indicator is defined in ``docs/cases.md``; the definitions in short:

* **due** (应结): a lead assignment (a dispatch to a unit, until the case is closed, sent back,
  escalated or re-dispatched) that was closed in the period, or was not closed before it and
  whose last deadline (extensions and pauses included) falls in it. An assignment escalated as
  overdue stays due for its unit, not closed. Sent-back assignments are not due (they count in
  the send-back rate). **closed**: ended by closing before the period's end; **on time**: closed
  by its deadline. 结案率 = closed / due, 按期结案率 = closed on time / due; 返工率, extension
  rate: due assignments with a rework / a granted extension; send-back rate: send-backs /
  dispatches in the period; satisfaction: share of ratings 1–3 among the rated assignments closed
  in the period, and their mean score (非常满意 100 … 非常不满意 0); handling time: working hours
  from the dispatch to closing, mean over the closed ones.
* **scores** of lead units and posts are weighted sums of the indicators in ``ScoreRule``
  (administrators edit the weights), over the indicators that have data; grades from
  ``GradeBand`` (seeded from ``catalogue.GRADES``).

Scoped: ``prefixes`` (area-code prefixes of the viewer's jurisdiction, ``None`` = all) limit the
cases counted for units and areas, and the people listed for posts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Count, Max, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy

from civicgrid.accounts.models import OrgUnit
from civicgrid.areas.models import Area
from civicgrid.core import indicators, workcalendar
from civicgrid.core.indicators import ratio
from civicgrid.core.periods import Period

from ..catalogue import GRADES
from ..models import Case, CaseClass, CaseEvent, ScoreRule

# 非常满意 … 非常不满意 → points (the mean of these is the satisfaction score).
RATING_POINTS = {1: 100, 2: 75, 3: 50, 4: 25, 5: 0}
SATISFIED = {1, 2, 3}  # 非常满意、满意、基本满意
NOT_DUE = (Case.Status.INVALID, Case.Status.DUPLICATE)
# Reports that came in without the supervisor: a registered one of these in the supervisor's
# area is a missed report (漏报).
# Only events and components count: a supervisor on patrol cannot find a 12345 help request.
OUTSIDE_CHANNELS = tuple(c for c in Case.Channel.values if c != Case.Channel.PATROL)
PATROL_KINDS = (CaseClass.Kind.EVENT, CaseClass.Kind.COMPONENT)


# The posts scored per person (the lead unit's score is in the units' table).
POSTS = (ScoreRule.Post.SUPERVISOR, ScoreRule.Post.SHIFT_LEADER, ScoreRule.Post.DISPATCHER)

INDICATORS = {  # key → label (ScoreRule.indicator refers to these keys)
    "closing_rate": gettext_lazy("closing rate"),  # 结案率
    "on_time_rate": gettext_lazy("on-time closing rate"),  # 按期结案率
    "rework_rate": gettext_lazy("rework rate"),  # 返工率
    "extension_rate": gettext_lazy("extension rate"),  # 延期率
    "sendback_rate": gettext_lazy("send-back rate"),  # 退回率
    "satisfaction_rate": gettext_lazy("satisfaction"),  # 满意率
    "valid_report_rate": gettext_lazy("valid report rate"),  # 有效上报率
    "missed_report_rate": gettext_lazy("missed report rate"),  # 漏报率
    "confirm_on_time_rate": gettext_lazy("on-time confirmation rate"),  # 按时核实率
    "check_on_time_rate": gettext_lazy("on-time check rate"),  # 按时核查率
    "register_on_time_rate": gettext_lazy("on-time registration rate"),  # 按时立案率
    "register_accuracy_rate": gettext_lazy("accurate registration rate"),  # 准确立案率
    "close_on_time_rate": gettext_lazy("on-time closing rate"),  # 按时结案率
    "dispatch_count_score": gettext_lazy("dispatch count score"),  # 派遣数分值
    "dispatch_on_time_rate": gettext_lazy("on-time dispatch rate"),  # 按时派遣率
    "dispatch_accuracy_rate": gettext_lazy("accurate dispatch rate"),  # 准确派遣率
}


# --- figures --------------------------------------------------------------------------------------
@dataclass
class CaseFigures:
    """Counts over a set of cases; the rates are derived (None when nothing was due)."""

    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    reworked: int = 0
    extended: int = 0
    dispatches: int = 0
    sent_back: int = 0
    rated: int = 0
    satisfied: int = 0
    rating_points: int = 0
    handling_hours: float = 0.0
    reported: int = 0  # cases reported in the period (whatever became of them)

    def add(self, a: Assignment, period: Period, hours: float | None) -> None:
        self.due += 1
        if a.closed_in(period):
            self.closed += 1
            self.closed_on_time += a.on_time
            self.handling_hours += hours or 0.0
            if a.rating in RATING_POINTS:
                self.rated += 1
                self.satisfied += a.rating in SATISFIED
                self.rating_points += RATING_POINTS[a.rating]
        self.reworked += a.reworked
        self.extended += a.extended

    @property
    def closing_rate(self):
        return ratio(self.closed, self.due)

    @property
    def on_time_rate(self):
        return ratio(self.closed_on_time, self.due)

    @property
    def rework_rate(self):
        return ratio(self.reworked, self.due)

    @property
    def extension_rate(self):
        return ratio(self.extended, self.due)

    @property
    def sendback_rate(self):
        return ratio(self.sent_back, self.dispatches)

    @property
    def satisfaction_rate(self):
        return ratio(self.satisfied, self.rated)

    @property
    def satisfaction_score(self):
        return self.rating_points / self.rated if self.rated else None

    @property
    def mean_handling_hours(self):
        return self.handling_hours / self.closed if self.closed else None

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("reported", "due", "closed", "closed_on_time", "reworked", "extended",
                                               "dispatches", "sent_back", "rated", "satisfied")}
        for k in ("closing_rate", "on_time_rate", "rework_rate", "extension_rate", "sendback_rate",
                  "satisfaction_rate", "satisfaction_score", "mean_handling_hours"):
            value = getattr(self, k)
            out[k] = None if value is None else round(value, 4)
        return out


def _prefix_q(prefixes, field_name: str = "area_code") -> Q:
    if prefixes is None:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for p in prefixes:
        q |= Q(**{f"{field_name}__startswith": p})
    return q


def _in(code: str, prefixes) -> bool:
    return prefixes is None or any(code.startswith(p) for p in prefixes)


@dataclass
class Assignment:
    """One lead assignment (主办): from a dispatch to the unit until the case is closed, sent back,
    escalated (also as overdue) or re-dispatched — or still running."""

    case_id: int
    unit_id: int
    area_code: str
    registered_by_id: int | None
    dispatched_at: dt.datetime
    deadline: dt.datetime | None  # the last deadline it had (extensions and pauses included)
    end_kind: str  # closed, sent_back, escalated, overdue, dispatched (re-dispatched) or "" (running)
    closed_at: dt.datetime | None
    reworked: bool
    extended: bool
    rating: int | None
    # Working hours from the dispatch to closing when closed in the period asked (set by the replay).
    hours: float | None = field(default=None, compare=False)

    def is_due(self, period: Period) -> bool:
        """Closed in the period, or not closed before it and its deadline falls in it."""
        if self.closed_at is not None and period.start <= self.closed_at < period.end:
            return True
        if self.closed_at is not None and self.closed_at < period.start:
            return False
        return self.deadline is not None and period.start <= self.deadline < period.end

    def closed_in(self, period: Period) -> bool:
        return self.closed_at is not None and self.closed_at < period.end

    @property
    def on_time(self) -> bool:
        return self.closed_at is not None and self.deadline is not None and self.closed_at <= self.deadline


# Events that end a lead assignment; an OVERDUE event ends it only where it escalated the case
# (at the district centre it puts the case under supervision and the unit keeps it).
_ENDS = {CaseEvent.Kind.DISPATCHED, CaseEvent.Kind.SENT_BACK, CaseEvent.Kind.ESCALATED, CaseEvent.Kind.CLOSED}
_REPLAYED = [*_ENDS, CaseEvent.Kind.OVERDUE, CaseEvent.Kind.REWORK, CaseEvent.Kind.EXTENSION_GRANTED]
LOOKBACK = dt.timedelta(days=400)  # dispatches older than this before the period are not looked at


def _touching(period: Period) -> list[int]:
    """Cases that can have an assignment due in the period: an assignment's closing time is a
    CLOSED event's time and its deadline is some event's ``deadline``, so a due assignment's case
    has a CLOSED event or an event with a deadline in the period. Index scans on (kind, at) and
    on deadline: the cost follows the period asked, not the whole history."""
    return list(CaseEvent.objects.filter(
        Q(kind=CaseEvent.Kind.CLOSED, at__gte=period.start, at__lt=period.end)
        | Q(deadline__gte=period.start, deadline__lt=period.end)).order_by().values_list("case_id", flat=True).distinct())


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _micros(when: dt.datetime) -> int:
    return (when - _EPOCH) // dt.timedelta(microseconds=1)


def _from_micros(us: int | None) -> dt.datetime | None:
    return None if us is None else _EPOCH + dt.timedelta(microseconds=us)


def assignments(period: Period, prefixes=None, *, case_filter: Q | None = None) -> list[Assignment]:
    """Lead assignments due in the period (see ``Assignment.is_due``) of cases inside the prefixes
    that had a dispatch in the look-back (``LOOKBACK`` before the period, up to its end)."""
    # The ids already read, not a nested subquery: PostgreSQL's generic plan for IN (… IN (…))
    # can turn into a nested loop over every event.
    cases = Case.objects.filter(_prefix_q(prefixes)).filter(_ids_in(Case, "id", _touching(period)))
    if case_filter is not None:
        cases = cases.filter(case_filter)
    info = {row[0]: row[1:] for row in cases.values_list("id", "area_code", "registered_by_id", "rating")}
    if not info:
        return []
    # Per-period cache: the history is append-only, so the cases' rows and the number and newest id
    # of their events name the result exactly; a new event on any of them makes a new key.
    from django.core.cache import cache

    stamp = (CaseEvent.objects.filter(_ids_in(CaseEvent, "case_id", list(info))).order_by()
             .aggregate(n=Count("id"), last=Max("id"), at=Max("at")))
    key = "cases:assignments:" + hashlib.sha256(repr((period.start, period.end, sorted(info.items()),
                                                          stamp)).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _replay(period, info)
        cache.set(key, found, ASSIGNMENTS_CACHE_SECONDS)
    return found


ASSIGNMENTS_CACHE_SECONDS = 3600


def _ids_in(model, column: str, ids: list[int]):
    """``column IN ids``; on PostgreSQL as one array parameter (``= ANY(%s)``): binding a thousand
    parameters one by one costs more than the query."""
    if connection.vendor != "postgresql":
        return Q(**{f"{column}__in": ids})
    return RawSQL(f'"{model._meta.db_table}"."{column}" = ANY(%s)', (list(ids),), output_field=BooleanField())


def _replay(period: Period, info: dict) -> list[Assignment]:
    """Replay the events of the cases in ``info`` (id → area code, registered by, rating)."""
    if connection.vendor == "postgresql":
        return _replay_sql(period, info)
    return _replay_python(period, info)


def _replay_python(period: Period, info: dict) -> list[Assignment]:
    events = defaultdict(list)
    # Only the events the replay looks at: those that end, mark or move an assignment, in order.
    rows = (CaseEvent.objects.filter(case_id__in=list(info))
            .filter(Q(kind__in=_REPLAYED) | Q(deadline__isnull=False)).order_by("case_id", "at", "id")
            .values_list("case_id", "kind", "at", "unit_id", "deadline", "to_status"))
    window_start, window_end = period.start - LOOKBACK, period.end
    for row in rows:
        events[row[0]].append(row[1:])
    out = []
    for case_id, history in events.items():
        if not any(kind == CaseEvent.Kind.DISPATCHED and window_start <= at < window_end
                   for kind, at, *_rest in history):
            continue
        area_code, registered_by, rating = info[case_id]
        current = None
        for kind, at, unit_id, deadline, to_status in history:
            ends = kind in _ENDS or (kind == CaseEvent.Kind.OVERDUE and to_status == Case.Status.REGISTERED)
            if current is not None:
                if deadline is not None and not ends or kind == CaseEvent.Kind.CLOSED:
                    current["deadline"] = deadline or current["deadline"]
                current["reworked"] |= kind == CaseEvent.Kind.REWORK
                current["extended"] |= kind == CaseEvent.Kind.EXTENSION_GRANTED
                if ends:
                    current["end_kind"] = kind
                    if kind == CaseEvent.Kind.CLOSED:
                        current["closed_at"], current["rating"] = at, rating
                    out.append(current)
                    current = None
            if kind == CaseEvent.Kind.DISPATCHED:
                current = {"case_id": case_id, "unit_id": unit_id, "area_code": area_code,
                           "registered_by_id": registered_by, "dispatched_at": at, "deadline": deadline,
                           "end_kind": "", "closed_at": None, "reworked": False, "extended": False, "rating": None}
        if current is not None:
            out.append(current)
    out = [a for a in (Assignment(**a) for a in out) if a.is_due(period)]
    for a in out:
        a.hours = handling_hours(a.dispatched_at, a.closed_at) if a.closed_in(period) else None
    return out


# The same replay in one statement on PostgreSQL (a city's month: ~12,000 cases, ~120,000 events,
# which the Python replay fetched and walked in ~0.6 s): ``seg`` numbers a case's dispatches (a row
# belongs to the assignment of the last dispatch before it), ``before`` counts the ending events of
# the segment before a row (0: the dispatch itself; 1: the rows of the assignment, its ending event
# included; more: after it ended). Per segment: the dispatch's unit and time, the last deadline of
# the dispatch or a non-ending row (a closing one included), the ending event's kind and time, and
# whether a rework or a granted extension came between — or, with no ending event, "dispatched"
# when a later dispatch ended it. Only the due ones come back, times as integer microseconds.
_REPLAY_SQL = """
WITH ev AS (
  SELECT case_id, id, kind, at, unit_id, deadline,
         (kind = ANY(%(ends)s) OR (kind = %(overdue)s AND to_status = %(registered)s)) AS ends,
         count(*) FILTER (WHERE kind = %(dispatched)s) OVER (PARTITION BY case_id ORDER BY at, id
                                                            ROWS UNBOUNDED PRECEDING) AS seg,
         bool_or(kind = %(dispatched)s AND at >= %(window_start)s AND at < %(end)s)
           OVER (PARTITION BY case_id) AS looked_at
  FROM {table}
  WHERE case_id = ANY(%(ids)s) AND (kind = ANY(%(kinds)s) OR deadline IS NOT NULL)
), s AS (
  SELECT *, count(*) FILTER (WHERE ends) OVER (PARTITION BY case_id, seg ORDER BY at, id
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
         max(seg) OVER (PARTITION BY case_id) AS last_seg
  FROM ev WHERE seg > 0 AND looked_at
), a AS (
  SELECT case_id, seg, max(last_seg) AS last_seg,
         max(unit_id) FILTER (WHERE before = 0) AS unit_id,
         min(at) FILTER (WHERE before = 0) AS dispatched_at,
         (array_agg(deadline ORDER BY at DESC, id DESC) FILTER (
            WHERE deadline IS NOT NULL AND (before = 0 OR NOT ends OR kind = %(closed)s)))[1] AS deadline,
         max(kind) FILTER (WHERE before = 1 AND ends) AS end_kind,
         max(at) FILTER (WHERE before = 1 AND ends AND kind = %(closed)s) AS closed_at,
         coalesce(bool_or(kind = %(rework)s), false) AS reworked,
         coalesce(bool_or(kind = %(extended)s), false) AS extended
  FROM s WHERE before <= 1 GROUP BY case_id, seg
)
SELECT case_id, unit_id, (EXTRACT(EPOCH FROM dispatched_at) * 1000000)::bigint,
       (EXTRACT(EPOCH FROM deadline) * 1000000)::bigint,
       coalesce(end_kind, CASE WHEN seg < last_seg THEN %(dispatched)s ELSE '' END),
       (EXTRACT(EPOCH FROM closed_at) * 1000000)::bigint, reworked, extended
FROM a
WHERE (closed_at >= %(start)s AND closed_at < %(end)s)
   OR ((closed_at IS NULL OR closed_at >= %(start)s) AND deadline >= %(start)s AND deadline < %(end)s)
ORDER BY case_id, seg
"""


def _replay_sql(period: Period, info: dict) -> list[Assignment]:
    K = CaseEvent.Kind
    with connection.cursor() as cursor:
        cursor.execute(_REPLAY_SQL.format(table=CaseEvent._meta.db_table), {
            "ids": list(info), "kinds": [str(k) for k in _REPLAYED], "ends": [str(k) for k in _ENDS],
            "overdue": str(K.OVERDUE), "registered": str(Case.Status.REGISTERED), "dispatched": str(K.DISPATCHED),
            "closed": str(K.CLOSED), "rework": str(K.REWORK), "extended": str(K.EXTENSION_GRANTED),
            "window_start": period.start - LOOKBACK, "start": period.start, "end": period.end})
        rows = cursor.fetchall()
    clock = workcalendar.default_calendar().clock()
    end = _micros(period.end)
    out = []
    for case_id, unit_id, dispatched, deadline, end_kind, closed, reworked, extended in rows:
        area_code, registered_by, rating = info[case_id]
        hours = (clock(closed) - clock(dispatched)) / 3_600_000_000 if closed is not None and closed < end else None
        out.append(Assignment(case_id=case_id, unit_id=unit_id, area_code=area_code, registered_by_id=registered_by,
                              dispatched_at=_from_micros(dispatched), deadline=_from_micros(deadline),
                              end_kind=end_kind, closed_at=_from_micros(closed), reworked=reworked,
                              extended=extended, rating=rating if closed is not None else None, hours=hours))
    return out


@dataclass
class Base:
    """What every table of one evaluation counts from, read once per request: the assignments due
    in the period with their handling hours, the dispatches and send-backs in it, and the area
    codes of the cases reported in it."""

    period: Period
    prefixes: tuple | None
    assigned: list[tuple[Assignment, float | None]]
    events: list[dict]
    reported: list[str]


def base(period: Period, prefixes=None) -> Base:
    assigned = [(a, a.hours) for a in assignments(period, prefixes)]
    events = list(CaseEvent.objects.filter(_prefix_q(prefixes), kind__in=[CaseEvent.Kind.DISPATCHED,
                                                                          CaseEvent.Kind.SENT_BACK],
                                           at__gte=period.start, at__lt=period.end)
                  .order_by().values("kind", "unit_id", "area_code"))
    reported = list(Case.objects.filter(_prefix_q(prefixes), reported_at__gte=period.start,
                                        reported_at__lt=period.end).order_by().values_list("area_code", flat=True))
    return Base(period, prefixes, assigned, events, reported)


def due_cases(period: Period, prefixes=None):
    """The cases with a lead assignment due in the period."""
    return Case.objects.filter(pk__in={a.case_id for a in assignments(period, prefixes)})


def handling_hours(dispatched_at, closed_at) -> float | None:
    if dispatched_at is None or closed_at is None:
        return None
    return workcalendar.working_time_between(dispatched_at, closed_at).total_seconds() / 3600


def _figures_by(data: Base, key_of_case, key_of_event) -> dict:
    """CaseFigures per key; ``key_of_case(assignment)`` / ``key_of_event(row)`` give the keys a row
    counts for (an iterable: a case counts for its street, its community and its grid)."""
    out: dict = defaultdict(CaseFigures)
    for a, hours in data.assigned:
        for key in key_of_case(a):
            out[key].add(a, data.period, hours)
    for ev in data.events:
        for key in key_of_event(ev):
            fig = out[key]
            if ev["kind"] == CaseEvent.Kind.DISPATCHED:
                fig.dispatches += 1
            else:
                fig.sent_back += 1
    return out


def totals(period: Period, prefixes=None, *, data: Base | None = None) -> CaseFigures:
    data = data or base(period, prefixes)
    fig = _figures_by(data, lambda r: ["all"], lambda e: ["all"]).get("all", CaseFigures())
    fig.reported = len(data.reported)
    return fig


# --- scores ----------------------------------------------------------------------------------
weighted_score = indicators.weighted_score


def grade_bands() -> list[tuple[float, str]]:
    """(lowest score, grade), best first, from ``GradeBand`` (the seeded bands if it is empty)."""
    from ..models import GradeBand

    bands = [(float(b.lowest), b.letter) for b in GradeBand.objects.order_by("-lowest")]
    return bands or [(float(lowest), letter) for lowest, letter in GRADES]


def grade(score: float | None, bands: list[tuple[float, str]] | None = None) -> str:
    return indicators.grade(score, bands if bands is not None else grade_bands())


def score_rules(post: str) -> list[tuple[str, float, bool]]:
    return [(r.indicator, float(r.weight), r.invert) for r in ScoreRule.objects.filter(post=post)]


@dataclass
class Row:
    """One line of a table: who or what, its figures, the indicator values, a score and grade."""

    key: str
    name: str
    kind: str = ""
    kind_label: str = ""
    figures: CaseFigures | None = None
    values: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    score: float | None = None
    grade: str = ""

    def as_dict(self) -> dict:
        out = {"key": self.key, "name": self.name, "kind": self.kind, "kind_label": self.kind_label, "score": self.score, "grade": self.grade}
        if self.figures is not None:
            out.update(self.figures.as_dict())
        out.update({k: None if v is None else round(v, 4) for k, v in self.values.items()})
        out.update(self.counts)
        return out


def by_unit(period: Period, prefixes=None, *, data: Base | None = None) -> list[Row]:
    """Lead units (主办单位) with cases due or dispatches in the period, with the unit score."""
    figures = _figures_by(data or base(period, prefixes), lambda a: [a.unit_id],
                          lambda e: [e["unit_id"]] if e["unit_id"] else [])
    units = OrgUnit.objects.filter(pk__in=[k for k in figures if k]).order_by("area_code", "code")
    rules, bands = score_rules(ScoreRule.Post.UNIT), grade_bands()
    labels = {kind: str(label) for kind, label in OrgUnit.Kind.choices}
    rows = []
    for unit in units:
        fig = figures[unit.pk]
        values = {k: getattr(fig, k) for k, _w, _i in rules}
        score = weighted_score(values, rules)
        rows.append(Row(key=unit.code, name=unit.name, kind=unit.kind, kind_label=labels.get(unit.kind, unit.kind), figures=fig, score=score,
                        grade=grade(score, bands)))
    rows.sort(key=lambda r: (-(r.score if r.score is not None else -1), r.key))
    return rows


def by_area(period: Period, prefixes=None, *, levels=("street", "community"), data: Base | None = None) -> list[Row]:
    """Streets and communities (or grids) inside the prefixes: the figures of the cases located there."""
    lengths = {"district": 6, "street": 9, "community": 12, "grid": 15}
    wanted = [lengths[lv] for lv in levels]
    data = data or base(period, prefixes)
    figures = _figures_by(data, lambda a: [a.area_code[:n] for n in wanted],
                          lambda e: [e["area_code"][:n] for n in wanted])
    reported = defaultdict(int)
    for code in data.reported:
        for n in wanted:
            reported[code[:n]] += 1
    areas = Area.objects.filter(_prefix_q(prefixes, "code"), level__in=levels).order_by("code").values_list(
        "code", "name", "level")
    # The level's label once per level: get_level_display() hashes every choice's lazy label per row.
    labels = {level: str(label) for level, label in Area.Level.choices}
    rows = []
    for code, name, level in areas:
        fig = figures.get(code, CaseFigures())
        fig.reported = reported.get(code, 0)
        rows.append(Row(key=code, name=name, kind=level, kind_label=labels.get(level, level), figures=fig))
    return rows


