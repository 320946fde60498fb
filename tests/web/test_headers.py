"""Headers (issue 13, finding 10): a Content-Security-Policy on every response, inline scripts
only with the request's nonce and no inline event handlers; ``Cache-Control: no-store`` on every
response that carries revealed data (and on every staff and API answer)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from civicgrid.core.idnumber import make_id_number
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "civicgrid"
ID = make_id_number("330106", dt.date(1958, 3, 18), 1, "M")


@pytest.fixture
def person(tree):
    building = actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=120.005, lat=30.205)
    return actions.do_register_person(actor=SYSTEM, building=building, name="王建国", id_number=ID,
                                      phone="13252958400")


def _csp(response) -> str:
    return response.get("Content-Security-Policy", "")


@pytest.mark.parametrize("path", ["/login/", "/public/report/", "/public/track/", "/api/openapi.json",
                                  "/api/registry/people", "/no-such-page/", "/healthz"])
def test_every_response_has_a_content_security_policy(client, tree, path):
    response = client.get(path)
    policy = _csp(response)
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_inline_scripts_carry_the_nonce_of_the_response(people, client_for, person):
    client = client_for(people["district"])
    for path in ("/", "/areas/map/", "/cases/", f"/areas/{'330106'}/", "/registry/address-match/?q=文三街",
                 "/circle/", f"/registry/people/{person.pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", _csp(response))
        inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        inline = [attrs for attrs in inline if "application/json" not in attrs]
        for attrs in inline:
            assert nonce and f'nonce="{nonce.group(1)}"' in attrs, (path, attrs)


def test_no_template_has_an_inline_event_handler():
    offenders = [str(p) for p in TEMPLATES.rglob("*.html")
                 if re.search(r"\son[a-z]+\s*=", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_person_page_after_a_reveal_is_not_stored(people, client_for, person):
    client = client_for(people["grid"])
    page = client.post(f"/registry/people/{person.pk}/", {"reveal-reason": "入户核实"})
    assert ID in page.content.decode()
    assert page["Cache-Control"] == "no-store"


def test_reveal_api_and_revealed_export_are_not_stored(people, client_for, person):
    client = client_for(people["grid"])
    reveal = client.post(f"/api/registry/people/{person.pk}/reveal", {"reason": "入户核实"},
                         content_type="application/json")
    assert reveal.json()["id_number"] == ID and reveal["Cache-Control"] == "no-store"
    export = client_for(people["district"]).post("/api/registry/export/people.xlsx", {"reason": "核对"},
                                                 content_type="application/json")
    assert export.status_code == 200 and export["Cache-Control"] == "no-store"
    page = client_for(people["district"]).post("/registry/people/export.xlsx", {"export-reason": "核对"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"


def test_every_signed_in_page_and_api_answer_is_not_stored(people, client_for, person):
    client = client_for(people["grid"])
    for path in ("/", "/registry/people/", f"/registry/people/{person.pk}/", "/api/registry/people"):
        assert client.get(path)["Cache-Control"] == "no-store", path


def test_public_pages_keep_their_own_caching(client, tree):
    assert "max-age=300" in client.get("/public/grids.geojson")["Cache-Control"]
