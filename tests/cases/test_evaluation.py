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

from ..support.matrix import Matrix
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
                                      "dispatch_accuracy_rate": 0.5}, evaluation.score_rules("dispatcher")) == 75.0
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


def test_an_assignment_escalated_as_overdue_stays_due_and_unclosed_for_its_unit(org, garbage):
    p, u = org["people"], org["units"]
    with simulated_clock(at(2, "09:00")) as clock:
        case = community_loop(clock, org, patrol(clock, org, at(2, "09:00")), dispatch=at(2, "09:10"))
        clock.set(at(2, "15:00"))
        actions.do_check_deadlines(actor=SYSTEM, now=at(2, "15:00"))  # due 14:40: up to the street
        case = Case.objects.get(pk=case.pk)
        assert case.tier == "street" and case.lead_unit is None
        case = actions.do_dispatch_case(case, actor=p["street"], lead_unit=u["street"])
        case = actions.do_accept_case(case, actor=p["street"])
        clock.set(at(3, "09:30"))
        case = actions.do_feedback_case(case, actor=p["street"], result="已清理")
        clock.set(at(3, "10:00"))
        actions.do_verify_case(case, actor=p["supervisor"], passed=True)
    units = {r.key: r.figures for r in evaluation.by_unit(NOV)}
    assert (units["JW1"].due, units["JW1"].closed) == (1, 0)
    assert (units["JD1"].due, units["JD1"].closed, units["JD1"].closed_on_time) == (1, 1, 1)
    fig = evaluation.totals(NOV)
    assert (fig.due, fig.closed, fig.dispatches) == (2, 1, 2) and fig.closing_rate == 0.5


# --- acceptance 3: the demo's figures recomputed by independent SQL ----------------------------------
ASSIGNMENTS_SQL = """
WITH b AS (
  SELECT e.id, e.case_id, e.kind, e.at, e.unit_id,
         LEAD(e.kind) OVER (PARTITION BY e.case_id ORDER BY e.at, e.id) AS next_kind,
         LEAD(e.at) OVER (PARTITION BY e.case_id ORDER BY e.at, e.id) AS next_at,
         LEAD(e.id) OVER (PARTITION BY e.case_id ORDER BY e.at, e.id) AS next_id
  FROM cases_caseevent e
  WHERE e.kind IN ('dispatched', 'sent_back', 'escalated', 'closed')
     OR (e.kind = 'overdue' AND e.to_status = 'registered')
), a AS (
  SELECT b.id, b.case_id, b.unit_id, b.at AS dispatched_at, COALESCE(b.next_kind, '') AS end_kind,
         CASE WHEN b.next_kind = 'closed' THEN b.next_at END AS closed_at,
         (SELECT x.deadline FROM cases_caseevent x
           WHERE x.case_id = b.case_id AND x.deadline IS NOT NULL
             AND (x.at > b.at OR (x.at = b.at AND x.id >= b.id))
             AND (b.next_id IS NULL OR x.at < b.next_at OR (x.at = b.next_at AND x.id < b.next_id)
                  OR (x.id = b.next_id AND b.next_kind = 'closed'))
           ORDER BY x.at DESC, x.id DESC LIMIT 1) AS deadline,
         (SELECT COUNT(*) FROM cases_caseevent y WHERE y.case_id = b.case_id AND y.kind = 'rework'
             AND (y.at > b.at OR (y.at = b.at AND y.id > b.id))
             AND (b.next_id IS NULL OR y.at < b.next_at OR (y.at = b.next_at AND y.id < b.next_id))) AS reworks,
         (SELECT COUNT(*) FROM cases_caseevent y WHERE y.case_id = b.case_id AND y.kind = 'ext_granted'
             AND (y.at > b.at OR (y.at = b.at AND y.id > b.id))
             AND (b.next_id IS NULL OR y.at < b.next_at OR (y.at = b.next_at AND y.id < b.next_id))) AS extensions,
         c.area_code, c.rating, c.registered_by_id
  FROM b JOIN cases_case c ON c.id = b.case_id
  WHERE b.kind = 'dispatched' AND b.at < %(end)s
), due AS (
  SELECT * FROM a
  WHERE (closed_at >= %(start)s AND closed_at < %(end)s)
     OR (NOT (end_kind = 'closed' AND closed_at < %(start)s) AND deadline >= %(start)s AND deadline < %(end)s)
)
SELECT {key} AS k, COUNT(*) AS due,
       SUM(CASE WHEN closed_at < %(end)s THEN 1 ELSE 0 END) AS closed,
       SUM(CASE WHEN closed_at < %(end)s AND closed_at <= deadline THEN 1 ELSE 0 END) AS on_time,
       SUM(CASE WHEN reworks > 0 THEN 1 ELSE 0 END) AS reworked,
       SUM(CASE WHEN extensions > 0 THEN 1 ELSE 0 END) AS extended,
       SUM(CASE WHEN closed_at < %(end)s AND rating IS NOT NULL THEN 1 ELSE 0 END) AS rated,
       SUM(CASE WHEN closed_at < %(end)s AND rating <= 3 THEN 1 ELSE 0 END) AS satisfied,
       SUM(CASE WHEN closed_at < %(end)s AND rating IS NOT NULL THEN (5 - rating) * 25 ELSE 0 END) AS points
FROM due {where} GROUP BY {key}
"""
SENDBACK_SQL = """
SELECT {key} AS k, SUM(CASE WHEN kind = 'dispatched' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'sent_back' THEN 1 ELSE 0 END)
FROM cases_caseevent WHERE kind IN ('dispatched', 'sent_back') AND at >= %(start)s AND at < %(end)s GROUP BY {key}
"""


