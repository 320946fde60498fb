"""The demo population: households, ages, IDs, places, special groups, components, organisations."""

import datetime as dt
import io
import json
import random
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F

from civicgrid.areas.index import locate_many
from civicgrid.areas.models import Area
from civicgrid.core import crypto
from civicgrid.core.idnumber import parse_id_number, validate_uscc
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.demo import population
from civicgrid.demo.layout import build_layout, buildings_for
from civicgrid.demo.ledgers import people_ledger
from civicgrid.registry import actions
from civicgrid.registry.models import (
    Building,
    Component,
    ComponentClass,
    House,
    Household,
    Organisation,
    Person,
    PersonTag,
    SpecialGroupRecord,
    Tenancy,
)
from civicgrid.registry.people import ID_CONTEXT, SPECIAL_CONTEXT, group_index, id_index

PEOPLE = 5_000


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One small demo district (40 grids, 5,000 people) for every test of this module, rolled
    back afterwards (each test runs in a savepoint inside this transaction)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", "--seed", "3", "--people", str(PEOPLE), stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@pytest.mark.django_db
def test_every_reference_points_at_a_row(demo):
    connection.check_constraints()  # the foreign keys written ahead of their rows (checked at commit)


@pytest.mark.django_db
def test_households_ages_and_floating_population(demo):
    assert Person.objects.count() == PEOPLE
    sizes = Counter(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    assert min(sizes) >= 1 and max(sizes) <= 6 and len(sizes) == 6, sizes
    assert Person.objects.filter(household=None).count() == 0
    # every household's head is a member, called 户主, and the only one
    assert Household.objects.exclude(head__household=F("pk")).count() == 0
    assert Person.objects.filter(relation="户主").count() == Household.objects.count()
    reference = dt.date(dt.date.today().year, 1, 1)
    births = list(Person.objects.values_list("birth_date", flat=True))
    elderly = sum(age(b, reference) >= 60 for b in births) / PEOPLE
    minors = sum(age(b, reference) < 18 for b in births) / PEOPLE
    assert 0.14 <= elderly <= 0.22, elderly
    assert 0.12 <= minors <= 0.24, minors
    floating = Person.objects.filter(residence=Person.Residence.FLOATING).count() / PEOPLE
    assert 0.03 <= floating <= 0.075, floating
    # a household is floating or not as a whole
    mixed = Household.objects.annotate(kinds=Count("members__residence", distinct=True)).filter(kinds__gt=1)
    assert not mixed.exists()


@pytest.mark.django_db
def test_every_id_number_is_valid_unique_and_where_it_should_come_from(demo):
    assert Person.objects.values("id_index").distinct().count() == PEOPLE
    for p in Person.objects.all():
        number = crypto.decrypt(p.id_enc, context=ID_CONTEXT)
        parsed = parse_id_number(number)
        assert id_index(number) == p.id_index and p.id_masked == number[:6] + "*" * 10 + number[-2:]
        assert (parsed.birth_date, parsed.sex) == (p.birth_date, p.sex)
        assert int(number[14:17]) < 500  # sample ledgers use 500–999
        if p.residence == Person.Residence.FLOATING:
            assert not number.startswith("33"), number  # from another province
        else:
            assert number.startswith("33")
    registered = Person.objects.filter(residence=Person.Residence.REGISTERED)
    assert registered.filter(id_masked__startswith="330106").count() / registered.count() > 0.75
    # adults have mobiles, small children none
    assert Person.objects.filter(phone_index=None, birth_date__lt=dt.date(dt.date.today().year - 20, 1, 1)) \
        .count() < 0.1 * PEOPLE
    assert not Person.objects.exclude(phone_index=None).filter(
        birth_date__gt=dt.date(dt.date.today().year - 10, 1, 1)).exists()


@pytest.mark.django_db
def test_people_live_where_their_building_is(demo):
    assert Person.objects.exclude(area_code=F("building__area_code")).count() == 0
    assert Household.objects.exclude(area_code=F("building__area_code")).count() == 0
    assert House.objects.exclude(area_code=F("building__area_code")).count() == 0
    assert Person.objects.exclude(house=None).exclude(house__building=F("building")).count() == 0
    person = Person.objects.select_related("building").exclude(house=None).first()
    assert person.address == f"{person.building.address}{person.house.unit}单元{person.house.number}室"
    assert person.address.endswith("室") and "单元" in person.address
    # the buildings and the area tree count what was generated
    assert sum(Building.objects.values_list("residents", flat=True)) == PEOPLE
    assert Area.objects.get(code="330106").population == PEOPLE
    assert Area.objects.get(code="330106").households == Household.objects.count()
    # one audit row for the population
    row = AuditLog.objects.get(action="demo.population.bulk_create")
    assert row.detail["people"] == PEOPLE


@pytest.mark.django_db
def test_tags_houses_and_tenancies(demo):
    reference = dt.date(dt.date.today().year, 1, 1)
    tags = Counter(PersonTag.objects.values_list("tag", flat=True))
    assert set(tags) == set(PersonTag.Tag.values), tags
    assert 0.14 <= tags["elderly"] / PEOPLE <= 0.22
    assert 0.005 <= tags["disabled"] / PEOPLE <= 0.03
    assert PersonTag.objects.exclude(area_code=F("person__area_code")).count() == 0
    for p in Person.objects.filter(tags__tag="alone"):
        assert age(p.birth_date, reference) >= 60 and p.household.members.count() == 1
    for p in Person.objects.filter(tags__tag="minor")[:200]:
        assert age(p.birth_date, reference) < 18
    uses = Counter(House.objects.values_list("use", flat=True))
    assert set(uses) >= {"own", "rented", "empty"}, uses
    assert House.objects.filter(use="own").exclude(landlord__house=F("pk")).count() == 0  # the owner lives there
    tenancy = Tenancy.objects.select_related("tenant", "house").first()
    assert tenancy.tenant.house_id == tenancy.house_id and tenancy.house.use == "rented"
    assert Tenancy.objects.filter(tenant=F("house__landlord")).count() == 0


@pytest.mark.django_db
def test_special_group_records_are_encrypted(demo):
    records = list(SpecialGroupRecord.objects.all())
    assert len(records) >= 5
    plain = set(SpecialGroupRecord.Group.values) | {str(g.label) for g in SpecialGroupRecord.Group}
    plain |= set(population.SPECIAL_NOTES.values())
    for record in records:
        assert record.payload_enc.startswith("g1:")
        assert not any(word in record.payload_enc for word in plain)
        payload = json.loads(crypto.decrypt(record.payload_enc, context=SPECIAL_CONTEXT))
        assert payload["group"] in SpecialGroupRecord.Group.values and payload["officer"]
        assert record.group_index == group_index(payload["group"])
        assert record.area_code == record.person.area_code
    assert not AuditLog.objects.filter(detail__icontains="correction").exists()


@pytest.mark.django_db
def test_components_have_valid_codes_in_their_grid(demo):
    components = list(Component.objects.select_related("cls"))
    grids = set(Area.objects.filter(level="grid").values_list("code", flat=True))
    per_grid = Counter(c.area_code for c in components)
    assert set(per_grid) == grids and min(per_grid.values()) >= 10
    assert len({c.cls.code for c in components}) >= 10
    for c in components:
        assert len(c.code) == 16 and c.code.isdigit() and c.code[:6] == "330106" and c.code[6:10] == c.cls.code
    assert list(locate_many([c.lon for c in components], [c.lat for c in components])) == [
        c.area_code for c in components]
    states = Counter(c.state for c in components)
    assert states["intact"] > 0.8 * len(components) and set(states) == set(Component.State.values)
    # the serials were reserved: the next one made by hand follows on
    lamp = ComponentClass.objects.get(major="01", sub="16")
    last = max(int(c.code[10:]) for c in components if c.cls_id == lamp.pk)
    grid = Area.objects.get(code=components[0].area_code)
    made = actions.do_create_component(actor=SYSTEM, cls=lamp, lon=components[0].lon, lat=components[0].lat)
    assert made.code == f"3301060116{last + 1:06d}" and made.area_code == grid.code


@pytest.mark.django_db
def test_organisations(demo):
    kinds = Counter(Organisation.objects.values_list("kind", flat=True))
    assert set(kinds) == set(Organisation.Kind.values), kinds
    for code in Organisation.objects.exclude(credit_code="").values_list("credit_code", flat=True):
        assert validate_uscc(code) == code
    assert Organisation.objects.filter(kind="enterprise", credit_code="").count() == 0
    branches = Organisation.objects.filter(kind="party", party_level="branch")
    assert branches.count() == 40 and not branches.filter(parent=None).exists()
    assert Organisation.objects.exclude(area_code=F("building__area_code")).count() == 0


@pytest.mark.django_db
def test_a_sample_ledger_never_collides_with_the_demo_people(demo):
    addresses = list(Building.objects.values_list("address", flat=True)[:20])
    sample = people_ledger(addresses, 2_000, bad_share=0, seed=5)
    indexes = [id_index(row[2]) for row in sample.rows]
    assert not Person.objects.filter(id_index__in=indexes).exists()


def test_planning_is_deterministic_and_households_add_up():
    layout = build_layout(1, 1)
    rows = buildings_for(layout, 1)[:5]
    for n, row in enumerate(rows):
        row |= {"id": n, "area_code": "330106001001001"}
    reference = dt.date(2026, 1, 1)

    def plan():
        ids = population.IdNumbers()
        return [population.plan_building(random.Random(row["address"]), row, h, p, ids, reference)
                for row, (h, p) in zip(rows, population.allocate(rows, 700), strict=True)]

    first, second = plan(), plan()
    assert [r.data for b in first for h in b.households for r in h.members] == [
        r.data for b in second for h in b.households for r in h.members]
    assert sum(b.people for b in first) == 700
    numbers = [r.data["id_number"] for b in first for h in b.households for r in h.members]
    assert len(set(numbers)) == len(numbers)
    for b in first:
        rooms = [(h.unit, h.room) for h in b.households] + [(u, r) for u, _f, r, _use, _o in b.other_houses]
        assert len(rooms) == len(set(rooms))  # one household per flat


def test_id_numbers_stay_unique_when_a_day_is_full():
    ids = population.IdNumbers()
    birth = dt.date(1990, 5, 5)
    numbers = [ids.take("330106", birth, "F") for _ in range(population.SEQ_RANKS + 3)]
    assert len(set(numbers)) == len(numbers)
    assert {parse_id_number(n).birth_date for n in numbers} == {birth, birth - dt.timedelta(days=1)}


def test_forked_preparation_gives_what_preparing_here_gives():
    rows = buildings_for(build_layout(1, 1), 1)[:3]
    for n, row in enumerate(rows):
        row |= {"id": n, "area_code": "330106001001001"}
    ids = population.IdNumbers()
    data = [r.data for row, (h, p) in zip(rows, population.allocate(rows, 300), strict=True)
            for hh in population.plan_building(random.Random(row["address"]), row, h, p, ids,
                                                 dt.date(2026, 1, 1)).households
            for r in hh.members]
    here = population.Preparer(0).submit(data).get()
    with population.Preparer(2) as preparer:
        assert preparer.pool is not None or threading.active_count() > 1
        there = preparer.submit(data).get()

    def stable(values):  # ciphertexts differ (random nonces); everything else is the same
        return {k: v for k, v in values.items() if not k.endswith("_enc")}

    assert [stable(v) for v in here] == [stable(v) for v in there] and len(here) == 300
    assert crypto.decrypt(there[0]["id_enc"], context=ID_CONTEXT) == data[0]["id_number"]
