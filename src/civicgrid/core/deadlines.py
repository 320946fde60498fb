"""The deadline clock of every workflow, on the work calendar (``core.workcalendar``).

A legal or promised time limit runs in working time: so many working hours or days, or until the
end of the working day. A pause (waiting for the applicant or reporter) stops the clock and moves
the deadline by the working time spent paused; an extension moves it by the working hours granted.
A deadline past is past even outside working hours. ``clock`` says what a page shows: the working
time left, and whether the item is on time, warned or overdue. ``scan`` feeds the periodic jobs
that warn before deadlines and escalate overdue work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from . import workcalendar

WORK_HOURS, WORK_DAYS, SAME_DAY = "work_hours", "work_days", "same_day"


def due(start: dt.datetime, value: float = 0, unit: str = WORK_HOURS) -> dt.datetime:
    """When a limit of ``value`` ``unit`` (working hours or days, or the same working day) started at
    ``start`` runs out."""
    if unit == SAME_DAY:
        return workcalendar.end_of_working_day(start)
    if unit == WORK_DAYS:
        return workcalendar.add_working_time(start, days=float(value))
    if unit == WORK_HOURS:
        return workcalendar.add_working_time(start, hours=float(value))
    raise ValueError(f"unknown time limit unit {unit!r}")


def due_in_minutes(start: dt.datetime, minutes: float) -> dt.datetime:
    return workcalendar.add_working_time(start, hours=float(minutes) / 60)


def after_pause(deadline: dt.datetime, paused_at: dt.datetime, resumed_at: dt.datetime) -> dt.datetime:
    """The deadline moved by the working time spent paused."""
    paused = workcalendar.working_time_between(paused_at, resumed_at)
    return workcalendar.add_working_time(deadline, hours=paused.total_seconds() / 3600) if paused else deadline


def extended(deadline: dt.datetime, work_hours: float) -> dt.datetime:
    """The deadline moved by ``work_hours`` working hours (a granted extension)."""
    return workcalendar.add_working_time(deadline, hours=float(work_hours))


def within(start: dt.datetime | None, end: dt.datetime | None, minutes: float) -> bool:
    """Whether ``end`` came within ``minutes`` of working time after ``start``."""
    if start is None or end is None:
        return False
    return end <= due_in_minutes(start, minutes)


def remaining(deadline: dt.datetime | None, now: dt.datetime, *, paused_at: dt.datetime | None = None
              ) -> dt.timedelta | None:
    """Working time left until the deadline (negative when overdue); None without a deadline. A paused
    clock stands still where it was paused."""
    if deadline is None:
        return None
    return workcalendar.working_time_between(paused_at or now, deadline)


def is_overdue(deadline: dt.datetime | None, now: dt.datetime, *, paused_at: dt.datetime | None = None) -> bool:
    """Past the deadline — even outside working hours, when no working time lies between; a paused
    item only if it was paused after its deadline."""
    return deadline is not None and (paused_at or now) > deadline


def overdue_q(now: dt.datetime, *, running: Q, paused: Q | None = None, deadline: str = "deadline",
              paused_at: str = "paused_at") -> Q:
    """:func:`is_overdue` as a filter: rows whose clock ``running`` is past its deadline, and rows
    ``paused`` after it."""
    q = running & Q(**{f"{deadline}__lt": now})
    if paused is not None:
        q |= paused & Q(**{f"{paused_at}__gt": F(deadline)})
    return q


def minutes_label(minutes: float) -> str:
    """Working minutes as ``h:mm`` (``−`` when past)."""
    sign = "−" if minutes < 0 else ""
    hours, mins = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{mins:02d}"


@dataclass(frozen=True)
class Clock:
    """What a page shows of a deadline: ``state`` "ok", "warn" or "overdue"."""

    state: str
    minutes: int
    label: str
    due: dt.datetime

    def as_dict(self, **extra) -> dict:
        return {"state": self.state, "label": self.label, "minutes": self.minutes, **extra}


def clock(deadline: dt.datetime, now: dt.datetime, *, warn_minutes: float, paused_at: dt.datetime | None = None,
          warned: bool = False) -> Clock:
    """The clock of an item due at ``deadline``: working minutes left, overdue once past, warned
    within ``warn_minutes`` of it (or once the warning job has warned)."""
    left = remaining(deadline, now, paused_at=paused_at).total_seconds() / 60
    if left < 0 or is_overdue(deadline, now, paused_at=paused_at):
        state = "overdue"
    elif warned or left <= warn_minutes:
        state = "warn"
    else:
        state = "ok"
    return Clock(state, round(left), minutes_label(left), deadline)


@dataclass(frozen=True)
class Due:
    pk: int
    deadline: dt.datetime


def scan(qs: QuerySet, now: dt.datetime, *, warn_minutes: float, deadline: str = "deadline",
         warned_at: str = "warned_at", overdue_at: str = "overdue_at") -> tuple[Iterator[Due], Iterator[Due]]:
    """For a periodic job: the rows of ``qs`` (running clocks) to warn now — not warned yet, with
    ``warn_minutes`` of working time or less left — and those to escalate — past the deadline, not
    escalated yet. Lazy: each is read when the job gets to it; the job locks and re-checks each row."""

    def to_warn():
        rows = qs.filter(**{f"{warned_at}__isnull": True, f"{deadline}__gt": now}).values_list("pk", deadline)
        for pk, when in rows.iterator():
            if workcalendar.working_time_between(now, when) <= dt.timedelta(minutes=warn_minutes):
                yield Due(pk, when)

    def to_escalate():
        rows = qs.filter(**{f"{overdue_at}__isnull": True, f"{deadline}__lte": now}).values_list("pk", deadline)
        for pk, when in rows.iterator():
            yield Due(pk, when)

    return to_warn(), to_escalate()