def _sql(query: str, params) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


def _p(period) -> dict:
    from django.db import connection

    return {"start": connection.ops.adapt_datetimefield_value(period.start),
            "end": connection.ops.adapt_datetimefield_value(period.end)}


def _as_dt(value):
    if isinstance(value, str):  # SQLite keeps UTC text
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _rate(n, d):
    return None if not d else n / d


def _sql_case_figures(period, key: str, where: str = "", *, sendbacks: bool = True) -> dict:
    rows = _sql(ASSIGNMENTS_SQL.format(key=key, where=where), _p(period))
    out = {}
    for k, due, closed, on_time, reworked, extended, rated, satisfied, points in rows:
        out[k] = {"due": due, "closed": closed, "closed_on_time": on_time, "closing_rate": _rate(closed, due),
                  "on_time_rate": _rate(on_time, due), "rework_rate": _rate(reworked, due),
                  "extension_rate": _rate(extended, due), "satisfaction_rate": _rate(satisfied, rated),
                  "satisfaction_score": _rate(points, rated)}
    for k, dispatches, sent_back in _sql(SENDBACK_SQL.format(key=key), _p(period)) if sendbacks else ():
        out.setdefault(k, {})["sendback_rate"] = _rate(sent_back, dispatches)
    return out


def _exact(fig) -> dict:
    keys = ("due", "closed", "closed_on_time", "closing_rate", "on_time_rate", "rework_rate", "extension_rate",
            "sendback_rate", "satisfaction_rate", "satisfaction_score")
    return {k: getattr(fig, k) for k in keys}


def _same(platform: dict, sql: dict, label: str) -> None:
    for k, v in sql.items():
        assert platform.get(k) == pytest.approx(v), f"{label} {k}: platform {platform.get(k)} ≠ SQL {v}"


def _score(values: dict, post: str) -> float | None:
    rows = _sql("SELECT indicator, weight, invert FROM cases_scorerule WHERE post = %s", [post])
    total = weights = 0.0
    for indicator, weight, invert in rows:
        v = values[indicator]
        if v is not None:
            total += float(weight) * ((1 - v) if invert else v)
            weights += float(weight)
    return round(100 * total / weights, 2) if weights else None


def _step_hours(step: str) -> float:
    return _sql("SELECT minutes FROM cases_steplimit WHERE step = %s", [step])[0][0] / 60


