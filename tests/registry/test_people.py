import datetime as dt

import pytest
from django.http import Http404

from civicgrid.accounts.roles import Role
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.idnumber import make_id_number, parse_id_number
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions, queries
from civicgrid.registry.models import Person, PersonEvent, SpecialGroupRecord

from ..conftest import make_user

ID_A = make_id_number("330106", dt.date(1950, 3, 7), 12, "F")
ID_B = make_id_number("330106", dt.date(1988, 11, 30), 45, "M")


@pytest.fixture
def building(tree):
    return actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=120.005, lat=30.205)


@pytest.fixture
def building_b(tree):
    return actions.do_create_building(actor=SYSTEM, address="文三街8号金色花园2幢", lon=120.025, lat=30.205)


def register(actor, building, **kw):
    data = {"name": "王秀英", "id_number": ID_A, "phone": "13812345678"} | kw
    return actions.do_register_person(actor=actor, building=building, **data)


def test_register_derives_birth_sex_grid_and_pinyin(people, building):
    person = register(people["grid"], building, tags=["elderly"])
    assert person.area_code == "330106001001001"
    assert person.birth_date == dt.date(1950, 3, 7) and person.sex == "F"
    assert person.name_initials == "wxy" and person.name_pinyin == "wangxiuying"
    assert person.id_masked == ID_A[:6] + "*" * 10 + ID_A[-2:]
    assert person.phone_masked == "138****5678" and person.phone_tail == "5678"
    assert list(person.tags.values_list("tag", flat=True)) == ["elderly"]
    assert person.events.get().kind == PersonEvent.Kind.REGISTERED
    # Stored encrypted: the row holds neither the ID number nor the phone.
    row = Person.objects.filter(pk=person.pk).values().get()
    assert not any(ID_A in str(v) or "13812345678" in str(v) for v in row.values())


@pytest.mark.parametrize("bad, words", [
    ("33010619500307001", "18"),
    (ID_A[:17] + ("0" if ID_A[17] != "0" else "1"), "GB 11643"),
    ("330106195002300121", "birth date"),
])
def test_bad_id_numbers_are_refused_naming_the_field(people, building, bad, words):
    with pytest.raises(UserError) as exc:
        register(people["grid"], building, id_number=bad)
    assert exc.value.field == "id_number"
    assert "id_number" in exc.value.message
    assert not Person.objects.exists()


def test_id_number_is_unique_across_the_register(people, building, building_b):
    register(people["grid"], building)
    with pytest.raises(Conflict) as exc:
        register(people["grid_b"], building_b, name="另一人", id_number=ID_A.lower())
    assert "辖区外" in exc.value.message or "outside your jurisdiction" in exc.value.message
    assert Person.objects.count() == 1


def test_grid_worker_cannot_register_in_another_grid(people, building_b):
    with pytest.raises(NotPermitted):
        register(people["grid"], building_b)
    assert not Person.objects.exists()


def test_concurrent_edit_gets_a_conflict_not_a_silent_overwrite(people, building):
    person = register(people["grid"], building)
    actions.do_update_person(person, actor=people["grid"], expected_version=1, name="王秀兰")
    with pytest.raises(Conflict):
        actions.do_update_person(person, actor=people["community"], expected_version=1, note="旧页面")
    person.refresh_from_db()
    assert person.name == "王秀兰" and person.note == "" and person.version == 2
    assert person.events.filter(kind=PersonEvent.Kind.UPDATED).get().changed == ["name"]


def test_search_by_id_phone_tail_initials_and_name(people, building):
    a = register(people["grid"], building)
    b = register(people["grid"], building, name="张伟", id_number=ID_B, phone="0571-88001234")
    qs = queries.visible_people(people["community"])
    search = lambda text: queries.search_people(qs, text, user=people["community"])  # noqa: E731
    assert list(search(ID_A)) == [a]
    assert list(search("5678")) == [a]
    assert list(search("1234")) == [b]
    assert list(search("13812345678")) == [a]
    assert list(search("zw")) == [b]
    assert list(search("wangxiu")) == [a]
    assert list(search("秀英")) == [a]
    assert set(search("枫丹")) == {a, b}


