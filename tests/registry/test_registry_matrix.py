"""Jurisdiction matrix for the register: every registry page and API endpoint, for a post of each
level asking for an object of its own, a sibling's and the parent's area (outside its own), with
``tests/support/matrix.py``. Lists and exports never return a grid outside the user's scope; refused
writes (person details and tags, tenancies, special-group records) change nothing. Cases count into
the same "N cases, L leaks" total as the area matrix."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest

from civicgrid.core.idnumber import make_id_number
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions
from civicgrid.registry.catalogues import seed_catalogues
from civicgrid.registry.models import (
    Building,
    Component,
    ComponentClass,
    House,
    Household,
    ImportBatch,
    InfoClass,
    InfoItem,
    Organisation,
    Person,
    PersonEvent,
    PersonTag,
    Road,
    SpecialGroupRecord,
    Tenancy,
)

from ..support.matrix import OWN, Matrix, above, covers, inside, stored, targets

READERS = {"district", "street", "community", "grid"}  # hold registry.view and registry.edit
MATCHERS = READERS | {"seat"}  # hold registry.match (address matching): the hotline seat too
SPECIAL = {"district", "street", "community"}  # hold registry.special (grid workers do not)


def _centre(code: str) -> tuple[float, float]:
    from civicgrid.areas.models import Area

    area = Area.objects.get(code=code)
    return (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2


@pytest.fixture
def register(tree):
    """A building, person (tagged elderly), household, house, component and organisation in every
    grid, and a road filed at every area of the tree (named 路<code>)."""
    seed_catalogues(ComponentClass, InfoClass, InfoItem)
    cls = ComponentClass.objects.get(major="01", sub="01")
    objects = {}
    for n, code in enumerate(sorted(c for c in tree if len(c) == 15)):
        lon, lat = _centre(code)
        building = actions.do_create_building(actor=SYSTEM, address=f"测试路{n + 1}号1幢", lon=lon, lat=lat)
        person = actions.do_register_person(
            actor=SYSTEM, building=building, name=f"居民{n}", phone=f"1380000{n:04d}", tags=["elderly"],
            id_number=make_id_number("330106", dt.date(1960, 1, 1) + dt.timedelta(days=97 * n), n, "M"),
        )
        actions.do_add_special_record(person, actor=SYSTEM, group="correction")
        household = actions.do_create_household(actor=SYSTEM, head=person)
        house = actions.do_create_house(building, actor=SYSTEM, unit=1, floor=3, number="301")
        component = actions.do_create_component(actor=SYSTEM, cls=cls, lon=lon, lat=lat)
        organisation = actions.do_create_organisation(actor=SYSTEM, kind="enterprise", name=f"企业{n}",
                                                      building=building)
        objects[code] = {"building": building, "person": person, "household": household, "house": house,
                         "component": component, "organisation": organisation}
    for code in tree:
        lon, lat = _centre(code)
        actions.do_bulk_create_roads([{"name": f"路{code}", "length_m": 100, "geometry": {
            "type": "LineString", "coordinates": [[lon - 0.001, lat], [lon + 0.001, lat]]}}], actor=SYSTEM, area_code=code)
    return objects


# (name, model of its rows, method, url template, who may: "view" = every staff role, "read" =
# registry readers, "special")
OBJECT_ENDPOINTS = [
    ("page person", Person, "get", "/registry/people/{person}/", "read"),
    ("page person edit", Person, "get", "/registry/people/{person}/edit/", "read"),
    ("page building", Building, "get", "/registry/buildings/{building}/", "view"),
    ("api person", Person, "get", "/api/registry/people/{person}", "read"),
    ("api person history", PersonEvent, "get", "/api/registry/people/{person}/history", "read"),
    ("api person reveal", Person, "post", "/api/registry/people/{person}/reveal", "read"),
    ("api special records", SpecialGroupRecord, "post", "/api/registry/people/{person}/special-records/read",
     "special"),
    ("api household", Household, "get", "/api/registry/households/{household}", "read"),
    ("api household members", Person, "get", "/api/registry/households/{household}/members", "read"),
    ("api building", Building, "get", "/api/registry/buildings/{building}", "view"),
    ("api building houses", House, "get", "/api/registry/buildings/{building}/houses", "view"),
    ("api component", Component, "get", "/api/registry/components/{component}", "view"),
    ("api organisation", Organisation, "get", "/api/registry/organisations/{organisation}", "view"),
]
COLLECTIONS = [  # (name, model of its rows, url)
    ("api people", Person, "/api/registry/people?limit=1000"),
    ("api people left", Person, "/api/registry/people?limit=1000&include_left=true"),
    ("api people tagged", PersonTag, "/api/registry/people?limit=1000&tag=elderly"),
    ("api households", Household, "/api/registry/households?limit=1000"),
    ("api buildings", Building, "/api/registry/buildings?limit=1000"),
    ("api components", Component, "/api/registry/components?limit=1000"),
    ("api organisations", Organisation, "/api/registry/organisations?limit=1000"),
    ("api address match", Building, f"/api/registry/address-match?q={quote('测试路1号1幢')}&limit=20"),
]
# Address matching: the exact address of a building of another area must not find it.
MATCH_ENDPOINTS = [
    ("api address match", "/api/registry/address-match"),
    ("page address match", "/registry/address-match/"),
]


def _tags(person):
    """A reader of the person's tags as stored now."""
    return lambda: sorted(PersonTag.objects.filter(person=person).values_list("tag", flat=True))


