"""Load the synthetic demo district through the platform's own actions."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.accounts import actions as account_actions
from civicgrid.accounts.models import Membership, OrgUnit, User
from civicgrid.accounts.roles import Role
from civicgrid.areas.actions import do_import_areas
from civicgrid.areas.models import Area
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.actions import do_bulk_create_buildings, do_bulk_create_roads, do_recount_area_stats

from .bulk_cases import load_bulk_cases
from .cases import CASES_PER_SCALE, load_cases
from .circle import load_circle
from .counter import load_counter
from .facilities import load_components, load_organisations
from .health import load_health
from .layout import build_city, build_layout, buildings_for
from .names import person_name
from .population import IdNumbers, load_population
from .stats import load_stats

DEMO_PASSWORD = "civicgrid2026"
DEPARTMENTS = [
    ("CG", "chengguan", "区城市管理局"),
    ("HW", "sanitation", "区环境卫生管理中心"),
    ("YL", "landscaping", "区园林绿化管理中心"),
    ("ZJ", "housing", "区住房和城乡建设局"),
    ("GA", "police", "区公安分局"),
    ("MZ", "civil_affairs", "区民政局"),
    ("WJ", "health", "区卫生健康局"),
]


@dataclass
class DemoAccount:
    username: str
    role: str
    place: str
    display_name: str


def _first(level: str, n: int = 0) -> Area:
    return Area.objects.filter(level=level).order_by("code")[n]


def load_demo(seed: int = 1, scale: int = 1, *, people: int | None = None, cases: int | None = None,
              applications: int | None = None, districts: int = 1, walked_cases: int | None = None,
              progress=print) -> list[DemoAccount]:
    """Areas, roads, buildings, their population (``people`` residents; by default as many as
    the buildings hold, about 44,000 per scale step; 0 for none), staff, components,
    organisations and about 8 weeks of event cases (``cases``; by default 300 per scale step, walked
    through the actions — at most ``walked_cases`` per district when given; beyond that, copies of
    their histories over the year before, in bulk).

    ``districts`` > 1: a city (杭州市（演示）, 330100) of that many districts of this scale side by
    side, each filled like the one district (people and cases shared out among them), and a city
    administrator (``shi_admin``)."""
    if districts == 1:
        city, layouts = None, [build_layout(seed, scale)]
    else:
        city, layouts = build_city(seed, scale, districts)
    features = [f for layout in layouts for f in layout.feature_collection()["features"]]
    if city is not None:
        features.insert(0, {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in city.ring]]},
                            "properties": {"code": city.code, "name": city.name, "responsible_name": city.responsible_name,
                                           "responsible_phone": city.responsible_phone}})
    progress(f"areas: {len(features)} ({sum(len(layout.grids) for layout in layouts)} grids"
             f"{f', {districts} districts' if city else ''})")
    report = do_import_areas({"type": "FeatureCollection", "features": features}, actor=SYSTEM,
                             source=f"demo seed={seed} scale={scale} districts={districts}")
    if not report.committed:
        raise UserError(f"demo areas did not import: {report.errors[:3]} {report.violations[:3]}")
    accounts = []
    ids = IdNumbers()  # shared: the floating population's numbers must not repeat across districts
    for k, layout in enumerate(layouts):
        district = Area.objects.get(code=layout.areas[0].code)
        if city is not None:
            progress(f"district {district.name} ({district.code})")
        accounts += _load_district(seed, scale, layout, district, first=k == 0,
                                   people=_share(people, districts, k), cases=_share(cases, districts, k),
                                   applications=_share(applications, districts, k), ids=ids, progress=progress,
                                   walked_cases=walked_cases)
    if city is not None:
        do_recount_area_stats(actor=SYSTEM, root_code=city.code)  # the city's totals from its districts
        accounts.append(_load_city_admin(Area.objects.get(code=city.code)))
    _analyze()
    # Indicators once everything is in: the refresh covers every district; the demo's own targets,
    # surveys and report forms are the first district's.
    load_stats(root_code=layouts[0].areas[0].code, progress=progress)
    _settle_notifications()
    return accounts


def _share(total: int | None, parts: int, k: int) -> int | None:
    """Part ``k`` of ``total`` split as evenly as whole numbers allow (None stays None: defaults)."""
    if total is None:
        return None
    return total // parts + (1 if k < total % parts else 0)


def _load_district(seed: int, scale: int, layout, district: Area, *, first: bool, people: int | None,
                   cases: int | None, applications: int | None, ids, progress,
                   walked_cases: int | None = None) -> list[DemoAccount]:
    road_rows = [
        {"name": r["name"], "geometry": {"type": "LineString", "coordinates": [list(c) for c in r["coords"]]},
         "length_m": r["length_m"]}
        for r in layout.roads
    ]
    do_bulk_create_roads(road_rows, actor=SYSTEM, area_code=district.code)
    buildings = buildings_for(layout, seed if first else hash_seed(seed, district.code))
    do_bulk_create_buildings(buildings, actor=SYSTEM, area_code=district.code)
    progress(f"roads: {len(road_rows)}, buildings: {len(buildings)}")
    if people != 0:
        load_population(seed, people, root_code=district.code, progress=progress, ids=ids)
    do_recount_area_stats(actor=SYSTEM, root_code=district.code)  # from the buildings, as populated
    accounts = _load_staff(district, named=first)
    progress(f"staff accounts: {User.objects.count()}")
    load_components(seed, root_code=district.code, progress=progress)
    load_organisations(seed, root_code=district.code, progress=progress)
    # Up to 300 per scale step walk the loop through the actions; more are copies of their
    # histories at earlier dates, bulk (benchmark data: --cases 1000000).
    walked = None if cases is None else min(cases, CASES_PER_SCALE * scale)
    if walked_cases is not None:
        walked = min(walked if walked is not None else CASES_PER_SCALE * scale, walked_cases)
    load_cases(seed, root_code=district.code, scale=scale, count=walked, progress=progress)
    if cases is not None and cases > (walked or 0):
        load_bulk_cases(seed, cases - walked, root_code=district.code, progress=progress)
    load_circle(seed, root_code=district.code, progress=progress)
    load_health(seed, root_code=district.code, progress=progress)
    load_counter(seed, root_code=district.code, scale=scale, count=applications, progress=progress)
    return accounts


def hash_seed(seed: int, code: str) -> int:
    """A seed of its own for a further district (deterministic, unlike ``hash()``)."""
    return seed * 1_000_003 + int(code)


def _load_city_admin(city: Area) -> DemoAccount:
    with transaction.atomic():
        user = account_actions.do_create_user(actor=SYSTEM, username="shi_admin", password_hash=make_password(DEMO_PASSWORD),
                                              display_name=city.responsible_name or "市级管理员")
        account_actions.do_grant_membership(actor=SYSTEM, user=user, role=Role.CITY_ADMIN, area=city)
    return DemoAccount("shi_admin", str(Role(Role.CITY_ADMIN).label), str(city), user.display_name)


def _analyze() -> None:
    """Fresh statistics after the bulk load: without them PostgreSQL plans the register's joins
    as if the tables were empty (nested loops over tens of thousands of rows take minutes). And
    the visibility map (VACUUM), as autovacuum would set it on a live database: counts of a
    jurisdiction's people then read the index alone."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # VACUUM cannot run in a transaction (a test's)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


