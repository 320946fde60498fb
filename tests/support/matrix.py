"""The jurisdiction matrix: who may see and change what, asked of every scoped page, API and export.

Healthchecks/NetBox style. Each post of the cast (``cast`` fixture: a district administrator, a
street administrator, a community worker, a grid worker, and a hotline seat bound to the district
centre's unit) asks for an object of its OWN area, of a SIBLING area (where a colleague works,
``colleagues`` fixture) and of the PARENT area (the level above, outside its own), and:

- objects answer 200 for its own when its role allows it, 404 for anything not its own (missing
  and foreign alike), 403 or 404 for a role without the capability (``refused=``);
- lists, pages and exports never hold a code outside its area (the codes of the areas above it
  may appear: a prefix of one's own code discloses nothing);
- a refused write changes nothing, an allowed write changes the object.

Every case goes into ``MATRIX_RESULTS``, printed at the end of the run by ``tests/conftest.py``
("jurisdiction matrix: N cases, L leaks"). A matrix test names the scoped models it checks with
``@covers(Model, …)``: it fails if one of them was never answered positively (an own object or row
shown, an allowed write done), and ``tests/test_matrix_coverage.py`` fails when a scoped model of
the platform is covered by no matrix. A sketch::

    @covers(Facility)
    def test_facility_matrix(cast, tree, objects, client_for):
        m = Matrix()
        for level, user in cast.items():
            client, own = client_for(user), OWN[level]
            for relation, ids in targets(level, objects).items():  # own, sibling, parent
                m.object(client, Facility, f"api facility · {level} · {relation}",
                         f"/api/circle/facilities/{ids['facility']}", allowed=relation == "own")
                facility = Facility.objects.get(pk=ids["facility"])
                with m.write(Facility, f"write facility · {level} · {relation}", stored(facility, "name"),
                             allowed=relation == "own" and level in EDITORS):
                    client.patch(f"/api/circle/facilities/{facility.pk}", ...)
            m.collection(client, Facility, f"api facilities · {level}", "/api/circle/facilities",
                         inside(own, tree) | above(own))
        m.done()
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

MATRIX_RESULTS: list[tuple[str, bool]] = []  # (case, leaked?) for the terminal summary
COVERAGE: dict[type, set[str]] = {}  # scoped model → the matrix tests that check it (filled by @covers)

# --- the cast: each post's own, sibling and parent area ---------------------------------------------
LEVELS = ("district", "street", "community", "grid", "seat")
OWN = {
    "district": "330106",
    "street": "330106001",
    "community": "330106001001",
    "grid": "330106001001001",
    "seat": "330106",  # a hotline seat of the district centre: district scope through its unit
}
SIBLING = {
    "district": "330108",
    "street": "330106002",
    "community": "330106001002",
    "grid": "330106001001002",
    "seat": "330108",
}
MANAGERS = frozenset({"district", "street"})  # hold areas.manage, accounts.manage and audit.view


def relations(level: str) -> dict[str, str]:
    """``{"own": code, "sibling": code, "parent": code}`` of a post (a district has no parent)."""
    own = OWN[level]
    out = {"own": own, "sibling": SIBLING[level]}
    if len(own) > 6:
        out["parent"] = own[:-3]
    return out


def above(code: str) -> set[str]:
    """The codes of the areas above ``code`` (its prefixes): allowed in any list."""
    return {code[:n] for n in (6, 9, 12) if n < len(code)}


def inside(code: str, codes: Iterable[str]) -> set[str]:
    """The codes of ``codes`` that lie in ``code``'s area (itself included)."""
    return {c for c in codes if c.startswith(code)}


def under(objects: dict, code: str, avoid: str = ""):
    """The objects of the first key (a grid code) under ``code`` that is not under ``avoid``."""
    for key in sorted(objects):
        if key.startswith(code) and not (avoid and key.startswith(avoid)):
            return objects[key]
    raise AssertionError(f"no object under {code}")


def targets(level: str, objects: dict) -> dict:
    """The objects (from a dict keyed by grid code) a post asks for: in its own area, in the
    sibling area, and in the parent area but outside its own."""
    own = OWN[level]
    out = {"own": under(objects, own), "sibling": under(objects, SIBLING[level])}
    if len(own) > 6:
        out["parent"] = under(objects, own[:-3], avoid=own)
    return out


# --- codes in answers -------------------------------------------------------------------------------
HTML_CODE = re.compile(r"[>/U]([0-9]{6}(?:[0-9]{3}){0,3})[</ ]")


def codes_in(payload) -> set[str]:
    """Every 6/9/12/15-digit area code or 'U<code>' unit code anywhere in a JSON payload."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            code = value[1:] if value.startswith("U") else value
            if code.isdigit() and len(code) in (6, 9, 12, 15):
                found.add(code)

    walk(payload)
    return found


def codes_in_html(text: str) -> set[str]:
    """Codes shown as text or in links of a page (a search box echoing the query is not a disclosure)."""
    return set(HTML_CODE.findall(text))


def codes_of(response) -> set[str]:
    if response["Content-Type"].startswith("application/json"):
        return codes_in(response.json())
    return codes_in_html(response.content.decode())


def stored(obj, *names: str) -> Callable[[], object]:
    """A reader of ``obj``'s fields as stored now (the ``value`` of ``Matrix.write``)."""
    model, pk = type(obj), obj.pk

    def read():
        row = model._default_manager.filter(pk=pk).values(*names).get()
        return tuple(row[n] for n in names) if len(names) > 1 else row[names[0]]

    return read


def scoped_models() -> list[type]:
    """The models of the platform that belong to a place: an ``area_code`` field, or the area itself."""
    from django.apps import apps

    return [model for model in apps.get_models() if model.__module__.startswith("civicgrid.")
            and (model._meta.label == "areas.Area" or any(f.name == "area_code" for f in model._meta.get_fields()))]


