"""Issue 13, findings 6 and 7: NUL characters and paging values that used to answer 500 (NUL only on
PostgreSQL, which cannot store it; paging on both databases) are refused with a message naming the
parameter, and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.areas.models import Area
from civicgrid.cases.models import Case
from civicgrid.registry.models import Person

GRID = "330106001001001"


def _centre(code):
    area = Area.objects.get(code=code)
    return (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_nul_in_anonymous_and_staff_filings_and_in_a_person_is_refused(tree, people, client_for, client):
    lon, lat = _centre(GRID)
    r = _post(client, "/api/public/cases", {"cls": "E0101", "title": "垃圾", "description": "a\u0000b",
                                            "lon": lon, "lat": lat})
    assert r.status_code == 400 and r.json()["field"] == "body"
    worker = client_for(people["grid"])
    r = _post(worker, "/api/cases/", {"channel": "patrol", "cls": "E0101", "title": "垃\u0000圾",
                                      "description": "一堆", "lon": lon, "lat": lat})
    assert r.status_code == 400
    r = _post(worker, "/api/registry/people", {"name": "张\u0000三", "grid": GRID, "id_type": "other",
                                               "id_number": "X1"})
    assert r.status_code == 400
    assert Case.objects.count() == 0 and Person.objects.count() == 0


@pytest.mark.parametrize("path", ["/api/registry/people", "/api/cases/", "/registry/people/", "/cases/"])
def test_nul_in_a_search_is_refused_naming_the_parameter(tree, people, client_for, path):
    r = client_for(people["district"]).get(f"{path}?q=%00")
    assert r.status_code == 400
    if path.startswith("/api/"):
        assert r.json()["field"] == "q"


def test_nul_in_an_area_name_of_an_import_is_refused(tree, people, client_for):
    from tests.conftest import collection, feature, rect

    geojson = collection([feature("330106001001001", "网格\u0000一", rect(120.0, 30.2, 120.02, 30.22))])
    r = _post(client_for(people["district"]), "/api/areas/import",
              {"geojson": geojson, "dry_run": False, "allow_violations": True})
    assert r.status_code == 400
    assert not any("\x00" in name for name in Area.objects.values_list("name", flat=True))


def test_deeply_nested_brackets_in_an_area_import_are_refused_not_a_500(tree, people, client_for):
    client = client_for(people["district"])
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post("/api/areas/import", data='{"geojson": ' + deep + "}", content_type="application/json")
    assert r.status_code == 400
    page = client.post("/areas/import/", {"file": SimpleUploadedFile("deep.geojson", deep.encode())})
    assert page.status_code == 200 and "GeoJSON" in page.content.decode()


@pytest.mark.parametrize("query", ["offset=-1", "limit=-1", "limit=0", "offset=9223372036854775808"])
@pytest.mark.parametrize("path", ["/api/areas/", "/api/units/", "/api/registry/households",
                                  "/api/registry/people", "/api/registry/buildings", "/api/cases/",
                                  "/api/circle/providers"])
def test_paging_out_of_range_answers_422_naming_it(tree, people, client_for, path, query):
    r = client_for(people["district"]).get(f"{path}?{query}")
    assert r.status_code == 422, (path, query, r.status_code)
    assert r.json()["field"] == query.split("=")[0]