def _allowed(level: str, who: str) -> bool:
    return who == "view" or (who == "read" and level in READERS) or (who == "special" and level in SPECIAL)


@covers(Person, PersonEvent, PersonTag, SpecialGroupRecord, Household, Building, House, Tenancy, Component,
        Organisation, Road)
def test_registry_jurisdiction_matrix(cast, tree, register, client_for):
    m = Matrix()
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        for relation, objs in targets(level, register).items():
            ids = {"person": objs["person"].pk, "household": objs["household"].pk, "building": objs["building"].pk,
                   "component": objs["component"].code, "organisation": objs["organisation"].pk}
            for name, model, method, template, who in OBJECT_ENDPOINTS:
                # A role without the capability gets 403 whatever the object (nothing disclosed).
                m.object(client, model, f"{name} · {level} · {relation}", template.format(**ids), method=method,
                         body={"reason": "核查"} if method == "post" else None,
                         allowed=relation == "own" and _allowed(level, who),
                         refused=(404,) if _allowed(level, who) else (403, 404))
            building = objs["building"]
            for name, url in MATCH_ENDPOINTS:
                case = f"{name} · {level} · {relation}"
                response = client.get(url, {"q": building.address, "limit": 20})
                if not m.expect(case, response.status_code == 200, f"got {response.status_code}, expected [200]"):
                    continue
                rows = response.json() if name.startswith("api") else response.context["results"]
                found = [r["id"] for r in rows]
                allowed = relation == "own" and level in MATCHERS
                # The other area's building must not be found (whatever else is).
                m.listing(Building, case, {building.pk} & set(found), {building.pk} if allowed else set())
                if allowed:
                    m.expect(case, found[:1] == [building.pk], f"own building not first ({found[:5]})")
            # Writes through the API must not touch anything outside the scope.
            person = objs["person"]
            may_edit = relation == "own" and level in READERS
            version = Person.objects.get(pk=person.pk).version
            with m.write(Person, f"write person · {level} · {relation}", stored(person, "note"), allowed=may_edit):
                client.patch(f"/api/registry/people/{person.pk}", data=json.dumps({"version": version, "note": "改"}),
                             content_type="application/json")
            Person.objects.filter(pk=person.pk).update(note="", version=version)
            with m.write(PersonTag, f"write person tags · {level} · {relation}", _tags(person), allowed=may_edit):
                client.patch(f"/api/registry/people/{person.pk}", content_type="application/json",
                             data=json.dumps({"version": version, "tags": ["elderly", "volunteer"]}))
            PersonTag.objects.filter(person=person, tag="volunteer").delete()
            Person.objects.filter(pk=person.pk).update(version=version)
            house = objs["house"]
            with m.write(Tenancy, f"write tenancy · {level} · {relation}", Tenancy.objects.filter(house=house).count,
                         allowed=may_edit) as write:
                response = client.post(f"/api/registry/houses/{house.pk}/tenancies", content_type="application/json",
                                       data=json.dumps({"tenant_id": person.pk, "start": "2025-03-01"}))
                write.leak_if(response.status_code == 201 and not may_edit, "answered 201")
                if may_edit:
                    m.expect(f"write tenancy · {level} · own", response.status_code == 201, f"got {response.status_code}")
            Tenancy.objects.filter(house=house).delete()
            may_add = relation == "own" and level in SPECIAL
            with m.write(SpecialGroupRecord, f"write special record · {level} · {relation}",
                         SpecialGroupRecord.objects.filter(person=person).count, allowed=may_add):
                client.post(f"/api/registry/people/{person.pk}/special-records", content_type="application/json",
                            data=json.dumps({"group": "drug", "note": "核查"}))
        in_scope = inside(own, tree)
        for name, model, url in COLLECTIONS:
            m.collection(client, model, f"{name} · {level}", url, in_scope | above(own))
        roads = client.get("/registry/roads.geojson")
        if m.expect(f"roads layer · {level}", roads.status_code == 200, f"status {roads.status_code}"):
            # A road is shown with its name only (路<code>): those of the user's areas and of the areas above.
            named = {f["properties"]["name"].removeprefix("路") for f in roads.json()["features"]}
            m.listing(Road, f"roads layer · {level}", named, in_scope | above(own), must_include={own})
        people_page = client.get("/registry/people/")
        if level in READERS:
            m.listing(Person, f"page people · {level}", {p.area_code for p in people_page.context["page"]}, in_scope)
        else:
            m.record(f"page people · {level}", people_page.status_code == 200, "seat saw people")
    m.done()


