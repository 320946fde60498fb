"""Reads of the circle for a user, scoped by area code (``core.scoping``).

Coverage counts households of registry buildings (``Building.households``) whose stored
walking time to the nearest facility of a kind is within the limit. Aggregates are computed
over the buildings the user may see only, so a grid worker's community row is their grid.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.areas.models import Area
from civicgrid.circle.capabilities import CIRCLE_RATE
from civicgrid.core.access import access_object
from civicgrid.core.capabilities import VIEW
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import in_scope, restrict, scope_codes
from civicgrid.registry.models import Building, Person

from . import conf
from .models import (
    KIND_GROUP,
    SERVICE_AREA_GROUPS,
    AccessRun,
    BuildingAccess,
    Facility,
    FacilityKind,
    Provider,
    WalkNetwork,
)

LEVEL_DIGITS = {"district": 6, "street": 9, "community": 12, "grid": 15}


# --- facilities ----------------------------------------------------------------------------------
def visible_facilities(user):
    return restrict(Facility.objects.all(), user, capability=VIEW)


def access_facility(user, pk) -> Facility:
    return access_object(Facility, user, capability=VIEW, pk=pk)


def visible_networks(user):
    """Networks of districts the user works in (a network is filed at district level)."""
    codes = scope_codes(user, VIEW)
    qs = WalkNetwork.objects.all()
    if codes is None:
        return qs
    return qs.filter(_districts_q(codes))


def _districts_q(codes) -> Q:
    """The districts of the codes: each code's district, every district of a city's (4 digits)."""
    q = Q(pk__in=[])
    for c in codes:
        q |= Q(area_code=c[:6]) if len(c) >= 6 else Q(area_code__startswith=c)
    return q


def latest_run(user) -> AccessRun | None:
    codes = scope_codes(user, VIEW)
    qs = AccessRun.objects.all()
    if codes is not None:
        qs = qs.filter(_districts_q(codes))
    return qs.first()


# --- coverage ------------------------------------------------------------------------------------
def _check_minutes(minutes) -> int:
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if minutes not in (5, 10, 15):
        raise UserError(_("minutes must be 5, 10 or 15."), field="minutes")
    return minutes


def _check_kind(kind: str) -> str:
    if kind not in FacilityKind.values:
        raise UserError(_("kind: choose one of the standard facility kinds."), field="kind")
    return kind


def coverage(user, *, level: str = "community", minutes: int = 15, kinds=None) -> dict:
    """Share of households within ``minutes`` of each facility kind, per area of ``level``.

    Returns {"kinds": [...], "rows": [{code, name, households, buildings, shares{kind: 0..1},
    overall}], "total": {...}}; ``overall`` is the mean share over the kinds (R-FAC-2's
    facility coverage rate, target 93%)."""
    minutes = _check_minutes(minutes)
    if level not in ("district", "street", "community", "grid"):
        raise UserError(_("level must be district, street, community or grid."), field="level")
    kinds = [_check_kind(k) for k in (kinds or FacilityKind.values)]
    if not (getattr(user, "pk", None) and getattr(user, "is_authenticated", False)):
        return _coverage(user, level, minutes, kinds)
    # The figures change only when an accessibility run replaces a district's rows (one transaction
    # with the run marked done), so the answer is kept under the newest finished run, the viewer's
    # jurisdiction and language (a million building × kind rows at a city's scale: ~1.5 s of SQL).
    import hashlib

    from django.core.cache import cache
    from django.utils.translation import get_language

    newest = AccessRun.objects.filter(status=AccessRun.Status.DONE).aggregate(m=Max("pk"))["m"]
    key = "circle.coverage:" + hashlib.sha256(repr((newest, scope_codes(user, VIEW), level, minutes, kinds,
                                                     get_language())).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _coverage(user, level, minutes, kinds)
        cache.set(key, found, COVERAGE_KEEP_SECONDS)
    return found


COVERAGE_KEEP_SECONDS = 600  # area renames reach the table within this; the figures by the run key at once


def _coverage(user, level: str, minutes: int, kinds: list[str]) -> dict:
    digits = LEVEL_DIGITS[level]
    qs = restrict(BuildingAccess.objects.filter(kind__in=kinds), user, capability=VIEW)
    grouped = qs.values("area_code", "kind").annotate(
        hh=Sum("households"), covered=Sum("households", filter=Q(band__lte=minutes)), n=Count("id"))
    households: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    covered: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    buildings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in grouped:
        code = row["area_code"][:digits]
        households[code][row["kind"]] += row["hh"] or 0
        covered[code][row["kind"]] += row["covered"] or 0
        buildings[code][row["kind"]] += row["n"]
    names = dict(Area.objects.filter(code__in=list(households)).values_list("code", "name"))

    def summarise(code, name, hh, cov, nb):
        total_hh = max(hh.values()) if hh else 0
        shares = {k: (cov.get(k, 0) / hh[k] if hh.get(k) else None) for k in kinds}
        valid = [s for s in shares.values() if s is not None]
        return {"code": code, "name": name, "households": total_hh, "buildings": max(nb.values()) if nb else 0,
                "shares": shares, "covered": {k: cov.get(k, 0) for k in kinds},
                "overall": sum(valid) / len(valid) if valid else None}

    rows = [summarise(code, names.get(code, code), households[code], covered[code], buildings[code])
            for code in sorted(households)]
    tot_hh: dict[str, int] = defaultdict(int)
    tot_cov: dict[str, int] = defaultdict(int)
    tot_nb: dict[str, int] = defaultdict(int)
    for code in households:
        for k, v in households[code].items():
            tot_hh[k] += v
            tot_cov[k] += covered[code][k]
            tot_nb[k] += buildings[code][k]
    return {"kinds": kinds, "minutes": minutes, "level": level, "rows": rows,
            "total": summarise("", _("All visible"), tot_hh, tot_cov, tot_nb) if tot_hh else None,
            "target": conf.COVERAGE_TARGET}


def buildings_outside(user, kind: str, *, minutes: int = 15, limit: int | None = 500):
    """Residential buildings beyond ``minutes`` of the nearest ``kind`` (most households first)."""
    kind = _check_kind(kind)
    minutes = _check_minutes(minutes)
    qs = restrict(BuildingAccess.objects.filter(kind=kind), user, capability=VIEW).filter(Q(band__isnull=True) | Q(band__gt=minutes))
    qs = qs.select_related("building").order_by("-households", "building__address")
    return qs if limit is None else qs[:limit]


def coverage_points(user, kind: str, *, minutes: int = 15) -> dict:
    """GeoJSON points of the user's residential buildings with their distance to ``kind``."""
    kind = _check_kind(kind)
    minutes = _check_minutes(minutes)
    rows = restrict(BuildingAccess.objects.filter(kind=kind), user, capability=VIEW).values_list(
        "building_id", "building__address", "building__lon", "building__lat", "households", "distance_m", "minutes",
        "band", "unreachable", "area_code")
    features = []
    for bid, address, lon, lat, hh, dist, mins, band, unreachable, code in rows.iterator(chunk_size=5000):
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"id": bid, "address": address, "households": hh, "distance_m": dist,
                                        "minutes": mins, "band": band, "unreachable": unreachable,
                                        "within": band is not None and band <= minutes, "area_code": code}})
    facilities = visible_facilities(user).filter(kind=kind, active=True).values_list("id", "name", "lon", "lat",
                                                                                       "area_code")
    for fid, name, lon, lat, code in facilities:
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"facility": fid, "name": name, "area_code": code}})
    return {"type": "FeatureCollection", "features": features}