def _sql_supervisors(period) -> dict:
    p = _p(period)
    out = {}
    for user_id, username in _sql("SELECT DISTINCT u.id, u.username FROM accounts_membership m JOIN accounts_user u "
                                  "ON u.id = m.user_id WHERE m.role = 'supervisor' AND m.active", []):
        codes = [c for (c,) in _sql("SELECT area_code FROM accounts_membership WHERE user_id = %s AND "
                                    "role = 'supervisor' AND active", [user_id])]
        like = " OR ".join(["c.area_code LIKE %s"] * len(codes))
        reports, valid = _sql("SELECT COUNT(*), SUM(CASE WHEN registered_at IS NOT NULL THEN 1 ELSE 0 END) FROM "
                              "cases_case WHERE channel = 'patrol' AND reporter_id = %s AND reported_at >= %s AND "
                              "reported_at < %s", [user_id, p["start"], p["end"]])[0]
        valid = valid or 0
        (missed,), = _sql("SELECT COUNT(*) FROM cases_case c JOIN cases_caseclass k ON k.id = c.cls_id WHERE "
                          "c.channel <> 'patrol' AND k.kind IN ('event', 'component') AND c.registered_at IS NOT NULL "
                          f"AND c.reported_at >= %s AND c.reported_at < %s AND ({like})",
                          [p["start"], p["end"], *[f"{c}%" for c in codes]])
        rates = {}
        for kind in ("confirm", "check"):
            n, ok = _sql("SELECT COUNT(*), SUM(CASE WHEN c.done_by_id = %s AND c.done_at <= c.due_at THEN 1 ELSE 0 END) "
                         "FROM cases_casetask c WHERE c.kind = %s AND c.due_at >= %s AND c.due_at < %s AND "
                         f"c.outcome <> 'cancelled' AND (c.done_by_id = %s OR (c.done_by_id IS NULL AND ({like})))",
                         [user_id, kind, p["start"], p["end"], user_id, *[f"{c}%" for c in codes]])[0]
            rates[kind] = _rate(ok or 0, n)
        values = {"valid_report_rate": _rate(valid, reports), "missed_report_rate": _rate(missed, missed + valid),
                  "confirm_on_time_rate": rates["confirm"], "check_on_time_rate": rates["check"]}
        out[username] = (values, _score(values, "supervisor"))
    return out


def _sql_shift_leaders(period) -> dict:
    from civicgrid.core import workcalendar

    p, hours = _p(period), _step_hours("register")
    out = {}
    for user_id, username in _sql("SELECT DISTINCT u.id, u.username FROM accounts_membership m JOIN accounts_user u "
                                  "ON u.id = m.user_id WHERE m.role = 'shift_leader' AND m.active", []):
        rows = _sql("SELECT c.reported_at, c.registered_at, CASE WHEN c.status NOT IN ('invalid', 'duplicate') AND "
                    "NOT c.reclassified AND NOT EXISTS (SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id AND "
                    "e.kind = 'reclassified' AND e.at > c.registered_at) THEN 1 ELSE 0 END FROM cases_case c WHERE "
                    "c.registered_by_id = %s AND c.registered_at >= %s AND c.registered_at < %s",
                    [user_id, p["start"], p["end"]])
        on_time = sum(_as_dt(reg) <= workcalendar.add_working_time(_as_dt(rep), hours=hours) for rep, reg, _a in rows)
        accurate = sum(a for _r, _g, a in rows)
        closing = _sql_case_figures(period, "registered_by_id", f"WHERE registered_by_id = {int(user_id)}",
                                    sendbacks=False)
        due = closing.get(user_id, {})
        values = {"register_on_time_rate": _rate(on_time, len(rows)), "register_accuracy_rate": _rate(accurate, len(rows)),
                  "close_on_time_rate": _rate(due.get("closed_on_time", 0), due.get("due", 0))}
        out[username] = (values, _score(values, "shift_leader"))
    return out


