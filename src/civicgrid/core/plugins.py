"""What each app declares about itself, collected at start-up (the app registry of the core kit).

An app says, in its own modules, which capabilities it defines and which roles hold them
(``<app>/capabilities.py``), and how it joins the site (``<app>/plugin.py``): its menu entries,
its API routers, its URL patterns, its work-inbox queues and area-page panels. ``collect()`` (run
by ``CoreConfig.ready``) imports those two modules of every installed app, so adding an app touches
no central file but ``INSTALLED_APPS``.

Everything here is plain data: no signals, no magic. Views, routers and callables are named by
dotted path (``"civicgrid.cases.api:router"``) and imported when first used, so declaring them
imports nothing heavy and cannot create import cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache

from django.utils.module_loading import import_string

# --- capabilities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capability:
    """A right granted per membership, so held only inside that membership's area."""

    code: str  # "cases.dispatch"
    label: object  # a lazy translated string, shown on the staff pages
    app: str = ""


_CAPABILITIES: dict[str, Capability] = {}
_GRANTS: dict[str, set[str]] = {}


def capability(code: str, label, *, app: str = "") -> str:
    """Declare a capability; returns its code, to be kept as a module constant:
    ``CASES_VIEW = capability("cases.view", _("see the cases of the jurisdiction"))``."""
    known = _CAPABILITIES.get(code)
    if known is not None and known.app and app and known.app != app:
        raise ValueError(f"capability {code} is declared by {known.app} and {app}")
    _CAPABILITIES[code] = Capability(code, label, app or code.split(".")[0])
    return code


def grant(role: str, *codes: str) -> None:
    """Give ``role`` (a role code of ``accounts.roles.Role``) the capabilities ``codes``."""
    for code in codes:
        if code not in _CAPABILITIES:
            raise ValueError(f"grant of an undeclared capability {code}")
    _GRANTS.setdefault(str(role), set()).update(codes)
    capabilities_of.cache_clear()


@cache
def capabilities_of(role: str) -> frozenset[str]:
    """The capabilities a membership of ``role`` carries."""
    return frozenset(_GRANTS.get(str(role), ()))


def capabilities() -> dict[str, Capability]:
    return dict(_CAPABILITIES)


def grants() -> dict[str, frozenset[str]]:
    return {role: frozenset(codes) for role, codes in _GRANTS.items()}


# --- menus -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Menu:
    key: str
    label: object  # None: its single entry is a top-level link
    order: int = 100


@dataclass(frozen=True)
class MenuEntry:
    menu: str
    label: object
    url_name: str
    capability: str | tuple[str, ...]  # any of them
    order: int = 100


_MENUS: dict[str, Menu] = {}
_ENTRIES: list[MenuEntry] = []


def menu(key: str, label, *, order: int = 100) -> str:
    _MENUS.setdefault(key, Menu(key, label, order))
    return key


def menu_entry(menu_key: str, label, url_name: str, capability: str | tuple[str, ...], *, order: int = 100) -> None:
    if any(e.url_name == url_name for e in _ENTRIES):
        return
    _ENTRIES.append(MenuEntry(menu_key, label, url_name, capability, order))


def menus() -> list[tuple[Menu, list[MenuEntry]]]:
    """Every menu with its entries, in declared order (menus without an entry left out)."""
    out = []
    for m in sorted(_MENUS.values(), key=lambda m: (m.order, m.key)):
        entries = sorted((e for e in _ENTRIES if e.menu == m.key), key=lambda e: e.order)
        if entries:
            out.append((m, entries))
    return out


# --- URLs and API routers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Urls:
    prefix: str  # "cases/"
    module: str  # "civicgrid.cases.urls"
    namespace: str | None = None  # when the module has no app_name
    order: int = 100


@dataclass(frozen=True)
class ApiRouter:
    prefix: str  # "/cases/"
    target: str  # "civicgrid.cases.api:router"
    order: int = 100  # the resolver tries routes in this order: the busiest first


_URLS: list[Urls] = []
_ROUTERS: list[ApiRouter] = []


