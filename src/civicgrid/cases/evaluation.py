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
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from civicgrid.accounts.models import Membership, OrgUnit
from civicgrid.accounts.roles import Role
from civicgrid.areas.models import Area
from civicgrid.core import workcalendar
from civicgrid.core.errors import UserError

from . import sla
from .catalogue import GRADES, ensure_catalogue
from .models import Case, CaseClass, CaseEvent, CaseTask, ScoreRule

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


# --- periods -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; ``kind`` month, quarter or custom; ``key`` as in the query string."""

    start: dt.datetime
    end: dt.datetime
    kind: str
    key: str
    label: str

    @property
    def last_day(self) -> dt.date:
        return (timezone.localtime(self.end, _tz()) - dt.timedelta(days=1)).date()

    @property
    def first_day(self) -> dt.date:
        return timezone.localtime(self.start, _tz()).date()


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=_tz()).astimezone(dt.UTC)


def month_period(year: int, month: int) -> Period:
    first = dt.date(year, month, 1)
    after = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(_midnight(first), _midnight(after), "month", f"{year:04d}-{month:02d}",
                  _("%(y)s-%(m)s") % {"y": year, "m": month})


def quarter_period(year: int, quarter: int) -> Period:
    first = dt.date(year, 3 * quarter - 2, 1)
    after = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return Period(_midnight(first), _midnight(after), "quarter", f"{year:04d}-Q{quarter}",
                  _("%(y)s Q%(q)s") % {"y": year, "q": quarter})


def custom_period(first: dt.date, last: dt.date) -> Period:
    """From ``first`` to ``last``, both days included."""
    return Period(_midnight(first), _midnight(last + dt.timedelta(days=1)), "custom",
                  f"{first.isoformat()}..{last.isoformat()}", f"{first.isoformat()} – {last.isoformat()}")


def last_full_month(now: dt.datetime | None = None) -> Period:
    today = timezone.localtime(now or timezone.now(), _tz()).date()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return month_period(first.year, first.month)


def parse_period(params) -> Period:
    """A period from ``period`` (month|quarter|custom) with ``month=YYYY-MM``, ``quarter=YYYY-Qn``
    or ``start``/``end`` (YYYY-MM-DD, both days included); by default the last full month."""
    kind = (params.get("period") or "").strip()
    try:
        if kind in ("", "month") and params.get("month"):
            year, month = str(params["month"]).strip().split("-")
            return month_period(int(year), int(month))
        if kind == "month" or kind == "":
            return last_full_month()
        if kind == "quarter":
            text = str(params.get("quarter") or "").strip().upper()
            if not text:
                last = last_full_month()
                text = f"{last.first_day.year}-Q{(last.first_day.month - 1) // 3 + 1}"
            year, q = text.split("-Q")
            if not 1 <= int(q) <= 4:
                raise ValueError
            return quarter_period(int(year), int(q))
    except (ValueError, TypeError):
        name = "quarter" if kind == "quarter" else "month"
        raise UserError(_("%(field)s: give the period as YYYY-MM or YYYY-Qn.") % {"field": name}, field=name)
    if kind != "custom":
        raise UserError(_("period: choose month, quarter or custom."), field="period")
    days = {}
    for name in ("start", "end"):
        try:
            days[name] = dt.date.fromisoformat(str(params.get(name) or "").strip())
        except ValueError:
            raise UserError(_("%(field)s: give a date as YYYY-MM-DD.") % {"field": name}, field=name)
    if days["end"] < days["start"]:
        raise UserError(_("end: the last day comes on or after the first."), field="end")
    if (days["end"] - days["start"]).days > 731:
        raise UserError(_("end: a period spans at most two years."), field="end")
    return custom_period(days["start"], days["end"])


# --- figures --------------------------------------------------------------------------------------
def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


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
LOOKBACK = dt.timedelta(days=400)  # dispatches older than this before the period are not looked at