def _sql_dispatchers(period) -> dict:
    from civicgrid.core import workcalendar

    p, hours = _p(period), _step_hours("dispatch")
    people = _sql("SELECT u.id, u.username, m.unit_id FROM accounts_membership m JOIN accounts_user u "
                  "ON u.id = m.user_id WHERE m.role = 'dispatcher' AND m.active", [])
    stats = {}
    for user_id, username, unit_id in people:
        rows = _sql("""
            SELECT e.at,
              (SELECT MAX(x.at) FROM cases_caseevent x WHERE x.case_id = e.case_id AND x.to_status = 'registered'
                 AND (x.at < e.at OR (x.at = e.at AND x.id < e.id))),
              (SELECT y.kind FROM cases_caseevent y WHERE y.case_id = e.case_id AND y.kind IN ('dispatched', 'sent_back')
                 AND (y.at > e.at OR (y.at = e.at AND y.id > e.id)) ORDER BY y.at, y.id LIMIT 1)
            FROM cases_caseevent e WHERE e.kind = 'dispatched' AND e.actor_id = %s AND e.at >= %s AND e.at < %s""",
                    [user_id, p["start"], p["end"]])
        on_time = sum(ready is not None and _as_dt(at) <= workcalendar.add_working_time(_as_dt(ready), hours=hours)
                      for at, ready, _n in rows)
        accurate = sum(nxt != "sent_back" for _a, _r, nxt in rows)
        stats[username] = (unit_id, len(rows), on_time, accurate)
    out = {}
    for username, (unit_id, n, on_time, accurate) in stats.items():
        top = max(s[1] for s in stats.values() if s[0] == unit_id)
        values = {"dispatch_count_score": min(1.0, n / top) if top else None,
                  "dispatch_on_time_rate": _rate(on_time, n), "dispatch_accuracy_rate": _rate(accurate, n)}
        out[username] = (values, _score(values, "dispatcher"))
    return out


@pytest.mark.django_db
def test_demo_figures_match_independent_sql_per_unit_area_and_post():
    """Acceptance 3: on the demo district, every figure of the evaluation equals the same figure
    computed by hand-written SQL from the definitions in docs/cases.md (units, streets, posts)."""
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from civicgrid.accounts.models import OrgUnit

    call_command("demo", "--seed", "2", "--people", "0", stdout=io.StringIO())
    today = timezone.localdate()
    periods = [evaluation.last_full_month(), evaluation.custom_period(today - dt.timedelta(days=60), today),
               evaluation.custom_period(today - dt.timedelta(days=10), today)]
    checked = 0
    for period in periods:
        sql_units = _sql_case_figures(period, "unit_id")
        platform = {OrgUnit.objects.get(code=r.key).pk: _exact(r.figures) for r in evaluation.by_unit(period)}
        assert set(platform) == set(sql_units)
        for unit_id, figures in sql_units.items():
            _same(platform[unit_id], figures, f"{period.key} unit {unit_id}")
            checked += 1
        sql_streets = _sql_case_figures(period, "SUBSTR(area_code, 1, 9)")
        streets = {r.key: _exact(r.figures) for r in evaluation.by_area(period, levels=("street",))}
        for code, figures in sql_streets.items():
            _same(streets[code], figures, f"{period.key} street {code}")
            checked += 1
        total = evaluation.totals(period)
        assert total.due == sum(f.get("due", 0) for f in sql_streets.values()) > 0
        posts = {r.key: r for r in evaluation.by_post(period)}
        for expected in (_sql_supervisors(period), _sql_shift_leaders(period), _sql_dispatchers(period)):
            assert expected
            for username, (values, score) in expected.items():
                row = posts[username]
                _same(row.values, values, f"{period.key} {username}")
                assert row.score == pytest.approx(score), f"{period.key} {username} score"
                checked += 1
    assert checked >= 50
    _replays_agree(periods + [evaluation.custom_period(today - dt.timedelta(days=400), today)])


def _replays_agree(periods):
    """On PostgreSQL the assignments come from one SQL statement (``_replay_sql``); on the demo's
    histories (send-backs, escalations, overdue, rework, extensions, re-dispatch) it gives exactly
    the Python replay's assignments, hours included."""
    from django.db import connection

    from civicgrid.cases.evaluation import figures

    if connection.vendor != "postgresql":
        return
    info = {row[0]: row[1:] for row in Case.objects.values_list("id", "area_code", "registered_by_id", "rating")}
    kinds = set()
    for period in periods:
        python = figures._replay_python(period, info)
        sql = figures._replay_sql(period, info)
        assert len(python) == len(sql) > 0
        for a, b in zip(sorted(python, key=lambda a: (a.case_id, a.dispatched_at)),
                        sorted(sql, key=lambda a: (a.case_id, a.dispatched_at)), strict=True):
            assert a == b, (period.key, a, b)
            assert a.hours == pytest.approx(b.hours), (period.key, a)
            kinds.add(a.end_kind)
    assert "closed" in kinds and len(kinds) >= 3, kinds


