"""The map's GeoJSON built as text (boundaries passed through unparsed) is the same collection as the
one built from the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from civicgrid.areas import exports
from civicgrid.areas.models import Area

pytestmark = pytest.mark.django_db


def test_text_collection_equals_the_model_collection(tree):
    Area.objects.filter(code="330106001001002").update(boundary=None)  # a grid without a boundary yet
    Area.objects.filter(code="330106001001001").update(responsible_name="王“小”明", responsible_phone="13800000000")
    for qs in (Area.objects.all(), Area.objects.filter(level="grid"), Area.objects.none()):
        assert json.loads(exports.feature_collection_json(qs)) == exports.feature_collection(qs)


def test_the_api_answers_the_same_for_a_street_user(tree, client_for):
    from civicgrid.accounts.roles import Role

    from ..conftest import make_user

    user = make_user("jd-geo", Role.STREET_ADMIN, tree["330106001"])
    got = client_for(user).get("/api/areas/geojson?level=grid")
    assert got.status_code == 200 and got["Content-Type"] == "application/json"
    codes = sorted(f["properties"]["code"] for f in got.json()["features"])
    assert codes == sorted(Area.objects.filter(level="grid", code__startswith="330106001").values_list("code", flat=True))