def assignments(period: Period, prefixes=None, *, case_filter: Q | None = None) -> list[Assignment]:
    """Lead assignments due in the period (see ``Assignment.is_due``) of cases inside the prefixes."""
    cases = Case.objects.filter(_prefix_q(prefixes)).filter(pk__in=CaseEvent.objects.filter(
        kind=CaseEvent.Kind.DISPATCHED, at__lt=period.end, at__gte=period.start - LOOKBACK).values("case_id"))
    if case_filter is not None:
        cases = cases.filter(case_filter)
    info = {row[0]: row[1:] for row in cases.values_list("id", "area_code", "registered_by_id", "rating")}
    events = defaultdict(list)
    # The ids already read, not a nested subquery: PostgreSQL's generic plan for IN (… IN (…))
    # can turn into a nested loop over every event.
    for row in (CaseEvent.objects.filter(case_id__in=list(info))
                .values_list("case_id", "kind", "at", "unit_id", "deadline", "to_status").order_by("case_id", "at", "id")):
        events[row[0]].append(row[1:])
    out = []
    for case_id, history in events.items():
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
                    out.append(Assignment(**current))
                    current = None
            if kind == CaseEvent.Kind.DISPATCHED:
                current = {"case_id": case_id, "unit_id": unit_id, "area_code": area_code,
                           "registered_by_id": registered_by, "dispatched_at": at, "deadline": deadline,
                           "end_kind": "", "closed_at": None, "reworked": False, "extended": False, "rating": None}
        if current is not None:
            out.append(Assignment(**current))
    return [a for a in out if a.is_due(period)]


def due_cases(period: Period, prefixes=None):
    """The cases with a lead assignment due in the period."""
    return Case.objects.filter(pk__in={a.case_id for a in assignments(period, prefixes)})


def handling_hours(dispatched_at, closed_at) -> float | None:
    if dispatched_at is None or closed_at is None:
        return None
    return workcalendar.working_time_between(dispatched_at, closed_at).total_seconds() / 3600


def _figures_by(period: Period, prefixes, key_of_case, key_of_event) -> dict:
    """CaseFigures per key; ``key_of_case(assignment)`` / ``key_of_event(row)`` give the keys a row
    counts for (an iterable: a case counts for its street, its community and its grid)."""
    out: dict = defaultdict(CaseFigures)
    for a in assignments(period, prefixes):
        hours = handling_hours(a.dispatched_at, a.closed_at) if a.closed_in(period) else None
        for key in key_of_case(a):
            out[key].add(a, period, hours)
    events = CaseEvent.objects.filter(_prefix_q(prefixes), kind__in=[CaseEvent.Kind.DISPATCHED,
                                                                     CaseEvent.Kind.SENT_BACK],
                                      at__gte=period.start, at__lt=period.end).values("kind", "unit_id", "area_code")
    for ev in events:
        for key in key_of_event(ev):
            fig = out[key]
            if ev["kind"] == CaseEvent.Kind.DISPATCHED:
                fig.dispatches += 1
            else:
                fig.sent_back += 1
    return out


def totals(period: Period, prefixes=None) -> CaseFigures:
    fig = _figures_by(period, prefixes, lambda r: ["all"], lambda e: ["all"]).get("all", CaseFigures())
    fig.reported = Case.objects.filter(_prefix_q(prefixes), reported_at__gte=period.start,
                                       reported_at__lt=period.end).count()
    return fig


def weighted_score(values: dict, rules) -> float | None:
    """Σ weight × value (or 1 − value where inverted) over the indicators with data, as 0–100."""
    total = weight_sum = 0.0
    for indicator, weight, invert in rules:
        value = values.get(indicator)
        if value is None:
            continue
        weight = float(weight)
        total += weight * ((1 - value) if invert else value)
        weight_sum += weight
    return round(100 * total / weight_sum, 2) if weight_sum else None