# --- who sees which numbers ---------------------------------------------------------------------------
def _codes(payload) -> set[str]:
    return {r["key"] for r in payload if r.get("key", "").isdigit()}


@pytest.fixture
def two_streets(org, garbage):
    """A closed case in street 001 and another in street 002 (November), reported by named callers."""
    p = org["people"]
    with simulated_clock(at(2, "09:00")) as clock:
        community_loop(clock, org, patrol(clock, org, at(2, "09:00")), dispatch=at(2, "09:10"),
                       feedback=at(2, "10:00"), close=at(2, "11:00"))
        clock.set(at(2, "09:00"))
        lon, lat = centre_of(org["tree"]["330106002001001"])
        other = actions.do_report_case(actor=p["seat"], channel="hotline", cls=CaseClass.objects.get(code="E0101"),
                                       title="垃圾", description="堆放", lon=lon, lat=lat, reporter_name="王秀英",
                                       reporter_phone="13912345678")
        clock.set(at(2, "09:20"))
        other = actions.do_register_case(other, actor=p["shift"])
        other = actions.do_dispatch_case(other, actor=p["dispatcher"], lead_unit=org["units"]["sanitation"])
        other = actions.do_accept_case(other, actor=p["sanitation"])
        other = actions.do_feedback_case(other, actor=p["sanitation"], result="已清运")
        clock.set(at(2, "10:00"))
        actions.do_verify_case(other, actor=SYSTEM, passed=True)
    return org


def test_street_admin_sees_only_their_street_on_page_api_and_export(two_streets, client_for):
    p = two_streets["people"]
    m = Matrix()
    street = client_for(p["street"])
    q = "period=month&month=2026-11"
    areas = street.get(f"/api/cases/evaluation/areas?{q}&levels=street,community,grid").json()
    outside = {c for c in _codes(areas) if not c.startswith("330106001")}
    m.record("evaluation api areas · street · own", bool(outside), str(sorted(outside)))
    assert {r["key"]: r["due"] for r in areas}["330106001"] == 1
    units = street.get(f"/api/cases/evaluation/units?{q}").json()
    m.record("evaluation api units · street · other street's case", any(r["key"] == "HW" for r in units))
    assert [r["key"] for r in units] == ["JW1"]
    posts = street.get(f"/api/cases/evaluation/posts?{q}").json()
    m.record("evaluation api posts · street · centre staff", any(r["kind"] != "supervisor" for r in posts))
    assert [r["key"] for r in posts] == ["c_sup"]
    for area in ("330106002", "330106", "330108001", "999"):
        status = street.get(f"/api/cases/evaluation/?{q}&area={area}").status_code
        m.record(f"evaluation api area={area} · street", status != 404, f"got {status}")
        page_status = street.get(f"/cases/evaluation/?{q}&area={area}").status_code
        m.record(f"evaluation page area={area} · street", page_status != 404, f"got {page_status}")
    page = street.get(f"/cases/evaluation/?{q}").content.decode()
    m.record("evaluation page · street · other street", "街道330106002" in page)
    assert "街道330106001" in page and "社区居委会" in page
    export = street.get(f"/cases/evaluation/export.xlsx?{q}")
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(export.content), read_only=True)
    cells = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    m.record("evaluation export · street · other street", any(c.startswith("330106002") for c in cells))
    assert "330106001001" in cells and "区环卫中心" not in cells
    m.done()


def test_district_admin_and_shift_leader_see_the_district_including_the_centre(two_streets, client_for):
    p = two_streets["people"]
    for who in ("district", "shift"):
        body = client_for(p[who]).get("/api/cases/evaluation/?period=month&month=2026-11").json()
        assert body["totals"]["due"] == 2
        assert {"330106001", "330106002"} <= _codes(body["areas"])
        assert "330108001" not in _codes(body["areas"])  # not the other district
        assert {r["key"] for r in body["posts"]} >= {"c_sup", "c_shift", "c_disp"}


