"""The core kit: periods, indicators, the deadline clock, text and paging rules, the app registry,
the history base, and one access helper."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core import deadlines, indicators, periods, plugins, workcalendar
from civicgrid.core.errors import UserError
from civicgrid.core.text import clean_text, json_has_bad_escape

TZ = ZoneInfo("Asia/Shanghai")


# --- periods -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("code, kind, first, last", [
    ("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("2025S1", "half", dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
    ("2025-S2", "half", dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
    ("2025Q3", "quarter", dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
    ("2025-Q4", "quarter", dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
    ("202502", "month", dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
    ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2025W01", "week", dt.date(2024, 12, 30), dt.date(2025, 1, 5)),
    ("20250901", "day", dt.date(2025, 9, 1), dt.date(2025, 9, 1)),
    ("2025-09-01..2025-09-10", "custom", dt.date(2025, 9, 1), dt.date(2025, 9, 10)),
])
def test_period_codes_are_local_calendar_spans(code, kind, first, last):
    p = periods.parse(code)
    assert (p.kind, p.first_day, p.last_day) == (kind, first, last)
    assert p.start == dt.datetime.combine(first, dt.time(), tzinfo=TZ)  # local midnight, stored in UTC
    assert periods.parse(p.code) == p == periods.parse(p.key)


@pytest.mark.parametrize("code", ["2025-13", "2025Q5", "2025S3", "2025-02-30", "2025-09-10..2025-09-01", "", "x"])
def test_bad_period_codes_are_refused(code):
    with pytest.raises(ValueError):
        periods.parse(code)


def test_periods_step_back_and_forward_and_list_a_span():
    assert periods.parse("2025S1").previous().code == "2024S2"
    assert periods.parse("2025Q1").previous().code == "2024Q4"
    assert periods.parse("202512").next().code == "202601"
    assert periods.parse("2025-09-01..2025-09-10").previous().key == "2025-08-22..2025-08-31"
    assert [p.code for p in periods.between("quarter", dt.date(2025, 2, 1), dt.date(2025, 8, 1))] == [
        "2025Q1", "2025Q2", "2025Q3"]
    moment = dt.datetime(2025, 6, 30, 23, 30, tzinfo=TZ)  # still the first half in Shanghai
    assert periods.current("half", moment).code == "2025S1"
    assert periods.last_full("half", moment).code == "2024S2"


# --- indicators ----------------------------------------------------------------------------------------
def test_a_rolled_up_rate_is_the_sum_of_numerators_over_the_sum_of_denominators():
    parts = [indicators.Fraction(1, 1), indicators.Fraction(0, 9)]  # 100 % and 0 %
    total = indicators.rolled_up(parts)
    assert total.value == pytest.approx(0.1)  # not the mean of the two rates (50 %)
    assert indicators.ratio(3, 0) is None and indicators.Fraction().value is None


def test_weighted_score_skips_indicators_without_data_and_grades_by_band():
    rules = [("a", 40, False), ("b", 40, False), ("c", 20, True)]
    assert indicators.weighted_score({"a": 1.0, "b": 0.5, "c": 0.25}, rules) == pytest.approx(75.0)
    assert indicators.weighted_score({"a": 1.0, "b": None}, rules) == pytest.approx(100.0)
    assert indicators.weighted_score({}, rules) is None
    bands = [(90.0, "A"), (75.0, "B"), (0.0, "C")]
    assert [indicators.grade(s, bands) for s in (95, 75, 10, None)] == ["A", "B", "C", ""]


def test_traffic_light_against_a_target():
    assert indicators.traffic_light(0.94, 0.93) == "met"
    assert indicators.traffic_light(0.90, 0.93) == "near"
    assert indicators.traffic_light(0.50, 0.93) == "missed"
    assert indicators.traffic_light(10.4, 10, higher_is_better=False) == "near"
    assert indicators.traffic_light(12, 10, higher_is_better=False) == "missed"
    assert indicators.traffic_light(None, 0.93) == ""


# --- deadlines -----------------------------------------------------------------------------------------
MONDAY_10 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)  # a working Monday


def test_due_dates_run_in_working_time():
    assert deadlines.due(MONDAY_10, 4, deadlines.WORK_HOURS) == workcalendar.add_working_time(MONDAY_10, hours=4)
    assert deadlines.due(MONDAY_10, 5, deadlines.WORK_DAYS) == workcalendar.add_working_time(MONDAY_10, days=5)
    assert deadlines.due(MONDAY_10, unit=deadlines.SAME_DAY) == workcalendar.end_of_working_day(MONDAY_10)
    with pytest.raises(ValueError):
        deadlines.due(MONDAY_10, 1, "fortnights")


def test_a_pause_moves_the_deadline_by_the_working_time_paused():
    due = deadlines.due(MONDAY_10, 4)
    resumed = MONDAY_10 + dt.timedelta(hours=1)
    moved = deadlines.after_pause(due, MONDAY_10, resumed)
    assert workcalendar.working_time_between(due, moved) == workcalendar.working_time_between(MONDAY_10, resumed)
    assert deadlines.extended(due, 2) == workcalendar.add_working_time(due, hours=2)


def test_the_clock_is_ok_then_warned_then_overdue_and_stands_still_when_paused():
    due = deadlines.due(MONDAY_10, 4)
    assert deadlines.clock(due, MONDAY_10, warn_minutes=60).state == "ok"
    assert deadlines.clock(due, due - dt.timedelta(minutes=30), warn_minutes=60).state == "warn"
    assert deadlines.clock(due, MONDAY_10, warn_minutes=60, warned=True).state == "warn"
    late = deadlines.clock(due, due + dt.timedelta(minutes=90), warn_minutes=60)
    assert late.state == "overdue" and late.minutes < 0 and late.label.startswith("−")
    # Paused before the deadline: a week later it is still not overdue.
    paused = deadlines.clock(due, due + dt.timedelta(days=7), warn_minutes=60, paused_at=MONDAY_10)
    assert paused.state == "ok" and paused.minutes == 240
    # Past the deadline outside working hours (no working time between) is overdue all the same.
    evening_due = workcalendar.end_of_working_day(MONDAY_10)
    assert deadlines.is_overdue(evening_due, evening_due + dt.timedelta(hours=3))


# --- text and paging -------------------------------------------------------------------------------------
def test_text_rule_removes_controls_refuses_nul_and_names_the_field_by_its_label():
    assert clean_text(" 张\x07三 ", field="name", label="姓名") == "张三"
    assert clean_text("一行\n两行", field="note", multiline=True) == "一行\n两行"
    assert clean_text("一行\n两行", field="title", multiline=False) == "一行 两行"
    for bad in ("a\x00b", "a\ud800b"):
        with pytest.raises(UserError) as err:
            clean_text(bad, field="name", label="姓名")
        assert err.value.field == "name" and "姓名" in err.value.message and "name" not in err.value.message
    with pytest.raises(UserError) as err:
        clean_text("  ", field="title", label="标题", required=True)
    assert "标题" in err.value.message
    with pytest.raises(UserError):
        clean_text("x" * 11, field="title", label="标题", limit=10)


def test_json_escapes_of_nul_and_lone_surrogates_are_found_but_not_escaped_backslashes():
    assert json_has_bad_escape(rb'{"a": "x\u0000"}')
    assert json_has_bad_escape(rb'{"a": "\ud83d"}') and json_has_bad_escape(rb'{"a": "\ude00x"}')
    assert not json_has_bad_escape(rb'{"a": "\\u0000"}')  # a backslash and the text u0000
    assert not json_has_bad_escape(rb'{"a": "\ud83d\ude00 \u4e2d\n"}')


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["offset=-1", "limit=0", "limit=-1", "offset=9223372036854775808",
                                   "offset=abc", "q=%00"])
def test_paging_and_nul_answer_4xx_naming_the_parameter(tree, people, client_for, query):
    client = client_for(people["district"])
    for path in ("/api/areas/", "/api/units/", "/api/registry/people", "/api/cases/", "/api/circle/providers"):
        r = client.get(f"{path}?{query}")
        assert r.status_code in (400, 422), (path, query, r.status_code)
        assert r.json()["field"] in ("offset", "limit", "q"), r.json()


@pytest.mark.django_db
def test_a_limit_above_the_page_size_is_cut_to_it(tree, people, client_for):
    rows = client_for(people["district"]).get("/api/areas/?limit=100000").json()
    assert 0 < len(rows) <= 1000


# --- the app registry ---------------------------------------------------------------------------------
def test_every_app_declares_its_capabilities_and_every_grant_is_declared():
    declared = plugins.capabilities()
    apps = {c.app for c in declared.values()}
    assert {"core", "areas", "accounts", "registry", "cases", "circle"} <= apps
    for role, codes in plugins.grants().items():
        assert codes <= set(declared), role
    from civicgrid.accounts.roles import Role

    assert plugins.capabilities_of(Role.RESIDENT) == {"circle.rate"}


def test_menus_urls_and_routers_come_from_the_apps():
    from django.urls import reverse

    for _menu, entries in plugins.menus():
        for entry in entries:
            assert reverse(entry.url_name)
    prefixes = [r.prefix for r in plugins.api_routers()]
    assert prefixes.index("/cases/evaluation/") < prefixes.index("/cases/") < prefixes.index("/")


# --- history -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_history_table_has_its_update_trigger():
    from django.db import connection

    from civicgrid.core.history import HistoryEvent

    tables = [m._meta.db_table for m in _models() if issubclass(m, HistoryEvent)]
    assert {"cases_caseevent", "circle_providerevent", "registry_personevent"} <= set(tables)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        triggers = {row[0] for row in cursor.fetchall()}
    for table in tables:
        assert f"{table}_no_update" in triggers, table


def _models():
    from django.apps import apps

    return apps.get_models()
