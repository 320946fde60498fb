"""Every change to areas goes through these functions (one transaction, audit row)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.capabilities import AREAS_IMPORT, AREAS_MANAGE
from civicgrid.core import audit
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.scoping import ensure_in_scope, in_scope, minimal_prefixes

from .geometry import parse_boundary, to_geojson
from .index import bump_boundary_version
from .models import Area, level_of_code, parent_code_of, scope_code
from .validation import check_subtree

# Property names accepted in imported GeoJSON, English first, then common Chinese ledger headings.
PROPERTY_ALIASES = {
    "code": ("code", "编码", "区划代码", "网格编码"),
    "name": ("name", "名称", "网格名称"),
    "level": ("level", "层级"),
    "kind": ("kind", "城乡类型", "类型"),
    "responsible_name": ("responsible_name", "responsible", "负责人"),
    "responsible_phone": ("responsible_phone", "负责人电话", "电话"),
}
KIND_ALIASES = {"urban": "urban", "城镇": "urban", "城市": "urban", "rural": "rural", "农村": "rural"}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"feature": n, "code": .., "field": .., "message": ..}
    violations: list[dict] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False

    def as_dict(self) -> dict:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "errors": self.errors,
            "violations": self.violations,
            "dry_run": self.dry_run,
            "committed": self.committed,
        }


class _Rollback(Exception):
    pass


def _prop(props: dict, name: str):
    for key in PROPERTY_ALIASES[name]:
        if key in props and props[key] not in (None, ""):
            return props[key]
    return None


def _parse_features(data) -> tuple[list[dict], list[dict]]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
        data.get("features"), list
    ):
        raise UserError(_("The file must be a GeoJSON FeatureCollection."), field="file")
    rows, errors = [], []
    seen: set[str] = set()
    for number, feature in enumerate(data["features"], start=1):
        props = (feature or {}).get("properties") or {}
        code = _prop(props, "code")
        code = str(code).strip() if code is not None else ""

        def bad(field_name, message, code=code, number=number):
            errors.append({"feature": number, "code": code, "field": field_name, "message": str(message)})

        if level_of_code(code) is None:
            bad("code", _("code must be 6, 9, 12 or 15 digits (city ending in 00, district, street, community, grid)."))
            continue
        if code in seen:
            bad("code", _("code appears twice in the file."))
            continue
        seen.add(code)
        level = level_of_code(code)
        declared = _prop(props, "level")
        if declared and declared != level:
            bad("level", _("level %(declared)s does not match a %(n)s-digit code.") % {"declared": declared, "n": len(code)})
            continue
        name = _prop(props, "name")
        if not name or len(str(name)) > 100:
            bad("name", _("name is required (at most 100 characters)."))
            continue
        kind_raw = _prop(props, "kind")
        kind = KIND_ALIASES.get(str(kind_raw).strip()) if kind_raw else None
        if kind_raw and kind is None:
            bad("kind", _("kind must be urban (城镇) or rural (农村)."))
            continue
        try:
            geom = parse_boundary(feature.get("geometry"), field="geometry")
        except UserError as exc:
            bad("geometry", exc.message)
            continue
        rows.append(
            {
                "code": code,
                "level": level,
                "name": str(name).strip(),
                "kind": kind,
                "geom": geom,
                "responsible_name": str(_prop(props, "responsible_name") or "")[:50],
                "responsible_phone": str(_prop(props, "responsible_phone") or "")[:30],
            }
        )
    return rows, errors


def do_import_areas(
    data: dict, *, actor, dry_run: bool = False, allow_violations: bool = False, source: str = ""
) -> ImportReport:
    """Create or update areas from a GeoJSON FeatureCollection, all or nothing.

    Structural errors (bad code, unknown parent, invalid polygon, outside the
    actor's jurisdiction) reject the file. Topology violations (overlap, gap,
    outside parent) reject it too unless ``allow_violations``.
    """
    report = ImportReport(dry_run=dry_run)
    rows, report.errors = _parse_features(data)
    file_codes = {r["code"] for r in rows}
    for row in rows:
        if not in_scope(actor, row["code"], AREAS_IMPORT):
            report.errors.append(
                {"feature": None, "code": row["code"], "field": "code", "message": _("outside your jurisdiction.")}
            )
        parent_code = parent_code_of(row["code"])
        if row["level"] == Area.Level.DISTRICT:
            # A district sits below its city when the city is held (in the system or the file);
            # a deployment of one district has none.
            if parent_code in file_codes or Area.objects.filter(code=parent_code).exists():
                row["parent_code"] = parent_code
        elif row["level"] != Area.Level.CITY:
            row["parent_code"] = parent_code
            if parent_code not in file_codes and not Area.objects.filter(code=parent_code).exists():
                report.errors.append(
                    {
                        "feature": None,
                        "code": row["code"],
                        "field": "code",
                        "message": _("parent area %(code)s exists neither in the system nor in the file.")
                        % {"code": parent_code},
                    }
                )
    if report.errors or not rows:
        if not rows and not report.errors:
            report.errors.append({"feature": None, "code": "", "field": "file", "message": _("the file has no features.")})
        audit.record(
            "areas.import", actor=actor, outcome="failed", object_type="areas.area", object_repr=source[:200],
            detail={"errors": len(report.errors)},
        )
        return report

    try:
        with transaction.atomic():
            existing = {a.code: a for a in Area.objects.select_for_update().filter(code__in=file_codes)}
            by_code = dict(existing)
            for row in sorted(rows, key=lambda r: r["code"]):
                geom = row["geom"]
                minx, miny, maxx, maxy = geom.bounds
                values = {
                    "level": row["level"],
                    "name": row["name"],
                    "boundary": to_geojson(geom),
                    "min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy,
                    "responsible_name": row["responsible_name"],
                    "responsible_phone": row["responsible_phone"],
                }
                if row["kind"]:
                    values["kind"] = row["kind"]
                area = by_code.get(row["code"])
                if area is None:
                    parent = by_code.get(row.get("parent_code")) or Area.objects.filter(
                        code=row.get("parent_code")
                    ).first()
                    if parent is not None:
                        by_code[parent.code] = parent
                        values.setdefault("kind", parent.kind)
                    area = Area(code=row["code"], parent=parent, **values)
                    area.full_clean(exclude=["boundary"])
                    area.save()
                    if area.level == Area.Level.CITY:  # the districts already held come under it
                        Area.objects.filter(level=Area.Level.DISTRICT, parent__isnull=True,
                                            code__startswith=area.scope_code).update(parent=area)
                    by_code[area.code] = area
                    report.created.append(area.code)
                    continue
                changed = any(getattr(area, k) != v for k, v in values.items())
                if not changed:
                    report.unchanged.append(area.code)
                    continue
                for key, value in values.items():
                    setattr(area, key, value)
                area.version += 1
                area.save()
                report.updated.append(area.code)
            for root in minimal_prefixes(scope_code(c[:6]) for c in file_codes):
                report.violations.extend(v.as_dict() for v in check_subtree(root))
            if report.violations and not allow_violations:
                raise _Rollback
            if dry_run:
                raise _Rollback
            bump_boundary_version()
            for code in file_codes:  # re-check after the write: nothing may land outside the actor's scope
                ensure_in_scope(actor, code, AREAS_IMPORT)
            audit.record(
                "areas.import",
                actor=actor,
                object_type="areas.area",
                object_repr=source[:200],
                area_code=minimal_prefixes(file_codes)[0] if len(minimal_prefixes(file_codes)) == 1 else "",
                detail={
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "unchanged": len(report.unchanged),
                    "violations": len(report.violations),
                    "codes": sorted(report.created + report.updated)[:200],
                },
            )
            report.committed = True
    except _Rollback:
        pass
    except ValidationError as exc:
        report.errors.append({"feature": None, "code": "", "field": "", "message": "; ".join(exc.messages)})
    return report


def do_update_area(area: Area, *, actor, expected_version: int, **changes) -> Area:
    """Edit name, kind or the responsible person of an area (optimistic version check)."""
    allowed = {"name", "kind", "responsible_name", "responsible_phone"}
    unknown = set(changes) - allowed
    if unknown:
        raise UserError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = Area.objects.select_for_update().get(pk=area.pk)
        ensure_in_scope(actor, locked.code, AREAS_MANAGE)
        if locked.version != expected_version:
            raise Conflict(_("Someone else changed this area meanwhile; reload it and try again."))
        before = {k: getattr(locked, k) for k in changes}
        for key, value in changes.items():
            setattr(locked, key, value)
        locked.version += 1
        try:
            locked.full_clean(exclude=["boundary", "parent"])
        except ValidationError as exc:
            raise UserError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
        locked.save()
        ensure_in_scope(actor, locked.code, AREAS_MANAGE)
        audit.record("areas.update", actor=actor, obj=locked, detail={"before": before, "after": changes})
    return locked


def do_set_area_counts(per_grid: dict[str, tuple[int, int]], *, actor=None, root_code: str = "") -> int:
    """Set households and population of the grids under ``root_code`` from ``per_grid`` (grid code →
    (households, population); a grid not given has none) and roll them up to every level above.
    The register computes the counts (``registry.actions.do_recount_area_stats``)."""
    with transaction.atomic():
        areas = list(Area.objects.select_for_update().filter(code__startswith=scope_code(root_code)).order_by("-code"))
        totals: dict[str, list[int]] = {}
        for area in areas:
            if area.level == Area.Level.GRID:
                h, p = per_grid.get(area.code, (0, 0))
            else:
                h, p = totals.get(area.code, [0, 0])
            if area.parent_id:
                acc = totals.setdefault(parent_code_of(area.code), [0, 0])
                acc[0] += h
                acc[1] += p
            area.households, area.population = h, p
        Area.objects.bulk_update(areas, ["households", "population"], batch_size=1000)
        audit.record("areas.recount", actor=actor, object_type="areas.area", area_code=root_code,
                     detail={"areas": len(areas)})
    return len(areas)
