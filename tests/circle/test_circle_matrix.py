"""Jurisdiction matrix for the circle: every object page and endpoint for a post of each level
asking for its own, a sibling's and the parent's object (``tests/support/matrix.py``); lists never
return anything outside the user's codes; refused writes (facility edits, provider steps, network
rebuilds and recomputations, residents' ratings) change nothing. Cases count into the shared
"N cases, L leaks" total."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.circle import actions
from civicgrid.circle.models import (
    AccessRun,
    BuildingAccess,
    Facility,
    Provider,
    ProviderEvent,
    ProviderRating,
    ServiceItem,
    WalkNetwork,
)
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.models import Building

from ..conftest import make_user
from ..support.matrix import OWN, Matrix, above, covers, inside, stored, targets
from .conftest import grid_centre

# (name, model of its rows, url template, who may see it: "all" staff levels or "community+"
# (providers live at community level))
OBJECT_ENDPOINTS = [
    ("page facility", Facility, "/circle/facilities/{facility}/", "all"),
    ("api facility", Facility, "/api/circle/facilities/{facility}", "all"),
    ("api building access", BuildingAccess, "/api/circle/buildings/{building}/access", "all"),
    ("page provider", Provider, "/circle/providers/{provider}/", "community+"),
    ("api provider", Provider, "/api/circle/providers/{provider}", "community+"),
    ("api provider events", ProviderEvent, "/api/circle/providers/{provider}/events", "community+"),
]
COLLECTIONS = [  # (name, model of its rows, url)
    ("api facilities", Facility, "/api/circle/facilities?limit=1000"),
    ("api coverage by grid", BuildingAccess, "/api/circle/coverage?level=grid"),
    ("api coverage points", BuildingAccess, "/api/circle/coverage/points?kind=supermarket"),
    ("api outside", BuildingAccess, "/api/circle/outside?kind=school&limit=1000"),
    ("api providers", Provider, "/api/circle/providers?limit=1000"),
    ("api standards", Facility, "/api/circle/standards?level=community"),
]
EDITORS = {"district", "street", "community"}  # hold circle.edit
PROVIDER_KEEPERS = {"district", "street", "community"}  # hold circle.providers
NETWORKERS = {"district"}  # hold circle.network
DISTRICTS = ("330106", "330108")


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


def _network(district: str):
    """A reader of a district's walking network as stored now (version and content)."""
    return lambda: list(WalkNetwork.objects.filter(area_code=district).values_list("version", "sha256"))


@covers(Facility, BuildingAccess, Provider, ProviderEvent, WalkNetwork, AccessRun)
def test_circle_jurisdiction_matrix(cast, tree, objects, client_for):
    m = Matrix()
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        for relation, ids in targets(level, objects).items():
            for name, model, template, who in OBJECT_ENDPOINTS:
                visible = who == "all" or level != "grid"
                m.object(client, model, f"{name} · {level} · {relation}", template.format(**ids),
                         allowed=relation == "own" and visible)
            facility = Facility.objects.get(pk=ids["facility"])
            with m.write(Facility, f"write facility · {level} · {relation}", stored(facility, "name"),
                         allowed=relation == "own" and level in EDITORS):
                client.patch(f"/api/circle/facilities/{facility.pk}",
                             data=json.dumps({"version": facility.version, "name": "改名"}),
                             content_type="application/json")
            Facility.objects.filter(pk=facility.pk).update(name=f"公厕{facility.area_code}", version=facility.version)
            # A provider step (the residents' council approval) on someone else's provider changes nothing.
            provider = Provider.objects.get(pk=ids["provider"])
            with m.write(Provider, f"write provider step · {level} · {relation}", stored(provider, "status"),
                         allowed=relation == "own" and level in PROVIDER_KEEPERS):
                m.object(client, Provider, f"api provider approve · {level} · {relation}",
                                    f"/api/circle/providers/{provider.pk}/approve", method="post",
                                    body={"version": provider.version, "note": "居民议事会同意"},
                                    allowed=relation == "own" and level in PROVIDER_KEEPERS,
                                    refused=(404,) if level != "seat" else (403, 404))
            Provider.objects.filter(pk=provider.pk).update(status=provider.status, council_decision="",
                                                           version=provider.version)
        in_scope = inside(own, tree)
        for name, model, url in COLLECTIONS:
            m.collection(client, model, f"{name} · {level}", url, in_scope | above(own))
        page = client.get("/circle/facilities/")
        m.listing(Facility, f"page facilities · {level}", {f.area_code for f in page.context["page"]}, in_scope)
        rows = client.get("/circle/outside/?kind=school").context["rows"]
        m.listing(BuildingAccess, f"page outside · {level}", {r.area_code for r in rows}, in_scope)
        coverage = client.get("/circle/?level=grid").context["table"]["rows"]
        m.listing(BuildingAccess, f"page coverage · {level}", {r["code"] for r in coverage}, in_scope)
        providers = client.get("/circle/providers/").context["providers"]
        m.listing(Provider, f"page providers · {level}", {p.area_code for p in providers}, in_scope)
        standards = client.get("/circle/standards/").context["report"]["rows"]
        m.listing(Facility, f"page standards · {level}", {r["code"] for r in standards}, in_scope)
        # Walking networks and accessibility runs are filed per district: the district's own only.
        page = m.object(client, WalkNetwork, f"page network · {level}", "/circle/network/",
                        allowed=level in NETWORKERS, refused=(403,))
        if page.status_code == 200:
            m.listing(WalkNetwork, f"page network rows · {level}", {n.area_code for n in page.context["networks"]},
                      in_scope | above(own), must_include={own[:6]})
            run = page.context["run"]
            m.listing(AccessRun, f"page network last run · {level}", {run.area_code} if run else set(),
                      in_scope | above(own), must_include={own[:6]})
        for district in DISTRICTS:
            allowed = level in NETWORKERS and district == own
            with m.write(AccessRun, f"write recompute {district} · {level}",
                         AccessRun.objects.filter(area_code=district).count, allowed=allowed) as write:
                response = client.post(f"/api/circle/networks/{district}/recompute")
                write.leak_if(response.status_code == 200 and not allowed, "recomputed")
                m.expect(f"write recompute {district} · {level}", response.status_code in ((200,) if allowed else
                                                                                           (403, 404)),
                         f"got {response.status_code}")
            with m.write(WalkNetwork, f"write network {district} · {level}", _network(district), allowed=allowed):
                client.post("/circle/network/", {"roads": "1", "district": district})
    m.done()


