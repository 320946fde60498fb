"""The case workflow of the core kit: the page's buttons and the actions read one table, so a
button is shown exactly when its action would succeed; history is append-only; the deadline scan."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from django.db import DatabaseError, connection, transaction

from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseEvent, Extension
from civicgrid.cases.rules import CASE_FLOW, buttons
from civicgrid.core import deadlines
from civicgrid.core.errors import Conflict, NotPermitted
from civicgrid.core.history import AppendOnlyError
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, centre_of


class _Rollback(Exception):
    pass


def _succeeds(call) -> bool:
    """Whether the action goes through (its writes rolled back), or is refused for role or state."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except (NotPermitted, Conflict):
        return False


def _report(org, garbage, title="垃圾"):
    lon, lat = centre_of(org["tree"][GRID])
    return actions.do_report_case(actor=org["people"]["grid"], channel=Case.Channel.PATROL, cls=garbage,
                                  title=title, description="一堆垃圾", lon=lon, lat=lat)


def _cases_in_every_state(org, garbage) -> dict[str, Case]:
    """One case per state of the loop at the community tier, moved there through the actions."""
    p, u = org["people"], org["units"]
    out = {"reported": _report(org, garbage, "上报")}
    c = _report(org, garbage, "立案")
    out["registered"] = actions.do_register_case(c, actor=p["community"])
    c = actions.do_register_case(_report(org, garbage, "派遣"), actor=p["community"])
    out["dispatched"] = actions.do_dispatch_case(c, actor=p["community"], lead_unit=u["community"])
    for name in ("handling", "pending", "paused", "feedback", "closed"):
        c = actions.do_register_case(_report(org, garbage, name), actor=p["community"])
        c = actions.do_dispatch_case(c, actor=p["community"], lead_unit=u["community"])
        c = actions.do_accept_case(c, actor=p["community"])
        if name == "pending":
            actions.do_request_extension(c, actor=p["community"], work_hours=2, reason="需要配件")
        elif name == "paused":
            c = actions.do_pause_case(c, actor=p["community"], note="等待居民在家")
        elif name in ("feedback", "closed"):
            c = actions.do_feedback_case(c, actor=p["community"], result="已清理")
            if name == "closed":
                c = actions.do_verify_case(c, actor=p["supervisor"], passed=True)
        out[name] = c
    return out


STEP_CALLS = {
    "register": lambda case, user, org: actions.do_register_case(case, actor=user),
    "dispatch": lambda case, user, org: actions.do_dispatch_case(case, actor=user, lead_unit=org["units"]["community"]),
    "accept": lambda case, user, org: actions.do_accept_case(case, actor=user),
    "send_back": lambda case, user, org: actions.do_send_back_case(case, actor=user, reason="不归我们管"),
    "feedback": lambda case, user, org: actions.do_feedback_case(case, actor=user, result="已处理"),
    "pause": lambda case, user, org: actions.do_pause_case(case, actor=user, note="等待"),
    "resume": lambda case, user, org: actions.do_resume_case(case, actor=user),
    "extend": lambda case, user, org: actions.do_request_extension(case, actor=user, work_hours=1, reason="更多时间"),
    "escalate": lambda case, user, org: actions.do_escalate_case(case, actor=user, note="社区解决不了"),
    "verify": lambda case, user, org: actions.do_verify_case(case, actor=user, passed=True),
    "confirm": lambda case, user, org: actions.do_confirm_report(case, actor=user, real=True),
}


def test_a_button_shows_exactly_when_its_action_goes_through(org, garbage):
    cases = _cases_in_every_state(org, garbage)
    checked = 0
    for state, case in cases.items():
        for who, user in org["people"].items():
            fresh = Case.objects.select_related("cls", "lead_unit").get(pk=case.pk)
            shown = buttons(user, fresh)
            for step, call in STEP_CALLS.items():
                assert shown[step] == _succeeds(partial(call, fresh, user, org)), (state, who, step)
                checked += 1
            pending = Extension.objects.filter(case=case, status=Extension.Status.PENDING).first()
            if pending is not None:
                assert shown["decide_extension"] == _succeeds(
                    partial(actions.do_decide_extension, pending, actor=user, grant=True)), (state, who)
            else:
                assert not shown["decide_extension"]
    assert checked == len(cases) * len(org["people"]) * len(STEP_CALLS)
    # The table holds no step the old guards disagreed on: dispatch only from "registered".
    assert CASE_FLOW.step("dispatch").sources == {Case.Status.REGISTERED}


def test_every_step_of_the_table_is_taken_by_some_action_or_job():
    import inspect

    from civicgrid.cases.actions import deadlines as job
    from civicgrid.cases.actions import intake, loop, tasks

    source = "".join(inspect.getsource(m) for m in (intake, loop, tasks, job))
    for step in CASE_FLOW.steps:
        assert f'"{step.name}"' in source, step.name


def test_case_history_refuses_update_and_delete_in_python_and_in_the_database(org, garbage):
    _report(org, garbage)
    event = CaseEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.update(note="changed")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {CaseEvent._meta.db_table} SET note = 'changed'")
    assert CaseEvent.objects.get().note == event.note


def test_the_deadline_scan_finds_rows_to_warn_and_to_escalate(org, garbage):
    made = [_report(org, garbage, f"垃圾{i}") for i in range(3)]
    now = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    Case.objects.filter(pk=made[0].pk).update(status=Case.Status.HANDLING, deadline=now + dt.timedelta(minutes=30))
    Case.objects.filter(pk=made[1].pk).update(status=Case.Status.HANDLING, deadline=now - dt.timedelta(minutes=5))
    Case.objects.filter(pk=made[2].pk).update(status=Case.Status.HANDLING, deadline=now + dt.timedelta(days=3))
    to_warn, to_escalate = deadlines.scan(Case.objects.all(), now, warn_minutes=60)
    assert [d.pk for d in to_warn] == [made[0].pk]
    assert [d.pk for d in to_escalate] == [made[1].pk]
    counts = actions.do_check_deadlines(actor=SYSTEM, now=now)
    assert counts == {"warned": 1, "escalated": 1, "supervised": 0}