def urls(prefix: str, module: str, *, namespace: str | None = None, order: int = 100) -> None:
    if not any(u.module == module and u.prefix == prefix for u in _URLS):
        _URLS.append(Urls(prefix, module, namespace, order))


def api_router(prefix: str, target: str, *, order: int = 100) -> None:
    if not any(r.target == target for r in _ROUTERS):
        _ROUTERS.append(ApiRouter(prefix, target, order))


def url_includes() -> list[Urls]:
    return sorted(_URLS, key=lambda u: u.order)


def api_routers() -> list[ApiRouter]:
    return sorted(_ROUTERS, key=lambda r: r.order)


def resolve(target: str):
    """``"package.module:attribute"`` → the attribute."""
    module, _sep, attr = target.partition(":")
    return import_string(f"{module}.{attr}") if attr else import_string(module)


# --- panels on other apps' pages -----------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A block an app adds to another app's page, e.g. the staff of an area on the area page.
    ``render`` is ``"module:function"`` taking (request, obj) and returning HTML (or "")."""

    page: str  # "areas.detail"
    render: str
    order: int = 100


@dataclass(frozen=True)
class MapLayer:
    """A layer an app offers on the maps: a GeoJSON URL (named) the user may read, drawn in style."""

    key: str
    label: object
    url_name: str
    capability: str
    style: dict = field(default_factory=dict)
    order: int = 100
    min_zoom: int = 0


_PANELS: list[Panel] = []
_LAYERS: list[MapLayer] = []


def panel(page: str, render: str, *, order: int = 100) -> None:
    if not any(p.render == render and p.page == page for p in _PANELS):
        _PANELS.append(Panel(page, render, order))


def panels(page: str) -> list[Panel]:
    return sorted((p for p in _PANELS if p.page == page), key=lambda p: p.order)


def map_layer(key: str, label, url_name: str, capability: str, *, style: dict | None = None, order: int = 100,
              min_zoom: int = 0) -> None:
    if not any(layer.key == key for layer in _LAYERS):
        _LAYERS.append(MapLayer(key, label, url_name, capability, style or {}, order, min_zoom))


def map_layers() -> list[MapLayer]:
    return sorted(_LAYERS, key=lambda layer: layer.order)


# --- the work inbox ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    """One piece of work waiting for a user, whatever app it comes from."""

    kind: str  # "cases.dispatch", "counter.application", …
    title: str
    url: str
    area_code: str = ""
    arrived_at: object = None  # datetime
    due_at: object = None  # datetime or None
    state: str = ""  # "", "warn", "overdue" (``core.deadlines.clock``)
    detail: str = ""


@dataclass(frozen=True)
class InboxQueue:
    """A queue of an app's work that a post finds in its inbox (``core.inbox`` reads them all).

    ``items`` is ``"module:function"`` taking (user, limit) and returning ``InboxItem``s, most
    urgent first; ``count`` (user) → int, how many wait in all. Optional ``summary`` (user, period)
    → ``{"open", "warn", "overdue", "done"}`` counts for the work dashboard, ``done`` being what the
    user (or their unit) finished within the ``core.periods.Period``; without it the inbox counts
    ``warn``/``overdue`` from the items it read and shows no ``done``. ``url`` names the app's own
    full page of the queue (a URL name or a path; "" when the inbox is its only page). ``own`` False
    marks a watch list rather than the user's own work (the overdue cases of an area, one's own
    reports still open): shown in the inbox, left out of the dashboard's totals."""

    key: str
    label: object
    items: str
    count: str
    capability: str | tuple[str, ...]
    order: int = 100
    summary: str = ""
    url: object = ""
    own: bool = True


_INBOX: list[InboxQueue] = []


def inbox_queue(key: str, label, *, items: str, count: str, capability: str | tuple[str, ...],
                order: int = 100, summary: str = "", url: object = "", own: bool = True) -> None:
    if not any(q.key == key for q in _INBOX):
        _INBOX.append(InboxQueue(key, label, items, count, capability, order, summary, url, own))


