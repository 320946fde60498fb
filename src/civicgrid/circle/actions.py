"""Writes of the circle: facilities, walking networks, accessibility runs, service providers.

Every change goes through a ``do_*`` function here: one transaction, row lock and version
check for updates and transitions, an audit row, the scope checked before and after. A
facility's grid is derived from its position (``areas.index.locate``). Changes to facilities
or to the network queue a recomputation of the district's accessibility after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate, locate_many
from civicgrid.areas.models import Area
from civicgrid.circle.capabilities import (
    CIRCLE_EDIT,
    CIRCLE_NETWORK,
    CIRCLE_PROVIDERS,
    CIRCLE_RATE,
)
from civicgrid.core import audit
from civicgrid.core.access import require_capability
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.scoping import SYSTEM, ensure_in_scope, in_scope, scope_codes
from civicgrid.registry.models import Building, Organisation, Road

from . import conf
from .engine import THRESHOLDS_MIN, WalkGraph, accessibility
from .models import (
    AccessRun,
    BuildingAccess,
    Facility,
    FacilityKind,
    Provider,
    ProviderEvent,
    ProviderRating,
    ServiceItem,
    WalkNetwork,
)
from .rules import PROVIDER_FLOW, TRANSITIONS

FACILITY_FIELDS = {"kind", "name", "level", "area_m2", "opening_hours", "capacity", "operator", "lon", "lat",
                   "offpeak_hours", "active"}


# --- facilities ----------------------------------------------------------------------------------
def _clean_facility(values: dict, *, partial: bool = False) -> dict:
    out = dict(values)
    if "kind" in out or not partial:
        if out.get("kind") not in FacilityKind.values:
            raise UserError(_("kind: choose one of the standard facility kinds."), field="kind")
    if "name" in out or not partial:
        name = (out.get("name") or "").strip()
        if not name or len(name) > 150:
            raise UserError(_("name is required (at most 150 characters)."), field="name")
        out["name"] = name
    if "level" in out and out["level"] not in Facility.Level.values:
        raise UserError(_("level: community or street."), field="level")
    if out.get("area_m2") not in (None, ""):
        try:
            area = Decimal(str(out["area_m2"]))
        except InvalidOperation:
            raise UserError(_("area_m2 must be a number of square metres."), field="area_m2")
        if area < 0 or area > Decimal("1000000"):
            raise UserError(_("area_m2 must lie between 0 and 1,000,000 m²."), field="area_m2")
        out["area_m2"] = area.quantize(Decimal("0.1"))
    elif "area_m2" in out:
        out["area_m2"] = None
    if out.get("capacity") not in (None, ""):
        try:
            capacity = int(out["capacity"])
        except (TypeError, ValueError):
            raise UserError(_("capacity must be a whole number."), field="capacity")
        if capacity < 0:
            raise UserError(_("capacity cannot be negative."), field="capacity")
        out["capacity"] = capacity
    elif "capacity" in out:
        out["capacity"] = None
    for key in ("lon", "lat"):
        if key in out or not partial:
            try:
                out[key] = float(out.get(key))
            except (TypeError, ValueError):
                raise UserError(_("lon and lat must be numbers (degrees, WGS 84)."), field="lon")
    if "lon" in out and not (-180 <= out["lon"] <= 180 and -90 <= out["lat"] <= 90):
        raise UserError(_("lon must lie in −180…180 and lat in −90…90."), field="lon")
    for key, limit in (("opening_hours", 100), ("operator", 150), ("offpeak_hours", 100)):
        if key in out:
            out[key] = (out[key] or "").strip()
            if len(out[key]) > limit:
                raise UserError(_("%(field)s: at most %(n)s characters.") % {"field": key, "n": limit}, field=key)
    return out


def _grid_for(lon: float, lat: float) -> str:
    code = locate(lon, lat)
    if code is None:
        raise UserError(_("lon/lat: the position lies outside every grid."), field="lon")
    return code


def do_create_facility(*, actor, services=None, unit: Organisation | None = None, **values) -> Facility:
    """Add a facility at a position inside the actor's jurisdiction."""
    unknown = set(values) - FACILITY_FIELDS - {"source", "osm_id"}
    if unknown:
        raise UserError(_("These fields cannot be set here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    values = _clean_facility(values)
    code = _grid_for(values["lon"], values["lat"])
    ensure_in_scope(actor, code, CIRCLE_EDIT)
    with transaction.atomic():
        facility = Facility.objects.create(area_code=code, unit=unit, **values)
        if services:
            facility.services.set(services)
        ensure_in_scope(actor, facility.area_code, CIRCLE_EDIT)
        audit.record("circle.facility.create", actor=actor, obj=facility, detail={"kind": facility.kind})
        request_recompute(code[:6], "facility")
    return facility


_KEEP = object()


def do_update_facility(facility: Facility, *, actor, expected_version: int | None, services=None, unit=_KEEP,
                       **changes) -> Facility:
    unknown = set(changes) - FACILITY_FIELDS
    if unknown:
        raise UserError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = Facility.objects.select_for_update().get(pk=facility.pk)
        ensure_in_scope(actor, locked.area_code, CIRCLE_EDIT)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(_("Someone else changed this facility meanwhile; reload and try again."))
        if ("lon" in changes) != ("lat" in changes):
            changes.setdefault("lon", locked.lon)
            changes.setdefault("lat", locked.lat)
        changes = _clean_facility(changes, partial=True)
        old_code = locked.area_code
        for key, value in changes.items():
            setattr(locked, key, value)
        if "lon" in changes:
            locked.area_code = _grid_for(locked.lon, locked.lat)
        if unit is not _KEEP:
            locked.unit = unit
        locked.version += 1
        locked.save()
        if services is not None:
            locked.services.set(services)
        ensure_in_scope(actor, locked.area_code, CIRCLE_EDIT)
        audit.record("circle.facility.update", actor=actor, obj=locked, detail={"changed": sorted(changes)})
        request_recompute(locked.area_code[:6], "facility")
        if old_code[:6] != locked.area_code[:6]:
            request_recompute(old_code[:6], "facility")
    return locked


def do_bulk_create_facilities(rows: list[dict], *, actor, source: str, district_code: str,
                              recompute: bool = True) -> dict:
    """Facilities from dicts (kind, name, lon, lat, …) in one transaction; rows outside every
    grid (or outside the actor's jurisdiction) are skipped and counted, OSM ids already
    present are skipped. One audit row."""
    if not rows:
        return {"created": 0, "outside": 0, "existing": 0}
    codes = locate_many([r["lon"] for r in rows], [r["lat"] for r in rows])
    existing = set(Facility.objects.filter(osm_id__in=[r.get("osm_id") for r in rows if r.get("osm_id")])
                   .values_list("osm_id", flat=True))
    objs, outside, dup = [], 0, 0
    for row, code in zip(rows, codes, strict=True):
        if code is None or not code.startswith(district_code) or not in_scope(actor, code, CIRCLE_EDIT):
            outside += 1
            continue
        if row.get("osm_id") and row["osm_id"] in existing:
            dup += 1
            continue
        clean = _clean_facility({k: v for k, v in row.items() if k in FACILITY_FIELDS})
        objs.append(Facility(area_code=code, source=source, osm_id=row.get("osm_id", ""), **clean))
    with transaction.atomic():
        Facility.objects.bulk_create(objs, batch_size=2000)
        audit.record("circle.facility.bulk_create", actor=actor, object_type="circle.facility",
                     area_code=district_code, detail={"created": len(objs), "outside": outside, "existing": dup,
                                                      "source": source})
        if recompute:
            request_recompute(district_code, f"{source} facilities")
    return {"created": len(objs), "outside": outside, "existing": dup}


def do_offer_services(offers: dict[int, list[int]], *, actor, area_code: str = "") -> int:
    """Service items offered at facilities, many at once: facility id → service item ids (added to
    what each offers already). Facilities outside the actor's jurisdiction are refused. One
    transaction, one audit row."""
    facilities = {f.pk: f for f in Facility.objects.filter(pk__in=list(offers)).only("pk", "area_code")}
    for pk in offers:
        if pk not in facilities:
            raise UserError(_("Facility %(pk)s does not exist.") % {"pk": pk}, field="facility")
        ensure_in_scope(actor, facilities[pk].area_code, CIRCLE_EDIT)
    through = Facility.services.through
    links = [through(facility_id=pk, serviceitem_id=item) for pk, items in offers.items() for item in items]
    with transaction.atomic():
        through.objects.bulk_create(links, ignore_conflicts=True)
        audit.record("circle.facility.offer_services", actor=actor, object_type="circle.facility",
                     area_code=area_code, detail={"facilities": len(offers), "links": len(links)})
    return len(links)


# --- walking networks ------------------------------------------------------------------------------
def _pack(graph: WalkGraph) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **graph.to_arrays())
    return buf.getvalue()


_graph_cache: dict[str, tuple[str, WalkGraph]] = {}
_graph_lock = threading.Lock()


def load_graph(network: WalkNetwork) -> WalkGraph:
    """The network's graph, kept per process while its checksum stays the same."""
    with _graph_lock:
        cached = _graph_cache.get(network.area_code)
        if cached and cached[0] == network.sha256:
            return cached[1]
    with np.load(io.BytesIO(bytes(network.data))) as arrays:
        graph = WalkGraph.from_arrays(arrays)
    with _graph_lock:
        _graph_cache[network.area_code] = (network.sha256, graph)
    return graph


def _district(code: str) -> Area:
    area = Area.objects.filter(code=code, level=Area.Level.DISTRICT).first()
    if area is None:
        raise UserError(_("district: %(code)s is not a district code.") % {"code": code}, field="district")
    return area


def do_store_network(graph: WalkGraph, *, actor, district_code: str, source: str, source_name: str,
                     recompute: bool = True) -> WalkNetwork:
    """Replace the district's walking network (all at once) and queue a recomputation."""
    require_capability(actor, CIRCLE_NETWORK)
    _district(district_code)
    ensure_in_scope(actor, district_code, CIRCLE_NETWORK)
    if graph.n_nodes < 2 or graph.n_edges < 1:
        raise UserError(_("network: the file holds no walkable ways."), field="file")
    data = _pack(graph)
    n_comp, _labels = graph.components()
    with transaction.atomic():
        network, created = WalkNetwork.objects.select_for_update().get_or_create(
            area_code=district_code, defaults={"source": source, "data": b"", "sha256": ""})
        network.source = source
        network.source_name = source_name[:200]
        network.nodes, network.edges, network.components = graph.n_nodes, graph.n_edges, n_comp
        network.data = data
        network.sha256 = hashlib.sha256(data).hexdigest()
        network.version = 1 if created else network.version + 1
        network.save()
        audit.record("circle.network.store", actor=actor, obj=network,
                     detail={"nodes": graph.n_nodes, "edges": graph.n_edges, "components": n_comp,
                             "source": source_name[:200]})
        if recompute:
            request_recompute(district_code, "network")
    return network


def do_build_network_from_roads(*, actor, district_code: str, recompute: bool = True) -> WalkNetwork:
    """The district's network from its registered roads (the demo's generated streets)."""
    lines = []
    for geometry in Road.objects.filter(area_code__startswith=district_code).values_list("geometry", flat=True):
        if isinstance(geometry, dict) and geometry.get("type") == "LineString":
            lines.append([tuple(c[:2]) for c in geometry["coordinates"]])
        elif isinstance(geometry, dict) and geometry.get("type") == "MultiLineString":
            lines.extend([tuple(c[:2]) for c in part] for part in geometry["coordinates"])
    if not lines:
        raise UserError(_("network: the district has no registered roads."), field="district")
    graph = WalkGraph.from_lines(lines, max_segment_m=conf.ROAD_SEGMENT_M, node_crossings=True)
    return do_store_network(graph, actor=actor, district_code=district_code, source=WalkNetwork.Source.ROADS,
                            source_name=_("%(n)s registered roads") % {"n": len(lines)}, recompute=recompute)


def do_import_osm(path, *, actor, district_code: str, facilities: bool = True) -> dict:
    """An OpenStreetMap extract: its walking network becomes the district's, and (optionally)
    its tagged facilities inside the district's grids are added (see ``osm.FACILITY_TAGS``)."""
    from .osm import read_extract

    require_capability(actor, CIRCLE_NETWORK)
    ensure_in_scope(actor, district_code, CIRCLE_NETWORK)
    try:
        extract = read_extract(str(path))
    except RuntimeError as exc:  # pyosmium's error for unreadable files
        raise UserError(_("file: not a readable .osm.pbf extract (%(e)s).") % {"e": str(exc)[:200]}, field="file")
    name = getattr(path, "name", str(path)).rsplit("/", 1)[-1]
    with transaction.atomic():
        network = do_store_network(extract.graph, actor=actor, district_code=district_code,
                                   source=WalkNetwork.Source.OSM, source_name=name, recompute=False)
        summary = {"nodes": network.nodes, "edges": network.edges, "components": network.components,
                   "ways": extract.ways, "tagged": len(extract.facilities), "created": 0, "outside": 0,
                   "existing": 0}
        if facilities:
            rows = [{"kind": f.kind, "name": (f.name or str(FacilityKind(f.kind).label))[:150], "lon": f.lon,
                     "lat": f.lat, "osm_id": f.osm_id,
                     "opening_hours": f.tags.get("opening_hours", "")[:100]} for f in extract.facilities]
            summary.update(do_bulk_create_facilities(rows, actor=actor, source=Facility.Source.OSM,
                                                     district_code=district_code, recompute=False))
        request_recompute(district_code, "network")  # once, for the network and its facilities
    return summary


# --- accessibility ---------------------------------------------------------------------------------
def request_recompute(district_code: str, reason: str) -> None:
    """Queue the district's accessibility run once the current transaction commits."""
    if not WalkNetwork.objects.filter(area_code=district_code).exists():
        return

    def enqueue():
        from .jobs import recompute_access

        recompute_access(district_code, reason)

    transaction.on_commit(enqueue)


def do_compute_access(district_code: str, *, actor=SYSTEM, reason: str = "", speed_m_s: float | None = None,
                      limit_min: int | None = None) -> AccessRun:
    """For every residential building of the district (households > 0), walking distance and
    time to the nearest active facility of every kind, within 5/10/15 minutes; stored all at
    once (the previous results stay if anything fails)."""
    import time

    speed = speed_m_s or conf.speed_m_s()
    limit = limit_min or conf.limit_min()
    if speed <= 0 or limit <= 0:
        raise UserError(_("speed and limit must be positive."), field="speed")
    ensure_in_scope(actor, district_code, CIRCLE_NETWORK)
    network = WalkNetwork.objects.filter(area_code=district_code).first()
    if network is None:
        raise UserError(_("network: the district has no walking network yet; import one first."), field="network")
    run = AccessRun.objects.create(area_code=district_code, status=AccessRun.Status.RUNNING, reason=reason[:100],
                                   speed_m_s=speed, limit_min=limit)
    t0 = time.perf_counter()
    try:
        graph = load_graph(network)
        buildings = list(Building.objects.filter(area_code__startswith=district_code, households__gt=0)
                         .values_list("id", "lon", "lat", "households", "area_code"))
        kinds = list(FacilityKind.values)
        fac: dict[str, tuple[list, list]] = {k: ([], []) for k in kinds}
        for kind, lon, lat in Facility.objects.filter(area_code__startswith=district_code, active=True) \
                .values_list("kind", "lon", "lat"):
            fac[kind][0].append(lon)
            fac[kind][1].append(lat)
        limit_m = limit * 60.0 * speed
        result = accessibility(graph, [b[1] for b in buildings], [b[2] for b in buildings],
                               {k: (np.array(v[0]), np.array(v[1])) for k, v in fac.items()}, limit_m=limit_m)
        t1 = time.perf_counter()
        rows = _access_rows(buildings, kinds, result, speed, run.pk)
        with transaction.atomic():
            # One writer per district at a time: a second run waits here, then replaces these rows.
            WalkNetwork.objects.select_for_update().filter(pk=network.pk).first()
            BuildingAccess.objects.filter(area_code__startswith=district_code).delete()
            _insert_access(rows)
            run.status = AccessRun.Status.DONE
            run.finished_at = timezone.now()
            run.stats = {**result.stats, "facilities": {k: len(v[0]) for k, v in fac.items()},
                         "engine_s": round(t1 - t0, 3), "total_s": round(time.perf_counter() - t0, 3),
                         "limit_m": limit_m, "network_version": network.version}
            run.save()
            audit.record("circle.access.compute", actor=actor, obj=run, area_code=district_code,
                         detail={"buildings": len(buildings), "reason": reason[:100]})
    except Exception as exc:
        AccessRun.objects.filter(pk=run.pk).update(status=AccessRun.Status.FAILED, message=str(exc)[:500],
                                                   finished_at=timezone.now())
        raise
    return run


_ACCESS_COLUMNS = ("building_id", "kind", "distance_m", "minutes", "band", "unreachable", "households", "area_code",
                   "run_id")


def _access_rows(buildings, kinds, result, speed: float, run_id: int) -> list[tuple]:
    """One tuple per building × kind, vectorised: distances rounded to 1 cm, minutes to 0.01."""
    dist = result.distance_m
    finite = np.isfinite(dist)
    minutes = np.where(finite, dist / speed / 60.0, np.nan)
    band = np.full(dist.shape, 0, dtype=np.int64)
    for t in sorted(THRESHOLDS_MIN, reverse=True):
        band[finite & (minutes <= t + 1e-9)] = t
    d_r = np.round(dist, 2)
    m_r = np.round(minutes, 2)
    rows = []
    for i, (bid, _lon, _lat, households, code) in enumerate(buildings):
        fin, dr, mr, bd, un = finite[i].tolist(), d_r[i].tolist(), m_r[i].tolist(), band[i].tolist(), \
            result.unreachable[i].tolist()
        for k, kind in enumerate(kinds):
            ok = fin[k]
            rows.append((bid, kind, dr[k] if ok else None, mr[k] if ok else None, bd[k] or None, un[k], households,
                         code, run_id))
    return rows


def _insert_access(rows: list[tuple]) -> None:
    """Plain INSERTs (COPY on PostgreSQL): hundreds of thousands of rows per district."""
    from django.db import connection

    table = BuildingAccess._meta.db_table
    columns = ", ".join(_ACCESS_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(_ACCESS_COLUMNS))
            for start in range(0, len(rows), 20_000):
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows[start:start + 20_000])


