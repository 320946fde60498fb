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

from .cases import load_cases
from .circle import load_circle
from .facilities import load_components, load_organisations
from .layout import DISTRICT_CODE, build_layout, buildings_for
from .names import person_name
from .population import load_population

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
              progress=print) -> list[DemoAccount]:
    """Areas, roads, buildings, their population (``people`` residents; by default as many as
    the buildings hold, about 44,000 per scale step; 0 for none), staff, components,
    organisations and about 8 weeks of event cases (``cases``; by default 300 per scale step)."""
    layout = build_layout(seed, scale)
    progress(f"areas: {len(layout.areas)} ({len(layout.grids)} grids)")
    report = do_import_areas(layout.feature_collection(), actor=SYSTEM, source=f"demo seed={seed} scale={scale}")
    if not report.committed:
        raise UserError(f"demo areas did not import: {report.errors[:3]} {report.violations[:3]}")
    district = Area.objects.get(code=DISTRICT_CODE)
    road_rows = [
        {"name": r["name"], "geometry": {"type": "LineString", "coordinates": [list(c) for c in r["coords"]]},
         "length_m": r["length_m"]}
        for r in layout.roads
    ]
    do_bulk_create_roads(road_rows, actor=SYSTEM, area_code=district.code)
    buildings = buildings_for(layout, seed)
    do_bulk_create_buildings(buildings, actor=SYSTEM, area_code=district.code)
    progress(f"roads: {len(road_rows)}, buildings: {len(buildings)}")
    if people != 0:
        load_population(seed, people, root_code=district.code, progress=progress)
    do_recount_area_stats(actor=SYSTEM, root_code=district.code)  # from the buildings, as populated
    accounts = _load_staff(district)
    progress(f"staff accounts: {User.objects.count()}")
    load_components(seed, root_code=district.code, progress=progress)
    load_organisations(seed, root_code=district.code, progress=progress)
    load_cases(seed, root_code=district.code, scale=scale, count=cases, progress=progress)
    load_circle(seed, root_code=district.code, progress=progress)
    _analyze()
    _settle_notifications()
    return accounts


def _analyze() -> None:
    """Fresh statistics after the bulk load: without them PostgreSQL plans the register's joins
    as if the tables were empty (nested loops over tens of thousands of rows take minutes)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@transaction.atomic
def _load_staff(district: Area) -> list[DemoAccount]:
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
    streets = list(Area.objects.filter(level="street").order_by("code"))
    communities = list(Area.objects.filter(level="community").order_by("code"))
    grids = list(Area.objects.filter(level="grid").order_by("code"))
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
    named = [
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
    for username, display, role, area, unit in named:
        user = account_actions.do_create_user(
            actor=SYSTEM, username=username, password_hash=password_hash, display_name=display
        )
        account_actions.do_grant_membership(actor=SYSTEM, user=user, role=role, area=area, unit=unit)
        accounts.append(DemoAccount(username, str(Role(role).label), str(unit or area), display))
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
            "supervisor", "seat", "shift", "dispatcher", "dept_cg", "doctor", "resident",
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