def inbox_queues() -> list[InboxQueue]:
    return sorted(_INBOX, key=lambda q: q.order)


# --- indicators ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """A figure an app computes from its own data, for the dashboards of every level (``stats``).

    ``compute`` is ``"module:function"`` taking (area-code prefix, ``core.periods.Period``) and
    returning {lowest area code: (numerator, denominator)} for the areas under the prefix; levels
    above add numerators and denominators up (Σ ÷ Σ, never a mean of rates). ``value = factor ×
    numerator ÷ denominator``; a count has ``denominator`` 1 per area. ``higher_is_better`` says
    which way is good; ``source`` names the seed document or rule it comes from. ``aggregate`` is
    "ratio" (Σ numerators ÷ Σ denominators) or "sum" (a count: Σ numerators, the denominator counts
    the areas); ``stock`` marks a figure of the register as it stands (population, facilities) rather
    than of what happened in the period: its past periods keep the value of their last refresh.
    ``changed_times`` (optional, ``"module:function"``) lets the incremental refresh recompute only
    the periods a change can move: given the audit log's (object type, object id) of the app's
    actions since the last refresh, it returns every time at which those records are or were
    counted (each period containing one is recomputed), or None when it cannot tell (all periods);
    declaring it also says each record counts only in its own area, so when the changes lie in
    grids only those grids' rows (and the areas' above them) are rewritten — and ``compute`` then
    takes a keyword ``codes`` (a set of area codes: count only the records located in these) so
    that only those grids' records are read."""

    code: str  # "cases.closing_rate"
    label: object
    compute: str
    unit: str = "%"  # "%", "count", "m²/100 households", …
    factor: float = 100.0
    higher_is_better: bool = True
    source: str = ""
    definition: object = ""  # numerator and denominator in words (the app's docs/ page has the detail)
    capability: str = "view"
    order: int = 100
    aggregate: str = "ratio"
    stock: bool = False
    changed_times: str = ""

    @property
    def app(self) -> str:
        return self.code.split(".")[0]


_INDICATORS: dict[str, Indicator] = {}


def indicator(code: str, label, *, compute: str, **options) -> str:
    _INDICATORS.setdefault(code, Indicator(code, label, compute, **options))
    return code


def indicators() -> list[Indicator]:
    return sorted(_INDICATORS.values(), key=lambda i: (i.order, i.code))


# Work shared by several indicators of one app (health computes all its figures per grid in one
# pass): inside ``computing()`` — entered by the stats refresh for one period at a time —
# ``shared(key, fn)`` runs ``fn`` once per key; outside it, every call runs ``fn``.
_SHARED: ContextVar[dict | None] = ContextVar("indicator_shared_work", default=None)


@contextmanager
def computing():
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared(key, fn: Callable):
    memo = _SHARED.get()
    if memo is None:
        return fn()
    if key not in memo:
        memo[key] = fn()
    return memo[key]


# --- audit actions in words ------------------------------------------------------------------------
_AUDIT_LABELS: dict[str, object] = {}


def audit_actions(labels: dict[str, object]) -> None:
    """Name the audit actions an app writes (code → label people read on the audit page). The steps
    of a declared workflow are named by their ``Step.label`` without being listed here."""
    for code, label in labels.items():
        _AUDIT_LABELS.setdefault(code, label)


def audit_labels() -> dict[str, object]:
    return dict(_AUDIT_LABELS)


# --- collection --------------------------------------------------------------------------------
DECLARATION_MODULES = ("capabilities", "plugin")
_collected = False


def collect() -> None:
    """Import every installed app's ``capabilities`` and ``plugin`` modules (idempotent)."""
    global _collected
    if _collected:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules(*DECLARATION_MODULES)
    _collected = True


def any_of(user, capability: str | Iterable[str]) -> bool:
    codes = (capability,) if isinstance(capability, str) else tuple(capability)
    return any(user.has_capability(c) for c in codes)


Callback = Callable[..., object]
