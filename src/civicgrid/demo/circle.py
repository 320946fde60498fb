"""The demo district's 15-minute service circle: facilities of the standard set placed in every
community (some kinds deliberately missing or undersized, so coverage gaps and failed
standards show), resident units' facilities open off-peak, a few service providers in
different states, the walking network built from the generated roads, and one
accessibility run. Everything goes through ``circle.actions``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from civicgrid.areas.models import Area
from civicgrid.circle import actions
from civicgrid.circle.models import Facility, FacilityKind, ServiceItem
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.models import Organisation

# kind → (how many per community, chance a community has none, floor area range m²)
PLAN: dict[str, tuple[int, float, tuple[int, int] | None]] = {
    "board_publicity": (2, 0.0, None), "board_affairs": (1, 0.0, None),
    "market": (1, 0.35, (400, 1500)), "parking": (2, 0.1, None), "toilet": (2, 0.1, (30, 80)),
    "waste": (3, 0.0, None),
    "committee_office": (1, 0.0, (60, 150)), "reading_room": (1, 0.2, (40, 120)),
    "police_room": (1, 0.15, (20, 60)), "mediation_room": (1, 0.2, (15, 40)), "health_room": (1, 0.1, (60, 200)),
    "service_centre": (1, 0.0, (220, 600)), "party_centre": (1, 0.1, (100, 400)),
    "activity_centre": (1, 0.2, (100, 400)), "sports_centre": (1, 0.25, (300, 2000)),
    "culture_centre": (1, 0.3, (100, 500)), "daycare_centre": (1, 0.15, (200, 700)),
    "food": (3, 0.0, None), "supermarket": (3, 0.0, None), "barber": (2, 0.1, None), "laundry": (1, 0.3, None),
    "pharmacy": (2, 0.1, None), "bank": (1, 0.3, None), "post": (1, 0.45, None), "housekeeping": (1, 0.5, None),
    "telecom": (1, 0.3, None),
}
HOURS = {"food": "06:30-21:00", "supermarket": "07:00-23:00", "pharmacy": "08:00-22:00", "bank": "09:00-17:00",
         "post": "09:00-17:00", "daycare_centre": "08:00-17:30", "service_centre": "08:30-17:30",
         "reading_room": "09:00-20:00", "health_room": "08:00-17:00"}
SERVICES = {"service_centre": "01", "health_room": "03", "daycare_centre": "03", "culture_centre": "04",
            "reading_room": "04", "police_room": "05", "mediation_room": "05", "party_centre": "06"}


def _point_in(rng: random.Random, area: Area) -> tuple[float, float]:
    """A point inside the area's box, pulled towards its middle (boxes of the demo are near-rectangles)."""
    u, v = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)
    return (round(area.min_lon + u * (area.max_lon - area.min_lon), 7),
            round(area.min_lat + v * (area.max_lat - area.min_lat), 7))