@transaction.atomic
def _load_staff(district: Area, *, named: bool = True) -> list[DemoAccount]:
    """The district's units and staff. The first district's named accounts are qu_admin,
    jd_admin …; a further district of a demo city has the same with its code (qu_admin_330105)."""
    centre = account_actions.do_create_unit(
        actor=SYSTEM, code=f"{district.code}-ZX", name="区网格化综合指挥中心", kind=OrgUnit.Kind.CENTRE, area=district
    )
    departments = [
        account_actions.do_create_unit(
            actor=SYSTEM, code=f"{district.code}-{short}", name=name, kind=OrgUnit.Kind.DEPARTMENT,
            department=dept, area=district,
        )
        for short, dept, name in DEPARTMENTS
    ]
    inside = {"code__startswith": district.code}
    streets = list(Area.objects.filter(level="street", **inside).order_by("code"))
    communities = list(Area.objects.filter(level="community", **inside).order_by("code"))
    grids = list(Area.objects.filter(level="grid", **inside).order_by("code"))
    street_units = {}
    for street in streets:
        street_units[street.code] = account_actions.do_create_unit(
            actor=SYSTEM, code=f"{street.code}-JD", name=f"{street.name}办事处", kind=OrgUnit.Kind.STREET_OFFICE,
            area=street, parent=centre,
        )
        account_actions.do_create_unit(
            actor=SYSTEM, code=f"{street.code}-ZX", name=f"{street.name}网格化管理分中心", kind=OrgUnit.Kind.CENTRE,
            area=street, parent=centre,
        )
    for community in communities:
        account_actions.do_create_unit(
            actor=SYSTEM, code=f"{community.code}-JW", name=f"{community.name}居民委员会",
            kind=OrgUnit.Kind.COMMUNITY_COMMITTEE, area=community, parent=street_units[community.code[:9]],
        )

    password_hash = make_password(DEMO_PASSWORD)  # hashed once for every demo account
    second_grid = Area.objects.filter(level="grid", code__startswith=communities[0].code).order_by("code")[1]
    rng = random.Random(f"{district.code}-staff")
    # The area's responsible person (from the boundary file) holds its area post.
    named_posts = [
        ("qu_admin", district.responsible_name, Role.DISTRICT_ADMIN, district, None),
        ("jd_admin", streets[0].responsible_name, Role.STREET_ADMIN, streets[0], None),
        ("jd_admin2", streets[1].responsible_name, Role.STREET_ADMIN, streets[1], None),
        ("sq_worker", communities[0].responsible_name, Role.COMMUNITY_WORKER, communities[0], None),
        ("sq_worker2", communities[1].responsible_name, Role.COMMUNITY_WORKER, communities[1], None),
        ("wg_worker", grids[0].responsible_name, Role.GRID_WORKER, grids[0], None),
        ("wg_worker2", second_grid.responsible_name, Role.GRID_WORKER, second_grid, None),
        ("wg_head", person_name(rng), Role.GRID_HEAD, grids[0], None),
        ("supervisor", person_name(rng), Role.SUPERVISOR, communities[0], None),
        ("seat", person_name(rng), Role.ACCEPTANCE_SEAT, None, centre),
        ("shift", person_name(rng), Role.SHIFT_LEADER, None, centre),
        ("dispatcher", person_name(rng), Role.DISPATCHER, None, centre),
        ("dept_cg", person_name(rng), Role.DEPT_HANDLER, None, departments[0]),
        ("doctor", person_name(rng), Role.FAMILY_DOCTOR, communities[0], None),
        ("resident", person_name(rng), Role.RESIDENT, grids[0], None),
    ]
    accounts = []
    tail = "" if named else f"_{district.code}"
    for username, display, role, area, unit in named_posts:
        user = account_actions.do_create_user(
            actor=SYSTEM, username=username + tail, password_hash=password_hash, display_name=display
        )
        account_actions.do_grant_membership(actor=SYSTEM, user=user, role=role, area=area, unit=unit)
        if named or role == Role.DISTRICT_ADMIN:
            accounts.append(DemoAccount(username + tail, str(Role(role).label), str(unit or area), display))
    if named:
        admin = account_actions.do_create_user(actor=SYSTEM, username="admin", password_hash=password_hash,
                                               display_name="系统管理员")
        User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
        accounts.append(DemoAccount("admin", _("superuser"), "Django admin", "系统管理员"))

    # Every street, community and grid gets its own staff, in one bulk action.
    staff = []
    for area, role, prefix in (
        [(s, Role.STREET_ADMIN, "jd") for s in streets[2:]]
        + [(c, Role.COMMUNITY_WORKER, "sq") for c in communities[2:]]
        + [(g, Role.GRID_WORKER, "wg") for g in grids if g.code not in {grids[0].code, second_grid.code}]
        + [(g, Role.GRID_HEAD, "wz") for g in grids[1:]]
    ):
        name = area.responsible_name if role != Role.GRID_HEAD else person_name(rng)
        staff.append((f"{prefix}{area.code}", name or f"{area.name}{Role(role).label}", role, area))
    account_actions.do_bulk_create_staff(staff, actor=SYSTEM, password_hash=password_hash, area_code=district.code)
    return accounts