# --- service providers (R-CIR-4) ------------------------------------------------------------------
S = Provider.Status


def _community(code: str) -> Area:
    area = Area.objects.filter(code=code, level=Area.Level.COMMUNITY).first()
    if area is None:
        raise UserError(_("community: %(code)s is not a community code.") % {"code": code}, field="community")
    return area


def _tell_application(provider: Provider, actor) -> None:
    """The community's posts that decide on applications are told (after commit, ``core.notify``)."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from civicgrid.accounts.queries import holders
    from civicgrid.core.notify import notify

    with translation.override(settings.LANGUAGE_CODE):
        notify(holders(CIRCLE_PROVIDERS, provider.area_code), kind="circle.application",
               title=_("New provider application: %(name)s") % {"name": provider.name},
               detail=str(_("waiting for the residents' council")), url=reverse("circle:provider", args=[provider.pk]),
               actor=actor)


def do_apply_provider(*, actor, community_code: str, name: str, contact_name: str, contact_phone: str,
                      items=(), manner: str = "", hotline: str = "", credit_code: str = "") -> Provider:
    """A provider applies online to serve a community (anyone logged in may file it)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotPermitted(_("Log in to apply."))
    _community(community_code)
    credit_code, contact_phone, hotline = checked_provider_identifiers(credit_code, contact_phone, hotline)
    errors = {}
    if not (name or "").strip() or len(name) > 150:
        errors["name"] = _("name is required (at most 150 characters).")
    if not (contact_name or "").strip():
        errors["contact_name"] = _("contact_name is required.")
    if not (contact_phone or "").strip() or len(contact_phone) > 30:
        errors["contact_phone"] = _("contact_phone is required (at most 30 characters).")
    if errors:
        field = next(iter(errors))
        raise UserError(" ".join(errors.values()), field=field)
    with transaction.atomic():
        provider = Provider.objects.create(name=name.strip(), contact_name=contact_name.strip(),
                                           contact_phone=contact_phone.strip(), manner=manner[:300],
                                           hotline=hotline[:30], credit_code=credit_code[:18],
                                           area_code=community_code)
        if items:
            provider.items.set(ServiceItem.objects.filter(pk__in=[getattr(i, "pk", i) for i in items]))
        PROVIDER_FLOW.record(provider, ProviderEvent.Kind.APPLY, actor=actor, from_status="")
        audit.record("circle.provider.apply", actor=actor, obj=provider)
        _tell_application(provider, actor)
    return provider