def load_circle(seed: int = 1, *, root_code: str, progress: Callable[[str], None] = print) -> int:
    from civicgrid.circle.catalogues import seed_catalogue
    from civicgrid.circle.models import ServiceCategory

    seed_catalogue(ServiceCategory, ServiceItem)  # a test flush may have removed the seeded rows
    rng = random.Random(f"demo-circle:{seed}")
    rows: list[dict] = []
    communities = list(Area.objects.filter(level=Area.Level.COMMUNITY, code__startswith=root_code).order_by("code"))
    streets = list(Area.objects.filter(level=Area.Level.STREET, code__startswith=root_code).order_by("code"))
    grids_of = {}
    for grid in Area.objects.filter(level=Area.Level.GRID, code__startswith=root_code).order_by("code"):
        grids_of.setdefault(grid.code[:12], []).append(grid)
    for number, community in enumerate(communities):
        grids = grids_of.get(community.code, [])
        if number % 2 == 0:  # one school serves two communities
            lon, lat = _point_in(rng, rng.choice(grids) if grids else community)
            rows.append({"kind": "school", "name": f"{community.name}学校", "lon": lon, "lat": lat,
                         "area_m2": rng.randint(6000, 15000), "opening_hours": "07:30-17:00"})
        for kind, (count, none_chance, area_range) in PLAN.items():
            if rng.random() < none_chance:
                continue
            for n in range(count):
                lon, lat = _point_in(rng, rng.choice(grids) if grids else community)
                row = {"kind": kind, "name": f"{community.name}{FacilityKind(kind).label}{n + 1 if count > 1 else ''}",
                       "lon": lon, "lat": lat, "opening_hours": HOURS.get(kind, "")}
                if area_range:
                    row["area_m2"] = rng.randint(*area_range)
                if kind == "daycare_centre":
                    row["capacity"] = rng.randint(8, 40)
                rows.append(row)
    for street in streets:
        lon, lat = _point_in(rng, street)
        rows.append({"kind": "service_centre", "level": "street", "name": f"{street.name}综合服务中心",
                     "lon": lon, "lat": lat, "area_m2": rng.choice([650, 820, 900, 1200]),
                     "opening_hours": "08:30-17:30"})
    summary = actions.do_bulk_create_facilities(rows, actor=SYSTEM, source=Facility.Source.DEMO,
                                                district_code=root_code[:6])
    # Services offered, by kind (category of the service catalogue).
    items_by_cat: dict[str, list[ServiceItem]] = {}
    for item in ServiceItem.objects.select_related("category"):
        items_by_cat.setdefault(item.category.code, []).append(item)
    offers = {}
    for facility in Facility.objects.filter(source=Facility.Source.DEMO, kind__in=list(SERVICES),
                                            area_code__startswith=root_code):
        offers[facility.pk] = [item.pk for item in rng.sample(items_by_cat.get(SERVICES[facility.kind], []), 3)]
    actions.do_offer_services(offers, actor=SYSTEM, area_code=root_code)
    # Resident units opening their facilities at off-peak times (R-CIR-5).
    units = list(Organisation.objects.filter(kind=Organisation.Kind.RESIDENT_UNIT, area_code__startswith=root_code,
                                             lon__isnull=False).order_by("id")[: 2 * len(communities)])
    for unit in units:
        kind = FacilityKind.SPORTS_CENTRE if ("学" in unit.name or "幼儿园" in unit.name) else FacilityKind.ACTIVITY_CENTRE
        actions.do_create_facility(actor=SYSTEM, unit=unit, kind=kind, name=f"{unit.name}{FacilityKind(kind).label}",
                                   lon=unit.lon, lat=unit.lat, operator=unit.name,
                                   offpeak_hours=rng.choice(["周六、周日 08:00-18:00", "工作日 17:30-21:00",
                                                             "寒暑假 07:00-20:00"]))
    _load_providers(rng, communities[:2])
    network = actions.do_build_network_from_roads(actor=SYSTEM, district_code=root_code[:6], recompute=False)
    run = actions.do_compute_access(root_code[:6], actor=SYSTEM, reason="demo")
    progress(f"circle: {summary['created'] + len(units)} facilities, network {network.nodes} nodes / "
             f"{network.edges} edges, accessibility for {run.stats['points']} buildings in {run.stats['total_s']} s")
    return summary["created"]


def _load_providers(rng: random.Random, communities: list[Area]) -> None:
    items = list(ServiceItem.objects.filter(category__code="02"))
    today = dt.date.today()
    for community in communities:
        published = actions.do_apply_provider(
            actor=SYSTEM, community_code=community.code, name=f"{community.name}便民家政服务社",
            contact_name="王海燕", contact_phone="0571-8888" + str(rng.randint(1000, 9999)),
            items=rng.sample(items, 3), manner="上门服务、预约制", hotline="0571-8777" + str(rng.randint(1000, 9999)))
        actions.do_transition_provider(published, "approve", actor=SYSTEM, note="居民议事会表决通过（演示）")
        actions.do_transition_provider(published, "sign", actor=SYSTEM, agreement_number=f"QK-{community.code[-6:]}-01",
                                       agreement_until=today.replace(year=today.year + 2))
        actions.do_transition_provider(published, "publish", actor=SYSTEM)
        actions.do_apply_provider(actor=SYSTEM, community_code=community.code, name=f"{community.name}爱心理发室",
                                  contact_name="李建国", contact_phone="0571-8666" + str(rng.randint(1000, 9999)),
                                  items=rng.sample(items, 1))
