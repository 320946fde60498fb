"""The cases' indicators for the dashboards (``stats``), per grid and period (defined in
``docs/stats.md``; the unit and post evaluation of ``evaluation/`` counts assignments instead):

* 结案率 closing rate: cases dispatched in the period (not invalid, not merged) that were closed
  before the period's end ÷ those dispatched;
* 按期结案率 on-time closing rate: of the same, closed by their deadline before the period's end;
* 返工率 rework rate: cases closed in the period that were sent back for rework at least once ÷
  cases closed in the period;
* 满意率 satisfaction: rated cases closed in the period rated 1–3 (非常满意、满意、基本满意) ÷ rated
  cases closed in the period;
* cases reported in the period (a count).

A case is counted in the periods holding its report, dispatch and closing times; a step moves
those times or its status, rating or rework count, and appends an event at the step's time. So
the periods a change of some cases can move are those holding their current times or the times of
their events (``changed_times``, for the incremental refresh).
"""

from __future__ import annotations

from django.db.models import Count, Q

from civicgrid.core import plugins

from .models import Case, CaseEvent

NOT_DUE = (Case.Status.INVALID, Case.Status.DUPLICATE)


def _located(prefix: str, codes):
    """Cases under ``prefix`` — only those located in ``codes`` when given (the incremental
    refresh's touched grids: a case's area code is its grid's)."""
    qs = Case.objects.filter(area_code__startswith=prefix)
    return qs if codes is None else qs.filter(area_code__in=sorted(c for c in codes if c.startswith(prefix)))


def _dispatched(prefix: str, period, codes=None):
    return _located(prefix, codes).filter(dispatched_at__gte=period.start,
                                          dispatched_at__lt=period.end).exclude(status__in=NOT_DUE)


def _closed(prefix: str, period, codes=None):
    return _located(prefix, codes).filter(status=Case.Status.CLOSED, closed_at__gte=period.start,
                                          closed_at__lt=period.end)


def _dispatched_counts(prefix: str, period, codes) -> dict:
    """{grid: (closed before the period's end, of those closed on time, dispatched)} — one query
    shared by the closing and on-time rates within a refresh of the period (``plugins.shared``)."""
    def count():
        rows = _dispatched(prefix, period, codes).values("area_code").annotate(
            d=Count("id"), closed=Count("id", filter=Q(status=Case.Status.CLOSED, closed_at__lt=period.end)),
            on_time=Count("id", filter=Q(status=Case.Status.CLOSED, closed_at__lt=period.end, closed_on_time=True)))
        return {r["area_code"]: (float(r["closed"]), float(r["on_time"]), float(r["d"])) for r in rows if r["area_code"]}

    return plugins.shared(("cases.dispatched", prefix, period.code, _key(codes)), count)


def _closed_counts(prefix: str, period, codes) -> dict:
    """{grid: (reworked, rated 1–3, rated, closed)} of the cases closed in the period — one query
    shared by the rework and satisfaction rates."""
    def count():
        rows = _closed(prefix, period, codes).values("area_code").annotate(
            d=Count("id"), reworked=Count("id", filter=Q(rework_count__gt=0)),
            rated=Count("id", filter=Q(rating__isnull=False)), satisfied=Count("id", filter=Q(rating__lte=3)))
        return {r["area_code"]: (float(r["reworked"]), float(r["satisfied"]), float(r["rated"]), float(r["d"]))
                for r in rows if r["area_code"]}

    return plugins.shared(("cases.closed", prefix, period.code, _key(codes)), count)


def _key(codes):
    return None if codes is None else frozenset(codes)


def closing_rate(prefix: str, period, *, codes=None) -> dict:
    return {a: (closed, d) for a, (closed, _on_time, d) in _dispatched_counts(prefix, period, codes).items()}


def on_time_rate(prefix: str, period, *, codes=None) -> dict:
    return {a: (on_time, d) for a, (_closed, on_time, d) in _dispatched_counts(prefix, period, codes).items()}


def rework_rate(prefix: str, period, *, codes=None) -> dict:
    return {a: (reworked, d) for a, (reworked, _s, _r, d) in _closed_counts(prefix, period, codes).items()}


def satisfaction_rate(prefix: str, period, *, codes=None) -> dict:
    return {a: (satisfied, rated) for a, (_w, satisfied, rated, _d) in _closed_counts(prefix, period, codes).items()
            if rated}


def reported(prefix: str, period, *, codes=None) -> dict:
    rows = (_located(prefix, codes).filter(reported_at__gte=period.start, reported_at__lt=period.end)
            .exclude(status=Case.Status.DUPLICATE).values("area_code").annotate(n=Count("id")))
    return {r["area_code"]: (float(r["n"]), 1.0) for r in rows if r["area_code"]}


def changed_times(objects: list[tuple[str, str]]) -> list | None:
    """The times at which the cases the audit rows name are, or were, counted (see the module): their
    report, dispatch and closing times and the times of all their events. None when a row is not a
    case with an id (a bulk import, another kind of record): every period is recomputed."""
    ids = set()
    for object_type, object_id in objects:
        if object_type != "cases.case" or not str(object_id).isdigit():
            return None
        ids.add(int(object_id))
    if not ids:
        return []
    ids = list(ids)
    times = []
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        for row in Case.objects.filter(pk__in=chunk).values_list("reported_at", "dispatched_at", "closed_at"):
            times.extend(t for t in row if t is not None)
        times.extend(CaseEvent.objects.filter(case_id__in=chunk).values_list("at", flat=True))
    return times
