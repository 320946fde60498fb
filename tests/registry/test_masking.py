"""Masking that cannot be undone (issue 13, finding 1): roles without the reveal right see an
ID mask that hides the birth date and more, with the age (never the birth date) beside it — in
pages, API and exports — and a search by a full ID number or phone is a sensitive read."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from civicgrid.accounts.roles import Role
from civicgrid.core.idnumber import id_check_char, make_id_number
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions

from ..conftest import make_user

BIRTH = dt.date(1958, 3, 18)
ID = make_id_number("330106", BIRTH, 1, "M")
PHONE = "13252958400"


@pytest.fixture
def person(tree):
    building = actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=120.005, lat=30.205)
    return actions.do_register_person(actor=SYSTEM, building=building, name="王建国", id_number=ID, phone=PHONE)


@pytest.fixture
def doctor(tree):
    return make_user("doctor", Role.FAMILY_DOCTOR, tree["330106001001"])


def _birth_texts():
    return [BIRTH.isoformat(), BIRTH.strftime("%Y%m%d"), BIRTH.strftime("%Y年%m月%d日").replace("年0", "年")]


def candidates(masked: str, age: int, sex: str, today: dt.date) -> int:
    """How many valid ID numbers fit the mask, the age and the sex (what a reader could rebuild)."""
    assert len(masked) == 18
    count = 0
    start = dt.date(today.year - age - 1, today.month, today.day) + dt.timedelta(days=1)
    end = dt.date(today.year - age, today.month, today.day)
    day = start
    while day <= end:
        for seq in range(1000):
            if (seq % 2 == 1) != (sex == "M"):
                continue
            first17 = f"{masked[:6]}{day:%Y%m%d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number[-2:] == masked[-2:]:
                count += 1
        day += dt.timedelta(days=1)
    return count


def test_api_shows_age_not_birth_date_and_a_mask_that_cannot_be_undone(person, doctor, client_for):
    listed = client_for(doctor).get("/api/registry/people").json()
    assert len(listed) == 1
    row = listed[0]
    assert "birth_date" not in row and row["age"] == person.age()
    assert row["id_masked"] == ID[:6] + "*" * 10 + ID[-2:]
    assert not any(text in str(listed) for text in _birth_texts())
    one = client_for(doctor).get(f"/api/registry/people/{person.pk}").json()
    assert "birth_date" not in one and one["id_masked"] == row["id_masked"]
    # what the reader has: mask, age, sex — thousands of valid numbers fit
    assert candidates(row["id_masked"], row["age"], row["sex"], dt.date.today()) > 1000


def test_pages_show_no_birth_date(person, doctor, client_for):
    client = client_for(doctor)
    for url in ("/registry/people/", f"/registry/people/{person.pk}/"):
        html = client.get(url).content.decode()
        assert person.id_masked in html
        assert not any(text in html for text in _birth_texts()), url
        assert ID not in html and ID[6:14] not in html


def test_masked_export_has_age_not_birth_date(person, people, client_for):
    response = client_for(people["street"]).get("/api/registry/export/people.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header, row = [[c.value for c in r] for r in sheet.iter_rows()][:2]
    assert "出生日期" not in header and "年龄" in header
    assert row[header.index("证件号码")] == person.id_masked
    assert row[header.index("年龄")] == person.age()
    assert not any(text in str(row) for text in _birth_texts() + [ID])


def test_reveal_gives_the_birth_date_with_the_number(person, people, client_for):
    answer = client_for(people["grid"]).post(f"/api/registry/people/{person.pk}/reveal", {"reason": "入户核实"},
                                             content_type="application/json").json()
    assert answer == {"id_number": ID, "phone": PHONE, "birth_date": BIRTH.isoformat()}


@pytest.mark.parametrize("query", [ID, ID.lower(), PHONE, make_id_number("330106", dt.date(1970, 1, 1), 3, "F")])
def test_exact_identifier_search_without_the_reveal_right_confirms_nothing(person, doctor, client_for, query):
    client = client_for(doctor)
    api = client.get("/api/registry/people", {"q": query})
    assert api.status_code == 403 and api.json()["field"] == "q"
    assert "王建国" not in api.content.decode()
    page = client.get("/registry/people/", {"q": query})
    assert page.status_code == 403 and "王建国" not in page.content.decode()
    assert AuditLog.objects.filter(action="registry.person.search", outcome="denied", actor=doctor).count() == 2
    # the same answer whether or not the number exists; the number is written nowhere
    assert query not in str(list(AuditLog.objects.values_list("detail", "object_repr")))


def test_exact_identifier_search_is_an_audited_read_for_revealers(person, people, client_for):
    client = client_for(people["grid"])
    found = client.get("/api/registry/people", {"q": ID}).json()
    assert [p["id"] for p in found] == [person.pk]
    entry = AuditLog.objects.get(action="registry.person.search", actor=people["grid"])
    assert entry.outcome == "ok" and entry.detail == {"by": "id_number", "found": 1}
    assert entry.object_id == str(person.pk)
    # outside the reveal scope: nothing
    other = client_for(people["grid_b"]).get("/api/registry/people", {"q": ID}).json()
    assert other == []


def test_phone_tail_and_name_search_stay_open_to_viewers(person, doctor, client_for):
    client = client_for(doctor)
    assert len(client.get("/api/registry/people", {"q": PHONE[-4:]}).json()) == 1
    assert len(client.get("/api/registry/people", {"q": "建国"}).json()) == 1


def test_migration_rewrites_stored_masks(person):
    """The stored masks of existing rows are rewritten (0006_masks_hide_more), from the mask for
    resident IDs."""
    import importlib

    from django.apps import apps

    from civicgrid.registry.models import Person

    Person.objects.filter(pk=person.pk).update(id_masked=ID[:6] + "********" + ID[-4:])
    migration = importlib.import_module("civicgrid.registry.migrations.0006_masks_hide_more")
    migration.forwards(apps, None)
    person.refresh_from_db()
    assert person.id_masked == ID[:6] + "*" * 10 + ID[-2:]
    assert re.fullmatch(r"\d{6}\*{10}[\dX]{2}", person.id_masked)
