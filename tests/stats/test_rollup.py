"""Acceptance 1 (first half): for random data, the value of every indicator at every level of the
area tree equals Σ numerators ÷ Σ denominators over the grids below it — never a mean of the grids'
rates — counted here again from the generated cases, independently of the indicator code."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from civicgrid.cases.models import Case
from civicgrid.core import periods as P
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions, catalogue, queries
from civicgrid.stats.models import IndicatorValue

from .conftest import PERIOD, make_case

CASE_INDICATORS = ["cases.closing_rate", "cases.on_time_rate", "cases.rework_rate", "cases.satisfaction_rate",
                   "cases.reported"]

# One generated case: grid index, dispatched (days from the period's start, may fall outside it),
# closed after (days, or None), on time, rating (or None), reworked, invalid.
case_st = st.tuples(st.integers(0, 15), st.integers(-20, 40), st.one_of(st.none(), st.integers(0, 30)),
                    st.booleans(), st.one_of(st.none(), st.integers(1, 5)), st.booleans(), st.booleans())


def expected(cases, grids_under, period):
    """{indicator: (Σ num, Σ den)} over the generated cases of the grids under an area."""
    out = {code: [0, 0] for code in CASE_INDICATORS}
    for grid, dispatched, closed, on_time, rating, rework, invalid in cases:
        if grid not in grids_under:
            continue
        reported = dispatched - dt.timedelta(hours=2)
        if period.start <= reported < period.end:
            out["cases.reported"][0] += 1
            out["cases.reported"][1] = 1
        if invalid:
            continue
        if period.start <= dispatched < period.end:
            out["cases.closing_rate"][1] += 1
            out["cases.on_time_rate"][1] += 1
            if closed is not None and closed < period.end:
                out["cases.closing_rate"][0] += 1
                out["cases.on_time_rate"][0] += on_time
        if closed is not None and period.start <= closed < period.end:
            out["cases.rework_rate"][1] += 1
            out["cases.rework_rate"][0] += rework
            if rating is not None:
                out["cases.satisfaction_rate"][1] += 1
                out["cases.satisfaction_rate"][0] += rating <= 3
    return out


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(generated=st.lists(case_st, max_size=40))
def test_every_level_is_the_sum_of_its_grids(tree, case_catalogue, generated):
    Case.objects.all().delete()
    IndicatorValue.objects.all().delete()
    grids = sorted(c for c in tree if tree[c].level == "grid")
    cases = []
    for g, day, after, on_time, rating, rework, invalid in generated:
        dispatched = PERIOD.start + dt.timedelta(days=day, hours=3)
        closed = None if after is None else dispatched + dt.timedelta(days=after, hours=1)
        make_case(grids[g], dispatched=dispatched, closed=closed, on_time=on_time, rating=rating if closed else None,
                  rework=int(rework), status=Case.Status.INVALID if invalid else None)
        cases.append((grids[g], dispatched, closed, on_time, rating if closed else None, rework, invalid))
    actions.do_refresh(actor=SYSTEM, periods=[PERIOD], indicators=CASE_INDICATORS)
    inds = {i.code: i for i in catalogue.indicators()}
    for code, area in tree.items():
        under = {g for g in grids if g.startswith(code)}
        want = expected(cases, under, PERIOD)
        got = queries.sums([code], [PERIOD.code], CASE_INDICATORS)
        for ind in CASE_INDICATORS:
            n, d = got.get((ind, code, PERIOD.code), (0.0, 0.0))
            assert (n, d if ind != "cases.reported" else 0) == (want[ind][0], want[ind][1] if ind != "cases.reported"
                                                                  else 0), (ind, code)
            value = catalogue.value_of(inds[ind], n, d)
            if ind == "cases.reported":
                assert value == (want[ind][0] if d else None)
            else:
                assert value == (pytest.approx(100 * want[ind][0] / want[ind][1]) if want[ind][1] else None)
        # The grids' values add up to their parent's (Σ ÷ Σ): the child GROUP BY equals the sums.
        if area.level != "grid":
            length = len(next(c for c in tree if tree[c].parent_id == area.pk))
            by_child = queries.by_children(code, length, PERIOD.code, CASE_INDICATORS)
            for ind in CASE_INDICATORS:
                total = [sum(v[i] for (i_, _c), v in by_child.items() if i_ == ind) for i in (0, 1)]
                n, d = got.get((ind, code, PERIOD.code), (0.0, 0.0))
                assert (total[0], total[1]) == (n, d)


def test_a_rate_is_not_a_mean_of_rates():
    ind = catalogue.get("cases.closing_rate")
    # Two grids: 1 of 1 closed (100 %) and 1 of 9 (11 %): the street's rate is 2 ÷ 10, not 55.6 %.
    assert catalogue.value_of(ind, 1 + 1, 1 + 9) == pytest.approx(20.0)
    count = catalogue.get("registry.population")
    assert catalogue.value_of(count, 120 + 80, 2) == 200


def test_period_codes_span_their_days():
    s1 = P.parse("2025S1")
    assert (s1.first_day, s1.last_day) == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert P.parse("2025S2").first_day == dt.date(2025, 7, 1)
