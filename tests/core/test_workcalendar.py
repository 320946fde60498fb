"""Working-time calendar: expectations are hand-computed from the published holiday schedules and
each relied-upon day is double-checked against ``chinese_calendar`` itself."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from civicgrid.core import workcalendar
from civicgrid.core.workcalendar import WorkCalendar, is_workday, parse_periods

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def assert_days(workdays: list[date] = (), offdays: list[date] = ()) -> None:
    """Guard the hand-computed expectations against the library's real schedule."""
    for day in workdays:
        assert chinese_calendar.is_workday(day), f"{day} expected to be a workday"
    for day in offdays:
        assert not chinese_calendar.is_workday(day), f"{day} expected to be a day off"


def nth_workday_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


# --- schedules the expectations below rely on -------------------------------------------------------


def test_real_schedules_match_expectations():
    assert_days(
        workdays=[date(2025, 9, 28), date(2025, 10, 9), date(2025, 10, 11)],
        offdays=[date(2025, 9, 27), date(2025, 10, 12)] + [date(2025, 10, d) for d in range(1, 9)],
    )
    assert_days(
        workdays=[date(2026, 2, 14), date(2026, 2, 24), date(2026, 2, 28)],
        offdays=[date(2026, 2, 15) + timedelta(days=i) for i in range(9)],
    )
    assert_days(
        workdays=[date(2026, 4, 30), date(2026, 5, 6), date(2026, 5, 9)],
        offdays=[date(2026, 5, d) for d in range(1, 6)],
    )
    assert_days(
        workdays=[date(2026, 9, 20), date(2026, 10, 8), date(2026, 10, 10)],
        offdays=[date(2026, 9, 25)] + [date(2026, 10, d) for d in range(1, 8)],
    )
    for day in [date(2025, 1, 1), date(2025, 10, 11), date(2026, 2, 16), date(2026, 5, 9)]:
        assert is_workday(day) == chinese_calendar.is_workday(day)


def test_years_without_data_fall_back_to_monday_to_friday():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 1, 1))
    assert is_workday(date(2031, 1, 3))  # Friday
    assert not is_workday(date(2031, 1, 4))  # Saturday
    assert not is_workday(date(2031, 1, 5))  # Sunday
    assert CAL.add_working_time(sh(2031, 1, 3, 16), hours=3) == sh(2031, 1, 6, 10, 30)


# --- add_working_time --------------------------------------------------------------------------------


def test_within_a_day_across_lunch():
    assert_days(workdays=[date(2025, 9, 16)])
    assert CAL.add_working_time(sh(2025, 9, 16, 11), hours=2) == sh(2025, 9, 16, 14, 30)


def test_across_an_ordinary_weekend():
    assert_days(
        workdays=[date(2025, 9, 19), date(2025, 9, 22)], offdays=[date(2025, 9, 20), date(2025, 9, 21)]
    )
    # Fri 16:00-17:30 is 1.5 h, the rest from Monday 09:00.
    assert CAL.add_working_time(sh(2025, 9, 19, 16), hours=3) == sh(2025, 9, 22, 10, 30)


def test_starting_on_a_holiday_counts_from_the_first_workday_after():
    assert CAL.add_working_time(sh(2025, 10, 3, 10), hours=1) == sh(2025, 10, 9, 10)
    assert CAL.add_working_time(sh(2026, 2, 17, 15), days=1) == sh(2026, 2, 24, 17, 30)


def test_ending_exactly_at_period_end_returns_that_instant():
    assert CAL.add_working_time(sh(2025, 9, 16, 16, 30), hours=1) == sh(2025, 9, 16, 17, 30)
    assert CAL.add_working_time(sh(2025, 9, 16, 9), hours=7) == sh(2025, 9, 16, 17, 30)
    assert CAL.add_working_time(sh(2025, 9, 16, 9), days=1) == sh(2025, 9, 16, 17, 30)
    assert CAL.add_working_time(sh(2025, 9, 16, 11), hours=1) == sh(2025, 9, 16, 12)
    # Landing on 17:30 of the day before a long holiday must not slide past the holiday.
    assert CAL.add_working_time(sh(2025, 9, 30, 16), hours=1.5) == sh(2025, 9, 30, 17, 30)


def test_one_working_day_is_the_same_time_next_workday():
    assert CAL.add_working_time(sh(2025, 9, 15, 10), days=1) == sh(2025, 9, 16, 10)
    assert CAL.add_working_time(sh(2025, 9, 19, 10), days=1) == sh(2025, 9, 22, 10)


