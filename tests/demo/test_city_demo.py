"""``civicgrid demo --districts N`` (issue 15): a city of N districts, each filled like the one
district, people and cases shared out, one city administrator who sees them all."""

import pytest
from django.core.management import call_command

from civicgrid.accounts.models import Membership, User
from civicgrid.accounts.roles import Role
from civicgrid.areas.models import Area
from civicgrid.areas.validation import check_subtree
from civicgrid.cases.models import Case
from civicgrid.registry.models import Person
from civicgrid.registry.queries import visible_people


@pytest.mark.django_db
def test_a_demo_city_of_two_districts(capsys):
    call_command("demo", "--districts", "2", "--people", "3000", "--cases", "800")
    out = capsys.readouterr().out
    assert "shi_admin" in out and "qu_admin" in out
    city = Area.objects.get(code="330100")
    assert city.level == Area.Level.CITY
    assert sorted(city.children.values_list("code", flat=True)) == ["330105", "330106"]
    assert check_subtree("330100") == []  # the districts tile the city: shared edges, no gaps
    assert Area.objects.filter(level="grid").count() == 80
    # People and cases shared out; every ID number once; the city's totals are its districts'.
    assert Person.objects.count() == 3000
    assert Person.objects.filter(area_code__startswith="330105").count() == 1500
    assert Person.objects.values("id_index").distinct().count() == 3000
    assert city.population == 3000 == sum(a.population for a in city.children.all())
    # 400 cases each: 300 walked through the actions over 8 weeks (those reported later today than
    # now are left out), 100 copies of finished histories over the year before.
    for code in ("330105", "330106"):
        cases = Case.objects.filter(area_code__startswith=code)
        assert 250 < cases.exclude(number__contains="B").count() <= 300
        assert cases.filter(number__contains="B").count() == 100
    # Each district has its own staff; the city administrator sees both, a district's only its own.
    shi, qu = User.objects.get(username="shi_admin"), User.objects.get(username="qu_admin")
    assert Membership.objects.get(user=shi).role == Role.CITY_ADMIN
    assert User.objects.filter(username="qu_admin_330105").exists()
    assert visible_people(shi).count() == 3000 and visible_people(qu).count() == 1500