def test_posts_without_cases_evaluate_are_refused_and_refusal_writes_nothing(two_streets, client_for, client):
    p = two_streets["people"]
    m = Matrix()
    for who in ("supervisor", "grid", "seat", "dispatcher", "sanitation", "community"):
        c = client_for(p[who])
        for url, expected in (("/cases/evaluation/", 403), ("/api/cases/evaluation/", 403),
                              ("/cases/evaluation/export.xlsx", 403), ("/api/cases/evaluation/posts", 403)):
            status = c.get(url).status_code
            m.record(f"evaluation {url} · {who}", status == 200, f"got {status}")
            assert status == expected, (who, url, status)
    assert client.get("/cases/evaluation/").status_code == 302  # to the login page
    assert client.get("/api/cases/evaluation/units").status_code == 401
    m.done()


def test_export_is_audited_with_period_and_scope(two_streets, client_for):
    from civicgrid.core.models import AuditLog

    client_for(two_streets["people"]["street"]).get("/cases/evaluation/export.xlsx?period=quarter&quarter=2026-Q4")
    row = AuditLog.objects.get(action="cases.evaluation.export")
    assert row.detail == {"period": "2026-Q4", "scope": ["330106001"]}


def test_public_scoreboard_needs_no_account_and_shows_no_personal_data(two_streets, client):
    from civicgrid.accounts.models import User

    m = Matrix()
    page = client.get("/cases/evaluation/public/?month=2026-11")
    assert page.status_code == 200
    html = page.content.decode()
    assert "区环卫中心" in html and "街道330106001" in html  # units and streets, with their figures
    api = client.get("/api/cases/evaluation/public?month=2026-11")
    assert api.status_code == 200 and api.json()["totals"]["due"] == 2
    text = html + api.content.decode("unicode_escape")
    secrets = ["王秀英", "13912345678", "139****5678", "5678"]
    for user in User.objects.all():
        secrets += [user.username] + ([user.display_name] if user.display_name else [])
    leaked = [s for s in secrets if s in text]
    m.record("public scoreboard · anonymous · personal data", bool(leaked), str(leaked))
    assert not leaked
    assert "社区居委会" not in html  # community committees are not on the board; departments and street offices are
    m.done()


def test_the_cached_scoreboard_changes_as_soon_as_a_case_does(two_streets):
    assert evaluation.public_scores(NOV)["totals"].due == 2
    with simulated_clock(at(5, "09:00")) as clock:
        community_loop(clock, two_streets, patrol(clock, two_streets, at(5, "09:00")), dispatch=at(5, "09:10"),
                       feedback=at(5, "10:00"), close=at(5, "11:00"))
    assert evaluation.public_scores(NOV)["totals"].due == 3


def test_narrowing_to_a_community_lists_its_grids(two_streets, client_for):
    body = client_for(two_streets["people"]["street"]).get(
        "/api/cases/evaluation/?period=month&month=2026-11&area=330106001001").json()
    assert [(r["key"], r["due"]) for r in body["areas"]] == [
        ("330106001001", 1), ("330106001001001", 1), ("330106001001002", 0)]
    assert body["totals"]["due"] == 1 and [r["key"] for r in body["units"]] == ["JW1"]


def test_a_city_sized_unit_table_lists_the_best_and_the_worst_with_a_link_to_all():
    """A city has a thousand lead units: the page lists the 25 best and the 25 worst, says how many
    lie between and links to the whole list (``units=all``)."""
    from django.http import QueryDict
    from django.test import RequestFactory

    from civicgrid.cases import evaluation_views as views

    rows = [{"key": f"U{i:04d}"} for i in range(300)]
    query = QueryDict("period=month&month=2026-11", mutable=True)
    shown = views._units(RequestFactory().get("/cases/evaluation/", dict(query.items())), rows, query)
    assert [r["key"] for r in shown["units"]] == [f"U{i:04d}" for i in (*range(25), *range(275, 300))]
    assert shown["units_hidden"] == 250 and "units=all" in shown["units_all_query"]
    everything = views._units(RequestFactory().get("/cases/evaluation/", {"units": "all"}), rows, query)
    assert len(everything["units"]) == 300 and everything["units_hidden"] == 0
    few = views._units(RequestFactory().get("/cases/evaluation/"), rows[:40], query)
    assert len(few["units"]) == 40
