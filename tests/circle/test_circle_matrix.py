"""Jurisdiction matrix for the circle: every object page and endpoint for a user of each level
asking for their own, a sibling's and the parent's object; lists never return anything outside
the user's codes. Cases count into the shared "N cases, L leaks" total."""

from __future__ import annotations

import json

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.circle import actions
from civicgrid.circle.models import Facility
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.models import Building

from ..conftest import make_user
from ..test_jurisdiction_matrix import OWN, SIBLING, _codes_in, _record
from .conftest import grid_centre

# (name, url template, who may see it: "all" staff levels or "community+" (providers live at community level))
OBJECT_ENDPOINTS = [
    ("page facility", "/circle/facilities/{facility}/", "all"),
    ("api facility", "/api/circle/facilities/{facility}", "all"),
    ("api building access", "/api/circle/buildings/{building}/access", "all"),
    ("page provider", "/circle/providers/{provider}/", "community+"),
    ("api provider", "/api/circle/providers/{provider}", "community+"),
    ("api provider events", "/api/circle/providers/{provider}/events", "community+"),
]
COLLECTIONS = [
    ("api facilities", "/api/circle/facilities?limit=1000"),
    ("api coverage by grid", "/api/circle/coverage?level=grid"),
    ("api coverage points", "/api/circle/coverage/points?kind=supermarket"),
    ("api outside", "/api/circle/outside?kind=school&limit=1000"),
    ("api providers", "/api/circle/providers?limit=1000"),
    ("api standards", "/api/circle/standards?level=community"),
]
EDITORS = {"district", "street", "community"}


@pytest.fixture
def objects(circle, tree):
    out = {}
    for code in sorted(c for c in tree if len(c) == 15):
        lon, lat = grid_centre(tree, code)
        facility = actions.do_create_facility(actor=SYSTEM, kind="toilet", name=f"公厕{code}", lon=lon, lat=lat)
        out[code] = {"facility": facility.pk, "building": Building.objects.filter(area_code=code).first().pk}
    providers = {}
    for code in sorted(c for c in tree if len(c) == 12):
        providers[code] = actions.do_apply_provider(actor=SYSTEM, community_code=code, name=f"服务商{code}",
                                                    contact_name="甲", contact_phone="0571-88881234").pk
    for code in out:
        out[code]["provider"] = providers[code[:12]]
    return out


def _under(code: str, objects, avoid: str = "") -> dict:
    for grid in sorted(objects):
        if grid.startswith(code) and not (avoid and grid.startswith(avoid)):
            return objects[grid]
    raise AssertionError(code)


def test_circle_jurisdiction_matrix(people, units, tree, objects, client_for):
    cast = {level: people[level] for level in ("district", "street", "community", "grid")}
    cast["seat"] = make_user("seat_c", Role.ACCEPTANCE_SEAT, unit=units["330106"])
    failures: list[str] = []
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        targets = {"own": _under(own, objects), "sibling": _under(SIBLING[level], objects)}
        if len(own) > 6:
            targets["parent"] = _under(own[:-3], objects, avoid=own)
        for relation, ids in targets.items():
            for name, template, who in OBJECT_ENDPOINTS:
                status = client.get(template.format(**ids)).status_code
                visible = who == "all" or level != "grid"
                allowed = relation == "own" and visible
                case = f"{name} · {level} · {relation}"
                _record(case, status == 200 and not allowed, failures, f"got {status}")
                if status != (200 if allowed else 404):
                    failures.append(f"{case}: got {status}, expected {200 if allowed else 404}")
            facility = Facility.objects.get(pk=ids["facility"])
            client.patch(f"/api/circle/facilities/{facility.pk}",
                         data=json.dumps({"version": facility.version, "name": "改名"}), content_type="application/json")
            changed = Facility.objects.get(pk=facility.pk).name == "改名"
            may = relation == "own" and level in EDITORS
            _record(f"write facility · {level} · {relation}", changed and not may, failures, "renamed")
            if may and not changed:
                failures.append(f"write facility · {level} · own: could not edit")
            Facility.objects.filter(pk=facility.pk).update(name=f"公厕{facility.area_code}", version=facility.version)
        in_scope_codes = {c for c in tree if c.startswith(own)}
        ancestors = {own[:n] for n in (6, 9, 12) if n < len(own)}
        for name, url in COLLECTIONS:
            response = client.get(url)
            case = f"{name} · {level}"
            if response.status_code != 200:
                failures.append(f"{case}: status {response.status_code}")
                continue
            outside = _codes_in(response.json()) - in_scope_codes - ancestors
            _record(case, bool(outside), failures, f"returned {sorted(outside)[:5]}")
        page = client.get("/circle/facilities/")
        listed = {f.area_code for f in page.context["page"]}
        _record(f"page facilities · {level}", not listed <= in_scope_codes, failures, f"listed {listed}")
        rows = client.get("/circle/outside/?kind=school").context["rows"]
        listed = {r.area_code for r in rows}
        _record(f"page outside · {level}", not listed <= in_scope_codes, failures, f"listed {listed}")
        coverage = client.get("/circle/?level=grid").context["table"]["rows"]
        listed = {r["code"] for r in coverage}
        _record(f"page coverage · {level}", not listed <= in_scope_codes, failures, f"listed {listed}")
    assert not failures, "\n".join(failures)