# --- the checks -------------------------------------------------------------------------------------
@dataclass
class Write:
    """What ``Matrix.write`` saw: the value before and after, and any other sign of a leak."""

    before: object
    after: object = None
    changed: bool = False
    signs: list[str] = field(default_factory=list)

    def leak_if(self, condition: bool, detail: str) -> None:
        """Count the write as leaked also when ``condition`` holds (e.g. a refused step answered 200)."""
        if condition:
            self.signs.append(detail)


class Matrix:
    """The checks of one matrix test; ``done()`` at the end fails the test with every failure found."""

    def __init__(self):
        self.failures: list[str] = []
        self.finished = False
        if _running is not None:
            _running.matrices.append(self)

    def record(self, case: str, leaked: bool, detail: str = "") -> bool:
        """One case of the matrix: ``leaked`` means something outside the user's scope was shown or changed."""
        MATRIX_RESULTS.append((case, bool(leaked)))
        if leaked:
            self.failures.append(f"{case}: LEAK {detail}")
        return bool(leaked)

    def expect(self, case: str, ok: bool, detail: str = "") -> bool:
        """A failure that is not a leak (the user could not see or do what is theirs, a wrong status)."""
        if not ok:
            self.failures.append(f"{case}: {detail}")
        return bool(ok)

    def object(self, client, model, case: str, url: str, *, allowed: bool, method: str = "get",
               body: dict | None = None, form: dict | None = None, refused: Iterable[int] = (404,), ok: int = 200):
        """Ask for one object: ``ok`` (200) when ``allowed``; otherwise one of ``refused`` (404 for
        not-yours; pass ``(403, 404)`` for a role without the capability). Returns the response."""
        if body is not None:
            response = getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
        elif form is not None:
            response = getattr(client, method)(url, form)
        else:
            response = getattr(client, method)(url)
        status = response.status_code
        expected = (ok,) if allowed else tuple(refused)
        if not self.record(case, status == ok and not allowed, f"got {status}, expected {expected}"):
            self.expect(case, status in expected, f"got {status}, expected {' or '.join(map(str, expected))}")
        _saw(model, allowed and status == ok)
        return response

    def listing(self, model, case: str, returned: Iterable, allowed, *, must_include: Iterable = ()) -> set:
        """What a list, page or export returned (codes, ids, numbers) holds nothing outside
        ``allowed`` (a set, or a predicate of one item); ``must_include`` must be there."""
        returned = set(returned)
        ok = allowed if callable(allowed) else set(allowed).__contains__
        outside = {item for item in returned if not ok(item)}
        self.record(case, bool(outside), f"returned {sorted(outside, key=str)[:5]}")
        missing = set(must_include) - returned
        self.expect(case, not missing, f"{sorted(missing, key=str)} missing")
        _saw(model, bool(returned - outside))
        return outside

    def collection(self, client, model, case: str, url: str, allowed, *, must_include: Iterable = ()):
        """GET a list (JSON, or an HTML page whose codes are read from its text and links): 200, and
        no code outside ``allowed``."""
        response = client.get(url)
        if self.expect(case, response.status_code == 200, f"status {response.status_code}"):
            self.listing(model, case, codes_of(response), allowed, must_include=must_include)
        return response

    @contextmanager
    def write(self, model, case: str, value: Callable[[], object], *, allowed: bool):
        """Around the requests of one write: ``value()`` before and after must differ exactly when
        the write is ``allowed``. The ``Write`` yielded tells whether it ``changed`` (to restore
        it) and takes other signs of a leak (``leak_if``)."""
        seen = Write(before=value())
        yield seen
        seen.after = value()
        seen.changed = seen.after != seen.before
        signs = ([f"changed {seen.before!r} → {seen.after!r}"] if seen.changed and not allowed else []) + seen.signs
        self.record(case, bool(signs), "; ".join(signs))
        if allowed:
            self.expect(case, seen.changed, f"allowed, but nothing changed ({seen.before!r})")
        _saw(model, allowed and seen.changed)

    def done(self) -> None:
        self.finished = True
        assert not self.failures, f"{len(self.failures)} matrix failures:\n" + "\n".join(self.failures[:60])


# --- which matrix covers which scoped model ----------------------------------------------------------
@dataclass
class _Run:
    seen: dict = field(default_factory=dict)  # model → answered positively at least once?
    matrices: list = field(default_factory=list)


_running: _Run | None = None


def _saw(model, positive: bool) -> None:
    if _running is not None:
        _running.seen[model] = _running.seen.get(model, False) or bool(positive)


def covers(*models, registry: dict | None = None):
    """Decorate a matrix test with the scoped models it checks. Registers them for
    ``tests/test_matrix_coverage.py``; after the test, fails unless each was answered positively by
    one of its checks (an own object or row shown, an allowed write done) and ``done()`` was called."""
    registry = COVERAGE if registry is None else registry

    def decorate(test):
        name = f"{test.__module__}.{test.__qualname__}"
        for model in models:
            registry.setdefault(model, set()).add(name)

        @functools.wraps(test)
        def run(*args, **kwargs):
            global _running
            _running = run_state = _Run()
            try:
                result = test(*args, **kwargs)
            finally:
                _running = None
            assert all(m.finished for m in run_state.matrices), f"{name}: call Matrix.done() at the end"
            unproven = [m._meta.label for m in models if not run_state.seen.get(m)]
            assert not unproven, (f"{name} claims to cover {unproven}, but none of its checks showed an own row "
                                  "of them or made an allowed write")
            return result

        run.matrix_covers = models
        return run

    return decorate
