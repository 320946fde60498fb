"""Time limits of cases on the core kit's deadline clock (``core.deadlines``): the disposal deadline
of a class, the step limits (registration, dispatch, confirmation, check, reply, callback, warning)
kept as data in ``StepLimit``, and what a page shows of a case's clock."""

from __future__ import annotations

import datetime as dt

from civicgrid.core import deadlines

from .models import Case, CaseClass, StepLimit

STEP_WARN_MINUTES = 15  # registration and dispatch have an hour: warn in the last quarter


def disposal_deadline(cls: CaseClass, start: dt.datetime, urgency: str = Case.Urgency.NORMAL) -> dt.datetime:
    """When a case of ``cls`` dispatched at ``start`` must be handled (处置时限), in working time; an
    urgent case by the end of the working day."""
    if urgency == Case.Urgency.URGENT:
        return deadlines.due(start, unit=deadlines.SAME_DAY)
    return deadlines.due(start, float(cls.limit_value), cls.limit_unit)


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
    return deadlines.due_in_minutes(start, step_minutes(step, limits))


def within_step(step: str, start: dt.datetime | None, end: dt.datetime | None) -> bool:
    """Whether ``end`` came within the step's working-time limit after ``start``."""
    return deadlines.within(start, end, step_minutes(step))


after_pause = deadlines.after_pause
extended = deadlines.extended


def remaining(case: Case, now: dt.datetime) -> dt.timedelta | None:
    """Working time left until the deadline (negative when overdue); None without a deadline."""
    return deadlines.remaining(case.deadline, now, paused_at=case.paused_at)


def time_state(case: Case, now: dt.datetime, limits: dict[str, int] | None = None) -> dict:
    """Working time left and whether the case is warned or overdue: until the disposal deadline once
    dispatched; before that, until the registration or dispatch time limit."""
    if case.deadline and case.is_open():
        if case.status not in Case.RUNNING:  # waiting for the check: the clock has stopped
            left = deadlines.remaining(case.deadline, now, paused_at=case.paused_at).total_seconds() / 60
            return {"state": "ok", "label": deadlines.minutes_label(left), "minutes": round(left), "step": ""}
        clock = deadlines.clock(case.deadline, now, warn_minutes=step_minutes("warn", limits),
                                paused_at=case.paused_at, warned=case.warned_at is not None)
        return clock.as_dict(step="")
    if case.status == Case.Status.REPORTED and case.reported_at:
        step, start = "register", case.reported_at
    elif case.status == Case.Status.REGISTERED and case.registered_at:
        step, start = "dispatch", case.registered_at
    else:
        return {"state": "", "label": "", "minutes": None, "step": ""}
    clock = deadlines.clock(step_due(step, start, limits), now, warn_minutes=STEP_WARN_MINUTES)
    return clock.as_dict(step=step)
