"""Shared fixtures: a small two-district tree whose polygons tile exactly, and one user per level.

Healthchecks-style cast: a worker in grid A, a worker in grid B of the same
community, a street administrator, and people of other streets and districts
who must see nothing of each other.
"""

from __future__ import annotations

import logging

import pytest

from civicgrid.accounts import actions as account_actions
from civicgrid.accounts.models import OrgUnit
from civicgrid.accounts.roles import Role
from civicgrid.areas.actions import do_import_areas
from civicgrid.areas.models import Area
from civicgrid.core.scoping import SYSTEM

PASSWORD = "x-test-password-1"
# Two districts side by side; each splits into 2 streets, 2 communities each, 2 grids each.
DISTRICTS = {"330106": (120.00, 30.20), "330108": (120.08, 30.20)}
SIZE = 0.08  # degrees: each district is SIZE × SIZE/2


def rect(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def tree_features() -> list[dict]:
    feats = []
    for d_code, (x0, y0) in DISTRICTS.items():
        x1, y1 = x0 + SIZE, y0 + SIZE / 2
        feats.append(feature(d_code, f"区{d_code}", rect(x0, y0, x1, y1)))
        for s in range(2):  # streets: west/east halves
            sx0, sx1 = x0 + s * SIZE / 2, x0 + (s + 1) * SIZE / 2
            s_code = f"{d_code}{s + 1:03d}"
            feats.append(feature(s_code, f"街道{s_code}", rect(sx0, y0, sx1, y1)))
            for c in range(2):  # communities: south/north halves
                cy0, cy1 = y0 + c * SIZE / 4, y0 + (c + 1) * SIZE / 4
                c_code = f"{s_code}{c + 1:03d}"
                feats.append(feature(c_code, f"社区{c_code}", rect(sx0, cy0, sx1, cy1)))
                for g in range(2):  # grids: west/east halves of the community
                    gx0, gx1 = sx0 + g * SIZE / 4, sx0 + (g + 1) * SIZE / 4
                    g_code = f"{c_code}{g + 1:03d}"
                    feats.append(feature(g_code, f"网格{g_code}", rect(gx0, cy0, gx1, cy1)))
    return feats


def feature(code: str, name: str, geometry: dict, **props) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name, **props}, "geometry": geometry}


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


@pytest.fixture(autouse=True)
def _seeded_catalogues(request):
    """The case catalogue (classes, step limits, score rules, grade bands) that the migrations seed:
    a test that runs after a transactional test finds the database flushed, so it is seeded again
    here, for every test that uses the database (a no-op when the rows are there)."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames))
    if uses_db:
        request.getfixturevalue("_django_db_helper")
        from civicgrid.cases.catalogue import ensure_catalogue
        from civicgrid.counter import seed as counter_seed
        from civicgrid.health.catalogue import ensure_catalogue as ensure_health_catalogue

        ensure_catalogue()
        ensure_health_catalogue()
        counter_seed.ensure()


@pytest.fixture
def tree(db):
    report = do_import_areas(collection(tree_features()), actor=SYSTEM)
    assert report.committed, report
    return {a.code: a for a in Area.objects.all()}


UNIT_KIND = {
    "district": OrgUnit.Kind.CENTRE,
    "street": OrgUnit.Kind.STREET_OFFICE,
    "community": OrgUnit.Kind.COMMUNITY_COMMITTEE,
    "grid": OrgUnit.Kind.DEPARTMENT,  # a grid work station; any unit bound to the grid will do
}


@pytest.fixture
def units(tree):
    return {
        code: account_actions.do_create_unit(
            actor=SYSTEM, code=f"U{code}", name=f"单位{code}", kind=UNIT_KIND[area.level], area=area
        )
        for code, area in tree.items()
    }


def make_user(username: str, role: str, area: Area | None = None, unit: OrgUnit | None = None):
    user = account_actions.do_create_user(actor=SYSTEM, username=username, password=PASSWORD)
    if role:
        account_actions.do_grant_membership(actor=SYSTEM, user=user, role=role, area=area, unit=unit)
    return user


@pytest.fixture
def people(tree):
    """One user per level in district 330106, street 001, community 001, grid 001 (and grid 002)."""
    return {
        "district": make_user("d_admin", Role.DISTRICT_ADMIN, tree["330106"]),
        "street": make_user("s_admin", Role.STREET_ADMIN, tree["330106001"]),
        "community": make_user("c_worker", Role.COMMUNITY_WORKER, tree["330106001001"]),
        "grid": make_user("g_worker", Role.GRID_WORKER, tree["330106001001001"]),
        "grid_b": make_user("g_worker_b", Role.GRID_WORKER, tree["330106001001002"]),
    }


@pytest.fixture
def cast(people, units):
    """The jurisdiction matrices' cast (``tests/support/matrix.py``): a post of each level of
    district 330106 — district, street, community, grid — and a hotline seat of its centre's unit."""
    users = {level: people[level] for level in ("district", "street", "community", "grid")}
    users["seat"] = make_user("seat_1", Role.ACCEPTANCE_SEAT, unit=units["330106"])
    return users