def do_transition_provider(provider: Provider, action: str, *, actor, expected_version: int | None = None,
                           note: str = "", today: dt.date | None = None, **fields_given) -> Provider:
    """One step of the provider's life: approve/reject (the residents' council decision, in
    ``note``), sign (``agreement_number``, ``agreement_until``), publish (needs items and a
    hotline), rectify (a notice with ``rectify_by``), rectified, revoke (only once the
    deadline has passed uncorrected). Illegal steps raise Conflict."""
    if action not in TRANSITIONS:
        raise UserError(_("Step: unknown step %(a)s.") % {"a": action}, field="action")
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = PROVIDER_FLOW.lock(provider, expected_version)
        PROVIDER_FLOW.require(actor, locked, action)
        note = (note or "").strip()
        fields = []
        if action in ("approve", "reject"):
            if not note:
                raise UserError(_("Note: record the residents' council decision (date, meeting, votes)."),
                                field="note")
            locked.council_decision = note[:300]
            fields = ["council_decision"]
        elif action == "sign":
            number = (fields_given.get("agreement_number") or "").strip()
            until = fields_given.get("agreement_until")
            if not number:
                raise UserError(_("Agreement number: required to sign."), field="agreement_number")
            if isinstance(until, str) and until:
                try:
                    until = dt.date.fromisoformat(until)
                except ValueError:
                    raise UserError(_("Agreement valid until: give a date (YYYY-MM-DD)."), field="agreement_until")
            if not until or until <= today:
                raise UserError(_("Agreement valid until: a date after today."), field="agreement_until")
            locked.agreement_number, locked.agreement_until = number[:50], until
            fields = ["agreement_number", "agreement_until"]
        elif action == "publish":
            for key in ("hotline", "manner"):
                if key in fields_given and fields_given[key] is not None:
                    setattr(locked, key, str(fields_given[key]).strip()[: 30 if key == "hotline" else 300])
                    fields.append(key)
            if not locked.hotline:
                raise UserError(_("Service hotline: a published provider needs one."), field="hotline")
            if not locked.items.exists():
                raise UserError(_("Service items: a published provider offers at least one."), field="items")
        elif action == "rectify":
            deadline = fields_given.get("rectify_by")
            if isinstance(deadline, str) and deadline:
                try:
                    deadline = dt.date.fromisoformat(deadline)
                except ValueError:
                    raise UserError(_("Rectify by: give a date (YYYY-MM-DD)."), field="rectify_by")
            if not deadline or deadline <= today:
                raise UserError(_("Rectify by: the deadline comes after today."), field="rectify_by")
            if not note:
                raise UserError(_("Note: say what must be corrected."), field="note")
            locked.rectify_by = deadline
            fields = ["rectify_by"]
        elif action == "revoke":
            if locked.rectify_by and today <= locked.rectify_by:
                raise Conflict(_("Rectify by: the provider has until %(d)s to correct; revoke after that.") % {
                    "d": locked.rectify_by.isoformat()}, field="rectify_by")
        elif action == "rectified":
            locked.rectify_by = None
            fields = ["rectify_by"]
        before = locked.status
        PROVIDER_FLOW.advance(locked, action, actor=actor, fields=fields, note=note[:500],
                              detail={"from": before, "to": PROVIDER_FLOW.step(action).target})
    return locked


