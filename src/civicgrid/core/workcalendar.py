"""Working-time calendar (工作日历) for deadlines and service-level timers.

Working days follow the State Council schedule via ``chinese_calendar``: statutory holidays are
days off and the adjusted Saturdays/Sundays (调休) are working days. Within a working day only the
configured periods count, e.g. ``"09:00-12:00,13:30-17:30"`` (3 h + 4 h = 7 hours, lunch excluded).

All arithmetic happens on local wall-clock time in the calendar's timezone, so "17:30" always
means 17:30 on the office clock whatever zone the caller's datetimes use.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "DEFAULT_TIME_ZONE",
    "DEFAULT_WORK_HOURS",
    "WorkCalendar",
    "add_working_time",
    "default_calendar",
    "end_of_working_day",
    "is_workday",
    "parse_periods",
    "working_time_between",
]

DEFAULT_WORK_HOURS = "09:00-12:00,13:30-17:30"
DEFAULT_TIME_ZONE = "Asia/Shanghai"

_PERIOD_RE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_ONE_DAY = timedelta(days=1)
_MICRO = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)


@lru_cache(maxsize=4096)
def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day, including adjusted weekend workdays."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The library only ships schedules that have been published; far-future (or very old)
        # deadlines must still resolve, and a plain Monday–Friday week is the best guess there.
        return day.weekday() < 5


def _parse_hhmm(text: str, spec: str) -> time:
    hour, minute = int(text[:2]), int(text[3:])
    if hour > 23 or minute > 59:
        raise ValueError(f"invalid time {text!r} in work periods {spec!r}")
    return time(hour, minute)


def parse_periods(spec: str) -> tuple[tuple[time, time], ...]:
    """Parse ``"HH:MM-HH:MM,HH:MM-HH:MM"`` into ordered, non-overlapping ``(start, end)`` pairs."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"work periods must be a non-empty string like {DEFAULT_WORK_HOURS!r}")
    periods: list[tuple[time, time]] = []
    for chunk in spec.split(","):
        item = chunk.replace(" ", "")
        match = _PERIOD_RE.match(item)
        if not match:
            raise ValueError(f"invalid work period {chunk.strip()!r} in {spec!r}; expected HH:MM-HH:MM")
        start = _parse_hhmm(item[:5], spec)
        end = _parse_hhmm(item[6:], spec)
        if start >= end:
            raise ValueError(f"work period {item!r} must end after it starts (periods cannot span midnight)")
        if periods and start < periods[-1][1]:
            prev = f"{periods[-1][0]:%H:%M}-{periods[-1][1]:%H:%M}"
            raise ValueError(f"work period {item!r} overlaps or precedes {prev!r}; list periods in order")
        periods.append((start, end))
    return tuple(periods)