def suggest_site(user, kind: str, *, minutes: int = 15, candidates: list[tuple[float, float]] | None = None) -> dict:
    """Where to put the next facility of ``kind``: the candidate that brings the most
    uncovered households of the user's jurisdiction within ``minutes`` (exact for one site).
    Candidates are the given (lon, lat) sites, or else every network node inside the
    user's grids."""
    from civicgrid.areas.index import locate_many

    from .actions import load_graph
    from .engine import best_new_site

    kind = _check_kind(kind)
    minutes = _check_minutes(minutes)
    rows = list(restrict(BuildingAccess.objects.filter(kind=kind), user, capability=VIEW).values_list(
        "building_id", "building__lon", "building__lat", "households", "band", "area_code"))
    if not rows:
        return {"found": False, "reason": _("No accessibility results in your jurisdiction yet.")}
    district = rows[0][5][:6]
    network = WalkNetwork.objects.filter(area_code=district).first()
    if network is None:
        return {"found": False, "reason": _("The district has no walking network yet.")}
    run = AccessRun.objects.filter(area_code=district, status=AccessRun.Status.DONE).first()
    speed = run.speed_m_s if run else conf.speed_m_s()
    limit_m = minutes * 60.0 * speed
    graph = load_graph(network)
    rows = [r for r in rows if r[5][:6] == district]
    lon = np.array([r[1] for r in rows])
    lat = np.array([r[2] for r in rows])
    weights = np.array([r[3] for r in rows], dtype=float)
    uncovered = np.array([r[4] is None or r[4] > minutes for r in rows])
    p_nodes, p_snap = graph.snap(lon, lat)
    if candidates:
        c_lon = np.array([c[0] for c in candidates], dtype=float)
        c_lat = np.array([c[1] for c in candidates], dtype=float)
        c_nodes, c_snap = graph.snap(c_lon, c_lat)
    else:
        pad = limit_m / 111_000
        box = ((graph.lon >= lon.min() - pad) & (graph.lon <= lon.max() + pad) & (graph.lat >= lat.min() - pad)
               & (graph.lat <= lat.max() + pad))
        c_nodes = np.flatnonzero(box)
        codes = locate_many(graph.lon[c_nodes], graph.lat[c_nodes])
        c_nodes = c_nodes[np.array([c is not None and in_scope(user, c, VIEW) for c in codes], dtype=bool)]
        c_lon, c_lat, c_snap = graph.lon[c_nodes], graph.lat[c_nodes], np.zeros(len(c_nodes))
    uncovered_hh = float(weights[uncovered].sum())
    if not uncovered.any():
        return {"found": False, "reason": _("Every household is covered already."), "uncovered_households": 0}
    best, gain, mask = best_new_site(c_nodes, graph, p_nodes, p_snap, weights, uncovered, limit_m,
                                     candidate_snap=c_snap)
    if best < 0 or gain <= 0:
        return {"found": False, "reason": _("No candidate site brings any uncovered household within reach."),
                "uncovered_households": uncovered_hh}
    return {"found": True, "lon": float(c_lon[best]), "lat": float(c_lat[best]), "households": gain,
            "buildings": int(mask.sum()), "uncovered_households": uncovered_hh,
            "share_of_uncovered": gain / uncovered_hh if uncovered_hh else 0.0,
            "candidates": int(len(c_nodes)), "covered_building_ids": [rows[i][0] for i in np.flatnonzero(mask)]}


