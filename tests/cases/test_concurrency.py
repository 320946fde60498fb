"""Concurrency: 20 threads released together try to dispatch (or close) the same case. Exactly one
wins, the other 19 get a Conflict, and the history holds one event — repeated 50 times.

Runs on PostgreSQL (CI runs it there on every push); SQLite's in-memory test database (shared
cache) reports "table is locked" to parallel connections instead of waiting, so it is skipped."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core.errors import Conflict
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, centre_of

THREADS = 20
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI runs it there)")


def _race(pool: ThreadPoolExecutor, work) -> list[str]:
    """Run ``work`` in every pool thread at the same instant; 'ok', 'conflict' or an error name each."""
    barrier = threading.Barrier(THREADS)

    def one(_):
        barrier.wait(timeout=30)
        try:
            work()
            return "ok"
        except Conflict:
            return "conflict"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            return type(exc).__name__ + ": " + str(exc)[:80]

    return list(pool.map(one, range(THREADS)))


def _close_pool_connections(pool: ThreadPoolExecutor) -> None:
    barrier = threading.Barrier(THREADS)

    def close(_):
        connections.close_all()
        barrier.wait(timeout=30)

    list(pool.map(close, range(THREADS)))


@pytest.mark.django_db(transaction=True)
def test_twenty_dispatchers_one_case_exactly_one_wins_fifty_times(org, garbage):
    p, units, tree = org["people"], org["units"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    rounds = 50
    cases = []
    for n in range(rounds):
        case = actions.do_report_case(actor=p["seat"], channel=Case.Channel.HOTLINE, cls=garbage, title=f"垃圾{n}",
                                      description="堆积", lon=lon, lat=lat, reporter_phone="13800001234")
        cases.append(actions.do_register_case(case, actor=p["shift"]))
    dispatcher = p["dispatcher"]
    pool = ThreadPoolExecutor(THREADS)
    try:
        for case in cases:
            outcomes = _race(pool, lambda c=case: actions.do_dispatch_case(
                Case.objects.get(pk=c.pk), actor=dispatcher, lead_unit=units["sanitation"]))
            assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"], outcomes
            assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DISPATCHED).count() == 1
            assert case.assignments.count() == 1
    finally:
        _close_pool_connections(pool)
        pool.shutdown()
    assert Case.objects.filter(status=Case.Status.DISPATCHED).count() == rounds


@pytest.mark.django_db(transaction=True)
def test_twenty_supervisors_closing_one_case_close_it_once(org, garbage):
    p, units, tree = org["people"], org["units"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    rounds = 10
    cases = []
    for n in range(rounds):
        case = actions.do_report_case(actor=p["seat"], channel=Case.Channel.HOTLINE, cls=garbage, title=f"垃圾{n}",
                                      description="堆积", lon=lon, lat=lat, reporter_phone="13800001234")
        case = actions.do_register_case(case, actor=p["shift"])
        case = actions.do_dispatch_case(case, actor=p["dispatcher"], lead_unit=units["sanitation"])
        case = actions.do_accept_case(case, actor=p["sanitation"])
        cases.append(actions.do_feedback_case(case, actor=p["sanitation"], result="已清运"))
    pool = ThreadPoolExecutor(THREADS)
    try:
        for case in cases:
            outcomes = _race(pool, lambda c=case: actions.do_verify_case(
                Case.objects.get(pk=c.pk), actor=SYSTEM, passed=True))
            assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"], outcomes
            assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CLOSED).count() == 1
    finally:
        _close_pool_connections(pool)
        pool.shutdown()


@pytest.mark.django_db(transaction=True)
def test_replayed_idempotency_key_in_parallel_creates_one_case(org, garbage):
    p, tree = org["people"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    pool = ThreadPoolExecutor(THREADS)
    created: list[int] = []
    lock = threading.Lock()

    def submit():
        case = actions.do_report_case(actor=p["grid"], channel=Case.Channel.PATROL, cls=garbage, title="垃圾",
                                      description="堆积", lon=lon, lat=lat, idempotency_key="form-token-1")
        with lock:
            created.append(case.pk)

    try:
        outcomes = _race(pool, submit)
    finally:
        _close_pool_connections(pool)
        pool.shutdown()
    assert outcomes == ["ok"] * THREADS
    assert len(set(created)) == 1 and Case.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_calls_filed_at_once_get_consecutive_numbers(org, garbage):
    """Hotline filings take the one-statement path outside a transaction: the day's counter row is
    the only thing they share. 20 at once, 5 times, plus one replay per round: every call gets a
    number, the numbers run without a gap or a repeat, each case has its event and audit row."""
    from civicgrid.core.models import AuditLog, Counter

    p, tree = org["people"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    pool = ThreadPoolExecutor(THREADS)
    numbers: list[str] = []
    lock = threading.Lock()
    try:
        for r in range(5):
            keys = iter(range(THREADS))

            def submit(r=r, keys=keys):
                with lock:
                    k = next(keys)
                # the first two threads send the same key: one case, the other gets it back
                key = f"round{r}-call{max(k, 1)}"
                case = actions.do_report_case(actor=p["seat"], channel=Case.Channel.HOTLINE, cls=garbage,
                                              title=f"来电{r}-{k}", description="门口垃圾", lon=lon, lat=lat,
                                              reporter_phone="13800001234", idempotency_key=key)
                with lock:
                    numbers.append(case.number)

            outcomes = _race(pool, submit)
            assert outcomes == ["ok"] * THREADS, outcomes
    finally:
        _close_pool_connections(pool)
        pool.shutdown()
    filed = 5 * (THREADS - 1)
    assert Case.objects.count() == filed and len(set(numbers)) == filed
    serials = sorted(int(n[-5:]) for n in set(numbers))
    assert serials == list(range(1, filed + 1))
    day = sorted(numbers)[0][:8]
    assert Counter.objects.get(name=f"case:{day}").value == filed
    assert CaseEvent.objects.filter(kind="reported").count() == filed
    assert AuditLog.objects.filter(action="cases.case.report").count() == filed
