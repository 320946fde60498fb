"""Reads of ``stats``: cached values rolled up (Σ numerators ÷ Σ denominators) for an area the user
may see, its child areas, trends over periods, and the target that applies (the area's own or the
nearest one above it). Every read starts from an area the user may see (``access_area``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Max, Q, Sum
from django.db.models.functions import Substr

from civicgrid.areas.models import Area, is_city_code, scope_code
from civicgrid.areas.queries import access_area, visible_areas, visible_children, visible_roots
from civicgrid.core import periods as P
from civicgrid.core import plugins
from civicgrid.core.indicators import traffic_light
from civicgrid.core.scoping import restrict

from . import catalogue
from .models import ROLLUP_DIGITS, IndicatorRollup, IndicatorValue, RefreshRun, Target

MARGIN = 0.05  # "near": within 5 % of the target (relative)


@dataclass
class Figure:
    indicator: plugins.Indicator
    area_code: str
    period: str
    numerator: float = 0.0
    denominator: float = 0.0
    target: Target | None = None

    @property
    def value(self) -> float | None:
        return catalogue.value_of(self.indicator, self.numerator, self.denominator)

    @property
    def light(self) -> str:
        return traffic_light(self.value, self.target.value if self.target else None,
                             higher_is_better=self.indicator.higher_is_better, margin=MARGIN)

    def as_dict(self) -> dict:
        t = self.target
        return {"indicator": self.indicator.code, "area_code": self.area_code, "period": self.period,
                "numerator": self.numerator, "denominator": self.denominator, "value": self.value,
                "target": t.value if t else None, "target_source": t.source if t else None,
                "target_area_code": t.area_code if t else None, "light": self.light}


def visible_values(user):
    return restrict(IndicatorValue.objects.all(), user)


def last_refresh() -> RefreshRun | None:
    return RefreshRun.objects.order_by("-started_at").first()


def home_area(user) -> Area | None:
    """The area a user's dashboard opens on: the top of their visible tree (the first of several)."""
    return visible_roots(user).order_by("code").first()


def cache_version() -> tuple:
    """What names the cached rows as they stand: the newest refresh run and the newest row (both
    index lookups). ``IndicatorValue`` is written only by the refresh, which replaces rows (new ids)
    and then records its run; so a sum read under this version is the sum of the rows as they are
    until the next refresh finishes."""
    return (RefreshRun.objects.aggregate(m=Max("id"))["m"], IndicatorValue.objects.aggregate(m=Max("id"))["m"])


def _memo(name: str, args: tuple, compute):
    """Sums over the cached rows, kept (Django's cache) until the rows change (``cache_version``):
    a city's Σ over six periods adds up a million grid rows, the same for every viewer until the
    next refresh."""
    from django.core.cache import cache

    key = "stats:" + name + ":" + hashlib.sha256(repr((args, cache_version())).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, MEMO_SECONDS)
    return found


MEMO_SECONDS = 3600


def sums(area_codes: list[str], periods: list[str], indicators: list[str] | None = None) -> dict:
    """{(indicator, area code, period): (Σ num, Σ den)} of the cached rows under each area code.
    The caller has checked the user may see those areas."""
    args = (sorted(set(area_codes)), sorted(periods), None if indicators is None else sorted(indicators))
    return _memo("sums", args, lambda: _sums(area_codes, periods, indicators))


def _sums(area_codes: list[str], periods: list[str], indicators: list[str] | None = None) -> dict:
    out = {}
    for code in set(area_codes):
        # A city's rows are those of its districts: its code (330100) is not their prefix (3301).
        prefix = scope_code(code)
        if len(prefix) in ROLLUP_DIGITS:  # the sums kept by the refresh: one row per figure
            qs = IndicatorRollup.objects.filter(prefix=prefix, period__in=periods)
            if indicators is not None:
                qs = qs.filter(indicator__in=indicators)
            for indicator, period, n, d in qs.values_list("indicator", "period", "numerator", "denominator"):
                out[(indicator, code, period)] = (n or 0.0, d or 0.0)
            continue
        qs = IndicatorValue.objects.filter(area_code__startswith=prefix, period__in=periods)
        if indicators is not None:
            qs = qs.filter(indicator__in=indicators)
        for row in qs.values("indicator", "period").annotate(n=Sum("numerator"), d=Sum("denominator")):
            out[(row["indicator"], code, row["period"])] = (row["n"] or 0.0, row["d"] or 0.0)
    return out


def by_children(parent_code: str, child_length: int, period: str, indicators: list[str] | None = None) -> dict:
    """{(indicator, child code): (Σ num, Σ den)} in one GROUP BY over the rows under ``parent_code``."""
    args = (parent_code, child_length, period, None if indicators is None else sorted(indicators))
    return _memo("children", args, lambda: _by_children(parent_code, child_length, period, indicators))


