"""The register/edit person pages (issue 14, findings 1 and 2)."""

import datetime as dt

import pytest

from civicgrid.core.idnumber import make_id_number
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions
from civicgrid.registry.models import Person, PersonEvent

ID_A = make_id_number("330106", dt.date(1950, 3, 7), 12, "F")


@pytest.fixture
def building(tree):
    return actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=120.005, lat=30.205)


@pytest.fixture
def person(people, building):
    return actions.do_register_person(actor=people["grid"], building=building, name="王秀英", id_number=ID_A,
                                      phone="13812345678")


def test_editing_with_the_id_field_blank_keeps_the_stored_number(people, person, client_for):
    c = client_for(people["grid"])
    response = c.post(f"/registry/people/{person.pk}/edit/", {
        "name": "王秀英", "id_type": "resident_id", "id_number": "", "phone": "13900001111",
        "residence": person.residence, "relation": "", "note": "", "version": person.version})
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.phone_masked == "139****1111"
    assert person.id_masked == ID_A[:6] + "********" + ID_A[-4:]  # the number stayed
    assert person.birth_date == dt.date(1950, 3, 7)
    assert person.events.filter(kind=PersonEvent.Kind.UPDATED).get().changed == ["phone"]


def test_changing_the_document_type_without_a_number_is_refused_beside_the_field(people, person, client_for):
    c = client_for(people["grid"])
    response = c.post(f"/registry/people/{person.pk}/edit/", {
        "name": "王秀英", "id_type": "passport", "id_number": "", "phone": "", "residence": person.residence,
        "version": person.version})
    assert response.status_code == 302  # a passport without its number on file is allowed
    person.refresh_from_db()
    assert person.id_type == Person.IdType.PASSPORT and person.id_masked == ""
    response = c.post(f"/registry/people/{person.pk}/edit/", {
        "name": "王秀英", "id_type": "resident_id", "id_number": "", "phone": "", "residence": person.residence,
        "version": person.version})
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
