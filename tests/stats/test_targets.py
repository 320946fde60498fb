"""Acceptance 3: every seeded target carries its source (the document and the very phrase, found in
the seed text when the seeds are at hand); a target set for the whole city (or a district) is
inherited by a community unless a level in between overrides it; a year's target is broken down
by quarter (季度分解表); bad input is refused naming the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core import periods as P
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions, catalogue, queries
from civicgrid.stats.models import Target
from civicgrid.stats.seeds import SEED_TARGETS, ensure_seeded_targets

from ..conftest import make_user

SEEDS = Path("/work/shared/seeds")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.django_db
def test_every_seeded_target_carries_its_source():
    ensure_seeded_targets()
    seeded = Target.objects.filter(seeded=True)
    assert seeded.count() == len(SEED_TARGETS) >= 5
    texts = {p.name[:3]: _plain(p.read_text()) for p in SEEDS.glob("*.txt")} if SEEDS.is_dir() else {}
    codes = {i.code for i in catalogue.indicators()}
    for t in seeded:
        assert t.indicator in codes
        assert t.source.strip() and t.phrase.strip(), t
        number = f"{t.value:g}"
        assert number in t.phrase, (t.indicator, t.phrase)  # the figure is read from the phrase
        if texts:
            assert _plain(t.phrase) in texts[t.source[:3]], (t.source, t.phrase)
    assert ensure_seeded_targets() == 0  # idempotent


@pytest.mark.django_db
def test_a_city_target_is_inherited_by_a_community_unless_overridden(tree):
    ensure_seeded_targets()
    community, street = "330106001001", "330106001"
    quarter = P.parse("2026Q2")
    seeded = queries.targets_for(["circle.facility_coverage"], community, quarter)["circle.facility_coverage"]
    assert seeded.area_code == "" and seeded.value == 93  # the city's (the whole deployment)
    actions.do_set_target(actor=SYSTEM, indicator="circle.facility_coverage", area_code="330106", value=95,
                          source="区规划")
    assert queries.targets_for(["circle.facility_coverage"], community, quarter)["circle.facility_coverage"].value == 95
    actions.do_set_target(actor=SYSTEM, indicator="circle.facility_coverage", area_code=street, value=97,
                          source="街道计划")
    assert queries.targets_for(["circle.facility_coverage"], community, quarter)["circle.facility_coverage"].value == 97
    # The sibling street still inherits the district's; the other district the city's.
    assert queries.targets_for(["circle.facility_coverage"], "330106002001", quarter)[
        "circle.facility_coverage"].value == 95
    assert queries.targets_for(["circle.facility_coverage"], "330108001001", quarter)[
        "circle.facility_coverage"].value == 93
    # A year's target with its quarterly breakdown: the quarter's own figure wins over the year's.
    year = actions.do_set_target(actor=SYSTEM, indicator="cases.on_time_rate", area_code="330106", value=90,
                                 period="2026", source="004e 季度分解表")
    actions.do_set_breakdown(actor=SYSTEM, target=year, quarters={1: 84, 2: 87, 3: "", 4: 92})
    on_time = queries.targets_for(["cases.on_time_rate"], community, quarter)["cases.on_time_rate"]
    assert (on_time.period, on_time.value, on_time.breakdown_of_id) == ("2026Q2", 87, year.pk)
    q3 = queries.targets_for(["cases.on_time_rate"], community, P.parse("2026Q3"))["cases.on_time_rate"]
    assert (q3.period, q3.value) == ("2026", 90)  # no Q3 figure: the year's
    assert queries.targets_for(["cases.on_time_rate"], community, P.parse("2027Q1")) == {}


@pytest.mark.django_db
def test_targets_refuse_bad_input_and_foreign_areas(tree):
    street_admin = make_user("t_street", Role.STREET_ADMIN, tree["330106001"])
    worker = make_user("t_worker", Role.COMMUNITY_WORKER, tree["330106001001"])
    with pytest.raises(UserError) as bad:
        actions.do_set_target(actor=street_admin, indicator="nope", area_code="330106001", value="九十",
                              period="2026Q5", source="")
    assert set(bad.value.errors) == {"indicator", "value", "period", "source"}  # every problem at once
    assert "数字" in str(bad.value.errors["value"]) or "number" in str(bad.value.errors["value"])
    with pytest.raises(NotPermitted):
        actions.do_set_target(actor=street_admin, indicator="cases.closing_rate", area_code="330106002", value=90,
                              source="x")
    with pytest.raises(NotPermitted):
        actions.do_set_target(actor=worker, indicator="cases.closing_rate", area_code="330106001001", value=90,
                              source="x")
    with pytest.raises(UserError) as whole:  # the whole deployment is the platform's (or a city level's)
        actions.do_set_target(actor=street_admin, indicator="cases.closing_rate", area_code="", value=90, source="x")
    assert set(whole.value.errors) == {"area_code"}
    t = actions.do_set_target(actor=street_admin, indicator="cases.closing_rate", area_code="330106001001",
                              value="95.5", source="街道考核方案")
    assert (t.value, t.set_by_id) == (95.5, street_admin.pk)
    assert Target.objects.filter(area_code__startswith="330106002").count() == 0


@pytest.mark.django_db
def test_a_target_set_at_a_city_area_is_inherited_by_its_districts_communities(tree):
    """A city (PPCC00) shares only four digits with its districts' codes: its target is found above
    a district all the same, and its figures are the sum over its districts'."""
    from civicgrid.areas.actions import do_import_areas
    from civicgrid.areas.models import Area
    from civicgrid.stats.models import IndicatorValue

    from ..areas.test_city_level import CITY
    from ..conftest import collection

    assert do_import_areas(collection([CITY]), actor=SYSTEM).committed
    quarter = P.parse("2026Q2")
    actions.do_set_target(actor=SYSTEM, indicator="cases.closing_rate", area_code="330100", value=80, source="市规划")
    for code in ("330106001001", "330108", "330100"):
        got = queries.targets_for(["cases.closing_rate"], code, quarter)["cases.closing_rate"]
        assert (got.area_code, got.value) == ("330100", 80), code
    actions.do_set_target(actor=SYSTEM, indicator="cases.closing_rate", area_code="330106", value=85, source="区规划")
    assert queries.targets_for(["cases.closing_rate"], "330106001001", quarter)["cases.closing_rate"].value == 85
    assert queries.targets_for(["cases.closing_rate"], "330108001001", quarter)["cases.closing_rate"].value == 80
    shi = make_user("shi", Role.CITY_ADMIN, Area.objects.get(code="330100"))
    assert {"330100", "330106"} <= set(queries.visible_targets(shi).values_list("area_code", flat=True))
    qu = make_user("qu", Role.DISTRICT_ADMIN, tree["330106"])
    assert "330100" in set(queries.visible_targets(qu).values_list("area_code", flat=True))  # what applies to it
    IndicatorValue.objects.bulk_create([
        IndicatorValue(indicator="cases.closing_rate", period="2026Q2", kind="quarter", area_code=g, numerator=n,
                       denominator=d)
        for g, n, d in (("330106001001001", 3, 4), ("330108001001001", 1, 4))])
    from civicgrid.stats.actions import roll_up

    roll_up("cases.closing_rate", ["2026Q2"])  # as the refresh does with the rows it writes
    assert queries.sums(["330100"], ["2026Q2"])[("cases.closing_rate", "330100", "2026Q2")] == (4, 8)
    children = queries.by_children("330100", 6, "2026Q2", ["cases.closing_rate"])
    assert children == {("cases.closing_rate", "330106"): (3, 4), ("cases.closing_rate", "330108"): (1, 4)}


def test_a_city_scope_prefix_is_named_by_its_city(tree, client_for):
    """A city's memberships hold its prefix (3301): pages naming the viewer's jurisdiction (the
    evaluation's heading) say the city's name, not the digits."""
    from civicgrid.areas.actions import do_import_areas
    from civicgrid.areas.models import Area
    from civicgrid.areas.queries import area_names

    from ..areas.test_city_level import CITY
    from ..conftest import collection

    if not Area.objects.filter(code="330100").exists():
        assert do_import_areas(collection([CITY]), actor=SYSTEM).committed
    city = Area.objects.get(code="330100")
    assert area_names(["3301", "330106"]) == {"3301": city.name, "330100": city.name,
                                              "330106": tree["330106"].name}
    shi = make_user("shi_eval", Role.CITY_ADMIN, city)
    page = client_for(shi).get("/cases/evaluation/")
    assert page.status_code == 200 and city.name in page.content.decode()
