"""The rules of issue 17 on the actions: schedules, visits and 规范管理, agreements, records, access,
referral atomicity, typed errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from civicgrid.core import periods
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions, figures, queries
from civicgrid.health.models import (
    Contract,
    ContractEvent,
    Enrolment,
    HealthRecord,
    Referral,
    ReferralEvent,
    ScheduleRule,
    Task,
    Visit,
)
from civicgrid.health.schedule import windows

from .conftest import person

pytestmark = pytest.mark.django_db


def test_hypertensive_enrolled_gets_four_quarterly_tasks(health):
    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    enrolment = actions.do_enrol(resident, "htn", actor=doctor, enrolled_on="2025-01-10", today=dt.date(2025, 1, 10),
                                 until=dt.date(2025, 12, 20))  # the next window opens on 27 December
    tasks = list(Task.objects.filter(enrolment=enrolment).order_by("seq"))
    assert [t.due for t in tasks] == [dt.date(2025, 1, 10), dt.date(2025, 4, 10), dt.date(2025, 7, 10),
                                      dt.date(2025, 10, 10)]
    assert all(t.team_id == health["teams"]["A"].pk and t.status == "open" for t in tasks)
    assert tasks[1].start == dt.date(2025, 3, 27) and tasks[1].end == dt.date(2025, 5, 10)
    # Idempotent: the job again adds nothing; a later horizon adds the next quarter only.
    assert actions.generate_tasks(until=dt.date(2025, 12, 20)) == 0
    assert actions.generate_tasks(until=dt.date(2026, 1, 31)) == 1
    assert Task.objects.filter(enrolment=enrolment).count() == 5
    # States on a day: upcoming, due, overdue, done, missed.
    assert [t.state(dt.date(2025, 4, 15)) for t in tasks] == ["missed", "overdue", "upcoming", "upcoming"]
    assert tasks[1].state(dt.date(2025, 4, 1)) == "due"


def test_phone_visit_resolves_but_does_not_count_face_to_face(health):
    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    enrolment = actions.do_enrol(resident, "htn", actor=doctor, enrolled_on="2025-01-10", until=dt.date(2025, 12, 31),
                                 today=dt.date(2025, 1, 10))
    visit = actions.do_record_visit(enrolment, actor=doctor, on="2025-04-12", mode="phone", today=dt.date(2025, 4, 12))
    task = Task.objects.get(enrolment=enrolment, seq=1)
    assert task.status == "done" and task.visit_id == visit.pk and not visit.face_to_face
    for day in ("2025-01-10", "2025-07-11", "2025-10-09"):
        actions.do_record_visit(enrolment, actor=doctor, on=day, mode="clinic", sbp=130, dbp=85,
                                today=dt.date(2025, 12, 31))
    figs = figures.total("330106001001001", periods.parse("2025"), today=dt.date(2026, 1, 5))
    assert (figs["htn_standard"].numerator, figs["htn_standard"].denominator) == (0, 1)  # 3 face to face
    actions.do_record_visit(enrolment, actor=doctor, on="2025-12-01", mode="home", sbp=150, dbp=95,
                            today=dt.date(2025, 12, 31))
    figs = figures.total("330106001001001", periods.parse("2025"), today=dt.date(2026, 1, 5))
    assert (figs["htn_standard"].numerator, figs["htn_standard"].denominator) == (1, 1)
    assert figs["htn_control"].numerator == 0  # the last visit (150/95) decides, not the earlier ones


def test_ten_patients_seven_standard_seventy_percent_and_control_from_last_visit(health):
    doctor = health["doctors"]["A"]
    for i in range(10):
        resident = person("330106001001001", f"患者{i}")
        enrolment = actions.do_enrol(resident, "htn", actor=doctor, enrolled_on="2025-01-05",
                                     today=dt.date(2025, 1, 5), until=dt.date(2025, 12, 31))
        visits = 4 if i < 7 else 3
        for q in range(visits):
            # the first three in control, the last one decides: patients 0–4 end controlled
            last = q == visits - 1
            sbp = (130 if i < 5 else 160) if last else 120
            actions.do_record_visit(enrolment, actor=doctor, on=dt.date(2025, 1 + 3 * q, 6), mode="clinic", sbp=sbp,
                                    dbp=80, today=dt.date(2025, 12, 31))
        if i == 9:  # a phone call late in the year counts for nothing but the task
            actions.do_record_visit(enrolment, actor=doctor, on="2025-12-20", mode="phone",
                                    today=dt.date(2025, 12, 31))
    figs = figures.total("330106001001001", periods.parse("2025"), today=dt.date(2026, 1, 5))
    assert (figs["htn_standard"].numerator, figs["htn_standard"].denominator) == (7, 10)
    assert figs["htn_standard"].value == pytest.approx(0.7)
    assert (figs["htn_control"].numerator, figs["htn_control"].denominator) == (5, 10)


def test_schedule_rules_are_data():
    rule = ScheduleRule(anchor="event", offset_days=7, before_days=4, after_days=0, count=1)
    [w] = windows(rule, anchor=dt.date(2025, 3, 1), enrolled_on=dt.date(2025, 3, 1), until=dt.date(2025, 12, 31))
    assert (w.start, w.due, w.end) == (dt.date(2025, 3, 4), dt.date(2025, 3, 8), dt.date(2025, 3, 8))
    yearly = ScheduleRule(anchor="year", after_days=30)
    got = windows(yearly, anchor=dt.date(2024, 6, 1), enrolled_on=dt.date(2024, 6, 1), until=dt.date(2025, 2, 1))
    assert [(w.start, w.end) for w in got] == [(dt.date(2024, 6, 1), dt.date(2024, 12, 31)),
                                               (dt.date(2025, 1, 1), dt.date(2025, 12, 31))]


def test_agreement_one_in_force_renewal_termination_history(health):
    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    contract = actions.do_sign_contract(resident, actor=doctor, package="chronic", start_date="2025-01-01")
    assert contract.team == health["teams"]["A"] and contract.end_date == dt.date(2025, 12, 31)
    record = HealthRecord.objects.get(person=resident)  # opened with the agreement
    assert record.number.startswith("330106001001") and len(record.number) == 18
    with pytest.raises(Conflict, match="已有生效的签约|agreement in force"):
        actions.do_sign_contract(resident, actor=doctor)
    renewed = actions.do_renew_contract(contract, actor=doctor, version=contract.version)
    contract.refresh_from_db()
    assert contract.status == "renewed" and renewed.status == "active" and renewed.previous == contract
    assert renewed.start_date == dt.date(2026, 1, 1)
    with pytest.raises(Conflict):
        actions.do_renew_contract(contract, actor=doctor, version=contract.version)
    with pytest.raises(UserError) as err:
        actions.do_terminate_contract(renewed, actor=doctor, version=renewed.version, reason="")
    assert err.value.field == "reason"
    actions.do_terminate_contract(renewed, actor=doctor, version=renewed.version, reason="迁出本区",
                                  today=dt.date(2026, 3, 1))
    kinds = list(ContractEvent.objects.filter(contract__person=resident).order_by("id").values_list("kind", flat=True))
    assert kinds == ["signed", "renewed", "signed", "terminated"]
    with pytest.raises(PermissionError):
        ContractEvent.objects.first().save()
    # Another team's doctor may not sign for this grid's resident, nor terminate.
    other = person("330106001001001", "赵丁")
    with pytest.raises(NotPermitted):
        actions.do_sign_contract(other, actor=health["doctors"]["B"])
    assert not Contract.objects.filter(person=other).exists()


def test_typed_errors_name_the_field(health):
    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    enrolment = actions.do_enrol(resident, "htn", actor=doctor, enrolled_on="2025-01-10", today=dt.date(2025, 1, 10))
    cases = [
        (dict(on="2025-13-01"), "on"),
        (dict(mode="fax"), "mode"),
        (dict(sbp=120), "sbp"),
        (dict(sbp=120, dbp=130), "dbp"),
        (dict(sbp="abc", dbp=80), "sbp"),
        (dict(fbg=99), "fbg"),
        (dict(on="2030-01-01"), "on"),
        (dict(next_due="2024-01-01"), "next_due"),
    ]
    for kwargs, field in cases:
        with pytest.raises(UserError) as err:
            actions.do_record_visit(enrolment, actor=doctor, today=dt.date(2025, 2, 1), **kwargs)
        assert err.value.field == field, (kwargs, err.value.message)
    assert not Visit.objects.exists()
    with pytest.raises(UserError) as err:
        actions.do_enrol(resident, "nope", actor=doctor)
    assert err.value.field == "programme"
    with pytest.raises(UserError) as err:
        actions.do_enrol(resident, "maternal", actor=doctor)
    assert err.value.field == "anchor_date"
    with pytest.raises(UserError) as err:  # a 65-year-old is no child
        actions.do_enrol(resident, "child", actor=doctor)
    assert err.value.field == "programme"
    with pytest.raises(Conflict):
        actions.do_enrol(resident, "htn", actor=doctor)
    with pytest.raises(UserError) as err:
        actions.do_create_team(actor=SYSTEM, community_code="330106001001", name="X", grid_codes=["330106001002001"])
    assert err.value.field == "grid_codes"
    with pytest.raises(Conflict):  # a grid belongs to one team
        actions.do_create_team(actor=SYSTEM, community_code="330106001001", name="X", grid_codes=["330106001001001"])


def test_records_access_404_and_audited(health):
    doc_a, doc_b = health["doctors"]["A"], health["doctors"]["B"]
    patient_b = health["residents"]["B"]
    actions.do_sign_contract(patient_b, actor=doc_b, record_data={"allergies": "青霉素"})
    record = HealthRecord.objects.get(person=patient_b)
    assert "青霉素" not in record.data_enc and record.data_enc.startswith("g1:")
    with pytest.raises(Http404):
        queries.read_record(doc_a, record.pk)
    with pytest.raises(Http404):
        queries.person_summary(doc_a, patient_b.pk)
    before = AuditLog.objects.filter(action="health.record.read").count()
    reads = 0
    for _ in range(3):
        assert queries.read_record(doc_b, record.pk)["data"]["allergies"] == "青霉素"
        reads += 1
    summary = queries.person_summary(doc_b, patient_b.pk)
    reads += 1
    assert summary["data"]["allergies"] == "青霉素"
    assert AuditLog.objects.filter(action="health.record.read").count() - before == reads
    assert AuditLog.objects.filter(action__in=["access.denied", "health.record.denied"], actor=doc_a).count() == 2


def test_mental_illness_needs_the_grant(health):
    doc_a, resident = health["doctors"]["A"], health["residents"]["A"]
    with pytest.raises(NotPermitted):
        actions.do_enrol(resident, "smi", actor=doc_a)
    enrolment = actions.do_enrol(resident, "smi", actor=SYSTEM, enrolled_on="2025-01-10", today=dt.date(2025, 1, 10))
    actions.do_enrol(resident, "htn", actor=doc_a, enrolled_on="2025-01-10", today=dt.date(2025, 1, 10))
    with pytest.raises(Http404):
        queries.access_enrolment(doc_a, enrolment.pk)
    summary = queries.person_summary(doc_a, resident.pk, today=dt.date(2025, 1, 10))
    assert [e.programme.code for e in summary["enrolments"]] == ["htn"] and summary["mental_hidden"]
    assert all(t.enrolment.programme.code == "htn" for t in summary["tasks"])
    assert not queries.visible_tasks(doc_a).filter(enrolment=enrolment).exists()
    member = health["teams"]["A"].members.get(user=doc_a)
    member.smi_grant = True
    member.save()
    assert queries.access_enrolment(doc_a, enrolment.pk) == enrolment
    assert queries.visible_tasks(doc_a).filter(enrolment=enrolment).exists()


def test_down_referral_arrival_creates_tasks_atomically(health):
    doctor, resident, hospital = health["doctors"]["A"], health["residents"]["A"], health["hospital"]
    referral = actions.do_request_referral(resident, actor=doctor, direction="down", hospital=hospital,
                                           reason="脑卒中出院康复")
    assert "脑卒中" not in referral.reason_enc and referral.deadline > referral.requested_at
    referral = actions.do_referral_step(referral, "accept", actor=doctor, version=referral.version)
    with pytest.raises(RuntimeError):
        actions.do_referral_step(referral, "arrive", actor=doctor, version=referral.version,
                                 today=dt.date(2025, 3, 1), _fail_after_tasks=True)
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert not Enrolment.objects.filter(person=resident).exists() and not Task.objects.exists()
    actions.do_referral_step(referral, "arrive", actor=doctor, version=referral.version, today=dt.date(2025, 3, 1))
    tasks = Task.objects.filter(person=resident, team=health["teams"]["A"]).order_by("due")
    assert [t.due for t in tasks] == [dt.date(2025, 3, 8), dt.date(2025, 3, 31)]
    assert list(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True)) == [
        "requested", "accepted", "arrived"]
    with pytest.raises(Conflict):
        actions.do_referral_step(referral, "accept", actor=doctor)
    with pytest.raises(NotPermitted):  # team B's doctor is not the receiving side
        actions.do_referral_step(referral, "complete", actor=health["doctors"]["B"])
    assert Referral.objects.get(pk=referral.pk).status == "arrived"


def test_nightly_job_marks_missed_and_generates(health):
    from civicgrid.health.jobs import nightly_tasks

    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    today = dt.date.today()
    enrolment = actions.do_enrol(resident, "htn", actor=doctor, enrolled_on=today - dt.timedelta(days=200),
                                 until=today - dt.timedelta(days=150))
    assert Task.objects.filter(enrolment=enrolment).count() == 1
    result = nightly_tasks.call_local()
    assert result["inserted"] >= 2 and result["missed"] >= 2  # the quarters since (the closed ones missed)
    assert Task.objects.get(enrolment=enrolment, seq=0).status == "missed"
    assert nightly_tasks.call_local() == {"missed": 0, "inserted": 0}
    assert AuditLog.objects.filter(action="health.tasks.generate").count() == 2