def do_review_provider(provider: Provider, *, actor, note: str) -> Provider:
    """The supervision committee's review (监督委员会评议): recorded in the history; a poor
    average rating is stated in it so that a rectification notice can follow."""
    with transaction.atomic():
        locked = PROVIDER_FLOW.lock(provider)
        PROVIDER_FLOW.require(actor, locked, "review")
        if not (note or "").strip():
            raise UserError(_("Note: write the review's findings."), field="note")
        rating = locked.rating
        verdict = "poor" if rating is not None and rating < conf.RATING_POOR else "ok"
        PROVIDER_FLOW.advance(locked, "review", actor=actor, note=f"[{verdict} {rating}] {note.strip()}"[:500],
                              detail={"rating": rating, "verdict": verdict})
    return locked


def do_rate_provider(provider: Provider, *, actor, score: int, comment: str = "") -> ProviderRating:
    """A resident of the provider's community rates it (once; a new rating replaces the old)."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise UserError(_("score must be a whole number from 1 to 5."), field="score")
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        if not may_rate(actor, locked.area_code):
            raise NotPermitted(_("Only residents of the provider's community can rate it."))
        if locked.status not in (S.PUBLISHED, S.RECTIFYING):
            raise Conflict(_("status: only published providers can be rated."), field="status")
        previous = ProviderRating.objects.filter(provider=locked, user=actor).first()
        if previous:
            locked.rating_sum -= previous.score
            locked.rating_count -= 1
            previous.delete()
        rating = ProviderRating.objects.create(provider=locked, user=actor, score=score, comment=comment[:300],
                                               area_code=locked.area_code)
        locked.rating_sum += score
        locked.rating_count += 1
        locked.save(update_fields=["rating_sum", "rating_count", "updated_at"])
        audit.record("circle.provider.rate", actor=actor, obj=locked, detail={"score": score})
    return rating


def may_rate(actor, community_code: str) -> bool:
    """A resident's membership is bound to a grid; they rate providers of that grid's community."""
    codes = scope_codes(actor, CIRCLE_RATE)
    if codes is None:
        return True
    return any(code.startswith(community_code) or community_code.startswith(code) for code in codes)


def checked_provider_identifiers(credit_code: str, contact_phone: str, hotline: str) -> tuple[str, str, str]:
    """A provider's unified social credit code (GB 32100 check character) and phones (digits),
    normalised; raises UserError naming the field (issue 14: an invalid code and a phone "abc"
    were accepted)."""
    from civicgrid.core.idnumber import InvalidIdentifier, normalise_phone, validate_uscc

    out = []
    for name, value, check in (("credit_code", credit_code, validate_uscc), ("contact_phone", contact_phone,
                                                                            normalise_phone),
                               ("hotline", hotline, normalise_phone)):
        value = (value or "").strip()
        try:
            out.append(check(value) if value else "")
        except InvalidIdentifier as exc:
            raise UserError(f"{name}: {exc}", field=name)
    return out[0], out[1], out[2]
