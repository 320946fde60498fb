"""The cache's refresh: a full refresh writes every indicator per lowest area and period; the
incremental refresh recomputes only the areas the audit log shows touched (a facility added in one
grid refreshes its community, for the circle's indicators only), and the API refuses it without
the right."""

from __future__ import annotations

from unittest import mock

from civicgrid.accounts.roles import Role
from civicgrid.circle import actions as circle_actions
from civicgrid.core import periods as P
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions, queries
from civicgrid.stats.models import IndicatorValue, RefreshRun

from ..conftest import make_user


def centre(area):
    return (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2


def test_incremental_refresh_touches_only_the_changed_community(tree, client_for):
    from civicgrid.registry.actions import do_bulk_create_buildings

    grid = tree["330106001001001"]
    rows = []
    for code in (c for c in tree if len(c) == 15):
        lon, lat = centre(tree[code])
        rows.append({"address": f"楼{code}", "lon": lon, "lat": lat, "households": 50})
    do_bulk_create_buildings(rows, actor=SYSTEM, area_code="")
    month = P.current("month")
    first = actions.do_refresh(actor=SYSTEM, periods=[month])
    assert first.kind == "full" and first.values > 0
    area = IndicatorValue.objects.get(indicator="circle.facility_area", period=month.code, area_code=grid.code)
    assert (area.numerator, area.denominator) == (0, 50)
    # The dashboards' sums are kept until the rows change: read once, then from Django's cache.
    with mock.patch.object(queries, "_sums", wraps=queries._sums) as read:
        assert queries.sums([grid.code], [month.code], ["circle.facility_area"])[
            ("circle.facility_area", grid.code, month.code)][0] == 0
        queries.sums([grid.code], [month.code], ["circle.facility_area"])
        assert read.call_count == 1
    untouched = IndicatorValue.objects.get(indicator="circle.facility_area", period=month.code,
                                           area_code="330108001001001")
    lon, lat = centre(grid)
    circle_actions.do_create_facility(actor=SYSTEM, kind="reading_room", name="阅览室", lon=lon, lat=lat, area_m2=120)
    run = actions.do_refresh_changed(actor=SYSTEM, periods=[month])
    assert run.kind == RefreshRun.Kind.INCREMENTAL and run.prefixes == ["330106001001"]
    area = IndicatorValue.objects.get(indicator="circle.facility_area", period=month.code, area_code=grid.code)
    assert (area.numerator, area.denominator) == (120, 50)
    # … and the sums move with the refresh at once.
    assert queries.sums([grid.code], [month.code], ["circle.facility_area"])[
        ("circle.facility_area", grid.code, month.code)][0] == 120
    # A city's figure (its code 330100 is not its districts' prefix 3301) is the Σ over its districts.
    both = queries.sums(["330106", "330108"], [month.code], ["circle.facility_area"])
    city = queries.sums(["330100"], [month.code], ["circle.facility_area"])[("circle.facility_area", "330100", month.code)]
    assert city == tuple(map(sum, zip(*[both[("circle.facility_area", d, month.code)] for d in ("330106", "330108")],
                                      strict=True))) and city[1] > 50
    children = queries.by_children("330100", 6, month.code, ["circle.facility_area"])
    assert children[("circle.facility_area", "330106")] == both[("circle.facility_area", "330106", month.code)]
    # Other areas' rows were not rewritten; other apps' indicators were not recomputed.
    assert IndicatorValue.objects.get(pk=untouched.pk).computed_at == untouched.computed_at
    assert not IndicatorValue.objects.filter(indicator__startswith="registry.", computed_at__gt=first.started_at,
                                             area_code__startswith="330106001001").exclude(
        computed_at=first.started_at).exists()
    # Nothing changed since: nothing recomputed.
    assert actions.do_refresh_changed(actor=SYSTEM, periods=[month]).values == 0
    # The API: a district administrator may refresh, a grid worker may not.
    admin = make_user("r_admin", Role.DISTRICT_ADMIN, tree["330106"])
    worker = make_user("r_worker", Role.GRID_WORKER, grid)
    assert client_for(worker).post("/api/stats/refresh").status_code == 403
    answer = client_for(admin).post("/api/stats/refresh")
    assert answer.status_code == 200 and answer.json()["kind"] == "incremental"


def test_group_prefixes_coarsen_when_many_areas_changed():
    assert actions.group_prefixes({"330106001001001", "330106001001002"}) == ["330106001001"]
    assert actions.group_prefixes({"330106001001001", "330106", "330108002"}) == ["330106", "330108002"]
    many = {f"330106{s:03d}{c:03d}001" for s in range(1, 9) for c in range(1, 9)}
    assert actions.group_prefixes(many) == [f"330106{s:03d}" for s in range(1, 9)]
    assert actions.group_prefixes({"", "330106"}) == [""]


def test_incremental_refresh_of_cases_recomputes_only_the_periods_and_grids_they_count_in(tree, case_catalogue):
    """Cases declare ``changed_times``: a rating given today to a case closed in February moves
    February (and its quarter and year) and today's periods, in that case's grid only; a new case
    reported today moves today's periods in its grid. The result equals a full refresh."""
    import datetime as dt

    from civicgrid.cases.actions import do_rate_case
    from civicgrid.core import audit

    from .conftest import make_case

    feb, may = P.parse("2026-02"), P.parse("2026-05")
    now_month = P.current("month")
    periods = [feb, may, P.parse("2026Q1"), P.parse("2026Q2"), now_month]
    grids = sorted(c for c in tree if len(c) == 15)
    old = make_case(grids[0], dispatched=feb.start + dt.timedelta(days=3), closed=feb.start + dt.timedelta(days=5),
                    on_time=True)
    make_case(grids[1], dispatched=feb.start + dt.timedelta(days=4), closed=feb.start + dt.timedelta(days=6),
              on_time=False, rating=5)
    make_case(grids[0], dispatched=may.start + dt.timedelta(days=2), closed=may.start + dt.timedelta(days=3),
              on_time=True, rating=1)
    actions.do_refresh(actor=SYSTEM, periods=periods)
    before = {(v.indicator, v.period, v.area_code): v.computed_at
              for v in IndicatorValue.objects.filter(indicator__startswith="cases.")}
    assert ("cases.satisfaction_rate", feb.code, grids[0]) not in before  # not rated yet

    # A search of the register and a sensitive read are audited (everywhere: no area) but change
    # nothing: they do not make the register's figures be recomputed.
    audit.record("registry.person.search", actor=SYSTEM, area_code="", detail={"q": "张"})
    audit.record("health.record.read", actor=SYSTEM, area_code="")
    do_rate_case(old, actor=SYSTEM, rating=2)
    new = make_case(grids[2], dispatched=None, reported=now_month.start + dt.timedelta(hours=1), status="reported")
    audit.record("cases.case.report", actor=SYSTEM, obj=new, area_code=new.area_code)
    from civicgrid.cases import indicators as case_indicators

    with mock.patch.object(case_indicators, "_located", wraps=case_indicators._located) as located:
        run = actions.do_refresh_changed(actor=SYSTEM, periods=periods)
    # Only the touched grids' cases are read (a city's year is a million cases).
    assert located.call_count > 0
    for call in located.call_args_list:
        codes = call.args[1]
        assert codes is not None and {grids[0], grids[2]} <= codes and grids[1] not in codes
    after = {(v.indicator, v.period, v.area_code): (v.computed_at, v.numerator, v.denominator)
             for v in IndicatorValue.objects.filter(indicator__startswith="cases.")}
    assert after[("cases.satisfaction_rate", feb.code, grids[0])][1:] == (1, 1)
    assert after[("cases.satisfaction_rate", "2026Q1", grids[0])][1:] == (1, 1)
    assert after[("cases.reported", now_month.code, grids[2])][1:] == (1, 1)
    # May and its quarter, and other grids' February, were not rewritten.
    for key, at in before.items():
        if key[1] in (may.code, "2026Q2") or key[2] == grids[1]:
            assert after[key][0] == at, key
    assert run.values > 0
    assert run.prefixes and "" not in run.prefixes  # the search did not touch the whole register
    assert_rollups_add_up()
    # Exactly what a full refresh gives.
    actions.do_refresh(actor=SYSTEM, periods=periods)
    full = {(v.indicator, v.period, v.area_code): (v.numerator, v.denominator)
            for v in IndicatorValue.objects.filter(indicator__startswith="cases.")}
    assert full == {k: v[1:] for k, v in after.items()}
    assert_rollups_add_up()


def assert_rollups_add_up():
    """Every kept sum (``IndicatorRollup``: a city's 4 digits, a district's 6, a street's 9, a
    community's 12) is the Σ of the cached rows under it — and there is one for every prefix with rows."""
    from collections import defaultdict

    from civicgrid.stats.models import ROLLUP_DIGITS, IndicatorRollup

    expected = defaultdict(lambda: [0.0, 0.0])
    for v in IndicatorValue.objects.all():
        for digits in ROLLUP_DIGITS:
            if len(v.area_code) >= digits:
                acc = expected[(v.indicator, v.period, v.area_code[:digits])]
                acc[0] += v.numerator
                acc[1] += v.denominator
    kept = {(r.indicator, r.period, r.prefix): [r.numerator, r.denominator] for r in IndicatorRollup.objects.all()}
    assert kept == dict(expected) and kept


def test_a_refresh_computes_healths_figures_once_per_period_for_all_its_indicators(tree):
    """Health's indicators share one pass over the grids per period (``plugins.shared``): a refresh
    of two periods runs it twice, not once per indicator and period (16 × at city scale: hours)."""
    from civicgrid.health import figures

    periods = [P.current("month"), P.current("quarter")]
    health = [i.code for i in actions.catalogue.indicators() if i.compute.startswith("civicgrid.health.figures:")
              and i.code not in ("health.staff_share", "health.provision_rate")]
    assert len(health) > 5
    with mock.patch.object(figures, "by_grid", wraps=figures.by_grid) as passes:
        actions.do_refresh(actor=SYSTEM, periods=periods, indicators=health)
    assert passes.call_count == 2
    # Outside a refresh nothing is kept: every call computes afresh.
    with mock.patch.object(figures, "by_grid", wraps=figures.by_grid) as passes:
        figures.contract_rate("330106", periods[0])
        figures.contract_rate("330106", periods[0])
    assert passes.call_count == 2