@pytest.fixture
def colleagues(tree, units):
    """A colleague of each post of the cast in its sibling area (``matrix.SIBLING``), with the same role."""
    from .support.matrix import SIBLING

    roles = {"district": Role.DISTRICT_ADMIN, "street": Role.STREET_ADMIN, "community": Role.COMMUNITY_WORKER,
             "grid": Role.GRID_WORKER}
    users = {level: make_user(f"colleague_{level}", role, tree[SIBLING[level]]) for level, role in roles.items()}
    users["seat"] = make_user("colleague_seat", Role.ACCEPTANCE_SEAT, unit=units[SIBLING["seat"]])
    return users


@pytest.fixture
def client_for(client):
    """A logged-in test client for a user (a fresh client each call)."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


class _PersonalDataInLogs(logging.Handler):
    """Every log record of the test run (at the level the platform logs, WARNING), scanned for
    valid resident ID numbers and full mobile numbers (issue 13, acceptance 4)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = 0
        self.found: list[str] = []

    def emit(self, record):
        self.records += 1
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001
            return
        if valid_id_numbers(text) or full_phones(text):
            self.found.append(text[:300])


def valid_id_numbers(text: str) -> list[str]:
    """18-character runs (not inside a longer run of digits) that are valid resident ID numbers."""
    import re

    from civicgrid.core.idnumber import InvalidIdentifier, parse_id_number

    found = []
    for candidate in re.findall(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])", text):
        try:
            parse_id_number(candidate)
        except InvalidIdentifier:
            continue
        found.append(candidate)
    return found


def full_phones(text: str) -> list[str]:
    import re

    return re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)


LOG_SCAN = _PersonalDataInLogs()


def pytest_sessionstart(session):
    from civicgrid.core.logging import RedactFilter

    LOG_SCAN.addFilter(RedactFilter())  # what the platform's handlers do before writing
    logging.getLogger().addHandler(LOG_SCAN)


def pytest_sessionfinish(session, exitstatus):
    if LOG_SCAN.found and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    from .support.matrix import MATRIX_RESULTS

    terminalreporter.write_line(f"log scan: {LOG_SCAN.records} records, {len(LOG_SCAN.found)} with an ID number "
                                f"or a phone")
    for line in LOG_SCAN.found[:20]:
        terminalreporter.write_line(f"  personal data in a log: {line}")
    if MATRIX_RESULTS:
        leaks = sum(1 for _, leaked in MATRIX_RESULTS if leaked)
        terminalreporter.write_line(f"jurisdiction matrix: {len(MATRIX_RESULTS)} cases, {leaks} leaks")


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, with signed-cookie sessions fixed when it starts.

    The server builds its middleware once, at start, so the session engine in force then holds
    for every later test that uses it. Browser pages send parallel requests that each save the
    session; with database sessions SQLite's in-memory test database (shared cache) answers
    "table is locked" / "cannot start a transaction within a transaction". Cookie sessions write
    nothing to the database."""
    import os

    from django.conf import settings as django_settings
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    previous = django_settings.SESSION_ENGINE
    django_settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    try:
        server = LiveServer(addr)
    finally:
        django_settings.SESSION_ENGINE = previous
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate limits and login failures per address are counted in a process-wide cache: each test
    starts with none (every test client calls from 127.0.0.1). The default cache too: a rolled-back
    test leaves row ids to be used again, and caches keyed by them (the evaluation's) must not
    carry one test's figures into the next."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    caches["default"].clear()
    caches["shared"].clear()  # the evaluation pages' answers live there (web and jobs share it)
    yield