def _by_children(parent_code: str, child_length: int, period: str, indicators: list[str] | None = None) -> dict:
    if child_length in ROLLUP_DIGITS:  # districts, streets, communities: their kept sums
        qs = IndicatorRollup.objects.filter(period=period, digits=child_length,
                                            prefix__startswith=scope_code(parent_code))
        if indicators is not None:
            qs = qs.filter(indicator__in=indicators)
        return {(i, child): (n or 0.0, d or 0.0)
                for i, child, n, d in qs.values_list("indicator", "prefix", "numerator", "denominator")}
    qs = IndicatorValue.objects.filter(area_code__startswith=scope_code(parent_code), period=period)
    if indicators is not None:
        qs = qs.filter(indicator__in=indicators)
    rows = (qs.annotate(child=Substr("area_code", 1, child_length)).values("indicator", "child")
            .annotate(n=Sum("numerator"), d=Sum("denominator")))
    return {(r["indicator"], r["child"]): (r["n"] or 0.0, r["d"] or 0.0) for r in rows
            if len(r["child"]) == child_length}


# --- targets ----------------------------------------------------------------------------------------
def targets_for(indicators: list[str], area_code: str, period: P.Period | None) -> dict[str, Target]:
    """The target of each indicator for an area and period: the area's own, else the nearest area
    above it (inherited downward); for a period, the one of that period, else of its year, else the
    plan's horizon (no period)."""
    return targets_for_many(indicators, [area_code], period)[area_code]


def _chain(code: str) -> list[str]:
    """The codes a target may be set at for an area, nearest first: its own, every prefix of it and,
    above a district, its city (PPCC00, whose codes share only the first four digits) — then ""."""
    out = []
    for n in range(len(code), -1, -1):
        if n == 4 and len(code) >= 6 and code[:4] + "00" not in out and is_city_code(code[:4] + "00"):
            out.append(code[:4] + "00")
        if code[:n] not in out:
            out.append(code[:n])
    return out


def targets_for_many(indicators: list[str], area_codes: list[str], period: P.Period | None) -> dict:
    """``targets_for`` of several areas in one query: {area code: {indicator: Target}}."""
    chains = {code: _chain(code) for code in area_codes}
    wanted_periods = [""]
    if period is not None:
        wanted_periods = [period.code]
        year = period.code[:4]
        if year != period.code:
            wanted_periods.append(year)
        wanted_periods.append("")
    every = {p for chain in chains.values() for p in chain}
    rows = list(Target.objects.filter(indicator__in=indicators, area_code__in=every, period__in=wanted_periods))
    out = {}
    for code, prefixes in chains.items():
        best: dict[str, tuple[tuple[int, int], Target]] = {}
        for t in rows:
            if t.area_code not in prefixes:
                continue
            rank = (prefixes.index(t.area_code), wanted_periods.index(t.period))
            if t.indicator not in best or rank < best[t.indicator][0]:
                best[t.indicator] = (rank, t)
        out[code] = {ind: pair[1] for ind, pair in best.items()}
    return out


def visible_targets(user):
    """Targets of the areas the user may see and of the areas above them (what applies to them)."""
    from civicgrid.core.scoping import scope_codes

    codes = scope_codes(user)
    if codes is None:
        return Target.objects.all()
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(area_code__startswith=code) | Q(area_code__in=_chain(code))
    return Target.objects.filter(q)


def access_target(user, pk) -> Target:
    from civicgrid.core.access import access_object

    return access_object(visible_targets(user), user, check=lambda u, t: True, pk=pk)


# --- a dashboard ------------------------------------------------------------------------------------
@dataclass
class Dashboard:
    area: Area
    period: P.Period
    figures: list[Figure]
    trend_periods: list[P.Period]
    trends: dict  # indicator → [value or None per trend period]
    children: list[Area]
    child_figures: dict  # (indicator, child code) → Figure
    refreshed: RefreshRun | None

    def not_met(self) -> list[tuple[Area, Figure]]:
        """The area's and its children's figures that missed their target."""
        out = [(self.area, f) for f in self.figures if f.light == "missed"]
        by_code = {c.code: c for c in self.children}
        for (_ind, code), fig in sorted(self.child_figures.items()):
            if fig.light == "missed":
                out.append((by_code[code], fig))
        return out


