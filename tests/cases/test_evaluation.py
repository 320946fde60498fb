"""Evaluation (综合评价): hand-made cases with known answers, the demo's figures recomputed by
independent SQL, and who may see which numbers (page, API, export, public scoreboard)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.cases import actions, evaluation
from civicgrid.cases.models import Case, CaseClass, CaseTask
from civicgrid.core.scoping import SYSTEM
from civicgrid.demo.cases import simulated_clock

from .conftest import GRID, centre_of

TZ = ZoneInfo("Asia/Shanghai")
NOV = evaluation.month_period(2026, 11)


def at(day: int, hhmm: str) -> dt.datetime:
    """A local time in November 2026 (the 2nd is a Monday, a working day)."""
    h, m = map(int, hhmm.split(":"))
    return dt.datetime(2026, 11, day, h, m, tzinfo=TZ)


def patrol(clock, org, when, *, reporter="grid", cls_code="E0101", grid=GRID):
    clock.set(when)
    lon, lat = centre_of(org["tree"][grid])
    return actions.do_report_case(actor=org["people"][reporter], channel="patrol",
                                  cls=CaseClass.objects.get(code=cls_code), title="垃圾", description="路边垃圾",
                                  lon=lon, lat=lat)


def community_loop(clock, org, case, *, dispatch, feedback=None, close=None, rework=None, rating=None):
    """Register and dispatch at the community at ``dispatch``; report the result and close when given."""
    p, units = org["people"], org["units"]
    clock.set(dispatch)
    case = actions.do_register_case(case, actor=p["community"])
    case = actions.do_dispatch_case(case, actor=p["community"], lead_unit=units["community"])
    case = actions.do_accept_case(case, actor=p["community"])
    if feedback is None:
        return case
    if rework is not None:
        clock.set(rework[0])
        case = actions.do_feedback_case(case, actor=p["community"], result="清理一半")
        clock.set(rework[1])
        case = actions.do_verify_case(case, actor=p["supervisor"], passed=False, note="仍有残留")
    clock.set(feedback)
    case = actions.do_feedback_case(case, actor=p["community"], result="已清理")
    if close is None:
        return case
    clock.set(close)
    case = actions.do_verify_case(case, actor=p["supervisor"], passed=True)
    if rating is not None:
        case = actions.do_rate_case(case, actor=SYSTEM, rating=rating)
    return case


@pytest.fixture
def four_due(org, garbage):
    """Four cases due in November: three closed (two on time), one still being handled; one refused.
    暴露垃圾 has 4 working hours: dispatched Monday 09:10, due 14:40 (lunch 12:00–13:30)."""
    with simulated_clock(at(2, "09:00")) as clock:
        a = community_loop(clock, org, patrol(clock, org, at(2, "09:00")), dispatch=at(2, "09:10"),
                           feedback=at(2, "10:30"), close=at(2, "11:00"), rating=1)
        b = community_loop(clock, org, patrol(clock, org, at(2, "09:00")), dispatch=at(2, "09:10"),
                           rework=(at(2, "10:00"), at(2, "10:20")), feedback=at(2, "14:00"), close=at(2, "15:30"))
        c = community_loop(clock, org, patrol(clock, org, at(3, "09:00")), dispatch=at(3, "09:10"),
                           feedback=at(3, "09:40"), close=at(3, "10:10"), rating=4)
        d = community_loop(clock, org, patrol(clock, org, at(4, "09:00")), dispatch=at(4, "09:10"))
        e = patrol(clock, org, at(4, "09:00"))
        clock.set(at(4, "09:05"))
        actions.do_reject_case(e, actor=org["people"]["community"], note="不是城管问题")
    return a, b, c, d


def test_four_due_three_closed_two_on_time_gives_75_and_50_percent(four_due, org):
    a, b, c, d = four_due
    assert b.deadline == at(2, "14:40") and not Case.objects.get(pk=b.pk).closed_on_time
    fig = evaluation.totals(NOV)
    assert (fig.due, fig.closed, fig.closed_on_time) == (4, 3, 2)
    assert fig.closing_rate == 0.75 and fig.on_time_rate == 0.5
    assert fig.rework_rate == 0.25 and fig.extension_rate == 0
    assert fig.satisfaction_rate == 0.5 and fig.satisfaction_score == 62.5  # 非常满意 100, 不满意 25
    # Working hours from dispatch to closing: 1h50, 4h50 (lunch excluded), 1h → mean 2h33m20s.
    assert fig.mean_handling_hours == pytest.approx((110 + 290 + 60) / 60 / 3)
    assert fig.reported == 5 and fig.dispatches == 4 and fig.sendback_rate == 0


def test_figures_count_for_the_unit_and_every_area_level_and_nothing_outside(four_due, org):
    units = evaluation.by_unit(NOV)
    assert [(r.key, r.figures.due, r.figures.closed) for r in units] == [("JW1", 4, 3)]
    # The unit score: on time 50 %×40 + closed 75 %×20 + (1 − rework 25 %)×20 + satisfied 50 %×20.
    assert units[0].score == pytest.approx(20 + 15 + 15 + 10) and units[0].grade == "C"
    areas = {r.key: r.figures for r in evaluation.by_area(NOV, levels=("street", "community", "grid"))}
    assert areas["330106001"].due == areas["330106001001"].due == areas[GRID].due == 4
    assert areas["330106002"].due == 0 and areas["330106001001002"].due == 0
    assert evaluation.totals(NOV, ("330106002",)).due == 0  # another street's view sees none of it
    assert evaluation.totals(evaluation.month_period(2026, 10)).due == 0  # nor another month


def test_a_case_due_in_the_period_but_closed_after_it_is_due_there_and_late_where_it_closed(org, garbage):
    with simulated_clock(at(30, "09:00")) as clock:  # Monday 30 November, due 14:40
        community_loop(clock, org, patrol(clock, org, at(30, "09:00")), dispatch=at(30, "09:10"),
                       feedback=at(30, "17:00"), close=dt.datetime(2026, 12, 1, 9, 30, tzinfo=TZ))
    nov, dec = evaluation.totals(NOV), evaluation.totals(evaluation.month_period(2026, 12))
    assert (nov.due, nov.closed, nov.on_time_rate) == (1, 0, 0)
    assert (dec.due, dec.closed, dec.closed_on_time) == (1, 1, 0)


def _hotline(clock, org, when, cls_code="H03"):
    clock.set(when)
    lon, lat = centre_of(org["tree"][GRID])
    return actions.do_report_case(actor=org["people"]["seat"], channel="hotline",
                                  cls=CaseClass.objects.get(code=cls_code), title="噪音投诉", description="夜间噪音",
                                  lon=lon, lat=lat, reporter_phone="13800001234")


def test_shift_leader_and_dispatcher_scores_from_their_own_steps(org, garbage):
    p, u = org["people"], org["units"]
    with simulated_clock(at(2, "09:00")) as clock:
        one, two, three = (_hotline(clock, org, at(2, "09:00")) for _ in range(3))
        clock.set(at(2, "09:30"))
        one = actions.do_register_case(one, actor=p["shift"])  # on time (60 working minutes)
        two = actions.do_register_case(two, actor=p["shift"])
        clock.set(at(2, "10:30"))
        three = actions.do_register_case(three, actor=p["shift"])  # late
        clock.set(at(2, "10:00"))
        one = actions.do_dispatch_case(one, actor=p["dispatcher"], lead_unit=u["sanitation"])  # on time
        clock.set(at(2, "11:00"))
        two = actions.do_dispatch_case(two, actor=p["dispatcher"], lead_unit=u["chengguan"])  # late (due 10:30)
        clock.set(at(2, "11:10"))
        one = actions.do_send_back_case(one, actor=p["sanitation"], reason="不是环卫的事")  # inaccurate
        clock.set(at(2, "11:20"))
        one = actions.do_dispatch_case(one, actor=p["dispatcher"], lead_unit=u["chengguan"])  # on time again
        clock.set(at(2, "11:30"))
        actions.do_merge_case(three, two, actor=p["dispatcher"])  # registered, then found a duplicate
    shift = {r.key: r for r in evaluation.shift_leaders(NOV)}["c_shift"]
    assert shift.values["register_on_time_rate"] == pytest.approx(2 / 3)
    assert shift.values["register_accuracy_rate"] == pytest.approx(2 / 3)
    assert shift.values["close_on_time_rate"] == 0  # two complaints due within 13 working days, none closed
    assert shift.score == pytest.approx(25 * 2 / 3 + 40 * 2 / 3, abs=0.01) and shift.grade == "D"
    disp = {r.key: r for r in evaluation.dispatchers(NOV)}["c_disp"]
    assert disp.counts == {"dispatches": 3, "dispatched_on_time": 2, "dispatched_accurately": 2}
    assert disp.values["dispatch_count_score"] == 1.0  # the busiest (only) dispatcher of the centre
    assert disp.score == pytest.approx(20 + 40 * 2 / 3 + 40 * 2 / 3, abs=0.01) and disp.grade == "C"


def test_supervisor_score_counts_valid_missed_and_on_time_tasks(org, garbage):
    p = org["people"]
    with simulated_clock(at(2, "09:00")) as clock:
        mine = patrol(clock, org, at(2, "09:00"), reporter="supervisor")
        community_loop(clock, org, mine, dispatch=at(2, "09:10"), feedback=at(2, "10:00"), close=at(2, "11:00"))
        bad = patrol(clock, org, at(2, "09:20"), reporter="supervisor")
        actions.do_reject_case(bad, actor=p["community"], note="不是问题")
        clock.set(at(3, "09:00"))  # a resident found one the supervisor had not
        lon, lat = centre_of(org["tree"][GRID])
        resident = actions.do_report_case(actor=None, channel="resident", cls=CaseClass.objects.get(code="E0101"),
                                          title="垃圾", description="没人管", lon=lon, lat=lat)
        clock.set(at(3, "10:00"))
        actions.do_confirm_report(resident, actor=p["supervisor"], real=True)  # on time (due 11:00)
        community_loop(clock, org, Case.objects.get(pk=resident.pk), dispatch=at(3, "10:10"), feedback=at(3, "10:30"),
                       close=at(3, "14:30"))  # the check came after its 120 working minutes (due 14:00)
    row = {r.key: r for r in evaluation.supervisors(NOV)}["c_sup"]
    assert row.values == {"valid_report_rate": 0.5, "missed_report_rate": 0.5, "confirm_on_time_rate": 1.0,
                          "check_on_time_rate": 0.5}
    assert row.score == pytest.approx(40 * 0.5 + 20 * 0.5 + 20 + 20 * 0.5) and row.grade == "C"
    assert CaseTask.objects.filter(kind="check").count() == 2


def test_weights_are_data_an_administrator_changes(org, garbage):
    from civicgrid.cases.models import ScoreRule

    ScoreRule.objects.filter(post="dispatcher", indicator="dispatch_count_score").update(weight=0)
    ScoreRule.objects.filter(post="dispatcher").exclude(indicator="dispatch_count_score").update(weight=50)
    assert evaluation.weighted_score({"dispatch_count_score": 0.0, "dispatch_on_time_rate": 1.0,
                                      "dispatch_accuracy_rate": 0.5}, evaluation._rules("dispatcher")) == 75.0
    assert [evaluation.grade(s) for s in (90, 89.99, 75, 60, 40, 39.9, None)] == ["A", "B", "B", "C", "D", "E", ""]


@pytest.mark.parametrize("params, field", [
    ({"period": "month", "month": "2026-13"}, "month"), ({"period": "quarter", "quarter": "2026-Q5"}, "quarter"),
    ({"period": "custom", "start": "2026-11-01", "end": "x"}, "end"),
    ({"period": "custom", "start": "2026-11-05", "end": "2026-11-01"}, "end"), ({"period": "week"}, "period"),
])
def test_a_bad_period_names_the_field(params, field):
    from civicgrid.core.errors import UserError

    with pytest.raises(UserError) as err:
        evaluation.parse_period(params)
    assert err.value.field == field


def test_periods_are_local_calendar_months_quarters_and_inclusive_custom_ranges():
    q4 = evaluation.parse_period({"period": "quarter", "quarter": "2026-Q4"})
    assert (q4.start, q4.end) == (dt.datetime(2026, 10, 1, tzinfo=TZ), dt.datetime(2027, 1, 1, tzinfo=TZ))
    custom = evaluation.parse_period({"period": "custom", "start": "2026-11-02", "end": "2026-11-02"})
    assert custom.end - custom.start == dt.timedelta(days=1) and custom.last_day == dt.date(2026, 11, 2)
    assert NOV.start == dt.datetime(2026, 11, 1, tzinfo=TZ)
