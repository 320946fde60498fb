"""Filing a case from another program: a bearer token, no session, no CSRF token (as the intake
benchmark and any client outside the browser sends it)."""

from __future__ import annotations

import json

from django.test import Client

from civicgrid.accounts.actions import do_issue_token
from civicgrid.cases.models import Case
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, centre_of


def test_bearer_token_post_is_not_refused_for_a_missing_csrf_token(org, garbage):
    _, key = do_issue_token(actor=SYSTEM, user=org["people"]["seat"], name="bench")
    lon, lat = centre_of(org["tree"][GRID])
    body = {"channel": "hotline", "cls": "E0101", "title": "垃圾", "description": "门口垃圾", "lon": lon, "lat": lat,
            "reporter_phone": "13800001234"}
    client = Client(enforce_csrf_checks=True)
    r = client.post("/api/cases/", data=json.dumps(body), content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY="k1")
    assert r.status_code == 201, r.content
    assert Case.objects.get().intake_by == org["people"]["seat"]


def test_session_post_without_csrf_token_is_still_refused(org, garbage):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["people"]["seat"])
    lon, lat = centre_of(org["tree"][GRID])
    r = client.post("/api/cases/", data=json.dumps({"channel": "hotline", "cls": "E0101", "title": "t",
                                                    "description": "d", "lon": lon, "lat": lat,
                                                    "reporter_phone": "13800001234"}),
                    content_type="application/json")
    assert r.status_code == 403
    assert Case.objects.count() == 0
