"""Assessment (考核): scoring standards as data → scores per area and period from the cached
figures and the targets → grade and funding (base × score ÷ 100 + 20 yuan per person served and
year); results reach the assessed areas only once published."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core import periods as P
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.stats import actions
from civicgrid.stats.models import AssessmentResult, AssessmentScheme, IndicatorValue
from civicgrid.stats.seeds import ensure_schemes, ensure_seeded_targets

from ..conftest import make_user

YEAR = P.parse("2025")


def put(indicator, code, n, d):
    """A cached value as the refresh writes it: the row and its roll-ups."""
    IndicatorValue.objects.create(indicator=indicator, period=YEAR.code, kind="year", area_code=code, numerator=n,
                                  denominator=d)
    actions.roll_up(indicator, [YEAR.code])


@pytest.fixture
def scheme(tree):
    ensure_schemes()
    ensure_seeded_targets()  # satisfaction 90 %, coverage 93 %, volunteers 10 % (closing rate: none)
    return AssessmentScheme.objects.get(code="KH-Y")


def test_scores_grades_funding_and_publication(tree, scheme, client_for):
    street = make_user("a_street", Role.STREET_ADMIN, tree["330106001"])
    worker = make_user("a_comm", Role.COMMUNITY_WORKER, tree["330106001001"])
    a, b = "330106001001001", "330106001002001"  # grids of the street's two communities
    put("cases.satisfaction_rate", a, 45, 50)  # 90 % of a 90 % target: 1.0
    put("circle.facility_coverage", a, 465, 1000)  # 46.5 % of 93 %: 0.5
    put("registry.volunteer_rate", a, 30, 600)  # 5 % of 10 %: 0.5
    put("registry.population", a, 600, 1)
    put("cases.satisfaction_rate", b, 0, 0)  # no rated case: the rule does not count
    put("circle.facility_coverage", b, 930, 1000)  # 1.0
    put("registry.volunteer_rate", b, 120, 1000)  # 12 % → capped at 1.0
    put("registry.population", b, 1000, 1)
    with pytest.raises(NotPermitted):
        actions.do_assess(actor=worker, scheme=scheme, period=YEAR)
    with pytest.raises(UserError):
        actions.do_assess(actor=street, scheme=scheme, period=P.parse("2025S1"))
    assert actions.do_assess(actor=street, scheme=scheme, period=YEAR) == 2
    ra = AssessmentResult.objects.get(area_code="330106001001")
    rb = AssessmentResult.objects.get(area_code="330106001002")
    # a: (30 × 1 + 25 × 0.5 + 20 × 0.5) ÷ (30 + 25 + 20) — the closing rate has no target, so it does not count.
    assert ra.score == pytest.approx(round(100 * 52.5 / 75, 2))
    assert ra.grade == "合格" and rb.score == 100.0 and rb.grade == "优秀"
    assert ra.funding == pytest.approx(100000 * ra.score / 100 + 20 * 600)
    assert rb.funding == pytest.approx(100000 + 20 * 1000)
    assert AssessmentResult.objects.filter(area_code__startswith="330106002").count() == 0  # not its street
    # The community sees its result only once published; the street sees both before.
    assert client_for(worker).get("/api/stats/assessments").json() == []
    assert len(client_for(street).get("/api/stats/assessments").json()) == 2
    assert actions.do_publish_assessment(actor=street, scheme=scheme, period=YEAR) == 2
    seen = client_for(worker).get("/api/stats/assessments").json()
    assert [r["area_code"] for r in seen] == ["330106001001"] and seen[0]["published"] is True
    # Published results stay as published when scored again.
    put("circle.facility_coverage", "330106001001002", 535, 0)
    assert actions.do_assess(actor=street, scheme=scheme, period=YEAR) == 0
    page = client_for(street).get("/stats/assessment/?scheme=KH-Y&period=2025").content.decode()
    assert "优秀" in page and "120,000" in page
