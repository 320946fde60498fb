"""Task windows from schedule rules (pure: dates in, dates out; no database)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    seq: int
    start: dt.date
    due: dt.date
    end: dt.date


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def windows(rule, *, anchor: dt.date, enrolled_on: dt.date, until: dt.date, ended_on: dt.date | None = None,
            first_seq: int = 0) -> list[Window]:
    """The windows of ``rule`` (a ``ScheduleRule`` or anything with its fields) whose window opens
    on or before ``until`` (and before ``ended_on``), from occurrence ``first_seq``."""
    out: list[Window] = []
    stop = min(until, ended_on - dt.timedelta(days=1)) if ended_on else until
    if rule.anchor == "year":
        for year in range(max(enrolled_on.year, anchor.year) + first_seq, stop.year + 1):
            start = max(dt.date(year, 1, 1), enrolled_on)
            end = dt.date(year, 12, 31)
            due = max(start, end - dt.timedelta(days=rule.after_days))
            if start > stop:
                break
            out.append(Window(year - max(enrolled_on.year, anchor.year), start, due, end))
        return out
    seq = first_seq
    while True:
        if rule.count and seq >= rule.count:
            break
        if seq > 0 and not rule.every_months:
            break
        due = add_months(anchor, rule.offset_months + seq * rule.every_months) + dt.timedelta(days=rule.offset_days)
        start = max(anchor, due - dt.timedelta(days=rule.before_days))
        if start > stop:
            break
        end = due + dt.timedelta(days=rule.after_days)
        if end >= enrolled_on:  # a child enrolled at two gets no newborn visit
            out.append(Window(seq, start, due, end))
        seq += 1
        if seq > 1000:  # a schedule without end is cut by ``until`` long before this
            break
    return out
