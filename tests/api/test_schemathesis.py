"""The API fuzzed against its own OpenAPI schema (issue 13, finding 11): schemathesis generates
requests for every operation from the schema, in process (the WSGI app), as a district
administrator and as a grid worker, and checks every answer: no server error, a documented status
code, the documented content type and headers, a body matching the documented schema, and invalid
input refused. Bounded and derandomised (the same examples every run), so the run is repeatable.

    make test PYTEST_ARGS="tests/api/test_schemathesis.py -s"   # prints the counts
"""

from __future__ import annotations

import importlib.util
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS as CHECKS_ALL
from schemathesis.specs.openapi import checks as _openapi_checks  # noqa: F401 - registers the OpenAPI checks

from civicgrid.accounts.actions import do_issue_token
from civicgrid.cases.catalogue import ensure_catalogue
from civicgrid.core.scoping import SYSTEM

EXAMPLES = 8  # per operation and role: ≈ 115 operations × 2 roles × 8 ≈ 1,850 requests, ≈ 1 minute
# All of schemathesis's checks (``--checks all``) but one: positive_data_acceptance expects every
# schema-valid request to succeed, while the platform refuses schema-valid input that breaks a domain
# rule the schema cannot state (an ID number's check digit, a building outside every grid, a
# boundary that overlaps its sibling) with a documented 400 naming the field.
CHECKS = [c for c in CHECKS_ALL.get_all() if c.__name__ != "positive_data_acceptance"]


# Findings 6 (NUL characters) and 7 (paging parameters) are fixed by the core kit's text and paging
# helpers (core.text, core.paging), built on another branch. Until they are here, a server error
# caused by exactly those inputs is counted apart ("pending") and does not fail the run; once the
# modules exist, nothing is excused.
CORE_KIT = all(importlib.util.find_spec(f"civicgrid.core.{m}") for m in ("text", "paging"))


def _pending_core_kit(case, response) -> str | None:
    if CORE_KIT or response.status_code < 500:
        return None
    query = dict(case.query or {})
    for name in ("limit", "offset"):
        value = query.get(name)
        if isinstance(value, int) and not 0 <= value < 2**63:
            return "paging (finding 7)"
    sent = repr(query) + repr(case.path_parameters) + repr(getattr(case, "body", ""))
    if "\\x00" in sent or "\x00" in sent:
        return "NUL (finding 6)"
    return None


@pytest.fixture(scope="module")
def schema():
    """The schema, read from the running app; requests keep the test's database connection (as
    Django's test client does: no closing of "old" connections around each request)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(schema, headers: dict) -> tuple[Counter, list[str]]:
    counts: Counter = Counter()
    problems: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1

        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            counts["requests"] += 1
            pending = _pending_core_kit(case, response)
            if pending:
                counts[f"pending {pending}"] += 1
                return
            if response.status_code >= 500:
                counts["server errors"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - a group of check failures
                counts["violations"] += 1
                problems.append(f"{case.operation.label} → {response.status_code} query={case.query!r:.200} "
                                f"path={case.path_parameters!r:.100} body={case.body!r:.200}: "
                                f"{str(exc).strip()[:300]}")

        run()
    return counts, problems


@pytest.mark.parametrize("role", ["district", "grid"])
def test_api_conforms_to_its_schema_with_no_server_error(schema, people, role, capsys):
    ensure_catalogue()
    _token, secret = do_issue_token(actor=SYSTEM, user=people[role], name="schemathesis")
    counts, problems = _fuzz(schema, {"Authorization": f"Bearer {secret}"})
    with capsys.disabled():
        print(f"\nschemathesis as {role}: {counts['operations']} operations, {counts['requests']} requests, "
              f"{counts['server errors']} server errors, {counts['violations']} schema violations"
              + "".join(f", {n} {k}" for k, n in counts.items() if k.startswith("pending")))
    assert counts["operations"] > 100 and counts["requests"] > counts["operations"]
    assert problems == [], "\n".join(p[:300] for p in problems[:40])
