"""Every scoped model of the platform is checked by a jurisdiction matrix.

A scoped model is a model of the ``civicgrid`` apps with an ``area_code`` field, or the area itself
(``tests/support/matrix.py: scoped_models``). A matrix test names the models it checks with
``@covers(…)`` and fails unless one of its checks answered positively for each (so a claim is an
endpoint, page or export whose rows are that model, really asked for). A new scoped model makes the
test below fail until a matrix covers it, or it is listed in ``NOT_EXPOSED`` with the reason no page,
API or export shows it."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from civicgrid.areas.models import Area

from .support import matrix
from .support.matrix import Matrix, covers

TESTS = Path(__file__).resolve().parent
MATRICES = {"tests.test_jurisdiction_matrix", "tests.registry.test_registry_matrix", "tests.cases.test_cases_matrix",
            "tests.health.test_health_matrix",
            "tests.cases.test_pages_matrix", "tests.circle.test_circle_matrix"}

# Scoped models that no page, API endpoint or export shows, each with the reason (reviewed here).
# Empty today: every scoped model is exposed somewhere and checked by a matrix.
NOT_EXPOSED: dict[type, str] = {}


def _matrix_modules() -> list[str]:
    return [".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
            for path in sorted(TESTS.rglob("test_*_matrix.py"))]


def _coverage() -> dict[type, set[str]]:
    for name in _matrix_modules():
        importlib.import_module(name)
    return matrix.COVERAGE


def test_every_scoped_model_is_checked_by_a_matrix():
    coverage = _coverage()
    scoped = matrix.scoped_models()
    labels = {m._meta.label for m in scoped}
    assert {"areas.Area", "accounts.Membership", "core.AuditLog", "registry.Person", "cases.CaseEvent",
            "circle.ProviderEvent"} <= labels
    missing = sorted(m._meta.label for m in scoped if m not in coverage and m not in NOT_EXPOSED)
    assert not missing, ("scoped models no jurisdiction matrix checks — add them to a matrix with @covers "
                         f"(or to NOT_EXPOSED with the reason): {missing}")


def test_the_matrices_are_found_and_cover_scoped_models_only():
    modules = _matrix_modules()
    assert MATRICES <= set(modules), modules
    coverage = _coverage()
    claimed = {name.rsplit(".", 1)[0] for names in coverage.values() for name in names}
    assert set(modules) <= claimed, f"matrix modules without @covers: {sorted(set(modules) - claimed)}"
    scoped = set(matrix.scoped_models())
    assert not [m for m in coverage if m not in scoped], "@covers names a model that is not scoped"


def test_models_not_exposed_are_explained_and_not_also_covered():
    scoped, coverage = set(matrix.scoped_models()), _coverage()
    for model, why in NOT_EXPOSED.items():
        assert model in scoped, f"{model._meta.label} is not a scoped model"
        assert model not in coverage, f"{model._meta.label} is covered by {sorted(coverage[model])}: remove it here"
        assert len(why.split()) >= 5, f"{model._meta.label}: say why nothing shows it"


# --- the helper itself: claims are checked, leaks and refused-but-changed writes fail -------------------
@pytest.fixture
def results():
    """The self-tests below must not count in the printed matrix total."""
    kept = len(matrix.MATRIX_RESULTS)
    yield
    del matrix.MATRIX_RESULTS[kept:]


def test_a_claim_needs_a_positive_check(results):
    registry: dict = {}

    @covers(Area, registry=registry)
    def never_checks():
        Matrix().done()

    @covers(Area, registry=registry)
    def only_refusals():
        m = Matrix()
        m.listing(Area, "nothing shown", set(), {"330106"})
        m.done()

    @covers(Area, registry=registry)
    def shows_an_own_row():
        m = Matrix()
        m.listing(Area, "own row shown", {"330106"}, {"330106"})
        m.done()

    @covers(Area, registry=registry)
    def forgets_done():
        Matrix().listing(Area, "own row shown", {"330106"}, {"330106"})

    for test in (never_checks, only_refusals):
        with pytest.raises(AssertionError, match="claims to cover"):
            test()
    with pytest.raises(AssertionError, match="done"):
        forgets_done()
    shows_an_own_row()
    assert set(registry) == {Area} and len(registry[Area]) == 4


def test_leaks_and_wrong_answers_fail(results):
    answers = iter([200, 404, 403, 200])
    client = SimpleNamespace(get=lambda url: SimpleNamespace(status_code=next(answers)))
    m = Matrix()
    m.object(client, Area, "foreign object shown", "/x", allowed=False)  # 200: a leak
    m.object(client, Area, "own object refused", "/x", allowed=True)  # 404: not a leak, still wrong
    m.object(client, Area, "no capability", "/x", allowed=False, refused=(403, 404))  # fine
    m.object(client, Area, "sibling", "/x", allowed=False, refused=(403,))  # 200 again: a leak
    m.listing(Area, "list", {"330106001", "330108"}, {"330106001"} | {"330106"})  # 330108: a leak
    m.listing(Area, "prefix", {"330106001"}, lambda code: code.startswith("330106"))  # fine
    state = {"v": 1}
    with m.write(Area, "refused write", lambda: state["v"], allowed=False):
        state["v"] = 2  # changed although refused: a leak
    with m.write(Area, "allowed write", lambda: state["v"], allowed=True):
        pass  # nothing changed: wrong
    with m.write(Area, "refused, answered 200", lambda: state["v"], allowed=False) as write:
        write.leak_if(True, "answered 200")
    leaks = [case for case, leaked in matrix.MATRIX_RESULTS[-9:] if leaked]
    assert leaks == ["foreign object shown", "sibling", "list", "refused write", "refused, answered 200"]
    assert [f.split(":")[0] for f in m.failures] == ["foreign object shown", "own object refused", "sibling", "list",
                                                     "refused write", "allowed write", "refused, answered 200"]
    with pytest.raises(AssertionError, match="7 matrix failures"):
        m.done()
