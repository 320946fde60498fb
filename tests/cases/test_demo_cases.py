"""The demo's case history: a few hundred cases over about 8 weeks, walked through the real
actions (so the history, deadlines and tasks are consistent), with the usual mix of outcomes."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from civicgrid.cases.models import Case, CaseEvent, CaseTask
from civicgrid.demo.cases import load_cases


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "--seed", "3", "--people", "0", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_few_hundred_cases_over_the_past_eight_weeks_from_every_channel(demo):
    now = timezone.now()
    cases = Case.objects.all()
    assert 250 <= cases.count() <= 320
    assert cases.filter(reported_at__lt=now - dt.timedelta(days=57)).count() == 0
    assert cases.filter(reported_at__gt=now).count() == 0
    channels = Counter(cases.values_list("channel", flat=True))
    assert channels["patrol"] > channels["hotline"] > channels["mailbox"] > 0 and channels["resident"] > 10
    assert {c.tier for c in cases} == {"community", "street", "district"}


@pytest.mark.django_db
def test_most_are_closed_some_reworked_extended_sent_back_escalated_merged_and_a_few_open(demo):
    status = Counter(Case.objects.values_list("status", flat=True))
    total = sum(status.values())
    assert status["closed"] / total > 0.75
    assert 5 <= sum(status[s] for s in Case.OPEN) <= 0.15 * total
    assert status["invalid"] > 0 and status["duplicate"] > 0
    assert Case.objects.filter(rework_count__gt=0).count() >= 5
    assert Case.objects.filter(extension_count__gt=0).count() >= 3
    assert Case.objects.filter(sendback_count__gt=0).count() >= 1
    assert CaseEvent.objects.filter(kind="escalated").count() >= 5
    assert Case.objects.filter(closed_on_time=False).count() > 0  # some closed late
    late_open = Case.objects.filter(status__in=["dispatched", "handling"], deadline__lt=timezone.now())
    assert late_open.count() == late_open.filter(supervised=True).count()  # the deadline job ran: supervised


@pytest.mark.django_db
def test_ratings_are_mostly_good_and_bad_ones_got_a_callback(demo):
    ratings = Counter(Case.objects.exclude(rating=None).values_list("rating", flat=True))
    assert sum(ratings.values()) > 30
    assert (ratings[1] + ratings[2] + ratings[3]) / sum(ratings.values()) > 0.8
    bad = Case.objects.filter(rating__gte=4)
    assert CaseTask.objects.filter(case__in=bad, kind="callback").count() == bad.count()
    assert CaseTask.objects.filter(kind="callback", outcome="done").exists()


@pytest.mark.django_db
def test_every_history_is_in_order_and_ends_in_the_cases_status(demo):
    for case in Case.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].kind == "reported" and events[0].at == case.reported_at
        assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False)), case.number
        assert [e.to_status for e in events if e.to_status][-1] == case.status, case.number
        if case.status == "closed":
            assert case.reported_at <= case.registered_at <= case.dispatched_at <= case.closed_at
            assert case.closed_on_time == (case.closed_at <= case.deadline)
            assert case.number.startswith(timezone.localtime(case.reported_at).strftime("%Y%m%d"))
    assert timezone.now() > dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # the simulated clock was given back


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_history(demo):
    runs = []
    for _ in range(2):
        with transaction.atomic():
            counts = load_cases(7, count=40, progress=lambda line: None)
            runs.append((counts, list(Case.objects.values_list("title", "status", "rating", "channel")
                                      .order_by("-id")[:40])))
            transaction.set_rollback(True)
    assert runs[0] == runs[1] and runs[0][0]["cases"] == 40
