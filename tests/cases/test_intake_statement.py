"""Filing a case writes the case, its first event and its audit row through
``core.linked_insert``: one statement on PostgreSQL (outside a transaction when nothing else is
written), ORM inserts elsewhere. Both must write the same rows, number cases without gaps and
give a replayed idempotency key its first case."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core import audit
from civicgrid.core.linked_insert import (
    AS_KEY,
    AS_TEXT,
    Serial,
    _insert_orm,
    _insert_statement,
    insert_linked,
)
from civicgrid.core.models import AuditLog, Counter

from .conftest import GRID, centre_of


def _file(org, garbage, title="垃圾堆放", key="", **extra):
    lon, lat = centre_of(org["tree"][GRID])
    return actions.do_report_case(actor=org["people"]["seat"], channel=Case.Channel.HOTLINE, cls=garbage,
                                  title=title, description="门口垃圾三天无人清运", lon=lon, lat=lat,
                                  reporter_phone="13800001234", idempotency_key=key, **extra)


def _rows(case: Case):
    event = CaseEvent.objects.get(case=case)
    entry = AuditLog.objects.get(action="cases.case.report", object_type="cases.case", object_id=str(case.pk))
    return event, entry


@pytest.mark.django_db(transaction=True)
def test_filing_outside_a_transaction_numbers_without_gaps_and_replays(org, garbage):
    """The autocommit path (PostgreSQL: no BEGIN/COMMIT): a replayed key returns the first case and
    gives its number back, so the next case takes the next number."""
    assert not connection.in_atomic_block
    first = _file(org, garbage, key="call-1")
    replay = _file(org, garbage, key="call-1")
    second = _file(org, garbage, key="call-2")
    assert replay.replayed and replay.pk == first.pk
    assert Case.objects.count() == 2
    day = timezone.localtime(first.reported_at).strftime("%Y%m%d")
    assert (first.number, second.number) == (f"{day}00001", f"{day}00002")
    assert Counter.objects.get(name=f"case:{day}").value == 2
    for case in (first, second):
        stored = Case.objects.get(pk=case.pk)
        assert stored.number == case.number and stored.version == 1 and stored.status == Case.Status.REPORTED
        event, entry = _rows(case)
        assert (event.kind, event.to_status, event.actor_id) == ("reported", "reported", org["people"]["seat"].pk)
        assert event.pk == CaseEvent.objects.get(case=case).pk
        assert entry.object_repr == str(stored)[:200] and entry.detail == {"channel": "hotline"}
        assert entry.area_code == GRID and entry.actor_id == org["people"]["seat"].pk


def test_filing_inside_a_transaction_rolls_back_with_it(org, garbage):
    with pytest.raises(RuntimeError), transaction.atomic():
        _file(org, garbage, key="k")
        raise RuntimeError
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
    assert not AuditLog.objects.filter(action="cases.case.report").exists()
    case = _file(org, garbage, key="k")
    assert case.number.endswith("00001")


def test_longest_title_audit_label_matches_str(org, garbage):
    case = _file(org, garbage, title="长" * actions.TITLE_MAX)
    _event, entry = _rows(case)
    assert entry.object_repr == str(case)[:200]


def _instances(org, garbage, n: int, now=None):
    """A case with every kind of value the statement writes as a literal or a parameter: NULLs,
    TRUE/FALSE, empty and non-empty strings, numbers, a date, JSON."""
    seat = org["people"]["seat"]
    now = now or timezone.now()
    case = Case(channel=Case.Channel.HOTLINE, cls=garbage, title=f"比较{n}", description="d", address="",
                lon=120.01, lat=30.21, area_code=GRID, tier=Case.Tier.DISTRICT, tier_code=GRID[:6],
                reporter_name="王先生", reporter_anonymous=True, intake_by=seat, reported_at=now, created_at=now,
                deadline=now, idempotency_key=f"compare-{n}", query_code=f"QC{n:08d}")
    event = CaseEvent(case=case, kind=CaseEvent.Kind.REPORTED, at=now, actor=seat, actor_name="seat",
                      to_status=case.status, note="经 12345 热线", area_code=GRID)
    entry = audit.entry("cases.case.report", actor=seat, obj=case, detail={"channel": "hotline", "n": [1, 2]})
    return case, [(event, {"case_id": AS_KEY}), (entry, {"object_id": AS_TEXT, "object_repr": actions.CASE_REPR})]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's")
def test_one_statement_writes_what_the_orm_writes(org, garbage):
    serial = Serial("number", "compare", "X", 3)
    now = timezone.now()
    fast = _insert_statement(*_instances(org, garbage, 1, now), serial, "default")
    slow = _insert_orm(*_instances(org, garbage, 2, now), serial, "default")
    assert (fast.number, slow.number) == ("X001", "X002")
    def row(model, pk, *skip):
        return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in skip}

    differ = ("id", "number", "updated_at", "idempotency_key", "query_code", "title")
    assert row(Case, fast.pk, *differ) == row(Case, slow.pk, *differ)
    (ea, aa), (eb, ab) = _rows(fast), _rows(slow)
    assert row(CaseEvent, ea.pk, "id", "case_id") == row(CaseEvent, eb.pk, "id", "case_id")
    assert (ea.case_id, eb.case_id) == (fast.pk, slow.pk)
    differ = ("id", "object_id", "object_repr", "at")
    assert row(AuditLog, aa.pk, *differ) == row(AuditLog, ab.pk, *differ)
    assert (aa.object_repr, ab.object_repr) == (str(fast), str(slow))
    assert (aa.object_id, ab.object_id) == (str(fast.pk), str(slow.pk))


def test_instances_are_saved_with_their_keys(org, garbage):
    case, children = _instances(org, garbage, 3)
    insert_linked(case, children)
    (event, _), (entry, _) = children
    assert case.pk and not case._state.adding
    assert CaseEvent.objects.get(pk=event.pk).case_id == case.pk
    assert AuditLog.objects.get(pk=entry.pk).object_id == str(case.pk)
    with pytest.raises(PermissionError):  # append-only rows stay append-only after the fast path
        event.save()


def test_a_model_with_a_save_receiver_goes_through_the_orm(org, garbage):
    """A post_save receiver on one of the models is not skipped: those rows take the ORM path."""
    from django.db.models.signals import post_save

    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((sender.__name__, created))

    post_save.connect(receiver, sender=CaseEvent)
    try:
        _file(org, garbage)
    finally:
        post_save.disconnect(receiver, sender=CaseEvent)
    assert heard == [("CaseEvent", True)]
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 1
