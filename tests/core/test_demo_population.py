"""The demo population: plausible households, ages and groups, valid and unique IDs, encrypted."""

import pytest
from django.core.management import call_command

from civicgrid.core.idnumber import parse_id_number
from civicgrid.registry.models import (
    Component,
    Household,
    Organisation,
    Person,
    PersonTag,
    SpecialGroupRecord,
)


@pytest.mark.django_db
def test_demo_population_is_plausible_and_protected():
    call_command("demo", "--seed", "2", "--people", "6000")
    people = Person.objects.count()
    assert 5_900 <= people <= 6_000
    assert Person.objects.values("id_index").distinct().count() == people
    sizes = [h.members.count() for h in Household.objects.all()[:300]]
    assert min(sizes) >= 1 and max(sizes) <= 6
    elderly = PersonTag.objects.filter(tag="elderly").count() / people
    floating = Person.objects.filter(residence="floating").count() / people
    assert 0.14 <= elderly <= 0.24, elderly
    assert 0.03 <= floating <= 0.08, floating
    assert PersonTag.objects.filter(tag="party").exists() and PersonTag.objects.filter(tag="dibao").exists()
    for p in Person.objects.select_related("building")[:200]:
        assert p.area_code == p.building.area_code and "*" in p.id_masked
    records = SpecialGroupRecord.objects.all()
    assert records.exists()
    assert all(r.payload_enc.startswith("g1:") and "correction" not in r.payload_enc for r in records)
    assert Component.objects.count() > 100
    assert all(len(c) == 16 and c.isdigit() for c in Component.objects.values_list("code", flat=True))
    assert Organisation.objects.filter(kind="party").exists()
    # the ID numbers decrypt to valid GB 11643 numbers
    from civicgrid.core import crypto
    from civicgrid.registry.people import ID_CONTEXT

    for p in Person.objects.all()[:50]:
        parse_id_number(crypto.decrypt(p.id_enc, context=ID_CONTEXT))
