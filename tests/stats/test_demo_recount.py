"""Acceptance 1 (second half): on the demo, the dashboard figures of a district, street, community
and grid user equal an independent SQL count over the base tables (cases, people, tags,
accessibility results) for three periods — written here in plain SQL, not through the indicator
functions or the cache."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client

from civicgrid.accounts.models import User
from civicgrid.cases.models import Case
from civicgrid.circle.models import BuildingAccess
from civicgrid.core import periods as P
from civicgrid.registry.models import Person, PersonTag

USERS = {"district": "qu_admin", "street": "jd_admin", "community": "sq_worker", "grid": "wg_worker"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "--seed", "5", "--people", "1500", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def one(sql: str, params: list) -> tuple[float, float]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        n, d = cursor.fetchone()
    return float(n or 0), float(d or 0)


def recount(code: str, period: P.Period) -> dict[str, tuple[float, float]]:
    case, person, tag, access = (Case._meta.db_table, Person._meta.db_table, PersonTag._meta.db_table,
                                 BuildingAccess._meta.db_table)
    like = code + "%"
    start, end = period.start, period.end
    dispatched = (f"FROM {case} WHERE area_code LIKE %s AND dispatched_at >= %s AND dispatched_at < %s "
                  "AND status NOT IN ('invalid', 'duplicate')")
    closed = f"FROM {case} WHERE area_code LIKE %s AND status = 'closed' AND closed_at >= %s AND closed_at < %s"
    return {
        "cases.closing_rate": one("SELECT SUM(CASE WHEN status = 'closed' AND closed_at < %s THEN 1 ELSE 0 END), "
                                  f"COUNT(*) {dispatched}", [end, like, start, end]),
        "cases.on_time_rate": one("SELECT SUM(CASE WHEN status = 'closed' AND closed_at < %s AND closed_on_time "
                                  f"THEN 1 ELSE 0 END), COUNT(*) {dispatched}", [end, like, start, end]),
        "cases.rework_rate": one(f"SELECT SUM(CASE WHEN rework_count > 0 THEN 1 ELSE 0 END), COUNT(*) {closed}",
                                 [like, start, end]),
        "cases.satisfaction_rate": one(f"SELECT SUM(CASE WHEN rating <= 3 THEN 1 ELSE 0 END), COUNT(*) {closed} "
                                       "AND rating IS NOT NULL", [like, start, end]),
        "registry.population": (one(f"SELECT COUNT(*), 1 FROM {person} WHERE area_code LIKE %s AND status = 'active'",
                                    [like])[0], None),
        "registry.volunteer_rate": one(
            f"SELECT SUM(CASE WHEN EXISTS (SELECT 1 FROM {tag} t WHERE t.person_id = p.id AND t.tag = 'volunteer') "
            f"THEN 1 ELSE 0 END), COUNT(*) FROM {person} p WHERE p.area_code LIKE %s AND p.status = 'active'", [like]),
        "circle.facility_coverage": one(f"SELECT SUM(CASE WHEN band <= 15 THEN households ELSE 0 END), "
                                        f"SUM(households) FROM {access} WHERE area_code LIKE %s", [like]),
    }


@pytest.mark.django_db
def test_dashboard_figures_equal_an_independent_sql_count(demo):
    now_month = P.current("month")
    periods = [now_month, now_month.previous(), P.current("quarter")]
    checked = 0
    for level, username in USERS.items():
        user = User.objects.get(username=username)
        code = user.memberships.filter(active=True).values_list("area_code", flat=True).first()
        client = Client()
        client.force_login(user)
        for period in periods:
            answer = client.get(f"/api/stats/areas/{code}?period={period.code}")
            assert answer.status_code == 200, answer.content
            figures = {f["indicator"]: f for f in answer.json()["figures"]}
            for indicator, (n, d) in recount(code, period).items():
                fig = figures[indicator]
                if d is None:  # a count
                    assert fig["numerator"] == n, (level, period.code, indicator)
                    continue
                assert (fig["numerator"], fig["denominator"]) == (n, d), (level, period.code, indicator, fig)
                if d:
                    assert fig["value"] == pytest.approx(100 * n / d)
                checked += 1
    assert checked >= 4 * 3 * 6
    # The demo has data to count: cases dispatched in the periods and people in the district.
    district = recount("330106", periods[1])
    assert district["cases.closing_rate"][1] > 0 and district["registry.population"][0] > 1000