def test_reveal_and_special_reads_are_logged_with_the_reason(people, register, client_for):
    person = register["330106001001001"]["person"]
    client = client_for(people["community"])
    shown = client.post(f"/api/registry/people/{person.pk}/reveal", data=json.dumps({"reason": "入户核查"}),
                        content_type="application/json").json()
    assert shown["id_number"].startswith("330106") and "*" not in shown["id_number"]
    records = client.post(f"/api/registry/people/{person.pk}/special-records/read",
                          data=json.dumps({"reason": "帮教"}), content_type="application/json").json()
    assert [r["group"] for r in records] == ["correction"]
    assert AuditLog.objects.filter(action="registry.person.reveal", actor=people["community"],
                                   detail__reason="入户核查").exists()
    assert AuditLog.objects.filter(action="registry.special.read", actor=people["community"]).exists()
    # The grid worker may see the person but not the special records: 404, and the refusal logged.
    grid = client_for(people["grid"])
    assert grid.post(f"/api/registry/people/{person.pk}/special-records/read", data=json.dumps({"reason": "x" * 3}),
                     content_type="application/json").status_code == 404
    assert AuditLog.objects.filter(action="registry.special.denied", actor=people["grid"]).exists()
    # Lists are masked.
    listed = grid.get("/api/registry/people").json()
    assert all("*" in p["id_masked"] and "*" in p["phone_masked"] for p in listed)


def test_api_errors_name_the_field(people, register, client_for):
    client = client_for(people["grid"])
    building = register["330106001001001"]["building"]
    response = client.post("/api/registry/people", data=json.dumps(
        {"name": "赵六", "id_number": "330106199001011234", "building_id": building.pk}),
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["field"] == "id_number"
    assert Person.objects.filter(name="赵六").count() == 0
    stale = client.patch(f"/api/registry/people/{register['330106001001001']['person'].pk}",
                         data=json.dumps({"version": 99, "note": "x"}), content_type="application/json")
    assert stale.status_code == 409


EXPORTS = [  # (name, model of its rows, url, index of the grid-code column)
    ("export people", Person, "/api/registry/export/people.xlsx", 9),
    ("export people page", Person, "/registry/people/export.xlsx", 9),
    ("export buildings", Building, "/api/registry/export/buildings.xlsx", 6),
    ("export components", Component, "/api/registry/export/components.xlsx", 8),
]
EXPORTERS = {"district", "street", "community"}  # hold registry.export


def _xlsx_codes(content: bytes, column: int) -> tuple[set[str], list[list]]:
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    return {r[column] for r in rows[1:]}, rows


@covers(Person, Building, Component)
def test_exports_and_imports_stay_in_the_jurisdiction(cast, tree, register, client_for):
    m = Matrix()
    uploads = {}
    for level, user in cast.items():
        client = client_for(user)
        in_scope = inside(OWN[level], tree)
        for name, model, url, column in EXPORTS:
            response = client.get(url)
            case = f"{name} · {level}"
            if level not in EXPORTERS:
                m.record(case, response.status_code == 200, "exported without the capability")
                continue
            if not m.expect(case, response.status_code == 200, f"status {response.status_code}"):
                continue
            codes, rows = _xlsx_codes(response.content, column)
            m.listing(model, case, codes, in_scope)
            if "people" in name:  # masked without a reveal
                m.record(f"{case} masked", any(r[2] and "*" not in r[2] for r in rows[1:]), "unmasked")
        # revealed export: only with export + reveal, only rows of the reveal scope, audited
        response = client.post("/api/registry/export/people.xlsx", data=json.dumps({"reason": "年度核查"}),
                               content_type="application/json")
        case = f"export people revealed · {level}"
        if level not in EXPORTERS:
            m.record(case, response.status_code == 200, "revealed without the capability")
        else:
            codes, rows = _xlsx_codes(response.content, 9)
            m.listing(Person, case, codes, in_scope)
            m.expect(case, all(r[2] and "*" not in r[2] for r in rows[1:]), "not revealed")
            m.expect(case, AuditLog.objects.filter(action="registry.people.export", actor=user,
                                                   detail__reason="年度核查").exists(), "not audited")
        # a ledger upload is its uploader's alone
        if level in EXPORTERS:
            csv = "姓名,证件号码,网格编码\n张三,{},{}\n".format(
                make_id_number("330106", dt.date(1990, 1, 1), 900 + len(uploads), "M"), sorted(in_scope)[-1])
            from django.core.files.uploadedfile import SimpleUploadedFile

            response = client.post("/api/registry/imports", data={
                "kind": "people", "file": SimpleUploadedFile("a.csv", csv.encode())})
            if m.expect(f"upload · {level}", response.status_code == 201,
                        f"{response.status_code} {response.content[:200]}"):
                uploads[level] = response.json()["id"]
    for level, user in cast.items():
        client = client_for(user)
        for owner, pk in uploads.items():
            mine = owner == level
            for url in (f"/api/registry/imports/{pk}", f"/registry/imports/{pk}/"):
                m.object(client, ImportBatch, f"import {url.split('/')[1]} of {owner} · {level}", url, allowed=mine,
                         refused=(403, 404))
            status = client.post(f"/api/registry/imports/{pk}/commit").status_code
            m.record(f"import commit of {owner} · {level}", status == 200 and owner != level, "committed")
    m.done()