def _since_midnight(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _require_aware(dt: datetime, name: str) -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware; naive datetimes are ambiguous for deadlines")


class WorkCalendar:
    """Working periods of a day plus the statutory working-day schedule, in one timezone."""

    __slots__ = ("_offsets", "day_length", "periods", "spec", "tz")

    def __init__(self, periods: str = DEFAULT_WORK_HOURS, tz: str | tzinfo = DEFAULT_TIME_ZONE) -> None:
        self.spec = periods
        self.periods = parse_periods(periods)
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._offsets = tuple((_since_midnight(s), _since_midnight(e)) for s, e in self.periods)
        self.day_length: timedelta = sum((e - s for s, e in self._offsets), _ZERO)

    def __repr__(self) -> str:
        return f"WorkCalendar({self.spec!r}, tz={str(self.tz)!r})"

    # Internally everything is naive local wall-clock time: aware datetimes sharing a tzinfo subtract
    # by wall clock anyway, and staying naive avoids re-attaching tzinfo in every loop iteration.
    def _to_local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz).replace(tzinfo=None)

    def _from_local(self, local: datetime, like: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(like.tzinfo)

    def _next_working_local(self, local: datetime) -> datetime:
        day = local.date()
        pos = local - datetime.combine(day, time())
        while True:
            if is_workday(day):
                for start, end in self._offsets:
                    if pos < end:
                        return datetime.combine(day, time()) + max(start, pos)
            day += _ONE_DAY
            pos = _ZERO

    def is_working_time(self, dt: datetime) -> bool:
        """True inside a period of a working day; period ends are exclusive."""
        _require_aware(dt, "dt")
        local = self._to_local(dt)
        if not is_workday(local.date()):
            return False
        pos = local - datetime.combine(local.date(), time())
        return any(start <= pos < end for start, end in self._offsets)

    def next_working_instant(self, dt: datetime) -> datetime:
        """``dt`` itself if it is working time, else the start of the next working period."""
        _require_aware(dt, "dt")
        return self._from_local(self._next_working_local(self._to_local(dt)), dt)

    def end_of_working_day(self, dt: datetime) -> datetime:
        """The end of the working day that ``dt`` falls in or, outside working time, of the next one
        (当日办结: a same-day limit given at 18:00 runs to the next working day's 17:30)."""
        _require_aware(dt, "dt")
        start = self._next_working_local(self._to_local(dt))
        return self._from_local(datetime.combine(start.date(), time()) + self._offsets[-1][1], dt)

    def add_working_time(self, start: datetime, *, hours: float = 0, days: float = 0) -> datetime:
        """The instant after ``days`` working days plus ``hours`` working hours counted from ``start``.

        A working day counts as ``day_length`` (7 h by default), so Monday 10:00 + 1 day is Tuesday
        10:00. Time stops outside the periods; a deadline landing exactly on a period end is that end
        (17:30), not the next morning.
        """
        _require_aware(start, "start")
        remaining = timedelta(hours=hours) + days * self.day_length
        if remaining < _ZERO:
            raise ValueError("working time to add must not be negative")
        if remaining == _ZERO:
            return start

        local = self._to_local(start)
        day = local.date()
        midnight = datetime.combine(day, time())
        pos = local - midnight
        while True:
            if is_workday(day):
                if pos <= self._offsets[0][0] and remaining > self.day_length:
                    # Whole working day consumed; strictly greater so an exact fit ends at 17:30 today.
                    remaining -= self.day_length
                else:
                    for start_off, end_off in self._offsets:
                        if pos >= end_off:
                            continue
                        begin = max(start_off, pos)
                        available = end_off - begin
                        if remaining <= available:
                            return self._from_local(midnight + begin + remaining, start)
                        remaining -= available
            day += _ONE_DAY
            midnight += _ONE_DAY
            pos = _ZERO

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; negative when ``b`` is before ``a``. The whole working days
        between the two ends are counted from per-year tables (``_workdays_before``), so the cost
        does not grow with the distance (evaluations sum this over tens of thousands of cases)."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        lo, hi = self._to_local(a), self._to_local(b)
        first, last = lo.date(), hi.date()
        if first == last:
            return self._within(first, lo, hi)
        total = self._within(first, lo, datetime.combine(first + _ONE_DAY, time()))
        total += self._within(last, datetime.combine(last, time()), hi)
        if not (_FIRST_YEAR <= first.year and last.year <= _LAST_YEAR):  # centuries away: day by day
            day, whole = first + _ONE_DAY, 0
            while day < last:
                whole += is_workday(day)
                day += _ONE_DAY
        else:
            whole = _workdays_before(last) - _workdays_before(first + _ONE_DAY)
        return total + whole * self.day_length

    def _within(self, day: date, lo: datetime, hi: datetime) -> timedelta:
        """Working time in [lo, hi) of one day (both on ``day``, or ``hi`` its next midnight)."""
        total = _ZERO
        if is_workday(day):
            midnight = datetime.combine(day, time())
            for start_off, end_off in self._offsets:
                overlap = min(hi, midnight + end_off) - max(lo, midnight + start_off)
                if overlap > _ZERO:
                    total += overlap
        return total

    def clock(self):
        """A function of an instant in integer microseconds since 1970 (UTC) giving the working
        time from 1 January 2025 to it (negative before), in microseconds: ``clock(b) - clock(a)``
        is the working time in [a, b) — equal to ``working_time_between`` — for a couple of
        dictionary look-ups per call (evaluations count the handling time of tens of thousands of
        cases). Years 1900–2200."""
        hour_us, day_us = 3_600_000_000, 86_400_000_000
        offsets = [(int(s / _MICRO), int(e / _MICRO)) for s, e in self._offsets]
        day_length = int(self.day_length / _MICRO)
        utc_offsets: dict[int, int] = {}
        days: dict[int, tuple[int, bool]] = {}
        tz = self.tz

        def clock(us: int) -> int:
            hour = us // hour_us
            off = utc_offsets.get(hour)
            if off is None:
                when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=hour * hour_us)
                off = utc_offsets[hour] = int(when.astimezone(tz).utcoffset() / _MICRO)
            local = us + off
            day, pos = divmod(local, day_us)
            found = days.get(day)
            if found is None:
                d = date(1970, 1, 1) + timedelta(days=day)
                found = days[day] = (_workdays_before(d) * day_length, is_workday(d))
            total, working = found
            if working:
                for start, end in offsets:
                    if pos > start:
                        total += min(pos, end) - start
            return total

        return clock

    def within(self):
        """A function ``within(start, t, hours)``: whether ``t <= add_working_time(start, hours=hours)``
        — the same answer, from ``clock()`` (exact: only when the working time between them is
        exactly ``hours`` is the deadline itself computed, as ``t`` may then lie after it, in the
        evening). For counting on-time steps over a month of a city."""
        clock = self.clock()

        def within(start: datetime | int, t: datetime | int, hours: float) -> bool:
            """``start`` and ``t`` as datetimes, or as integer microseconds since 1970."""
            limit = round(hours * 3_600_000_000)
            a = start if isinstance(start, int) else (start - _EPOCH) // _MICRO
            b = t if isinstance(t, int) else (t - _EPOCH) // _MICRO
            elapsed = clock(b) - clock(a)
            if elapsed != limit:
                return elapsed < limit
            return _EPOCH + timedelta(microseconds=b) <= self.add_working_time(
                _EPOCH + timedelta(microseconds=a), hours=hours)

        return within