def dashboard(user, area_code: str | None, period_code: str | None, *, trend: int = 6) -> Dashboard:
    area = access_area(user, area_code) if area_code else home_area(user)
    if area is None:
        from django.http import Http404

        raise Http404
    period = _period(period_code)
    inds = [i for i in catalogue.indicators() if user.has_capability(i.capability)]
    codes = [i.code for i in inds]
    trend_periods = catalogue.recent(period.kind, trend, period) if period.kind != "custom" else [period]
    totals = sums([area.code], [p.code for p in trend_periods], codes)
    targets = targets_for(codes, area.code, period)
    figures = []
    trends = {}
    for ind in inds:
        n, d = totals.get((ind.code, area.code, period.code), (0.0, 0.0))
        figures.append(Figure(ind, area.code, period.code, n, d, targets.get(ind.code)))
        trends[ind.code] = [catalogue.value_of(ind, *totals.get((ind.code, area.code, p.code), (0.0, 0.0)))
                            for p in trend_periods]
    children = list(visible_children(user, area).defer("boundary").order_by("code"))
    child_figures = {}
    if children:
        length = len(children[0].code)
        grouped = by_children(area.code, length, period.code, codes)
        all_targets = targets_for_many(codes, [c.code for c in children], period)
        for child in children:
            child_targets = all_targets[child.code]
            for ind in inds:
                n, d = grouped.get((ind.code, child.code), (0.0, 0.0))
                child_figures[(ind.code, child.code)] = Figure(ind, child.code, period.code, n, d,
                                                               child_targets.get(ind.code))
    return Dashboard(area, period, figures, trend_periods, trends, children, child_figures, last_refresh())


def _period(code: str | None) -> P.Period:
    if code:
        try:
            return P.parse(code)
        except ValueError:
            pass
    return P.current("quarter")


def area_choices(user) -> list[Area]:
    return list(visible_areas(user).defer("boundary").order_by("code")[:500])


# --- report forms ---------------------------------------------------------------------------------
def visible_reports(user):
    from .models import ReportInstance

    return restrict(ReportInstance.objects.select_related("template"), user)


def access_report(user, pk):
    from civicgrid.core.access import access_object

    return access_object(visible_reports(user), user, pk=pk)


def applying_to(user) -> Q:
    """Definitions (forms, schemes, surveys) that apply to the user's areas: the deployment's, those
    of an area above theirs and those of areas inside theirs (``owner_code``)."""
    from civicgrid.core.scoping import scope_codes

    codes = scope_codes(user) if user is not None else None
    if codes is None:
        return Q()
    q = Q(owner_code="")
    for code in codes:
        q |= Q(owner_code__startswith=code) | Q(owner_code__in=_chain(code))
    return q


def report_templates(user=None):
    from .models import ReportTemplate

    return ReportTemplate.objects.filter(applying_to(user), active=True).prefetch_related("cells")


def report_rates(user, template, period_code: str, parent_code: str) -> dict:
    """Reporting rate and on-time reporting rate (as DHIS2 counts them) of the reports under an area:
    reports submitted or accepted ÷ reports expected; on time: of those, not late ÷ expected."""
    from django.db.models import Count

    from .models import ReportInstance

    S = ReportInstance.Status
    qs = visible_reports(user).filter(template=template, period=period_code,
                                      area_code__startswith=scope_code(parent_code))
    row = qs.aggregate(expected=Count("id"), reported=Count("id", filter=Q(status__in=[S.SUBMITTED, S.ACCEPTED])),
                       on_time=Count("id", filter=Q(status__in=[S.SUBMITTED, S.ACCEPTED], late=False)))
    expected = row["expected"]
    return {"expected": expected, "reported": row["reported"], "on_time": row["on_time"],
            "rate": 100 * row["reported"] / expected if expected else None,
            "on_time_rate": 100 * row["on_time"] / expected if expected else None}


def report_events(report):
    return report.events.select_related("actor").order_by("at", "id")


# --- assessment ---------------------------------------------------------------------------------------
def visible_results(user):
    """Results of the areas the user may see; before publication only to reviewers (the level above)."""
    from .capabilities import STATS_REVIEW
    from .models import AssessmentResult

    qs = restrict(AssessmentResult.objects.select_related("scheme"), user)
    if not user.has_capability(STATS_REVIEW):
        qs = qs.filter(published=True)
    return qs


def schemes(user=None):
    from .models import AssessmentScheme

    return AssessmentScheme.objects.filter(applying_to(user), active=True).prefetch_related("rules")


# --- surveys ------------------------------------------------------------------------------------------
def surveys(user=None):
    from .models import Survey

    return Survey.objects.filter(applying_to(user), active=True).prefetch_related("questions")


def visible_responses(user):
    from .models import SurveyResponse

    return restrict(SurveyResponse.objects.select_related("survey"), user)


def survey_grids(user):
    from .capabilities import STATS_SURVEY

    return list(visible_areas(user, STATS_SURVEY).filter(level="grid").defer("boundary").order_by("code")[:1000])


# --- definitions (report forms, schemes, surveys) ---------------------------------------------------
def definable(user, model):
    """The definitions of ``model`` the user may edit (``actions.can_define``), by code."""
    from .actions import can_define

    return [d for d in model.objects.order_by("code") if can_define(user, d.owner_code)]


def access_definition(user, model, pk):
    """One definition the user may edit; 404 for missing and not-yours alike (audited)."""
    from civicgrid.core.access import access_object

    from .actions import can_define

    return access_object(model, user, pk=pk, check=lambda u, obj: can_define(u, obj.owner_code))
