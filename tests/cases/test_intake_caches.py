"""The per-process caches on the filing path: bearer tokens (with their user and memberships) and
the active event classes. Off in the rest of the suite (settings: 0 under pytest); here they are on,
and changes must take effect within the stated delay, or at once when made in this process."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicgrid.accounts import queries as account_queries
from civicgrid.accounts.actions import do_issue_token, do_revoke_token
from civicgrid.accounts.models import ApiToken, Membership
from civicgrid.cases import catalogue
from civicgrid.cases.capabilities import CASES_INTAKE
from civicgrid.cases.catalogue import active_class, bump_classes_version
from civicgrid.cases.models import Case, CaseClass
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, centre_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_cache(settings):
    settings.CIVICGRID_TOKEN_CACHE_SECONDS = 60.0
    account_queries.forget_tokens()
    yield
    account_queries.forget_tokens()


@pytest.fixture
def class_cache(settings):
    settings.CIVICGRID_CATALOGUE_RECHECK_SECONDS = 60.0
    catalogue.forget_classes()
    yield
    catalogue.forget_classes()


def _file(client, key, org, n):
    lon, lat = centre_of(org["tree"][GRID])
    body = {"channel": "hotline", "cls": "E0101", "title": "垃圾", "description": "门口垃圾", "lon": lon, "lat": lat,
            "reporter_phone": "13800001234"}
    return client.post("/api/cases/", data=json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=f"k{n}")


def test_cached_token_is_read_once_and_revocation_in_this_process_applies_at_once(
        org, garbage, token_cache, class_cache):
    token, key = do_issue_token(actor=SYSTEM, user=org["people"]["seat"], name="hotline")
    client = Client()
    assert _file(client, key, org, 1).status_code == 201
    with CaptureQueriesContext(connection) as q:
        assert _file(client, key, org, 2).status_code == 201
    sql = " ".join(x["sql"] for x in q.captured_queries)
    assert "accounts_apitoken" not in sql and "accounts_membership" not in sql and "cases_caseclass" not in sql
    assert Case.objects.filter(intake_by=org["people"]["seat"]).count() == 2
    do_revoke_token(token, actor=SYSTEM)
    assert _file(client, key, org, 3).status_code == 401


def test_changes_from_another_process_apply_after_the_delay(org, garbage, token_cache, settings):
    seat = org["people"]["seat"]
    token, key = do_issue_token(actor=SYSTEM, user=seat, name="hotline")
    client = Client()
    assert _file(client, key, org, 1).status_code == 201
    # Another process revokes the token and ends the membership (no action of this process runs).
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    Membership.objects.filter(user=seat).update(active=False)
    assert _file(client, key, org, 2).status_code == 201  # within the delay: still the cached token
    settings.CIVICGRID_TOKEN_CACHE_SECONDS = 0.0001  # the delay has passed
    assert _file(client, key, org, 3).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(revoked=False)
    assert _file(client, key, org, 4).status_code == 403  # no membership any more: no intake


def test_requests_get_their_own_user_object(org, token_cache):
    _, key = do_issue_token(actor=SYSTEM, user=org["people"]["seat"], name="hotline")
    first, _ = account_queries.user_for_token(key)
    second, _ = account_queries.user_for_token(key)
    assert first is not second and first == second
    first.forget_memberships()
    assert "_cg_memberships" in second.__dict__ and second.has_capability(CASES_INTAKE)


def test_expired_token_is_refused_from_the_cache(org, token_cache):
    import datetime as dt

    from django.utils import timezone

    token, key = do_issue_token(actor=SYSTEM, user=org["people"]["seat"], name="hotline")
    assert account_queries.user_for_token(key) is not None
    cached = account_queries._token_cache[ApiToken.hash(key)][1]
    cached.expires_at = timezone.now() - dt.timedelta(seconds=1)
    assert account_queries.user_for_token(key) is None


def test_class_cache_follows_saves_and_the_counter(garbage, class_cache, settings):
    assert active_class("E0101").pk == garbage.pk
    with CaptureQueriesContext(connection) as q:
        assert active_class("E0101").name == garbage.name
    assert len(q.captured_queries) == 0
    garbage.active = False
    garbage.save()  # a save in this process (the admin): at once
    assert active_class("E0101") is None
    garbage.active = True
    garbage.save()
    assert active_class("E0101") is not None
    # Another process's change: seen after the delay, through the counter.
    CaseClass.objects.filter(code="E0101").update(name="renamed")
    assert active_class("E0101").name == garbage.name
    settings.CIVICGRID_CATALOGUE_RECHECK_SECONDS = 0.0001
    assert active_class("E0101").name == garbage.name  # the counter did not move: update() bypasses it
    bump_classes_version()
    assert active_class("E0101").name == "renamed"
    assert active_class("E9999") is None


def test_cached_class_is_a_copy(garbage, class_cache):
    one = active_class("E0101")
    one.name = "changed by a caller"
    assert active_class("E0101").name == garbage.name
