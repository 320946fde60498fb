"""Jurisdiction matrix of the area tree, the units, the staff memberships and the audit log: every
endpoint and page, for a post of each level asking for its own, a sibling's and the parent's
object (``tests/support/matrix.py``). Own → 200, sibling and parent → 404; lists and exports never
contain anything outside the user's codes; refused edits change nothing."""

from __future__ import annotations

import json

from civicgrid.accounts.models import Membership, OrgUnit
from civicgrid.areas.models import Area
from civicgrid.core.models import AuditLog

from .support.matrix import MANAGERS, MATRIX_RESULTS, OWN, Matrix, above, covers, inside, relations, stored

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
# Collections: (name, model of its rows, url template); every code returned must lie inside the
# user's scope (or above it).
COLLECTION_ENDPOINTS = [
    ("api areas list", Area, "/api/areas/?limit=5000"),
    ("api areas list by parent", Area, "/api/areas/?parent={code}"),
    ("api areas tree", Area, "/api/areas/tree"),
    ("api areas geojson", Area, "/api/areas/geojson?within={code}"),
    ("export geojson", Area, "/areas/export.geojson?within={code}"),
    ("api units list", OrgUnit, "/api/units/"),
    ("page area list", Area, "/areas/list/?q={code}"),
    ("page area tree", Area, "/areas/"),
    ("page units list", OrgUnit, "/units/"),
]
MUST_LIST_OWN = {"api areas list", "api areas geojson", "export geojson"}


@covers(Area, OrgUnit, Membership, AuditLog)
def test_jurisdiction_matrix(cast, colleagues, client_for, tree):
    m = Matrix()
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        for relation, code in relations(level).items():
            for name, template, needs_manage in AREA_OBJECT_ENDPOINTS:
                allowed = relation == "own" and (not needs_manage or level in MANAGERS)
                m.object(client, Area, f"{name} · {level} · {relation}", template.format(code=code), allowed=allowed)
            for name, template in UNIT_OBJECT_ENDPOINTS:
                m.object(client, OrgUnit, f"{name} · {level} · {relation}", template.format(code=code),
                         allowed=relation == "own")
            # Writes: the edit form and the API PATCH must not change anything outside the scope.
            area = Area.objects.get(code=code)
            with m.write(Area, f"write area · {level} · {relation}", stored(area, "name"),
                         allowed=relation == "own" and level in MANAGERS) as write:
                client.post(f"/areas/{code}/", {"version": area.version, "name": "改名", "kind": "urban"})
                client.patch(f"/api/areas/{code}", data=json.dumps({"version": area.version, "name": "改名2"}),
                             content_type="application/json")
            if write.changed:
                Area.objects.filter(code=code).update(name=write.before)
        allowed = inside(own, tree) | above(own)
        for name, model, template in COLLECTION_ENDPOINTS:
            for relation, code in relations(level).items():
                m.collection(client, model, f"{name} · {level} · {relation}", template.format(code=code), allowed,
                             must_include={own} if relation == "own" and name in MUST_LIST_OWN else ())
        # The staff list: memberships of the user's areas only (a colleague next door is not listed).
        page = m.object(client, Membership, f"page staff · {level}", "/staff/", allowed=level in MANAGERS,
                        refused=(403,))
        if page.status_code == 200:
            # Each listed colleague counts by a membership inside the viewer's areas; one listed for a
            # membership elsewhere only would show here as a code outside.
            mine = inside(own, tree)
            codes = set()
            for colleague in page.context["page"]:
                held = set(colleague.memberships.filter(active=True).values_list("area_code", flat=True))
                codes |= (held & mine) or held
            m.listing(Membership, f"page staff rows · {level}", codes, mine, must_include={own})
    # The audit log, once everyone has been refused something: rows of the user's areas only.
    for level, user in cast.items():
        client, own = client_for(user), OWN[level]
        for query in ("", "?outcome=denied"):
            page = m.object(client, AuditLog, f"page audit{query} · {level}", f"/audit/{query}",
                            allowed=level in MANAGERS, refused=(403,))
            if page.status_code == 200:
                m.listing(AuditLog, f"page audit rows{query} · {level}", {r.area_code for r in page.context["page"]},
                          lambda code, own=own: code.startswith(own))
    m.done()
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

