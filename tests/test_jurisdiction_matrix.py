"""Jurisdiction matrix: every area and unit endpoint and page, for a user of each level asking
for their own, a sibling's and the parent's object. Own → 200, sibling and parent → 404;
lists and exports never contain anything outside the user's codes. The totals are printed
at the end of the run ("N cases, 0 leaks")."""

from __future__ import annotations

import json
import re

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.areas.models import Area

from .conftest import make_user

MATRIX_RESULTS: list[tuple[str, bool]] = []  # (case id, leaked?) read by conftest's terminal summary

OWN = {
    "district": "330106",
    "street": "330106001",
    "community": "330106001001",
    "grid": "330106001001001",
    "seat": "330106",  # a hotline seat of the district centre: district scope through its unit
}
SIBLING = {
    "district": "330108",
    "street": "330106002",
    "community": "330106001002",
    "grid": "330106001001002",
    "seat": "330108",
}
MANAGERS = {"district", "street"}

# Object endpoints: (name, url template, needs area-management capability)
AREA_OBJECT_ENDPOINTS = [
    ("page area detail", "/areas/{code}/", False),
    ("page area children", "/areas/{code}/children/", False),
    ("page area checks", "/areas/{code}/checks/", True),
    ("api area detail", "/api/areas/{code}", False),
    ("api area geojson", "/api/areas/{code}/geojson", False),
    ("api area children", "/api/areas/{code}/children", False),
    ("api area checks", "/api/areas/{code}/checks", True),
]
UNIT_OBJECT_ENDPOINTS = [
    ("page unit detail", "/units/U{code}/"),
    ("api unit detail", "/api/units/U{code}"),
]
# Collections: (name, url template); every code returned must lie inside the user's scope.
COLLECTION_ENDPOINTS = [
    ("api areas list", "/api/areas/?limit=5000"),
    ("api areas list by parent", "/api/areas/?parent={code}"),
    ("api areas tree", "/api/areas/tree"),
    ("api areas geojson", "/api/areas/geojson?within={code}"),
    ("export geojson", "/areas/export.geojson?within={code}"),
    ("api units list", "/api/units/"),
    ("page area list", "/areas/list/?q={code}"),
    ("page area tree", "/areas/"),
    ("page units list", "/units/"),
]


@pytest.fixture
def cast(people, units):
    users = {level: people[level] for level in ("district", "street", "community", "grid")}
    users["seat"] = make_user("seat_1", Role.ACCEPTANCE_SEAT, unit=units["330106"])
    return users


def _codes_in(payload) -> set[str]:
    """Every 6–15 digit code-like string or 'U<code>' unit code anywhere in a JSON payload."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            code = value[1:] if value.startswith("U") else value
            if code.isdigit() and len(code) in (6, 9, 12, 15):
                found.add(code)

    walk(payload)
    return found


def _record(case: str, leaked: bool, failures: list[str], detail: str = "") -> None:
    MATRIX_RESULTS.append((case, leaked))
    if leaked:
        failures.append(f"{case}: {detail}")


def test_jurisdiction_matrix(cast, client_for, tree):
    failures: list[str] = []
    all_codes = set(tree)
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        targets = {"own": own, "sibling": SIBLING[level]}
        if len(own) > 6:
            targets["parent"] = own[:-3]
        for relation, code in targets.items():
            for name, template, needs_manage in AREA_OBJECT_ENDPOINTS:
                allowed = relation == "own" and (not needs_manage or level in MANAGERS)
                status = client.get(template.format(code=code)).status_code
                expected = 200 if allowed else 404
                case = f"{name} · {level} · {relation}"
                _record(case, status == 200 and not allowed, failures, f"got {status}, expected {expected}")
                if status != expected and not (status == 200 and not allowed):
                    failures.append(f"{case}: got {status}, expected {expected}")
            for name, template in UNIT_OBJECT_ENDPOINTS:
                status = client.get(template.format(code=code)).status_code
                expected = 200 if relation == "own" else 404
                case = f"{name} · {level} · {relation}"
                _record(case, status == 200 and relation != "own", failures, f"got {status}")
                if status != expected:
                    failures.append(f"{case}: got {status}, expected {expected}")
            # Writes: the edit form and the API PATCH must not change anything outside the scope.
            area = Area.objects.get(code=code)
            before = area.name
            client.post(f"/areas/{code}/", {"version": area.version, "name": "改名", "kind": "urban"})
            client.patch(f"/api/areas/{code}", data=json.dumps({"version": area.version, "name": "改名2"}),
                         content_type="application/json")
            area.refresh_from_db()
            may_write = relation == "own" and level in MANAGERS
            changed = area.name != before
            _record(f"write area · {level} · {relation}", changed and not may_write, failures, "name changed")
            if may_write and not changed:
                failures.append(f"write area · {level} · own: manager could not edit own area")
            if changed:
                Area.objects.filter(code=code).update(name=before)
        in_scope = {c for c in all_codes if c.startswith(own)}
        ancestors = {own[:n] for n in (6, 9, 12) if n < len(own)}
        for name, template in COLLECTION_ENDPOINTS:
            for relation, code in targets.items():
                response = client.get(template.format(code=code))
                case = f"{name} · {level} · {relation}"
                if response.status_code != 200:
                    failures.append(f"{case}: status {response.status_code}")
                    continue
                if response["Content-Type"].startswith("application/json"):
                    returned = _codes_in(response.json())
                else:
                    # Codes shown as text or links (the search box echoing the query is not a disclosure).
                    returned = set(re.findall(r"[>/U]([0-9]{6}(?:[0-9]{3}){0,3})[</ ]", response.content.decode()))
                # An ancestor's code is a prefix of the user's own code: knowing it discloses nothing.
                outside = returned - in_scope - ancestors
                _record(case, bool(outside), failures, f"returned {sorted(outside)[:5]}")
                if relation == "own" and name in {"api areas list", "api areas geojson", "export geojson"} and own not in returned:
                    failures.append(f"{case}: own area missing")
    assert not failures, "\n".join(failures)
    assert len(MATRIX_RESULTS) >= 200


def test_out_of_scope_reads_are_audited(people, client_for):
    from civicgrid.core.models import AuditLog

    client_for(people["grid"]).get("/api/areas/330106001001002")
    row = AuditLog.objects.filter(action="access.denied", actor=people["grid"]).latest("id")
    assert row.outcome == "denied"
    assert row.object_id and row.area_code == "330106001001002"


def test_missing_and_foreign_answer_alike(people, client_for):
    client = client_for(people["grid"])
    foreign = client.get("/api/areas/330106001001002")
    missing = client.get("/api/areas/330106001001099")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