# --- standards (R-FAC-1, R-ELD-3, R-FAC-2) --------------------------------------------------------
def standards(user, *, level: str = "community", per_100: float | None = None, today: dt.date | None = None):
    """Facility standards per community or street of the user's jurisdiction."""
    if level not in ("community", "street"):
        raise UserError(_("level must be community or street."), field="level")
    per_100 = per_100 if per_100 is not None else conf.area_per_100_households()
    today = today or timezone.localdate()
    areas = list(restrict(Area.objects.filter(level=level), user, field="code", capability=VIEW).order_by("code"))
    facilities = restrict(Facility.objects.filter(active=True), user, capability=VIEW)
    buildings = restrict(Building.objects.all(), user, capability=VIEW)
    people = restrict(Person.objects.filter(status=Person.Status.ACTIVE), user, capability=VIEW)
    cover = coverage(user, level=level, minutes=conf.limit_min() if conf.limit_min() in (5, 10, 15) else 15)
    overall = {r["code"]: r["overall"] for r in cover["rows"]}
    try:
        cutoff = today.replace(year=today.year - 60)  # born on or before: aged 60 or more
    except ValueError:  # 29 February
        cutoff = dt.date(today.year - 60, 2, 28)
    service_kinds = [k for k, g in KIND_GROUP.items() if g in SERVICE_AREA_GROUPS]
    rows = []
    for area in areas:
        code = area.code
        hh = buildings.filter(area_code__startswith=code).aggregate(n=Sum("households"))["n"] or 0
        here = facilities.filter(area_code__startswith=code)
        service_area = float(here.filter(kind__in=service_kinds).aggregate(a=Sum("area_m2"))["a"] or 0)
        station = here.filter(kind=FacilityKind.SERVICE_CENTRE, level=Facility.Level.COMMUNITY).aggregate(
            a=Max("area_m2"))["a"]
        centre = facilities.filter(area_code__startswith=code[:9], kind=FacilityKind.SERVICE_CENTRE,
                                   level=Facility.Level.STREET).aggregate(a=Max("area_m2"))["a"]
        beds = here.filter(kind=FacilityKind.DAYCARE_CENTRE).aggregate(b=Sum("capacity"))["b"] or 0
        elderly = people.filter(area_code__startswith=code).filter(
            Q(tags__tag="elderly") | Q(birth_date__lte=cutoff)).distinct().count()
        required_area = hh / 100.0 * per_100
        required_beds = elderly * conf.DAYCARE_BEDS_PER_1000_ELDERLY / 1000.0
        cov = overall.get(code)
        rows.append({
            "code": code, "name": area.name, "households": hh,
            "service_area_m2": service_area, "required_area_m2": required_area,
            "area_ok": service_area >= required_area,
            "station_m2": float(station) if station is not None else None,
            "station_ok": station is not None and float(station) >= conf.COMMUNITY_STATION_MIN_M2,
            "street_centre_m2": float(centre) if centre is not None else None,
            "street_centre_ok": centre is not None and float(centre) >= conf.STREET_CENTRE_MIN_M2,
            "elderly": elderly, "beds": beds, "required_beds": required_beds, "beds_ok": beds >= required_beds,
            "coverage": cov, "coverage_ok": cov is not None and cov >= conf.COVERAGE_TARGET,
        })
    return {"level": level, "per_100": per_100, "rows": rows, "station_min": conf.COMMUNITY_STATION_MIN_M2,
            "street_centre_min": conf.STREET_CENTRE_MIN_M2, "beds_per_1000": conf.DAYCARE_BEDS_PER_1000_ELDERLY,
            "target": conf.COVERAGE_TARGET}