def grade_bands() -> list[tuple[float, str]]:
    """(lowest score, grade), best first, from ``GradeBand`` (the seeded bands if it is empty)."""
    from .models import GradeBand

    bands = [(float(b.lowest), b.letter) for b in GradeBand.objects.order_by("-lowest")]
    return bands or [(float(lowest), letter) for lowest, letter in GRADES]


def grade(score: float | None, bands: list[tuple[float, str]] | None = None) -> str:
    if score is None:
        return ""
    bands = bands if bands is not None else grade_bands()
    for lowest, letter in bands:
        if score >= lowest:
            return letter
    return bands[-1][1]


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


def by_unit(period: Period, prefixes=None) -> list[Row]:
    """Lead units (主办单位) with cases due or dispatches in the period, with the unit score."""
    figures = _figures_by(period, prefixes, lambda a: [a.unit_id],
                          lambda e: [e["unit_id"]] if e["unit_id"] else [])
    units = OrgUnit.objects.filter(pk__in=[k for k in figures if k]).order_by("area_code", "code")
    rules, bands = score_rules(ScoreRule.Post.UNIT), grade_bands()
    rows = []
    for unit in units:
        fig = figures[unit.pk]
        values = {k: getattr(fig, k) for k, _w, _i in rules}
        score = weighted_score(values, rules)
        rows.append(Row(key=unit.code, name=unit.name, kind=unit.kind, kind_label=unit.get_kind_display(), figures=fig, score=score,
                        grade=grade(score, bands)))
    rows.sort(key=lambda r: (-(r.score if r.score is not None else -1), r.key))
    return rows


def by_area(period: Period, prefixes=None, *, levels=("street", "community")) -> list[Row]:
    """Streets and communities (or grids) inside the prefixes: the figures of the cases located there."""
    lengths = {"street": 9, "community": 12, "grid": 15}
    wanted = [lengths[lv] for lv in levels]
    figures = _figures_by(period, prefixes, lambda a: [a.area_code[:n] for n in wanted],
                          lambda e: [e["area_code"][:n] for n in wanted])
    reported = defaultdict(int)
    for code in Case.objects.filter(_prefix_q(prefixes), reported_at__gte=period.start,
                                    reported_at__lt=period.end).values_list("area_code", flat=True):
        for n in wanted:
            reported[code[:n]] += 1
    areas = Area.objects.filter(_prefix_q(prefixes, "code"), level__in=levels).order_by("code")
    rows = []
    for area in areas:
        fig = figures.get(area.code, CaseFigures())
        fig.reported = reported.get(area.code, 0)
        rows.append(Row(key=area.code, name=area.name, kind=area.level, kind_label=area.get_level_display(), figures=fig))
    return rows


# --- posts ----------------------------------------------------------------------------------------
def score_rules(post: str) -> list[tuple[str, float, bool]]:
    ensure_catalogue()
    return [(r.indicator, float(r.weight), r.invert) for r in ScoreRule.objects.filter(post=post)]


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


def _task_rates(kind: str, period: Period, user, codes) -> tuple[int, int]:
    """Tasks of ``kind`` due in the period that were the supervisor's: done by them, or still open
    in their area. On time: done by them by the due time."""
    area_q = Q()
    for code in codes:
        area_q |= Q(area_code__startswith=code)
    qs = (CaseTask.objects.filter(kind=kind, due_at__gte=period.start, due_at__lt=period.end)
          .exclude(outcome=CaseTask.Outcome.CANCELLED)
          .filter(Q(done_by=user) | (Q(done_by__isnull=True) & area_q)))
    den = on_time = 0
    for done_by, done_at, due_at in qs.values_list("done_by_id", "done_at", "due_at"):
        den += 1
        on_time += done_by == user.pk and done_at is not None and done_at <= due_at
    return on_time, den


