"""The register/edit person pages (issue 14, findings 1 and 2)."""

import datetime as dt

import pytest

from civicgrid.core.idnumber import make_id_number, mask_id_number
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
    assert person.id_masked == mask_id_number(ID_A) == ID_A[:6] + "*" * 10 + ID_A[-2:]  # the number stayed
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


def test_register_in_a_room_with_a_new_household_then_a_second_member_joins_it(people, building, client_for):
    from civicgrid.registry.models import House, Household

    house = actions.do_create_house(building, actor=SYSTEM, unit=2, floor=3, number="301")
    c = client_for(people["grid"])
    page = c.get(f"/registry/people/new/places/?building={building.pk}").content.decode()
    assert f'<option value="{house.pk}">' in page and 'value="new"' in page
    base = {"id_type": "resident_id", "phone": "", "residence": "registered", "building": building.pk,
            "house": house.pk, "relation": "", "note": ""}
    r = c.post("/registry/people/new/", base | {"name": "李建国", "id_number": ID_A, "household": "new",
                                                "tags": ["elderly", "disabled"]})
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    head = Person.objects.get(name="李建国")
    assert head.house == house and head.household is not None and head.household.head == head
    assert head.household.house == house
    second = make_id_number("330106", dt.date(1952, 5, 1), 14, "F")
    r = c.post("/registry/people/new/", base | {"name": "张桂兰", "id_number": second, "relation": "配偶",
                                                "household": str(head.household.pk)})
    assert r.status_code == 302
    assert Person.objects.get(name="张桂兰").household == head.household
    assert Household.objects.count() == 1 and House.objects.get().pk == house.pk


def test_a_room_of_another_building_is_refused(people, building, client_for):
    other = actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村2幢", lon=120.006, lat=30.205)
    house = actions.do_create_house(other, actor=SYSTEM, unit=1, floor=1, number="101")
    r = client_for(people["grid"]).post("/registry/people/new/", {
        "name": "李建国", "id_type": "resident_id", "id_number": ID_A, "residence": "registered",
        "building": building.pk, "house": house.pk})
    assert r.status_code == 200 and r.context["form"].errors["house"]
    assert not Person.objects.exists()


def test_service_groups_render_as_inline_checkboxes_with_their_labels(people, client_for):
    page = client_for(people["grid"]).get("/registry/people/new/").content.decode()
    assert '<fieldset class="mb-2" id="id_tags">' in page
    assert page.count('class="form-check form-check-inline"') >= 6
    assert 'for="id_tags_0">' in page


def test_errors_name_the_field_by_its_label_not_its_internal_name(people, building, client_for):
    import re

    bad = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    r = client_for(people["grid"]).post("/registry/people/new/", {
        "name": "李建国", "id_type": "resident_id", "id_number": bad, "phone": "abc", "residence": "registered",
        "building": building.pk})
    assert r.status_code == 200
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", r.content.decode(), flags=re.S)
    assert "身份证号" in text and "id_number" not in text and "phone:" not in text
    assert not Person.objects.exists()


def test_action_messages_lose_their_internal_field_names():
    from django import forms

    from civicgrid.core.errors import UserError
    from civicgrid.core.forms import add_action_error, without_field_name

    assert without_field_name("note: 请填写原因。", ["note"]) == "请填写原因。"
    assert without_field_name("lon/lat（位置）：超出辖区。", ["lon/lat（位置）", "lon"]) == "超出辖区。"
    assert without_field_name("note为必填项。", ["note"]) == "此项为必填项。"
    assert without_field_name("notes are fine", ["note"]) == "notes are fine"

    class F(forms.Form):
        reporter_phone = forms.CharField(label="来电号码")
        note = forms.CharField(label="备注")

    form = F({"reporter_phone": "x", "note": "y"})
    form.is_valid()
    add_action_error(form, UserError("reporter_phone: 号码不对；note 过长", field="reporter_phone"))
    assert form.errors["reporter_phone"] == ["号码不对；备注 过长"]