def test_adjusted_weekend_workdays_are_counted():
    # Sun 28 Sep 2025 and Sat 11 Oct 2025 (National Day), Sat 14 and Sat 28 Feb 2026 (Spring Festival).
    assert CAL.add_working_time(sh(2025, 9, 27, 16), hours=1) == sh(2025, 9, 28, 10)
    assert CAL.add_working_time(sh(2025, 10, 10, 17), hours=1) == sh(2025, 10, 11, 9, 30)
    assert CAL.add_working_time(sh(2026, 2, 13, 17), hours=1) == sh(2026, 2, 14, 9, 30)
    assert CAL.add_working_time(sh(2026, 2, 27, 10), days=1) == sh(2026, 2, 28, 10)
    # Sat 9 May 2026 (Labour Day) and Sat 10 Oct 2026 (National Day).
    assert CAL.add_working_time(sh(2026, 5, 8, 15), days=1) == sh(2026, 5, 9, 15)
    assert CAL.add_working_time(sh(2026, 10, 9, 10), days=1) == sh(2026, 10, 10, 10)


def test_spring_festival_block_is_skipped():
    # Sat 14 Feb is the last workday before the break; Tue 24 Feb the first after it.
    assert CAL.add_working_time(sh(2026, 2, 14, 17), hours=1) == sh(2026, 2, 24, 9, 30)


def test_thirteen_working_days_across_spring_festival():
    # Feb 10,11,12,13, Sat 14, 24,25,26,27, Sat 28, Mar 2,3,4.
    assert nth_workday_after(date(2026, 2, 9), 13) == date(2026, 3, 4)
    assert CAL.add_working_time(sh(2026, 2, 9, 10), days=13) == sh(2026, 3, 4, 10)


def test_labour_day_and_national_day_2026():
    assert CAL.add_working_time(sh(2026, 4, 30, 15), days=2) == sh(2026, 5, 7, 15)
    assert CAL.add_working_time(sh(2026, 9, 30, 10), days=1) == sh(2026, 10, 8, 10)
    # Fri 25 Sep 2026 is Mid-Autumn, the following weekend is ordinary.
    assert CAL.add_working_time(sh(2026, 9, 24, 10), days=1) == sh(2026, 9, 28, 10)


def test_days_and_hours_combined():
    # Two days land on Wed 10:00, then 10:00-12:00 and 13:30-14:30.
    assert_days(workdays=[date(2025, 9, 15), date(2025, 9, 16), date(2025, 9, 17)])
    assert CAL.add_working_time(sh(2025, 9, 15, 10), days=2, hours=3) == sh(2025, 9, 17, 14, 30)
    assert CAL.add_working_time(sh(2025, 9, 15, 10), days=0.5) == sh(2025, 9, 15, 15)


def test_start_outside_working_hours():
    assert CAL.add_working_time(sh(2025, 9, 16, 20), hours=1) == sh(2025, 9, 17, 10)  # evening
    assert CAL.add_working_time(sh(2025, 9, 16, 7), hours=1) == sh(2025, 9, 16, 10)  # early morning
    assert CAL.add_working_time(sh(2025, 9, 16, 12, 30), hours=1) == sh(2025, 9, 16, 14, 30)  # lunch
    assert CAL.add_working_time(sh(2025, 9, 16, 12), hours=1) == sh(2025, 9, 16, 14, 30)
    assert CAL.add_working_time(sh(2025, 9, 16, 17, 30), hours=1) == sh(2025, 9, 17, 10)
    # Evening before a holiday block.
    assert CAL.add_working_time(sh(2025, 9, 30, 19), days=1) == sh(2025, 10, 9, 17, 30)


def test_zero_returns_start_unchanged_and_negative_is_rejected():
    start = sh(2025, 10, 4, 20, 15)  # holiday evening
    assert CAL.add_working_time(start) is start
    assert CAL.add_working_time(start, hours=7, days=-1) is start
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(start, hours=-1)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(start, days=1, hours=-8)


def test_many_days_agree_with_library_workday_count():
    start = sh(2025, 9, 15, 10)
    for n in (1, 5, 10, 13, 20, 40, 60, 120):
        expected = nth_workday_after(start.date(), n)
        assert CAL.add_working_time(start, days=n) == sh(expected.year, expected.month, expected.day, 10)


def test_utc_input_gives_utc_result_correct_in_shanghai_time():
    start = datetime(2025, 9, 30, 8, tzinfo=UTC)  # 16:00 in Shanghai, last workday before the holiday
    result = CAL.add_working_time(start, hours=3)
    assert result.tzinfo is UTC
    assert result == datetime(2025, 10, 9, 2, 30, tzinfo=UTC)
    assert result.astimezone(SH) == sh(2025, 10, 9, 10, 30)


