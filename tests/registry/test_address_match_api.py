"""Address matching (门牌地址匹配) through the API and the page: the right building first for a
messy address, never a building outside the caller's jurisdiction, hotline seats included,
capability refusals, clear errors, the per-process matcher cache."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions, queries

from ..conftest import make_user

GRID_A, GRID_B, OTHER_DISTRICT = "330106001001001", "330106001001002", "330108001001001"
URL = "/api/registry/address-match"
PAGE = "/registry/address-match/"

ADDRESSES = {
    GRID_A: ["文三街6号枫丹新村1幢", "文三街6号枫丹新村2幢", "文三街6号枫丹新村3幢", "学院路14号嘉绿苑3幢"],
    GRID_B: ["学院路16号嘉绿苑2期3幢", "学院路16号嘉绿苑2期4幢", "华星2街240号春江家园20期6幢"],
    OTHER_DISTRICT: ["文三街8号枫丹新村1幢"],
}


def _centre(code: str) -> tuple[float, float]:
    from civicgrid.areas.models import Area

    area = Area.objects.get(code=code)
    return (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2


@pytest.fixture
def buildings(tree) -> dict[str, object]:
    """Buildings by address, a few metres apart around the centre of their grid."""
    made = {}
    for code, addresses in ADDRESSES.items():
        lon, lat = _centre(code)
        for i, address in enumerate(addresses):
            made[address] = actions.do_create_building(actor=SYSTEM, address=address, lon=lon + i * 1e-4, lat=lat)
            assert made[address].area_code == code
    return made


@pytest.fixture
def seat(units):
    return make_user("seat_m", Role.ACCEPTANCE_SEAT, unit=units["330106"])


def _match(client, q, **params):
    return client.get(URL, {"q": q, **params})


def test_messy_address_finds_the_building_first(people, buildings, client_for):
    client = client_for(people["grid"])
    response = _match(client, "浙江省杭州市西湖区 文三街六號 楓丹新村一棟 2单元301室")
    assert response.status_code == 200
    rows = response.json()
    target = buildings["文三街6号枫丹新村1幢"]
    assert rows[0]["id"] == target.pk
    assert rows[0]["score"] >= 0.9 and rows[0]["score"] > rows[1]["score"]
    assert rows[0] == {
        "id": target.pk, "address": "文三街6号枫丹新村1幢", "score": rows[0]["score"], "lon": target.lon,
        "lat": target.lat, "area_code": GRID_A, "grid_name": f"网格{GRID_A}",
    }
    # A mistyped compound (homophone of an input method) still finds it.
    assert _match(client, "文三街6号丰丹新村1栋").json()[0]["id"] == target.pk
    assert len(_match(client, "文三街6号枫丹新村", limit=2).json()) == 2


def test_a_grid_worker_never_gets_a_building_of_another_grid(people, buildings, client_for):
    client = client_for(people["grid"])
    for address in ADDRESSES[GRID_B] + ADDRESSES[OTHER_DISTRICT]:
        response = _match(client, address, limit=20)
        assert response.status_code == 200
        rows = response.json()
        assert buildings[address].pk not in {r["id"] for r in rows}
        assert all(r["area_code"] == GRID_A for r in rows), rows
        page = client_for(people["grid"]).get(PAGE, {"q": address})
        assert page.status_code == 200
        assert all(r["area_code"] == GRID_A for r in page.context["results"])
    # Grid B's worker, asking the same, gets it first: the matcher is per jurisdiction.
    other = client_for(people["grid_b"])
    assert _match(other, "学院路16号嘉绿苑2期3幢").json()[0]["id"] == buildings["学院路16号嘉绿苑2期3幢"].pk
    # The street administrator sees both grids, not the other district.
    rows = _match(client_for(people["street"]), "文三街8号枫丹新村1幢", limit=20).json()
    assert {r["area_code"] for r in rows} <= {GRID_A, GRID_B}


def test_a_hotline_seat_matches_addresses_of_its_district(seat, buildings, client_for):
    client = client_for(seat)
    target = buildings["学院路16号嘉绿苑2期3幢"]
    rows = _match(client, "西湖区学院路十六号嘉绿苑二期三幢").json()
    assert rows[0]["id"] == target.pk and rows[0]["area_code"] == GRID_B
    # The centre of district 330106 does not see district 330108.
    rows = _match(client, "文三街8号枫丹新村1幢", limit=20).json()
    assert buildings["文三街8号枫丹新村1幢"].pk not in {r["id"] for r in rows}
    assert all(r["area_code"].startswith("330106") for r in rows)
    assert client.get(PAGE, {"q": "学院路16号嘉绿苑2期3幢"}).status_code == 200


def test_dispatchers_and_shift_leaders_may_match_too(units, buildings, client_for):
    for n, role in enumerate((Role.DISPATCHER, Role.SHIFT_LEADER)):
        user = make_user(f"centre_{n}", role, unit=units["330106"])
        rows = _match(client_for(user), "文三街6号枫丹新村2幢").json()
        assert rows[0]["id"] == buildings["文三街6号枫丹新村2幢"].pk


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DEPT_HANDLER, Role.RESIDENT])
def test_without_the_capability_the_answer_is_403(role, tree, units, buildings, client_for):
    if role == Role.DEPT_HANDLER:
        user = make_user("nocap", role, unit=units["330106001"])
    else:
        user = make_user("nocap", role, area=tree[GRID_A if role == Role.RESIDENT else "330106001001"])
    client = client_for(user)
    response = _match(client, "文三街6号枫丹新村1幢")
    assert response.status_code == 403
    assert "文三街" not in response.content.decode()
    assert client.get(PAGE, {"q": "文三街6号枫丹新村1幢"}).status_code == 403
    assert AuditLog.objects.filter(actor=user, action="access.denied", outcome="denied").count() == 2
    # Not offered in the navigation either.
    assert PAGE not in client.get("/").content.decode()


def test_anonymous_callers_are_refused(buildings, client):
    assert client.get(URL, {"q": "文三街6号枫丹新村1幢"}).status_code == 401
    assert client.get(PAGE).status_code == 302


@pytest.mark.parametrize(("params", "field"), [
    ({}, "q"),
    ({"q": ""}, "q"),
    ({"q": " 文 "}, "q"),
    ({"q": "文" * 201}, "q"),
    ({"q": "文三街6号", "limit": 0}, "limit"),
    ({"q": "文三街6号", "limit": 21}, "limit"),
])
def test_bad_input_is_a_clear_error_naming_the_field(params, field, people, buildings, client_for):
    client = client_for(people["grid"])
    response = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert body["detail"].startswith(f"{field}: ")
    assert ("2 to 200 characters" if field == "q" else "1 to 20 candidates") in body["detail"]


def test_a_limit_that_is_not_a_number_is_refused_naming_it(people, client_for):
    response = client_for(people["grid"]).get(URL, {"q": "文三街6号", "limit": "many"})
    assert response.status_code == 422 and "limit" in str(response.json())


def test_nothing_plausible_is_an_empty_list(people, buildings, client_for):
    assert _match(client_for(people["grid"]), "完全无关的地方").json() == []


def test_the_page_lists_candidates_with_grid_position_link_and_map(seat, people, buildings, client_for):
    client = client_for(seat)
    page = client.get(PAGE)
    assert page.status_code == 200 and page.context["results"] is None
    html = page.content.decode()
    assert 'name="q"' in html and 'type="search"' in html and "leaflet.js" not in html
    assert f'href="{PAGE}"' in html  # the navigation entry

    target = buildings["文三街6号枫丹新村1幢"]
    page = client.get(PAGE, {"q": "文三街六号枫丹新村一栋"})
    html = page.content.decode()
    assert page.context["results"][0]["id"] == target.pk
    assert f'href="/registry/buildings/{target.pk}/"' in html
    assert f"网格{GRID_A}" in html and GRID_A in html
    assert f"{target.lon:.6f}, {target.lat:.6f}" in html
    assert 'id="map"' in html and 'id="candidates-data"' in html
    assert "/static/leaflet/leaflet.js" in html and "CivicGridMap.candidates" in html
    assert "://" not in html.split('id="candidates-data"')[0].split("<main")[1]  # no CDN, no tiles

    bad = client.get(PAGE, {"q": "文"})
    assert bad.status_code == 200 and bad.context["results"] is None
    assert "is-invalid" in bad.content.decode() and bad.context["form"].errors["q"]

    none = client.get(PAGE, {"q": "完全无关的地方"})
    assert none.context["results"] == [] and 'id="map"' not in none.content.decode()


def test_the_matcher_is_built_once_and_rebuilt_when_buildings_change(people, buildings, client_for):
    codes = (GRID_A,)
    first = queries.address_matcher(codes)
    assert queries.address_matcher(codes) is first
    assert len(first) == len(ADDRESSES[GRID_A])
    client = client_for(people["grid"])
    assert "文三街6号枫丹新村9幢" not in {r["address"] for r in _match(client, "文三街6号枫丹新村9幢").json()}
    lon, lat = _centre(GRID_A)
    added = actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村9幢", lon=lon, lat=lat + 1e-4)
    assert queries.address_matcher(codes) is not first
    assert _match(client, "文三街6号枫丹新村9幢").json()[0]["id"] == added.pk
    # A jurisdiction holding every building shares the one matcher over all of them.
    assert queries.address_matcher(("330106", "330108")) is queries.address_matcher(None)
