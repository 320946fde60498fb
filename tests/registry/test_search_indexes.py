"""People search served by indexes (issue 15): the PostgreSQL bigram hint for 2-character terms
and the trigram/prefix indexes change how rows are found, never which."""

import datetime as dt
import random

import pytest
from django.db import connection

from civicgrid.core.idnumber import make_id_number
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions, queries
from civicgrid.registry.models import Person

from .test_people import building  # noqa: F401  (fixture)

SURNAMES = "王李张刘陈杨黄赵周吴"
GIVEN = "伟芳娜秀英敏静丽强磊军洋"


def _names(rng, n):
    out = set()
    while len(out) < n:
        size = rng.choice([1, 2, 2, 3])  # given names of 1–2 characters, a few compound ones
        out.add(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(size)))
    return sorted(out)


@pytest.mark.django_db
def test_search_finds_exactly_the_people_whose_name_or_address_holds_the_term(people, building):  # noqa: F811
    rng = random.Random(15)
    made = []
    for i, name in enumerate(_names(rng, 60)):
        p = actions.do_register_person(actor=SYSTEM, building=building, name=name,
                                       id_number=make_id_number("330106", dt.date(1960, 1, 1) + dt.timedelta(days=i),
                                                                 100 + i, "F"))
        if i % 3 == 0:  # some addresses of their own: a name's characters inside an address
            Person.objects.filter(pk=p.pk).update(address=f"文三街{i}号{rng.choice(GIVEN)}{rng.choice(GIVEN)}苑")
        made.append(p.pk)
    everyone = {p.pk: (p.name, p.address) for p in Person.objects.filter(pk__in=made)}
    qs = queries.visible_people(people["community"]).filter(pk__in=made)
    terms = {"伟", "枫丹", "新村", "文三街", "枫丹新村1幢"}
    for name, address in list(everyone.values())[:25]:
        terms |= {name[:2], name[-2:], name}
        if len(address) > 5:
            terms |= {address[3:5], address[-3:-1]}
    for term in sorted(terms):
        expected = {pk for pk, (name, address) in everyone.items() if term in name or term in address}
        found = set(queries.search_people(qs, term, user=people["community"]).values_list("pk", flat=True))
        assert found == expected, term


def test_two_character_terms_carry_the_bigram_condition_on_postgresql_only(people):
    qs = queries.search_people(Person.objects.all(), "张伟", user=people["community"])
    three = queries.search_people(Person.objects.all(), "张小伟", user=people["community"])
    sql = str(qs.query)
    assert ("civicgrid_bigrams" in sql) == (connection.vendor == "postgresql")
    assert "civicgrid_bigrams" not in str(three.query)
    assert "LIKE" in sql.upper() or "GLOB" in sql.upper()  # the exact condition stays beside the hint
