"""The figures of community health (``docs/health.md``), per grid, for a period of ``core.periods``.

Every figure is a numerator and a denominator per grid (the person's grid); a team's health grid, a
community, a street and the district add them up (Σ numerators ÷ Σ denominators, never a mean of
rates). The reference day ``d`` of a period is its last day, or today for a period not yet over.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from civicgrid.areas.models import Area
from civicgrid.core import plugins
from civicgrid.core.indicators import Fraction
from civicgrid.registry.models import Person

from .models import (
    Contract,
    DiseaseReport,
    Enrolment,
    HealthRecord,
    Parameter,
    Survey,
    Task,
    Team,
    TeamMember,
    Visit,
)

CODES = ("records", "contracts", "htn_managed", "htn_standard", "htn_control", "dm_managed", "dm_standard",
         "dm_control", "elderly", "ontime", "coverage", "awareness", "satisfaction", "staff", "provision",
         "disease_ontime")


def reference_day(period, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return min(period.last_day, today)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def required_visits(period) -> int:
    """Face-to-face follow-ups a managed patient needs in the period: 4 a year, pro rata (a
    half-year 2, a quarter or a month 1)."""
    days = (period.last_day - period.first_day).days + 1
    return max(1, math.ceil(4 * days / 365 - 1e-9)) if days < 365 else 4


def parameter(year: int) -> Parameter:
    return Parameter.objects.filter(year=year).first() or Parameter(year=year)


def _counts(qs, field: str = "area_code") -> dict[str, int]:
    return {row[field]: row["n"] for row in qs.values(field).annotate(n=Count("id")).order_by()}


def by_grid(prefix: str, period, today: dt.date | None = None) -> dict[str, dict[str, Fraction]]:
    """{grid code: {figure: Fraction}} for the grids under ``prefix``."""
    d = reference_day(period, today)
    first = period.first_day
    grids = list(Area.objects.filter(level=Area.Level.GRID, code__startswith=prefix).values_list("code", flat=True))
    out: dict[str, dict[str, Fraction]] = {g: {c: Fraction() for c in CODES} for g in grids}
    people = Person.objects.filter(area_code__startswith=prefix, status=Person.Status.ACTIVE)
    residents = _counts(people)
    records = _counts(HealthRecord.objects.filter(area_code__startswith=prefix, person__status=Person.Status.ACTIVE,
                                                  opened_on__lte=d))
    in_force = (Contract.objects.filter(area_code__startswith=prefix, person__status=Person.Status.ACTIVE,
                                        start_date__lte=d, end_date__gte=d)
                .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=d)))
    contracts = {r["area_code"]: r["n"] for r in in_force.values("area_code")
                 .annotate(n=Count("person_id", distinct=True)).order_by()}
    over35 = _counts(people.filter(birth_date__lte=years_before(d, 35)))
    over65 = people.filter(birth_date__lte=years_before(d, 65))
    elderly_all = _counts(over65)
    elderly_seen = {r["area_code"]: r["n"] for r in Visit.objects.filter(
        person__in=over65, enrolment__programme__code="elderly", face_to_face=True, on__gte=first, on__lte=d)
        .values("area_code").annotate(n=Count("person_id", distinct=True)).order_by()}
    param = parameter(d.year)
    need = required_visits(period)
    chronic = {}
    for code, prevalence in (("htn", param.htn_prevalence), ("dm", param.dm_prevalence)):
        managed = list(Enrolment.objects.filter(area_code__startswith=prefix, programme__code=code,
                                                person__status=Person.Status.ACTIVE, enrolled_on__lte=d)
                       .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=d)).values_list("id", "area_code"))
        ids = [i for i, _ in managed]
        f2f = defaultdict(int)
        last: dict[int, tuple] = {}
        for enrolment_id, on, vid, face, ok in (Visit.objects.filter(enrolment_id__in=ids, on__gte=first, on__lte=d)
                                                .values_list("enrolment_id", "on", "id", "face_to_face", "controlled")
                                                .iterator(chunk_size=5000)):
            if face:
                f2f[enrolment_id] += 1
            if ok is not None and (enrolment_id not in last or (on, vid) > last[enrolment_id][:2]):
                last[enrolment_id] = (on, vid, ok)
        chronic[code] = (managed, f2f, last, Decimal(str(prevalence)))
    ontime_due = Task.objects.filter(area_code__startswith=prefix, end__gte=first, end__lte=d,
                                     end__lt=today or timezone.localdate())
    closed = _counts(ontime_due)
    done = _counts(ontime_due.filter(status=Task.Status.DONE, done_on__isnull=False))
    surveys = Survey.objects.filter(area_code__startswith=prefix, on__gte=first, on__lte=d)
    surveyed, aware, satisfied = _counts(surveys), _counts(surveys.filter(aware=True)), _counts(
        surveys.filter(satisfied=True))
    # 报告及时率: disease reports filed in the period (by their time reported, returned ones left out)
    # that were reported within their time limit.
    from civicgrid.core.periods import midnight

    disease = DiseaseReport.objects.filter(area_code__startswith=prefix, reported_at__gte=midnight(first),
                                           reported_at__lt=midnight(d + dt.timedelta(days=1))).exclude(
        status=DiseaseReport.Status.RETURNED)
    disease_all, disease_ontime = _counts(disease), _counts(disease.filter(late=False))
    covered = {g for t in Team.objects.filter(area_code__startswith=prefix[:12], active=True) for g in t.grid_codes}
    for g, figs in out.items():
        figs["records"] = Fraction(records.get(g, 0), residents.get(g, 0))
        figs["contracts"] = Fraction(contracts.get(g, 0), residents.get(g, 0))
        figs["elderly"] = Fraction(elderly_seen.get(g, 0), elderly_all.get(g, 0))
        figs["ontime"] = Fraction(done.get(g, 0), closed.get(g, 0))
        figs["coverage"] = Fraction(1 if g in covered else 0, 1)
        figs["awareness"] = Fraction(aware.get(g, 0), surveyed.get(g, 0))
        figs["satisfaction"] = Fraction(satisfied.get(g, 0), surveyed.get(g, 0))
        figs["disease_ontime"] = Fraction(disease_ontime.get(g, 0), disease_all.get(g, 0))
        for code in ("htn", "dm"):
            figs[f"{code}_managed"] = Fraction(0, float(Decimal(over35.get(g, 0)) * chronic[code][3]))
    _staff(prefix, out)
    _provision(prefix, first, d, out)
    for code, (managed, f2f, last, _prev) in chronic.items():
        for enrolment_id, g in managed:
            if g not in out:
                continue
            figs = out[g]
            figs[f"{code}_managed"].numerator += 1
            figs[f"{code}_standard"] = figs[f"{code}_standard"] + Fraction(int(f2f[enrolment_id] >= need), 1)
            ok = last.get(enrolment_id)
            figs[f"{code}_control"] = figs[f"{code}_control"] + Fraction(int(bool(ok and ok[2])), 1)
    return out


def _centre(team) -> tuple[str, str]:
    """A health centre: its name within a street (teams name the centre they belong to)."""
    return team[0][:9], team[1].strip()


def _staff(prefix: str, out: dict) -> None:
    """Share of the centre's medical staff in teams, attributed to each team's first grid: members in
    a medical post whose source organisation is the team's centre ÷ the centre's medical staff shared
    equally among its active teams. Teams carry no dates: the membership as it stands."""
    teams = [t for t in Team.objects.filter(area_code__startswith=prefix[:12], active=True)
             .values_list("area_code", "centre", "centre_medical_staff", "grid_codes", "pk")
             if t[3] and min(t[3]) in out]
    if not teams:
        return
    streets = Q()
    for street in {t[0][:9] for t in teams}:
        streets |= Q(area_code__startswith=street)
    per_centre: dict[tuple[str, str], int] = defaultdict(int)
    for team in Team.objects.filter(streets, active=True).values_list("area_code", "centre"):
        per_centre[_centre(team)] += 1
    in_teams = defaultdict(int)
    for team_id, organisation, centre in (TeamMember.objects.filter(team_id__in=[t[4] for t in teams], active=True,
                                                                     post__in=TeamMember.MEDICAL_POSTS)
                                          .values_list("team_id", "organisation", "team__centre")):
        if centre.strip() and organisation.strip() == centre.strip():
            in_teams[team_id] += 1
    for team in teams:
        g = min(team[3])
        share = team[2] / per_centre[_centre(team)]
        out[g]["staff"] = out[g]["staff"] + Fraction(in_teams[team[4]], share)


def _provision(prefix: str, first: dt.date, d: dt.date, out: dict) -> None:
    """Service-function provision: per grid, the programmes (service functions) its people living
    here are enrolled in on ``d``; provided when the grid has a visit of that programme in the period."""
    needed = set(Enrolment.objects.filter(area_code__startswith=prefix, person__status=Person.Status.ACTIVE,
                                          enrolled_on__lte=d).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=d))
                 .values_list("area_code", "programme_id").distinct().order_by())
    provided = set(Visit.objects.filter(area_code__startswith=prefix, on__gte=first, on__lte=d,
                                        enrolment__isnull=False)
                   .values_list("area_code", "enrolment__programme_id").distinct().order_by())
    for g, programme in needed:
        if g in out:
            out[g]["provision"] = out[g]["provision"] + Fraction(int((g, programme) in provided), 1)


def rolled(prefix: str, period, *, level: str, today: dt.date | None = None) -> dict[str, dict[str, Fraction]]:
    """Per area of ``level`` (grid/community/street/district) under ``prefix``, or per team ("team")."""
    grids = by_grid(prefix, period, today)
    out: dict[str, dict[str, Fraction]] = {}
    if level == "team":
        for team in Team.objects.filter(area_code__startswith=prefix[:12], active=True).order_by("area_code", "name"):
            parts = [grids[g] for g in team.grid_codes if g in grids]
            out[str(team.pk)] = {c: sum((p[c] for p in parts), Fraction()) for c in CODES}
        return out
    size = {"grid": 15, "community": 12, "street": 9, "district": 6}[level]
    for g, figs in grids.items():
        key = g[:size]
        acc = out.setdefault(key, {c: Fraction() for c in CODES})
        for c in CODES:
            acc[c] = acc[c] + figs[c]
    return out


def total(prefix: str, period, today: dt.date | None = None) -> dict[str, Fraction]:
    acc = {c: Fraction() for c in CODES}
    for figs in by_grid(prefix, period, today).values():
        for c in CODES:
            acc[c] = acc[c] + figs[c]
    return acc


def _indicator(code):
    def compute(prefix: str, period):
        # Every figure per grid in one pass, shared by the indicators of one refresh of the period.
        grids = plugins.shared(("health.by_grid", prefix, period.code), lambda: by_grid(prefix, period))
        return {g: (f[code].numerator, f[code].denominator) for g, f in grids.items()}

    compute.__name__ = f"compute_{code}"
    return compute


contract_rate = _indicator("contracts")
record_rate = _indicator("records")
htn_managed_rate = _indicator("htn_managed")
htn_standard_rate = _indicator("htn_standard")
htn_control_rate = _indicator("htn_control")
dm_managed_rate = _indicator("dm_managed")
dm_standard_rate = _indicator("dm_standard")
dm_control_rate = _indicator("dm_control")
elderly_rate = _indicator("elderly")
ontime_rate = _indicator("ontime")
grid_coverage = _indicator("coverage")
awareness_rate = _indicator("awareness")
satisfaction_rate = _indicator("satisfaction")


def _alone(code: str, fill):
    """An indicator computing only its own figure (not every figure of ``by_grid``)."""
    def compute(prefix: str, period):
        d = reference_day(period)
        grids = Area.objects.filter(level=Area.Level.GRID, code__startswith=prefix).values_list("code", flat=True)
        out = {g: {code: Fraction()} for g in grids}
        fill(prefix, period.first_day, d, out)
        return {g: (f[code].numerator, f[code].denominator) for g, f in out.items()}

    compute.__name__ = f"compute_{code}"
    return compute


staff_share = _alone("staff", lambda prefix, first, d, out: _staff(prefix, out))
provision_rate = _alone("provision", _provision)
disease_ontime_rate = _indicator("disease_ontime")