TODAY = dt.date(2026, 12, 1)
# A resident of grid 330106001001001 (community 330106001001) and the communities of the providers it
# asks for: its own, the sibling community, another street's and another district's.
RESIDENT_GRID = "330106001001001"
COMMUNITIES = {"own": "330106001001", "sibling": "330106001002", "other street": "330106002001",
               "other district": "330108001001"}


@pytest.fixture
def published(tree):
    """A published provider and a facility in each community of ``COMMUNITIES``."""
    items = list(ServiceItem.objects.all()[:2])
    out = {}
    for relation, code in COMMUNITIES.items():
        provider = actions.do_apply_provider(actor=SYSTEM, community_code=code, name=f"食堂{code}", contact_name="王",
                                             contact_phone="0571-88880001", items=items)
        for step, kw in [("approve", {"note": "通过"}), ("sign", {"agreement_number": f"A{code}",
                                                                  "agreement_until": TODAY.replace(year=2099)}),
                         ("publish", {"hotline": "12345"})]:
            provider = actions.do_transition_provider(provider, step, actor=SYSTEM, today=TODAY, **kw)
        lon, lat = grid_centre(tree, code + "001")
        facility = actions.do_create_facility(actor=SYSTEM, kind="toilet", name=f"公厕{code}", lon=lon, lat=lat)
        out[relation] = {"provider": provider, "facility": facility}
    return out


def _ratings(provider):
    return lambda: sorted(ProviderRating.objects.filter(provider=provider).values_list("user_id", "score"))


@covers(ProviderRating, Provider, Facility)
def test_residents_rate_and_see_their_own_community_only(tree, published, client_for):
    m = Matrix()
    resident = make_user("jumin_m", Role.RESIDENT, tree[RESIDENT_GRID])
    client = client_for(resident)
    for relation, objs in published.items():
        provider, mine = objs["provider"], relation == "own"
        for how, score in (("api", 4), ("page", 2)):
            with m.write(ProviderRating, f"rate provider {how} · resident · {relation}", _ratings(provider),
                         allowed=mine) as write:
                if how == "api":
                    response = m.object(client, Provider, f"api rate provider · resident · {relation}",
                                        f"/api/circle/providers/{provider.pk}/rate", method="post",
                                        body={"score": score}, allowed=mine, ok=201)
                else:
                    response = m.object(client, Provider, f"page rate provider · resident · {relation}",
                                        f"/circle/providers/{provider.pk}/rate/", method="post",
                                        form={"score": str(score)}, allowed=mine, ok=302)
                write.leak_if(response.status_code in (201, 302) and not mine, f"answered {response.status_code}")
        # Staff pages and the staff API stay closed to residents, whatever the community.
        m.object(client, Provider, f"api provider · resident · {relation}", f"/api/circle/providers/{provider.pk}",
                 allowed=False, refused=(403, 404))
        m.object(client, Provider, f"page provider · resident · {relation}", f"/circle/providers/{provider.pk}/",
                 allowed=False, refused=(403, 404))
    page = client.get("/circle/my/")
    community = COMMUNITIES["own"]
    m.listing(Provider, "page my circle providers · resident", {p.area_code for p in page.context["providers"]},
              inside(community, tree), must_include={community})
    shown = {f.area_code for f in [*page.context["facilities"], *page.context["offpeak"]]}
    m.listing(Facility, "page my circle facilities · resident", shown, inside(community, tree),
              must_include={community + "001"})
    m.done()