# --- providers -----------------------------------------------------------------------------------
def visible_providers(user):
    return restrict(Provider.objects.all(), user, capability=VIEW)


def access_provider(user, pk) -> Provider:
    return access_object(Provider, user, capability=VIEW, pk=pk)


def resident_communities(user) -> list[str]:
    """Community codes of a resident's memberships (bound to a grid)."""
    codes = scope_codes(user, CIRCLE_RATE)
    if codes is None:
        return list(Area.objects.filter(level=Area.Level.COMMUNITY).values_list("code", flat=True))
    return sorted({c[:12] for c in codes if len(c) >= 12})


def resident_circle(user) -> dict:
    """What a resident sees: published providers and facilities of their community, and
    resident units' facilities open to them off-peak (R-CIR-5), with hours."""
    communities = resident_communities(user)
    q = Q(pk__in=[])
    for code in communities:
        q |= Q(area_code__startswith=code)
    providers = Provider.objects.filter(q, status__in=[Provider.Status.PUBLISHED, Provider.Status.RECTIFYING]) \
        .prefetch_related("items")
    facilities = Facility.objects.filter(q, active=True)
    return {
        "communities": list(Area.objects.filter(code__in=communities)),
        "providers": providers,
        "offpeak": facilities.exclude(offpeak_hours="").select_related("unit").order_by("kind", "name"),
        "facilities": facilities.filter(offpeak_hours="").order_by("kind", "name"),
    }


def access_rateable_provider(user, pk) -> Provider:
    """A provider the user may rate: one of their own community's (404 otherwise, audited)."""
    from .actions import may_rate

    return access_object(Provider, user, check=lambda u, p: may_rate(u, p.area_code), pk=pk)


def building_access(building) -> QuerySet[BuildingAccess]:
    """Walking times of a building the caller has already been given (``access_building``)."""
    return BuildingAccess.objects.filter(building=building).order_by("kind")