def test_other_timezone_input_keeps_its_tzinfo():
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2025, 9, 16, 5, tzinfo=berlin)  # 11:00 Shanghai (CEST is UTC+2)
    result = CAL.add_working_time(start, hours=2)
    assert result.tzinfo is berlin
    assert result.astimezone(SH) == sh(2025, 9, 16, 14, 30)


def test_naive_datetimes_are_rejected():
    naive = datetime(2025, 9, 16, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_time(naive, hours=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_time(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_time_between(naive, sh(2025, 9, 17))
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_time_between(sh(2025, 9, 15), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.is_working_time(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.next_working_instant(naive)


# --- working_time_between ----------------------------------------------------------------------------


def test_between_within_a_day_across_lunch():
    assert CAL.working_time_between(sh(2025, 9, 16, 11), sh(2025, 9, 16, 14, 30)) == timedelta(hours=2)
    assert CAL.working_time_between(sh(2025, 9, 16, 12), sh(2025, 9, 16, 13, 30)) == timedelta(0)


def test_between_across_weekend_and_holidays():
    hours = timedelta(hours=1)
    assert CAL.working_time_between(sh(2025, 9, 19, 16), sh(2025, 9, 22, 10, 30)) == 3 * hours
    assert CAL.working_time_between(sh(2025, 9, 30, 16), sh(2025, 10, 9, 10)) == 2.5 * hours
    # Fri 13 + Sat 14 Feb 2026 are the only workdays in this span.
    assert CAL.working_time_between(sh(2026, 2, 13, 9), sh(2026, 2, 24, 9)) == 14 * hours
    # Whole holiday, nothing counts.
    assert CAL.working_time_between(sh(2025, 10, 1), sh(2025, 10, 9)) == timedelta(0)
    # Adjusted Sunday 28 Sep 2025 counts a full day.
    assert CAL.working_time_between(sh(2025, 9, 27), sh(2025, 9, 29)) == 7 * hours


def test_between_is_antisymmetric_and_zero_for_equal_instants():
    a, b = sh(2025, 9, 19, 16), sh(2025, 9, 22, 10, 30)
    assert CAL.working_time_between(b, a) == -timedelta(hours=3)
    assert CAL.working_time_between(a, a) == timedelta(0)


def test_between_mixed_timezones():
    a = datetime(2025, 9, 16, 3, tzinfo=UTC)  # 11:00 Shanghai
    assert CAL.working_time_between(a, sh(2025, 9, 16, 14, 30)) == timedelta(hours=2)


@pytest.mark.parametrize("hours", [0, 0.25, 1, 2.5, 3, 4, 7, 7.5, 20, 91, 104.25])
def test_between_inverts_add(hours: float):
    starts = [sh(2025, 9, 26) + timedelta(minutes=50 * i) for i in range(0, 24 * 60 * 20 // 50, 7)]
    starts += [sh(2026, 2, 12, 17, 30), sh(2026, 4, 30, 12), sh(2026, 9, 30, 23, 59)]
    for start in starts:
        end = CAL.add_working_time(start, hours=hours)
        assert end >= start
        assert CAL.working_time_between(start, end) == timedelta(hours=hours), start
        assert CAL.working_time_between(end, start) == -timedelta(hours=hours), start


def _between_day_by_day(cal, a, b):
    """The plain definition: every day from a to b, the overlap of each working period."""
    from datetime import time as _time

    from civicgrid.core.workcalendar import is_workday

    lo, hi = cal._to_local(a), cal._to_local(b)
    total, day = timedelta(0), lo.date()
    while day <= hi.date():
        if is_workday(day):
            midnight = datetime.combine(day, _time())
            for start_off, end_off in cal._offsets:
                overlap = min(hi, midnight + end_off) - max(lo, midnight + start_off)
                if overlap > timedelta(0):
                    total += overlap
        day += timedelta(days=1)
    return total


def test_between_counts_whole_days_from_tables_as_the_day_by_day_sum():
    """Whole days between the ends come from per-year tables; random spans up to three years
    (holiday blocks, adjusted weekends, year ends, years with no published schedule) agree with
    the day-by-day definition."""
    import random

    rng = random.Random(2026)
    base = sh(2019, 12, 20)
    for _ in range(400):
        a = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 8))
        b = a + timedelta(minutes=rng.choice([rng.randrange(0, 60 * 24 * 3), rng.randrange(0, 60 * 24 * 1100)]))
        assert CAL.working_time_between(a, b) == _between_day_by_day(CAL, a, b), (a, b)
    far = sh(2400, 3, 1, 10)  # centuries away: counted day by day, same answer
    assert CAL.working_time_between(sh(2399, 12, 30, 10), far) == _between_day_by_day(CAL, sh(2399, 12, 30, 10), far)
    assert CAL.working_time_between(sh(1969, 12, 30, 10), sh(1970, 1, 5, 10)) == _between_day_by_day(
        CAL, sh(1969, 12, 30, 10), sh(1970, 1, 5, 10))


def test_clock_differences_are_the_working_time_between():
    """``clock()`` maps an instant (µs since 1970) to the working time since 1970: the difference
    of two is ``working_time_between`` exactly, also around lunch, nights, holidays and year ends."""
    import random

    rng = random.Random(7)
    clock = CAL.clock()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    base = sh(2020, 12, 28)
    for _ in range(500):
        a = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 7), seconds=rng.randrange(60))
        b = a + timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
        ua, ub = (a - epoch) // timedelta(microseconds=1), (b - epoch) // timedelta(microseconds=1)
        assert timedelta(microseconds=clock(ub) - clock(ua)) == CAL.working_time_between(a, b), (a, b)
    # A calendar in another zone reads its own wall clock.
    other = WorkCalendar("08:00-16:00", "Europe/Berlin").clock()
    a, b = datetime(2026, 3, 27, 7, tzinfo=UTC), datetime(2026, 3, 30, 7, tzinfo=UTC)  # DST starts 29 March
    ua, ub = (a - epoch) // timedelta(microseconds=1), (b - epoch) // timedelta(microseconds=1)
    assert timedelta(microseconds=other(ub) - other(ua)) == WorkCalendar("08:00-16:00", "Europe/Berlin") \
        .working_time_between(a, b)


def test_within_is_t_before_the_deadline_add_working_time_gives():
    import random

    rng = random.Random(11)
    within = CAL.within()
    base = sh(2024, 12, 20)
    for _ in range(2000):
        start = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 800))
        hours = rng.choice([0, 0.5, 1, 2, 4, 7, 8, 24, 35.5])
        deadline = CAL.add_working_time(start, hours=hours)
        t = rng.choice([deadline, deadline + timedelta(minutes=rng.randrange(-600, 600)),
                        deadline + timedelta(hours=rng.choice([1, 2, 14, 40])), start - timedelta(minutes=5)])
        assert within(start, t, hours) == (t <= deadline), (start, hours, t)


# --- is_working_time / next_working_instant ----------------------------------------------------------


def test_is_working_time():
    assert CAL.is_working_time(sh(2025, 9, 16, 9))
    assert CAL.is_working_time(sh(2025, 9, 16, 11, 59))
    assert not CAL.is_working_time(sh(2025, 9, 16, 12))  # period ends are exclusive
    assert CAL.is_working_time(sh(2025, 9, 16, 13, 30))
    assert not CAL.is_working_time(sh(2025, 9, 16, 17, 30))
    assert not CAL.is_working_time(sh(2025, 9, 16, 8, 59))
    assert not CAL.is_working_time(sh(2025, 10, 2, 10))  # National Day
    assert CAL.is_working_time(sh(2025, 10, 11, 10))  # adjusted Saturday
    assert not CAL.is_working_time(sh(2025, 9, 20, 10))  # ordinary Saturday
    assert CAL.is_working_time(datetime(2025, 9, 16, 2, tzinfo=UTC))  # 10:00 Shanghai


def test_next_working_instant():
    inside = sh(2025, 9, 16, 10, 15)
    assert CAL.next_working_instant(inside) == inside
    assert CAL.next_working_instant(sh(2025, 9, 16, 12, 10)) == sh(2025, 9, 16, 13, 30)
    assert CAL.next_working_instant(sh(2025, 9, 16, 17, 30)) == sh(2025, 9, 17, 9)
    assert CAL.next_working_instant(sh(2025, 9, 19, 18)) == sh(2025, 9, 22, 9)
    assert CAL.next_working_instant(sh(2025, 10, 1, 9)) == sh(2025, 10, 9, 9)
    assert CAL.next_working_instant(sh(2026, 2, 14, 18)) == sh(2026, 2, 24, 9)
    result = CAL.next_working_instant(datetime(2025, 9, 16, 10, tzinfo=UTC))  # 18:00 Shanghai
    assert result.tzinfo is UTC
    assert result == datetime(2025, 9, 17, 1, tzinfo=UTC)


# --- configuration -----------------------------------------------------------------------------------


def test_default_configuration():
    # 3 h in the morning + 4 h in the afternoon; a "working day" in add_working_time is this long.
    assert CAL.day_length == timedelta(hours=7)
    assert str(CAL.tz) == "Asia/Shanghai"
    assert [(f"{s:%H:%M}", f"{e:%H:%M}") for s, e in CAL.periods] == [("09:00", "12:00"), ("13:30", "17:30")]


def test_custom_periods():
    cal = WorkCalendar("08:30-12:00, 14:00-18:00")
    assert cal.day_length == timedelta(hours=7, minutes=30)
    assert cal.add_working_time(sh(2025, 9, 16, 10), days=1) == sh(2025, 9, 17, 10)
    assert cal.add_working_time(sh(2025, 9, 16, 11), hours=2) == sh(2025, 9, 16, 15)
    assert cal.add_working_time(sh(2025, 9, 16, 8, 30), days=1) == sh(2025, 9, 16, 18)
    single = WorkCalendar("09:00-17:00", tz="Asia/Urumqi")
    assert single.add_working_time(sh(2025, 9, 16, 20), hours=1) == sh(2025, 9, 17, 12)  # 10:00 Urumqi


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "   ",
        "9:00-12:00",
        "09:00-12:00;13:30-17:30",
        "09:00~12:00",
        "0900-1200",
        "09:00-12:00,",
        "12:00-09:00",
        "09:00-09:00",
        "24:00-25:00",
        "09:60-10:00",
        "09:00-12:00,11:00-14:00",
        "13:30-17:30,09:00-12:00",
        "22:00-02:00",
    ],
)
def test_bad_period_strings_are_rejected(spec: str):
    with pytest.raises(ValueError):
        WorkCalendar(spec)