def test_visibility_follows_jurisdiction_and_role(tree, people, building, building_b):
    a = register(people["grid"], building)
    b = register(people["grid_b"], building_b, name="李强", id_number=ID_B)
    assert list(queries.visible_people(people["grid"])) == [a]
    assert set(queries.visible_people(people["community"])) == {a, b}
    supervisor = make_user("sup", Role.SUPERVISOR, tree["330106001001"])
    assert list(queries.visible_people(supervisor)) == []
    with pytest.raises(Http404):
        queries.access_person(people["grid"], b.pk)
    assert AuditLog.objects.filter(action="access.denied", object_id=str(b.pk)).exists()


def test_households_keep_history_when_people_move(people, building):
    head = register(people["grid"], building)
    son = register(people["grid"], building, name="王强", id_number=ID_B)
    household = actions.do_create_household(actor=people["grid"], head=head)
    assert household.number.startswith("330106001001001")
    actions.do_join_household(son, household, actor=people["grid"], relation="子")
    second = actions.do_create_household(actor=people["grid"], head=Person.objects.get(pk=son.pk))
    son.refresh_from_db()
    assert son.household == second and son.relation == "户主"
    kinds = list(son.events.values_list("kind", "from_household", "to_household"))
    assert (PersonEvent.Kind.LEFT, household.number, "") in kinds
    assert (PersonEvent.Kind.JOINED, "", second.number) in kinds
    # The head leaves the jurisdiction: the household is dissolved, the record stays.
    head.refresh_from_db()
    actions.do_person_leaves(head, actor=people["grid"], reason="moved_out")
    household.refresh_from_db()
    assert household.dissolved and household.head is None
    assert head not in queries.visible_people(people["grid"])
    assert head in queries.visible_people(people["grid"], include_left=True)


def test_reveal_needs_the_capability_and_a_reason_and_is_logged(tree, people, building):
    person = register(people["grid"], building)
    with pytest.raises(UserError):
        queries.reveal_identifiers(people["grid"], person, reason="")
    shown = queries.reveal_identifiers(people["grid"], person, reason="入户核查")
    assert shown == {"id_number": ID_A, "phone": "13812345678", "birth_date": "1950-03-07"}
    log = AuditLog.objects.get(action="registry.person.reveal")
    assert log.detail == {"reason": "入户核查"} and log.actor == people["grid"]
    doctor = make_user("doc", Role.FAMILY_DOCTOR, tree["330106001001"])
    assert person in queries.visible_people(doctor)  # doctors see the register, masked
    with pytest.raises(Http404):
        queries.reveal_identifiers(doctor, person, reason="看病")


def test_special_group_records_only_for_granted_roles_and_every_read_logged(tree, people, building):
    person = register(people["grid"], building)
    head = make_user("head", Role.GRID_HEAD, tree["330106001001001"])
    with pytest.raises(NotPermitted):
        actions.do_add_special_record(person, actor=people["grid"], group="correction")
    actions.do_add_special_record(person, actor=head, group="correction", note="矫正期至2027年", officer="司法所")
    record = SpecialGroupRecord.objects.get()
    assert "correction" not in record.payload_enc and "矫正" not in record.payload_enc
    with pytest.raises(Http404):  # the grid worker sees the person, not the record
        queries.special_records(people["grid"], person, reason="走访")
    assert AuditLog.objects.filter(action="registry.special.denied").exists()
    records = queries.special_records(head, person, reason="帮教走访")
    assert [r["group"] for r in records] == ["correction"] and records[0]["note"] == "矫正期至2027年"
    assert AuditLog.objects.filter(action="registry.special.read", detail__reason="帮教走访").count() == 1
    add_log = AuditLog.objects.get(action="registry.special.add")
    assert "correction" not in str(add_log.detail) and "correction" not in add_log.object_repr


def test_id_number_helpers_round_trip():
    number = make_id_number("110101", dt.date(2001, 2, 28), 7, "M")
    parsed = parse_id_number(number)
    assert parsed.sex == "M" and parsed.birth_date == dt.date(2001, 2, 28)
    assert parse_id_number("11010519491231002X").sex == "F"  # the standard's own example
