"""Acceptance 3: the counter's figures on demo data recomputed by independent SQL, for three periods
(definitions in docs/counter.md)."""

from __future__ import annotations

import math

import pytest
from django.db import connection

from civicgrid.core import periods
from civicgrid.core.scoping import SYSTEM
from civicgrid.counter import queries
from civicgrid.counter.models import Application
from civicgrid.demo.counter import load_counter

from .conftest import make_person

pytestmark = pytest.mark.django_db


def _one(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _ratio(n, d):
    return None if not d else n / d


def recount(period):
    """The figures of docs/counter.md, straight from the tables."""
    s, e = period.start, period.end
    A = "counter_application"
    decided = _one(f"SELECT COUNT(*), SUM(CASE WHEN on_time THEN 1 ELSE 0 END), "
                   f"SUM(CASE WHEN visits <= 1 THEN 1 ELSE 0 END), SUM(CASE WHEN visits = 0 THEN 1 ELSE 0 END) "
                   f"FROM {A} WHERE decided_at >= %s AND decided_at < %s", [s, e])
    accepted = _one(f"SELECT SUM(promised_days), SUM(legal_days) FROM {A} WHERE accepted_at >= %s AND accepted_at < %s",
                    [s, e])
    lines = _one(f"SELECT SUM(CASE WHEN m.how = 'register' THEN 1 ELSE 0 END), SUM(CASE WHEN m.how <> '' THEN 1 ELSE 0 END) "
                 f"FROM counter_applicationmaterial m JOIN {A} a ON a.id = m.application_id "
                 f"WHERE a.accepted_at >= %s AND a.accepted_at < %s", [s, e])
    notices = _one(f"SELECT COUNT(*), SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END) FROM (SELECT a.id, COUNT(n.id) AS n "
                   f"FROM {A} a JOIN counter_notice n ON n.application_id = a.id "
                   f"WHERE a.received_at >= %s AND a.received_at < %s GROUP BY a.id) t", [s, e])
    rated = _one(f"SELECT COUNT(*), SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END) FROM {A} "
                 f"WHERE rated_at >= %s AND rated_at < %s", [s, e])
    delivered = _one(f"SELECT COUNT(*) FROM {A} WHERE delivered_at >= %s AND delivered_at < %s", [s, e])
    received = _one(f"SELECT COUNT(*), SUM(CASE WHEN proxy <> '' THEN 1 ELSE 0 END) FROM {A} "
                    f"WHERE received_at >= %s AND received_at < %s", [s, e])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT work_days FROM {A} WHERE decided_at >= %s AND decided_at < %s ORDER BY work_days",
                       [s, e])
        days = [r[0] for r in cursor.fetchall()]

    def rank(q):
        return days[max(1, math.ceil(q * len(days))) - 1] if days else None

    return {
        "decided": decided[0], "on_time_rate": _ratio(decided[1] or 0, decided[0]),
        "one_visit_rate": _ratio(decided[2] or 0, decided[0]), "zero_visit_rate": _ratio(decided[3] or 0, decided[0]),
        "promise_compression": (1 - accepted[0] / accepted[1]) if accepted[1] else None,
        "register_share": _ratio(lines[0] or 0, lines[1] or 0),
        "notice_compliance": _ratio(notices[1] or 0, notices[0]),
        "good_rating_rate": _ratio(rated[1] or 0, rated[0]), "rating_rate": _ratio(rated[0], delivered[0]),
        "proxy_share": _ratio(received[1] or 0, received[0]), "received": received[0],
        "median_days": rank(0.5), "p90_days": rank(0.9),
    }


def test_figures_match_an_independent_sql_recount_for_three_periods(tree):
    for i, grid in enumerate(sorted(c for c in tree if len(c) == 15 and c.startswith("330106"))):
        for k in range(4):
            make_person(grid=grid, name=f"居民{i}{k}", tags=["disabled"] if k == 0 else [], household=k != 3)
    stats = load_counter(3, root_code="330106", count=420, days=100, progress=lambda line: None)
    assert stats["decided"] > 200 and stats["notices"] > 10 and stats["callbacks"] >= 1
    now_month = periods.current("month")
    checked = 0
    for period in (now_month.previous().previous(), now_month.previous(), periods.current("quarter").previous()):
        mine = queries.figures(SYSTEM, period, by="centre")
        total = mine["total"]
        expected = recount(period)
        for key, value in expected.items():
            got = total[key]
            if value is None or got is None:
                assert value is got is None or (value is None and got is None), (period.key, key, got, value)
            else:
                assert got == pytest.approx(value), (period.key, key, got, value)
        # the rows add up to the total (Σ numerators ÷ Σ denominators, never a mean of rates)
        assert sum(r["decided"] for r in mine["rows"]) == total["decided"]
        checked += expected["decided"]
    assert checked > 100
    # the indicator of the dashboards agrees with the figure
    period = now_month.previous()
    rows = queries.indicator_on_time("330106", period)
    n, d = map(sum, zip(*rows.values(), strict=True)) if rows else (0, 0)
    assert _ratio(n, d) == pytest.approx(queries.figures(SYSTEM, period)["total"]["on_time_rate"])
    assert Application.objects.filter(status="delivered").exists()