# Only differences of _workdays_before are used: a recent epoch keeps the tables built to the years
# asked for (each year's table asks the holiday schedule about 365 days).
_EPOCH_YEAR, _FIRST_YEAR, _LAST_YEAR = 2025, 1900, 2200


@lru_cache(maxsize=256)
def _year_table(year: int) -> tuple[int, ...]:
    """Working days of ``year`` before each day of it (index = day of the year − 1), and the year's
    total as the last entry."""
    out, n, day = [], 0, date(year, 1, 1)
    while day.year == year:
        out.append(n)
        n += is_workday(day)
        day += _ONE_DAY
    out.append(n)
    return tuple(out)


@lru_cache(maxsize=256)
def _year_start(year: int) -> int:
    """Working days from 1 January 2025 to 1 January of ``year`` (negative before 2025)."""
    if year == _EPOCH_YEAR:
        return 0
    if year > _EPOCH_YEAR:
        return _year_start(year - 1) + _year_table(year - 1)[-1]
    return _year_start(year + 1) - _year_table(year)[-1]


def _workdays_before(day: date) -> int:
    """Working days from 1 January 2025 up to ``day`` (exclusive): differences count the working
    days between two dates (years 1900–2200)."""
    return _year_start(day.year) + _year_table(day.year)[day.timetuple().tm_yday - 1]


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The calendar configured by ``CIVICGRID_WORK_HOURS`` and ``TIME_ZONE`` (built once, cached)."""
    # Imported here so the calendar stays usable (and testable) without configured Django settings.
    from django.conf import settings
    from django.core.signals import setting_changed

    setting_changed.connect(_reset_default_calendar, dispatch_uid="civicgrid.core.workcalendar")
    return WorkCalendar(
        getattr(settings, "CIVICGRID_WORK_HOURS", DEFAULT_WORK_HOURS),
        getattr(settings, "TIME_ZONE", None) or DEFAULT_TIME_ZONE,
    )


def _reset_default_calendar(*, setting: str, **kwargs: object) -> None:
    # override_settings / pytest-django's ``settings`` fixture would otherwise keep serving the
    # calendar built from the old values.
    if setting in ("CIVICGRID_WORK_HOURS", "TIME_ZONE"):
        default_calendar.cache_clear()


def add_working_time(start: datetime, *, hours: float = 0, days: float = 0) -> datetime:
    """:meth:`WorkCalendar.add_working_time` on the configured :func:`default_calendar`."""
    return default_calendar().add_working_time(start, hours=hours, days=days)


def end_of_working_day(dt: datetime) -> datetime:
    """:meth:`WorkCalendar.end_of_working_day` on the configured :func:`default_calendar`."""
    return default_calendar().end_of_working_day(dt)


def working_time_between(a: datetime, b: datetime) -> timedelta:
    """:meth:`WorkCalendar.working_time_between` on the configured :func:`default_calendar`."""
    return default_calendar().working_time_between(a, b)