def test_bad_period_messages_are_specific():
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_periods("9-12")
    with pytest.raises(ValueError, match="must end after it starts"):
        parse_periods("12:00-09:00")
    with pytest.raises(ValueError, match="overlaps"):
        parse_periods("09:00-12:00,11:30-14:00")
    with pytest.raises(ValueError, match="invalid time"):
        parse_periods("09:75-12:00")


def test_touching_periods_are_allowed():
    cal = WorkCalendar("09:00-12:00,12:00-13:00")
    assert cal.day_length == timedelta(hours=4)
    assert cal.add_working_time(sh(2025, 9, 16, 11), hours=1) == sh(2025, 9, 16, 12)
    assert cal.add_working_time(sh(2025, 9, 16, 11), hours=2) == sh(2025, 9, 16, 13)


# --- module-level functions --------------------------------------------------------------------------


def test_module_functions_delegate_to_default_calendar(monkeypatch: pytest.MonkeyPatch):
    custom = WorkCalendar("08:00-12:00")
    monkeypatch.setattr(workcalendar, "default_calendar", lambda: custom)
    assert workcalendar.add_working_time(sh(2025, 9, 16, 11), hours=2) == sh(2025, 9, 17, 9)
    assert workcalendar.add_working_time(sh(2025, 9, 16, 11), days=1) == sh(2025, 9, 17, 11)
    assert workcalendar.working_time_between(sh(2025, 9, 16), sh(2025, 9, 17)) == timedelta(hours=4)


def test_default_calendar_reads_django_settings():
    from django.conf import settings

    if not (settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE")):
        pytest.skip("Django settings are not configured in this run")
    from django.test import override_settings

    workcalendar.default_calendar.cache_clear()
    try:
        cal = workcalendar.default_calendar()
        assert cal is workcalendar.default_calendar()
        assert cal.periods == parse_periods(settings.CIVICGRID_WORK_HOURS)
        assert str(cal.tz) == settings.TIME_ZONE
        start = sh(2025, 9, 16, 11)
        assert workcalendar.add_working_time(start, hours=2) == cal.add_working_time(start, hours=2)
        # Changing the setting (override_settings / pytest-django's ``settings``) rebuilds the calendar.
        with override_settings(CIVICGRID_WORK_HOURS="08:00-12:00"):
            assert workcalendar.default_calendar().day_length == timedelta(hours=4)
            assert workcalendar.working_time_between(sh(2025, 9, 16), sh(2025, 9, 17)) == timedelta(hours=4)
        assert workcalendar.default_calendar().periods == parse_periods(settings.CIVICGRID_WORK_HOURS)
    finally:
        workcalendar.default_calendar.cache_clear()
