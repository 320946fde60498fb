"""Area pages: tree, list, detail, map, lookup, import and export."""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicgrid.areas.capabilities import AREAS_IMPORT, AREAS_MANAGE, LOOKUP
from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError
from civicgrid.core.forms import add_action_error
from civicgrid.core.scoping import in_scope

from . import actions, exports
from .forms import AreaEditForm, ImportForm, LookupForm
from .index import grid_index
from .models import Area, parent_code_of
from .queries import access_area, visible_ancestors, visible_areas, visible_roots
from .sizing import check_area_size, sizing_report
from .validation import check_subtree


@capability_required(VIEW)
def tree(request):
    """The tree down to communities; grids load when a community is opened."""
    areas = visible_areas(request.user).exclude(level=Area.Level.GRID).annotate(n_children=Count("children"))
    nodes = {a.code: {"area": a, "children": []} for a in areas}
    roots = []
    for code, node in nodes.items():
        parent = nodes.get(parent_code_of(code))
        (parent["children"] if parent else roots).append(node)
    if not roots:  # grid-level users: their grids are the roots
        roots = [{"area": a, "children": []} for a in visible_roots(request.user)]
    return render(request, "areas/tree.html", {"roots": roots})


@capability_required(VIEW)
def children_fragment(request, code):
    area = access_area(request.user, code)
    children = visible_areas(request.user).filter(parent=area).order_by("code")
    return render(request, "areas/_children.html", {"children": children})


@capability_required(VIEW)
def area_list(request):
    qs = visible_areas(request.user).select_related("parent")
    level = request.GET.get("level") or ""
    q = request.GET.get("q", "").strip()
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__contains=q) | qs.filter(code__startswith=q)
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    return render(request, "areas/list.html", {"page": page, "level": level, "q": q, "levels": Area.Level.choices})


@capability_required(VIEW)
def detail(request, code):
    area = access_area(request.user, code)
    user = request.user
    can_manage = in_scope(user, area.code, AREAS_MANAGE)
    form = None
    if can_manage:
        if request.method == "POST":
            form = AreaEditForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    actions.do_update_area(area, actor=user, expected_version=data.pop("version"), **data)
                except UserError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("areas:detail", code=area.code)
        else:
            form = AreaEditForm(initial={"version": area.version, "name": area.name, "kind": area.kind,
                                         "responsible_name": area.responsible_name,
                                         "responsible_phone": area.responsible_phone})
    elif request.method == "POST":
        raise Http404
    ancestors = visible_ancestors(user, area)
    context = {
        "area": area,
        "ancestors": ancestors,
        "children": visible_areas(user).filter(parent=area).order_by("code"),
        # What other apps show here (the staff and units of the area, …), as they declare it.
        "panels": [plugins.resolve(p.render)(request, area) for p in plugins.panels("areas.detail")],
        "sizing": check_area_size(area),
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "areas/detail.html", context)


@capability_required(VIEW)
def checks(request, code):
    area = access_area(request.user, code, AREAS_MANAGE)
    subtree = visible_areas(request.user).filter(code__startswith=area.code, level__in=["grid", "community"])
    sizing = sizing_report(subtree.order_by("code"))
    return render(request, "areas/checks.html", {
        "area": area,
        "violations": check_subtree(area.code),
        "sizing": [s for s in sizing if not s.ok],
        "sizing_total": len(sizing),
    })


@capability_required(VIEW)
def map_view(request):
    levels = [(value, label) for value, label in Area.Level.choices
              if visible_areas(request.user).filter(level=value).exists()]
    # The layers other apps offer (roads, buildings, facilities), drawn by map.js's context().
    layers = [layer for layer in plugins.map_layers() if request.user.has_capability(layer.capability)]
    return render(request, "areas/map.html", {"levels": levels, "focus": request.GET.get("focus", ""),
                                              "layers": layers})


@capability_required(LOOKUP)
def lookup(request):
    form = LookupForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        points = form.cleaned_data["points"]
        codes = grid_index().lookup_many([p[1] for p in points], [p[2] for p in points])
        visible = {a.code: a for a in visible_areas(request.user).filter(
            code__in={c for c in codes if c is not None})}
        results = [{"id": p[0], "lon": p[1], "lat": p[2], "grid": visible.get(c)} for p, c in
                   zip(points, codes, strict=True)]
    return render(request, "areas/lookup.html", {"form": form, "results": results})


@capability_required(AREAS_IMPORT)
def import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = json.loads(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not text in UTF-8: save it as UTF-8 GeoJSON and upload it again."))
        except RecursionError:
            form.add_error("file", _("The file nests its brackets deeper than any GeoJSON does: it is not a boundary "
                                     "file."))
        except json.JSONDecodeError as exc:
            # Not the parser's English ("Expecting ',' delimiter…"): where, and what is likely wrong.
            form.add_error("file", _("The file is not valid GeoJSON: its text breaks off or is mistyped near line "
                                     "%(line)s, column %(col)s (often a missing comma, bracket or quotation mark). "
                                     "Export it again from the mapping program, or check it there.")
                           % {"line": exc.lineno, "col": exc.colno})
        else:
            try:
                report = actions.do_import_areas(
                    data, actor=request.user, dry_run=form.cleaned_data["dry_run"],
                    allow_violations=form.cleaned_data["allow_violations"], source=upload.name,
                )
            except UserError as exc:
                add_action_error(form, exc)
    return render(request, "areas/import.html", {"form": form, "report": report})


@capability_required(VIEW)
def export(request):
    qs = visible_areas(request.user)
    within = request.GET.get("within")
    if within:
        qs = qs.filter(code__startswith=within)
    level = request.GET.get("level")
    if level:
        qs = qs.filter(level=level)
    from civicgrid.core import audit

    audit.record("areas.export", actor=request.user, object_type="areas.area",
                 detail={"within": within or "", "level": level or "", "count": qs.count()})
    response = JsonResponse(exports.feature_collection(qs), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="areas.geojson"'
    return response