def supervisors(period: Period, prefixes=None) -> list[Row]:
    """监督员: valid reports ×40 % + (1 − missed) ×20 % + on-time confirmations ×20 % + checks ×20 %."""
    rules, bands = score_rules(ScoreRule.Post.SUPERVISOR), grade_bands()
    rows = []
    for user, codes, _unit in _people(Role.SUPERVISOR, prefixes).values():
        in_period = Q(reported_at__gte=period.start, reported_at__lt=period.end)
        reports = Case.objects.filter(in_period, channel=Case.Channel.PATROL, reporter=user)
        n_reports = reports.count()
        valid = reports.filter(registered_at__isnull=False).count()
        missed = Case.objects.filter(in_period, _prefix_q(codes), channel__in=OUTSIDE_CHANNELS,
                                     cls__kind__in=PATROL_KINDS, registered_at__isnull=False).count()
        confirm_ok, confirm_n = _task_rates(CaseTask.Kind.CONFIRM, period, user, codes)
        check_ok, check_n = _task_rates(CaseTask.Kind.CHECK, period, user, codes)
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


def shift_leaders(period: Period, prefixes=None) -> list[Row]:
    """值班长: on-time registrations ×25 % + accurate registrations ×40 % + on-time closing ×35 %."""
    rules, bands = score_rules(ScoreRule.Post.SHIFT_LEADER), grade_bands()
    limit_hours = sla.step_minutes("register") / 60
    rows = []
    for user, _codes, _unit in _people(Role.SHIFT_LEADER, prefixes).values():
        registered = Case.objects.filter(registered_by=user, registered_at__gte=period.start,
                                         registered_at__lt=period.end)
        reclass_after = defaultdict(list)
        for case_id, at in CaseEvent.objects.filter(case__in=registered, kind=CaseEvent.Kind.RECLASSIFIED) \
                .values_list("case_id", "at"):
            reclass_after[case_id].append(at)
        n = on_time = accurate = 0
        for pk, reported_at, registered_at, status, reclassified in registered.values_list(
                "pk", "reported_at", "registered_at", "status", "reclassified"):
            n += 1
            on_time += registered_at <= workcalendar.add_working_time(reported_at, hours=limit_hours)
            corrected = reclassified or any(at > registered_at for at in reclass_after.get(pk, ()))
            accurate += status not in NOT_DUE and not corrected
        due = closed_ok = 0
        for a in assignments(period, case_filter=Q(registered_by=user)):
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
    mine = list(CaseEvent.objects.filter(kind=CaseEvent.Kind.DISPATCHED, actor_id__in=user_ids,
                                         at__gte=period.start, at__lt=period.end)
                .values_list("id", "case_id", "actor_id", "at"))
    case_ids = {c for _i, c, _a, _t in mine}
    history = defaultdict(list)
    for row in CaseEvent.objects.filter(case_id__in=case_ids).filter(
            Q(to_status=Case.Status.REGISTERED) | Q(kind__in=[CaseEvent.Kind.DISPATCHED, CaseEvent.Kind.SENT_BACK])
    ).values_list("case_id", "id", "at", "kind", "to_status").order_by("case_id", "at", "id"):
        history[row[0]].append(row[1:])
    stats = {uid: {"dispatches": 0, "on_time": 0, "accurate": 0} for uid in user_ids}
    for event_id, case_id, actor_id, at in mine:
        events = history[case_id]
        ready = [t for i, t, kind, to in events if to == Case.Status.REGISTERED and (t, i) < (at, event_id)]
        after = [kind for i, t, kind, to in events if kind in (CaseEvent.Kind.DISPATCHED, CaseEvent.Kind.SENT_BACK)
                 and (t, i) > (at, event_id)]
        s = stats[actor_id]
        s["dispatches"] += 1
        if ready and at <= workcalendar.add_working_time(max(ready), hours=limit_hours):
            s["on_time"] += 1
        if not after or after[0] != CaseEvent.Kind.SENT_BACK:
            s["accurate"] += 1
    return stats


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