def demo_accounts() -> list[DemoAccount]:
    """The named demo accounts as they are in the database now (for printing on later runs)."""
    rows = []
    for m in Membership.objects.filter(user__password__isnull=False).select_related("user", "area", "unit").filter(
        user__username__in=[
            "qu_admin", "jd_admin", "jd_admin2", "sq_worker", "sq_worker2", "wg_worker", "wg_worker2", "wg_head",
            "supervisor", "seat", "shift", "dispatcher", "dept_cg", "doctor", "resident", "shi_admin",
            # the service counter's window clerks (community, street) and a back office (民政)
            "ck330106001001", "ck330106001", "bo330106mz",
        ]
    ).order_by("id"):
        rows.append(DemoAccount(m.user.username, str(m.get_role_display()), str(m.unit or m.area), m.user.display_name))
    if User.objects.filter(username="admin", is_superuser=True).exists():
        rows.append(DemoAccount("admin", _("superuser"), "Django admin", "系统管理员"))
    return rows


def _settle_notifications() -> None:
    """The simulated weeks told people of work long since done: only what still waits stays unread.
    Run at the end, after the notifications of each step were written (after their commits); inside
    an outer transaction (a test) they are written at its end and stay unread."""
    from django.urls import reverse

    from civicgrid.cases.models import Case
    from civicgrid.circle.models import Provider
    from civicgrid.core.notify import do_settle

    keep = {reverse("cases:case", args=[pk]) for pk in Case.objects.filter(status__in=Case.OPEN)
            .values_list("pk", flat=True)}
    keep |= {reverse("circle:provider", args=[pk]) for pk in Provider.objects.filter(
        status__in=[Provider.Status.APPLIED, Provider.Status.APPROVED, Provider.Status.SIGNED]).values_list("pk", flat=True)}
    do_settle(keep_urls=keep)
