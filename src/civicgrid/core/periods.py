"""Reporting periods, by their codes: ``2025`` (year), ``2025S1`` (half-year: 1 Jan–30 Jun; S2 from
1 Jul), ``2025Q3`` (quarter), ``202509`` (month), ``2025W05`` (ISO week), ``20250901`` (day), and
``2025-09-01..2025-09-30`` (any range of whole days); each is also read with a dash after the year
(``2025-S1``, ``2025-Q3``, ``2025-09``, ``2025-W05``, ``2025-09-01``), the form of ``Period.key``. A period is [start, end) in UTC, made of
local calendar days (``TIME_ZONE``, Asia/Shanghai), so that figures of a month are the month the
user sees on the calendar. Indicators, targets, report forms and assessments all count by these.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

KINDS = ("day", "week", "month", "quarter", "half", "year", "custom")


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; ``kind`` one of ``KINDS``; ``key`` as written in addresses and exports
    (``2025-09``, ``2025-Q3``, ``2025-S1``, ``2025``…); ``code`` the compact code (``202509``,
    ``2025Q3``, ``2025S1``…); ``label`` for people."""

    start: dt.datetime
    end: dt.datetime
    kind: str
    key: str
    label: str

    @property
    def code(self) -> str:
        if self.kind == "custom":
            return self.key
        return self.key.replace("-", "")

    @property
    def first_day(self) -> dt.date:
        return timezone.localtime(self.start, tz()).date()

    @property
    def last_day(self) -> dt.date:
        return (timezone.localtime(self.end, tz()) - dt.timedelta(days=1)).date()

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    def previous(self) -> Period:
        """The period of the same kind just before (a custom range: as many days before)."""
        if self.kind == "custom":
            days = (self.last_day - self.first_day).days + 1
            return custom(self.first_day - dt.timedelta(days=days), self.first_day - dt.timedelta(days=1))
        return containing(self.kind, self.first_day - dt.timedelta(days=1))

    def next(self) -> Period:
        if self.kind == "custom":
            days = (self.last_day - self.first_day).days + 1
            return custom(self.last_day + dt.timedelta(days=1), self.last_day + dt.timedelta(days=days))
        return containing(self.kind, self.last_day + dt.timedelta(days=1))


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def midnight(day: dt.date) -> dt.datetime:
    """The start of a local calendar day, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz()).astimezone(dt.UTC)


def _span(first: dt.date, after: dt.date, kind: str, key: str, label: str) -> Period:
    return Period(midnight(first), midnight(after), kind, key, label)


def day(d: dt.date) -> Period:
    return _span(d, d + dt.timedelta(days=1), "day", d.isoformat(), d.isoformat())


def week(year: int, number: int) -> Period:
    first = dt.date.fromisocalendar(year, number, 1)
    return _span(first, first + dt.timedelta(days=7), "week", f"{year:04d}-W{number:02d}",
                 _("%(y)s week %(w)s") % {"y": year, "w": number})


def month(year: int, number: int) -> Period:
    first = dt.date(year, number, 1)
    after = dt.date(year + (number == 12), number % 12 + 1, 1)
    return _span(first, after, "month", f"{year:04d}-{number:02d}", _("%(y)s-%(m)s") % {"y": year, "m": number})


def quarter(year: int, number: int) -> Period:
    first = dt.date(year, 3 * number - 2, 1)
    after = dt.date(year + (number == 4), (3 * number) % 12 + 1, 1)
    return _span(first, after, "quarter", f"{year:04d}-Q{number}", _("%(y)s Q%(q)s") % {"y": year, "q": number})


def half(year: int, number: int) -> Period:
    first = dt.date(year, 1 if number == 1 else 7, 1)
    after = dt.date(year, 7, 1) if number == 1 else dt.date(year + 1, 1, 1)
    label = _("%(y)s first half") if number == 1 else _("%(y)s second half")
    return _span(first, after, "half", f"{year:04d}-S{number}", label % {"y": year})


def year(number: int) -> Period:
    return _span(dt.date(number, 1, 1), dt.date(number + 1, 1, 1), "year", f"{number:04d}", str(number))


def custom(first: dt.date, last: dt.date) -> Period:
    """From ``first`` to ``last``, both days included."""
    return _span(first, last + dt.timedelta(days=1), "custom", f"{first.isoformat()}..{last.isoformat()}",
                 f"{first.isoformat()} – {last.isoformat()}")


def containing(kind: str, d: dt.date) -> Period:
    """The period of ``kind`` that holds the day ``d``."""
    if kind == "day":
        return day(d)
    if kind == "week":
        iso = d.isocalendar()
        return week(iso.year, iso.week)
    if kind == "month":
        return month(d.year, d.month)
    if kind == "quarter":
        return quarter(d.year, (d.month - 1) // 3 + 1)
    if kind == "half":
        return half(d.year, 1 if d.month <= 6 else 2)
    if kind == "year":
        return year(d.year)
    raise ValueError(f"unknown period kind {kind!r}")


def today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), tz()).date()


def current(kind: str, now: dt.datetime | None = None) -> Period:
    return containing(kind, today(now))


def last_full(kind: str, now: dt.datetime | None = None) -> Period:
    """The latest period of ``kind`` that has ended."""
    return current(kind, now).previous()


def between(kind: str, first: dt.date, last: dt.date) -> list[Period]:
    """The periods of ``kind`` from the one holding ``first`` to the one holding ``last``."""
    out, p = [], containing(kind, first)
    while p.first_day <= last:
        out.append(p)
        p = p.next()
    return out


_CODES = [
    (re.compile(r"^(\d{4})$"), lambda m: year(int(m[1]))),
    (re.compile(r"^(\d{4})-?[SH]([12])$", re.I), lambda m: half(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), lambda m: quarter(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-?(\d{2})$"), lambda m: month(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-?W(\d{2})$", re.I), lambda m: week(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$"), lambda m: day(dt.date(int(m[1]), int(m[2]), int(m[3])))),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$"),
     lambda m: custom(dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2]))),
]


def parse(code: str) -> Period:
    """A period from its code (see the module's docstring; ``2025-09`` and ``2025-Q3`` are read too).
    ``ValueError`` for anything else."""
    text = (code or "").strip()
    for pattern, make in _CODES:
        found = pattern.match(text)
        if found:
            period = make(found)  # ValueError for a month 13, a week 54, a range backwards…
            if period.end <= period.start:
                raise ValueError(f"empty period {code!r}")
            return period
    raise ValueError(f"not a period code: {code!r}")