def by_post(period: Period, prefixes=None) -> list[Row]:
    return supervisors(period, prefixes) + shift_leaders(period, prefixes) + dispatchers(period, prefixes)


@dataclass
class Evaluation:
    period: Period
    totals: CaseFigures
    units: list[Row]
    areas: list[Row]
    posts: list[Row]

    def as_dict(self) -> dict:
        return {
            "period": {"kind": self.period.kind, "key": self.period.key, "start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat()},
            "totals": self.totals.as_dict(),
            "units": [r.as_dict() for r in self.units],
            "areas": [r.as_dict() for r in self.areas],
            "posts": [r.as_dict() for r in self.posts],
        }


def evaluate(period: Period, prefixes=None) -> Evaluation:
    """Everything of the page: streets and communities, or communities and grids inside a community."""
    levels = ("community", "grid") if prefixes and all(len(p) >= 12 for p in prefixes) else ("street", "community")
    return Evaluation(period, totals(period, prefixes), by_unit(period, prefixes),
                      by_area(period, prefixes, levels=levels), by_post(period, prefixes))


# --- public scoreboard ----------------------------------------------------------------------------
PUBLIC_UNIT_KINDS = (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.STREET_OFFICE)


def public_scores(period: Period) -> dict:
    """What the public scoreboard shows (定期发布): per street the case counts, closing rates and
    satisfaction; per department and street office its figures and unit score. No people.
    Cached (anyone may ask): the key holds the newest case event, so any change shows at once."""
    from django.core.cache import cache
    from django.db.models import Max
    from django.utils.translation import get_language

    newest = CaseEvent.objects.aggregate(n=Max("id"), at=Max("at"))
    key = (f"cases:public-scores:{period.key}:{get_language()}:{newest['n']}:{newest['at']}:"
           f"{Case.objects.count()}").replace(" ", "_")
    found = cache.get(key)
    if found is None:
        found = _public_scores(period)
        cache.set(key, found, 600)
    return found


def _public_scores(period: Period) -> dict:
    streets = by_area(period, None, levels=("street",))
    units = [r for r in by_unit(period, None) if r.kind in PUBLIC_UNIT_KINDS]
    return {"period": period, "streets": streets, "units": units, "totals": totals(period, None)}


# --- who sees what --------------------------------------------------------------------------------
def scope_for(user, area: str = "") -> tuple[str, ...] | None:
    """The area prefixes ``user`` evaluates (``cases.evaluate``: district and street administrators,
    the centre's shift leaders), optionally narrowed to ``area`` inside them. No capability → 403;
    an area outside the jurisdiction (or not there) → 404, audited, like any other object."""
    from django.http import Http404

    from civicgrid.accounts.roles import CASES_EVALUATE
    from civicgrid.core.access import require_capability
    from civicgrid.core.scoping import scope_codes

    if not getattr(user, "is_superuser", False):
        require_capability(user, CASES_EVALUATE)
    prefixes = None if getattr(user, "is_superuser", False) else scope_codes(user, CASES_EVALUATE)
    area = (area or "").strip()
    if not area:
        return prefixes
    if not area.isdigit() or len(area) not in (6, 9, 12, 15) or not _in(area, prefixes) \
            or not Area.objects.filter(code=area).exists():
        from civicgrid.core import audit

        audit.record("access.denied", actor=user, object_type="areas.area", object_repr=area[:15], outcome="denied")
        raise Http404
    return (area,)


# --- tables for pages and exports -----------------------------------------------------------------
CASE_COLUMNS = [  # (key, label, kind) of a CaseFigures row
    ("reported", pgettext_lazy("count", "reported"), "n"), ("due", pgettext_lazy("count", "due"), "n"),
    ("closed", pgettext_lazy("count", "closed"), "n"), ("closing_rate", INDICATORS["closing_rate"], "%"),
    ("on_time_rate", INDICATORS["on_time_rate"], "%"), ("rework_rate", INDICATORS["rework_rate"], "%"),
    ("extension_rate", INDICATORS["extension_rate"], "%"), ("sendback_rate", INDICATORS["sendback_rate"], "%"),
    ("satisfaction_rate", INDICATORS["satisfaction_rate"], "%"),
    ("satisfaction_score", gettext_lazy("satisfaction score"), "1"),
    ("mean_handling_hours", gettext_lazy("mean handling time (working hours)"), "1"),
]


def fmt(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "%":
        return f"{100 * value:.1f}%"
    if kind == "1":
        return f"{value:.1f}"
    return str(value)


def formula(post: str, rules: list[tuple[str, float, bool]] | None = None) -> str:
    """A score's definition in words, from its rules (read if not given): "按期结案率 × 40% + … +
    (1 − 返工率) × 20%"."""
    parts = []
    for indicator, weight, invert in score_rules(post) if rules is None else rules:
        label = str(INDICATORS.get(indicator, indicator))
        parts.append(f"{'(1 − ' + label + ')' if invert else label} × {weight:g}%")
    return " + ".join(parts)


def post_tables(rows: list[Row]) -> list[dict]:
    """The post rows grouped by post, with the post's indicator columns in the ScoreRule order."""
    out = []
    for post in POSTS:
        rules = score_rules(post)
        mine = sorted((r for r in rows if r.kind == post), key=lambda r: (-(r.score or -1), r.key))
        out.append({
            "post": post.value, "label": post.label,
            "columns": [{"key": i, "label": INDICATORS.get(i, i), "weight": f"{w:g}", "invert": inv}
                        for i, w, inv in rules],
            "rows": [{"key": r.key, "name": r.name, "score": fmt(r.score, "1"), "grade": r.grade,
                      "cells": [fmt(r.values.get(i), "%") for i, _w, _inv in rules]} for r in mine],
        })
    return out


def export_xlsx(result: Evaluation, *, title: str) -> bytes:
    """The evaluation as a workbook (openpyxl write-only): summary, units, areas, posts."""
    import io

    from civicgrid.core.spreadsheet import workbook

    wb = workbook()  # cells spreadsheet-safe: unit and post names are typed by people
    head = [str(label) for _k, label, _kind in CASE_COLUMNS]

    def value(fig: CaseFigures, key: str, kind: str):
        v = getattr(fig, key)
        return None if v is None else (round(100 * v, 2) if kind == "%" else round(v, 2) if kind == "1" else v)

    ws = wb.create_sheet(str(_("Summary")))
    ws.append([title, result.period.label])
    ws.append([str(_("from")), result.period.first_day.isoformat(), str(_("to")), result.period.last_day.isoformat()])
    ws.append(head)
    ws.append([value(result.totals, k, kind) for k, _l, kind in CASE_COLUMNS])
    ws = wb.create_sheet(str(_("Units")))
    ws.append([str(_("code")), str(_("unit")), str(_("kind")), *head, str(_("score")), str(_("grade"))])
    for r in result.units:
        ws.append([r.key, r.name, r.kind_label, *[value(r.figures, k, kind) for k, _l, kind in CASE_COLUMNS],
                   r.score, r.grade])
    ws = wb.create_sheet(str(_("Areas")))
    ws.append([str(_("code")), str(_("area")), str(_("level")), *head])
    for r in result.areas:
        ws.append([r.key, r.name, r.kind_label, *[value(r.figures, k, kind) for k, _l, kind in CASE_COLUMNS]])
    ws = wb.create_sheet(str(_("Posts")))
    for table in post_tables(result.posts):
        ws.append([str(table["label"])])
        ws.append([str(_("account")), str(_("name")),
                   *[f"{c['label']} ×{c['weight']}%" + (f" ({_('inverted')})" if c["invert"] else "")
                     for c in table["columns"]], str(_("score")), str(_("grade"))])
        for r in table["rows"]:
            ws.append([r["key"], r["name"], *r["cells"], r["score"], r["grade"]])
        ws.append([])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
