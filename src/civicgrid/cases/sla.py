"""Time limits of cases on the work calendar: disposal deadlines, step limits, pauses, extensions."""

from __future__ import annotations

import datetime as dt

from civicgrid.core import workcalendar

from .models import Case, CaseClass, StepLimit


def disposal_deadline(cls: CaseClass, start: dt.datetime, urgency: str = Case.Urgency.NORMAL) -> dt.datetime:
    """When a case of ``cls`` dispatched at ``start`` must be handled (处置时限), in working time."""
    if cls.limit_unit == CaseClass.LimitUnit.SAME_DAY or urgency == Case.Urgency.URGENT:
        return workcalendar.end_of_working_day(start)
    value = float(cls.limit_value)
    if cls.limit_unit == CaseClass.LimitUnit.WORK_DAYS:
        return workcalendar.add_working_time(start, days=value)
    return workcalendar.add_working_time(start, hours=value)


def step_limits() -> dict[str, int]:
    """Every step's limit in working minutes (the seeded value where a row is missing), in one query:
    for pages that work out the time left of many cases."""
    from .catalogue import STEP_LIMITS

    return {**STEP_LIMITS, **dict(StepLimit.objects.values_list("step", "minutes"))}


def step_minutes(step: str, limits: dict[str, int] | None = None) -> int:
    from .catalogue import STEP_LIMITS

    if limits is not None:
        return int(limits[step])
    found = StepLimit.objects.filter(step=step).values_list("minutes", flat=True).first()
    return int(found if found is not None else STEP_LIMITS[step])


def step_due(step: str, start: dt.datetime, limits: dict[str, int] | None = None) -> dt.datetime:
    return workcalendar.add_working_time(start, hours=step_minutes(step, limits) / 60)


def within_step(step: str, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """Whether ``end`` came within the step's working-time limit after ``start``."""
    if start is None or end is None:
        return False
    return end <= step_due(step, start)


def after_pause(deadline: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime) -> dt.datetime:
    """The deadline moved by the working time the case spent paused (waiting for the reporter)."""
    paused = workcalendar.working_time_between(paused_at, resumed_at)
    return workcalendar.add_working_time(deadline, hours=paused.total_seconds() / 3600) if paused else deadline


def extended(deadline: dt.datetime, work_hours: float) -> dt.datetime:
    return workcalendar.add_working_time(deadline, hours=float(work_hours))


def remaining(case: Case, now: dt.datetime) -> dt.timedelta | None:
    """Working time left until the deadline (negative when overdue); None without a deadline."""
    if case.deadline is None:
        return None
    end = case.paused_at or now
    return workcalendar.working_time_between(end, case.deadline)
