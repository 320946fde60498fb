"""Jurisdiction matrix for the register: every registry page and API endpoint, for a user of
each level asking for an object of their own, a sibling's and the parent's area (outside their
own). Lists never return a grid outside the user's scope. Cases count into the same
"N cases, L leaks" total as the area matrix."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core.idnumber import make_id_number
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions
from civicgrid.registry.catalogues import seed_catalogues
from civicgrid.registry.models import ComponentClass, InfoClass, InfoItem, Person

from ..conftest import make_user
from ..test_jurisdiction_matrix import OWN, SIBLING, _codes_in, _record

READERS = {"district", "street", "community", "grid"}  # hold registry.view
MATCHERS = READERS | {"seat"}  # hold registry.match (address matching): the hotline seat too
SPECIAL = {"district", "street", "community"}  # hold registry.special (grid workers do not)


def _centre(code: str) -> tuple[float, float]:
    from civicgrid.areas.models import Area

    area = Area.objects.get(code=code)
    return (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2


@pytest.fixture
def register(tree):
    """A building, person, household, house, component and organisation in every grid."""
    seed_catalogues(ComponentClass, InfoClass, InfoItem)
    cls = ComponentClass.objects.get(major="01", sub="01")
    objects = {}
    for n, code in enumerate(sorted(c for c in tree if len(c) == 15)):
        lon, lat = _centre(code)
        building = actions.do_create_building(actor=SYSTEM, address=f"测试路{n + 1}号1幢", lon=lon, lat=lat)
        person = actions.do_register_person(
            actor=SYSTEM, building=building, name=f"居民{n}", phone=f"1380000{n:04d}",
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
    return objects


def _grid_under(code: str, register, avoid: str = "") -> dict:
    """The objects of the first grid under ``code`` that is not inside ``avoid``."""
    for grid in sorted(register):
        if grid.startswith(code) and not (avoid and grid.startswith(avoid)):
            return register[grid]
    raise AssertionError(code)


# (name, method, url template, who may: "view" = every staff role, "read" = registry readers, "special")
OBJECT_ENDPOINTS = [
    ("page person", "get", "/registry/people/{person}/", "read"),
    ("page person edit", "get", "/registry/people/{person}/edit/", "read"),
    ("page building", "get", "/registry/buildings/{building}/", "view"),
    ("api person", "get", "/api/registry/people/{person}", "read"),
    ("api person history", "get", "/api/registry/people/{person}/history", "read"),
    ("api person reveal", "post", "/api/registry/people/{person}/reveal", "read"),
    ("api special records", "post", "/api/registry/people/{person}/special-records/read", "special"),
    ("api household", "get", "/api/registry/households/{household}", "read"),
    ("api household members", "get", "/api/registry/households/{household}/members", "read"),
    ("api building", "get", "/api/registry/buildings/{building}", "view"),
    ("api building houses", "get", "/api/registry/buildings/{building}/houses", "view"),
    ("api component", "get", "/api/registry/components/{component}", "view"),
    ("api organisation", "get", "/api/registry/organisations/{organisation}", "view"),
]
COLLECTIONS = [
    ("api people", "/api/registry/people?limit=1000"),
    ("api people left", "/api/registry/people?limit=1000&include_left=true"),
    ("api households", "/api/registry/households?limit=1000"),
    ("api buildings", "/api/registry/buildings?limit=1000"),
    ("api components", "/api/registry/components?limit=1000"),
    ("api organisations", "/api/registry/organisations?limit=1000"),
    ("api address match", f"/api/registry/address-match?q={quote('测试路1号1幢')}&limit=20"),
]
# Address matching: the exact address of a building of another area must not find it.
MATCH_ENDPOINTS = [
    ("api address match", "/api/registry/address-match"),
    ("page address match", "/registry/address-match/"),
]


def _allowed(level: str, who: str) -> bool:
    return who == "view" or (who == "read" and level in READERS) or (who == "special" and level in SPECIAL)


def test_registry_jurisdiction_matrix(people, units, tree, register, client_for):
    cast = {level: people[level] for level in ("district", "street", "community", "grid")}
    cast["seat"] = make_user("seat_r", Role.ACCEPTANCE_SEAT, unit=units["330106"])
    failures: list[str] = []
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        targets = {"own": _grid_under(own, register), "sibling": _grid_under(SIBLING[level], register)}
        if len(own) > 6:
            targets["parent"] = _grid_under(own[:-3], register, avoid=own)
        for relation, objs in targets.items():
            ids = {"person": objs["person"].pk, "household": objs["household"].pk, "building": objs["building"].pk,
                   "component": objs["component"].code, "organisation": objs["organisation"].pk}
            for name, method, template, who in OBJECT_ENDPOINTS:
                url = template.format(**ids)
                if method == "get":
                    status = client.get(url).status_code
                else:
                    status = client.post(url, data=json.dumps({"reason": "核查"}),
                                         content_type="application/json").status_code
                allowed = relation == "own" and _allowed(level, who)
                # A role without the capability gets 403 whatever the object (nothing disclosed).
                ok_codes = {200} if allowed else {404} if _allowed(level, who) else {404, 403}
                case = f"{name} · {level} · {relation}"
                _record(case, status == 200 and not allowed, failures, f"got {status}")
                if status not in ok_codes:
                    failures.append(f"{case}: got {status}, expected {sorted(ok_codes)}")
            for name, url in MATCH_ENDPOINTS:
                response = client.get(url, {"q": objs["building"].address, "limit": 20})
                case = f"{name} · {level} · {relation}"
                if response.status_code != 200:
                    failures.append(f"{case}: got {response.status_code}, expected [200]")
                    continue
                rows = response.json() if name.startswith("api") else response.context["results"]
                ids = [r["id"] for r in rows]
                allowed = relation == "own" and level in MATCHERS
                _record(case, objs["building"].pk in ids and not allowed, failures, f"found {ids[:5]}")
                if allowed and ids[:1] != [objs["building"].pk]:
                    failures.append(f"{case}: own building not first ({ids[:5]})")
            # Writes through the API must not touch anything outside the scope.
            person = Person.objects.get(pk=objs["person"].pk)
            version = person.version
            client.patch(f"/api/registry/people/{person.pk}", data=json.dumps({"version": version, "note": "改"}),
                         content_type="application/json")
            changed = Person.objects.get(pk=person.pk).note == "改"
            may_write = relation == "own" and level in READERS
            _record(f"write person · {level} · {relation}", changed and not may_write, failures, "note changed")
            if may_write and not changed:
                failures.append(f"write person · {level} · own: could not edit")
            Person.objects.filter(pk=person.pk).update(note="", version=version)
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
        people_page = client.get("/registry/people/")
        if level in READERS:
            listed = {p.area_code for p in people_page.context["page"]}
            _record(f"page people · {level}", not listed <= in_scope_codes, failures, f"listed {listed}")
        else:
            _record(f"page people · {level}", people_page.status_code == 200, failures, "seat saw people")
    assert not failures, "\n".join(failures)


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


EXPORTS = [  # (name, url, index of the grid-code column, capability level set)
    ("export people", "/api/registry/export/people.xlsx", 9),
    ("export people page", "/registry/people/export.xlsx", 9),
    ("export buildings", "/api/registry/export/buildings.xlsx", 6),
    ("export components", "/api/registry/export/components.xlsx", 8),
]
EXPORTERS = {"district", "street", "community"}  # hold registry.export


def _xlsx_codes(content: bytes, column: int) -> tuple[set[str], list[list]]:
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    return {r[column] for r in rows[1:]}, rows


def test_exports_and_imports_stay_in_the_jurisdiction(people, units, tree, register, client_for):
    cast = {level: people[level] for level in ("district", "street", "community", "grid")}
    cast["seat"] = make_user("seat_x", Role.ACCEPTANCE_SEAT, unit=units["330106"])
    failures: list[str] = []
    uploads = {}
    for level, user in cast.items():
        client = client_for(user)
        in_scope_codes = {c for c in tree if c.startswith(OWN[level])}
        for name, url, column in EXPORTS:
            response = client.get(url)
            case = f"{name} · {level}"
            if level not in EXPORTERS:
                _record(case, response.status_code == 200, failures, "exported without the capability")
                continue
            if response.status_code != 200:
                failures.append(f"{case}: status {response.status_code}")
                continue
            codes, rows = _xlsx_codes(response.content, column)
            _record(case, not codes <= in_scope_codes, failures, f"exported {sorted(codes - in_scope_codes)[:5]}")
            if "people" in name:  # masked without a reveal
                _record(f"{case} masked", any(r[2] and "*" not in r[2] for r in rows[1:]), failures, "unmasked")
        # revealed export: only with export + reveal, only rows of the reveal scope, audited
        response = client.post("/api/registry/export/people.xlsx", data=json.dumps({"reason": "年度核查"}),
                               content_type="application/json")
        case = f"export people revealed · {level}"
        if level not in EXPORTERS:
            _record(case, response.status_code == 200, failures, "revealed without the capability")
        else:
            codes, rows = _xlsx_codes(response.content, 9)
            _record(case, not codes <= in_scope_codes, failures, "revealed outside")
            if not all(r[2] and "*" not in r[2] for r in rows[1:]):
                failures.append(f"{case}: not revealed")
            if not AuditLog.objects.filter(action="registry.people.export", actor=user,
                                           detail__reason="年度核查").exists():
                failures.append(f"{case}: not audited")
        # a ledger upload is its uploader's alone
        if level in EXPORTERS:
            csv = "姓名,证件号码,网格编码\n张三,{},{}\n".format(
                make_id_number("330106", dt.date(1990, 1, 1), 900 + len(uploads), "M"), sorted(in_scope_codes)[-1])
            from django.core.files.uploadedfile import SimpleUploadedFile

            response = client.post("/api/registry/imports", data={
                "kind": "people", "file": SimpleUploadedFile("a.csv", csv.encode())})
            if response.status_code != 201:
                failures.append(f"upload · {level}: {response.status_code} {response.content[:200]}")
            else:
                uploads[level] = response.json()["id"]
    for level, user in cast.items():
        client = client_for(user)
        for owner, pk in uploads.items():
            for url in (f"/api/registry/imports/{pk}", f"/registry/imports/{pk}/"):
                status = client.get(url).status_code
                mine = owner == level
                _record(f"import {url.split('/')[1]} of {owner} · {level}", status == 200 and not mine, failures,
                        f"got {status}")
                if mine and status != 200:
                    failures.append(f"import of {owner} · {level}: own upload gave {status}")
            status = client.post(f"/api/registry/imports/{pk}/commit").status_code
            _record(f"import commit of {owner} · {level}", status == 200 and owner != level, failures, "committed")
    assert not failures, "\n".join(failures)
