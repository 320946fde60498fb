"""The register's indicators for the dashboards (``stats``): population and households by kind,
the volunteer rate and social organisations per community. Each function takes an area-code
prefix and a ``core.periods.Period`` and returns {area code: (numerator, denominator)}; they are
figures of the register as it stands (``stock``), so the period does not narrow them. Defined in
``docs/stats.md``."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q

from civicgrid.areas.models import Area

from .models import Household, Organisation, Person, PersonTag


def _counts(qs, prefix: str) -> dict[str, tuple[float, float]]:
    rows = qs.filter(area_code__startswith=prefix).values("area_code").annotate(n=Count("id"))
    return {r["area_code"]: (float(r["n"]), 1.0) for r in rows if r["area_code"]}


def population(prefix: str, period) -> dict:
    return _counts(Person.objects.filter(status=Person.Status.ACTIVE), prefix)


def _by_residence(residence: str):
    def compute(prefix: str, period) -> dict:
        return _counts(Person.objects.filter(status=Person.Status.ACTIVE, residence=residence), prefix)

    return compute


population_registered = _by_residence(Person.Residence.REGISTERED)
population_floating = _by_residence(Person.Residence.FLOATING)
population_foreign = _by_residence(Person.Residence.FOREIGN)


def households(prefix: str, period) -> dict:
    return _counts(Household.objects.filter(dissolved=False), prefix)


def volunteer_rate(prefix: str, period) -> dict:
    """Registered volunteers (tag) among the people living here."""
    volunteers = PersonTag.objects.filter(tag=PersonTag.Tag.VOLUNTEER, person__status=Person.Status.ACTIVE)
    rows = (Person.objects.filter(status=Person.Status.ACTIVE, area_code__startswith=prefix).values("area_code")
            .annotate(n=Count("id"), v=Count("id", filter=Q(pk__in=volunteers.values("person_id")))))
    return {r["area_code"]: (float(r["v"]), float(r["n"])) for r in rows if r["area_code"]}


def social_organisations(prefix: str, period) -> dict:
    """Social organisations per community: counted at the communities (a grid has no value)."""
    out: dict[str, list[float]] = {}
    for code in Area.objects.filter(level=Area.Level.COMMUNITY, code__startswith=prefix).values_list("code", flat=True):
        out[code] = [0.0, 1.0]
    if not out:
        return {}
    counts: dict[str, int] = defaultdict(int)
    rows = (Organisation.objects.filter(kind=Organisation.Kind.SOCIAL, area_code__startswith=prefix)
            .values("area_code").annotate(n=Count("id")))
    length = len(next(iter(out)))
    for r in rows:
        counts[r["area_code"][:length]] += r["n"]
    for code, n in counts.items():
        if code in out:
            out[code][0] = float(n)
    return {code: (v[0], v[1]) for code, v in out.items()}
