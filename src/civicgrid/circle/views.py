"""Circle pages: coverage map and table, facilities, gaps and the next site, standards,
providers, the network import, and the residents' circle page."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civicgrid.circle.capabilities import CIRCLE_EDIT, CIRCLE_NETWORK, CIRCLE_RATE
from civicgrid.core.capabilities import VIEW
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.forms import add_action_error
from civicgrid.core.scoping import in_scope

from . import actions, queries
from .forms import ApplyForm, FacilityForm, ImportForm
from .models import FacilityKind, Provider
from .rules import PROVIDER_FLOW, TRANSITIONS

MINUTES = (5, 10, 15)


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _kind(value) -> str:
    return value if value in FacilityKind.values else FacilityKind.SUPERMARKET


@capability_required(VIEW)
def coverage(request):
    # A city's viewer starts from its districts (a table of every community of a city is thousands of
    # cells); everyone else from the communities.
    codes = request.user.scope_codes(VIEW)
    citywide = codes is None or any(len(c) < 6 for c in codes)
    levels = ([("district", _("district"))] if citywide else []) + [
        ("street", _("street")), ("community", _("community")), ("grid", _("grid"))]
    asked = request.GET.get("level")
    level = asked if asked in dict(levels) else ("district" if citywide else "community")
    minutes = _int(request.GET.get("minutes"), 15)
    minutes = minutes if minutes in MINUTES else 15
    kind = _kind(request.GET.get("kind"))
    # The table shows the kinds with a facility in the user's jurisdiction; ?all=1 all 27.
    present = set(queries.visible_facilities(request.user).filter(active=True).values_list("kind", flat=True))
    show_all = bool(request.GET.get("all")) or not present
    shown = [k for k in FacilityKind.values if show_all or k in present]
    table = queries.coverage(request.user, level=level, minutes=minutes, kinds=shown)
    return render(request, "circle/coverage.html", {
        "table": table, "level": level, "minutes": minutes, "kind": kind, "kinds": FacilityKind.choices,
        "show_all": show_all, "absent": [FacilityKind(k).label for k in FacilityKind.values if k not in present],
        "minutes_choices": MINUTES, "levels": levels,
        "kind_labels": dict(FacilityKind.choices), "run": queries.latest_run(request.user),
        "networks": queries.visible_networks(request.user),
        "can_network": request.user.has_capability(CIRCLE_NETWORK),
    })


@capability_required(VIEW)
def facilities(request):
    qs = queries.visible_facilities(request.user)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "circle/facilities.html", {
        "page": page, "kind": kind, "kinds": FacilityKind.choices,
        "can_edit": request.user.has_capability(CIRCLE_EDIT),
    })


def _facility_data(cleaned: dict) -> dict:
    data = {k: cleaned[k] for k in ("kind", "name", "level", "lon", "lat", "area_m2", "capacity", "opening_hours",
                                     "operator", "offpeak_hours", "active")}
    return data


def _unit(user, number):
    """A resident unit of the register the user may see (its facilities open off-peak, R-CIR-5)."""
    from civicgrid.registry.queries import access_organisation

    if not number:
        return None
    unit = access_organisation(user, number)
    if unit.kind != "resident_unit":
        raise UserError(_("unit: the organisation is not a resident unit."), field="unit")
    return unit


@capability_required(CIRCLE_EDIT)
def facility_new(request):
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = _facility_data(form.cleaned_data)
        try:
            created = actions.do_create_facility(actor=request.user, services=form.cleaned_data["services"],
                                                 unit=_unit(request.user, form.cleaned_data["unit"]), **data)
        except UserError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("circle:facility", pk=created.pk)
    return render(request, "circle/facility_form.html", {"form": form, "facility": None})


@capability_required(VIEW)
def facility(request, pk):
    obj = queries.access_facility(request.user, pk)
    can_edit = in_scope(request.user, obj.area_code, CIRCLE_EDIT)
    form = None
    if can_edit:
        initial = {f: getattr(obj, f) for f in ("kind", "name", "level", "lon", "lat", "area_m2", "capacity",
                                                 "opening_hours", "operator", "offpeak_hours", "active")}
        initial["services"] = list(obj.services.all())
        initial["unit"] = obj.unit_id
        form = FacilityForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                actions.do_update_facility(obj, actor=request.user,
                                           expected_version=_int(request.POST.get("version"), 0),
                                           services=form.cleaned_data["services"],
                                           unit=_unit(request.user, form.cleaned_data["unit"]),
                                           **_facility_data(form.cleaned_data))
            except UserError as exc:
                add_action_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("circle:facility", pk=obj.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "circle/facility.html", {"facility": obj, "form": form, "can_edit": can_edit})


@capability_required(VIEW)
def outside(request):
    kind = _kind(request.GET.get("kind"))
    minutes = _int(request.GET.get("minutes"), 15)
    minutes = minutes if minutes in MINUTES else 15
    qs = queries.buildings_outside(request.user, kind, minutes=minutes, limit=None)
    total = qs.count()
    rows = qs[:100]
    suggestion = None
    if request.method == "POST":
        suggestion = queries.suggest_site(request.user, kind, minutes=minutes)
        if request.htmx:  # the button asks with htmx: only the answer is swapped in
            return render(request, "circle/_suggestion.html", {"suggestion": suggestion,
                                                                "kind_label": FacilityKind(kind).label})
    return render(request, "circle/outside.html", {
        "rows": rows, "total": total, "kind": kind, "minutes": minutes, "kinds": FacilityKind.choices, "minutes_choices": MINUTES,
        "suggestion": suggestion, "kind_label": FacilityKind(kind).label,
    })


@capability_required(VIEW)
def standards(request):
    level = "street" if request.GET.get("level") == "street" else "community"
    report = queries.standards(request.user, level=level)
    return render(request, "circle/standards.html", {"report": report, "level": level})


@capability_required(VIEW)
def providers(request):
    qs = queries.visible_providers(request.user).prefetch_related("items")
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    return render(request, "circle/providers.html", {"providers": qs[:500], "status": status,
                                                     "statuses": Provider.Status.choices})


@capability_required(VIEW)
def provider(request, pk):
    obj = queries.access_provider(request.user, pk)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "review":
                actions.do_review_provider(obj, actor=request.user, note=request.POST.get("note", ""))
            else:
                fields = {k: request.POST.get(k) for k in ("agreement_number", "agreement_until", "hotline", "manner",
                                                           "rectify_by") if request.POST.get(k)}
                actions.do_transition_provider(obj, step, actor=request.user,
                                               expected_version=_int(request.POST.get("version"), None),
                                               note=request.POST.get("note", ""), **fields)
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("circle:provider", pk=obj.pk)
    available = PROVIDER_FLOW.available(request.user, obj, TRANSITIONS)
    steps = [name for name in TRANSITIONS if available[name]]
    from civicgrid.areas.queries import area_names

    return render(request, "circle/provider.html", {
        "provider": obj, "events": obj.events.all(), "steps": steps,
        "community_name": area_names([obj.area_code]).get(obj.area_code, ""),
        "can_review": PROVIDER_FLOW.available(request.user, obj, ["review"])["review"],
    })


@login_required
def provider_apply(request):
    from civicgrid.areas.queries import all_communities

    communities = all_communities()
    form = ApplyForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            created = actions.do_apply_provider(actor=request.user, community_code=data.pop("community"), **data)
        except UserError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, _("Your application was received (number %(n)s).") % {"n": created.pk})
            return redirect("circle:resident")
    return render(request, "circle/apply.html", {"form": form})


@capability_required(CIRCLE_NETWORK)
def network(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and request.POST.get("roads"):
        try:
            actions.do_build_network_from_roads(actor=request.user, district_code=request.POST.get("district", ""))
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The network was built from the registered roads."))
        return redirect("circle:network")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=".osm.pbf") as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                summary = actions.do_import_osm(tmp.name, actor=request.user,
                                                district_code=form.cleaned_data["district"],
                                                facilities=form.cleaned_data["facilities"])
            except UserError as exc:
                add_action_error(form, exc)
    return render(request, "circle/network.html", {
        "form": form, "summary": summary, "networks": queries.visible_networks(request.user),
        "run": queries.latest_run(request.user),
    })


@login_required
def resident(request):
    data = queries.resident_circle(request.user)
    return render(request, "circle/resident.html", {**data, "can_rate": request.user.has_capability(CIRCLE_RATE)})


@login_required
def rate(request, pk):
    if request.method != "POST":
        return redirect("circle:resident")
    obj = queries.access_rateable_provider(request.user, pk)
    try:
        actions.do_rate_provider(obj, actor=request.user, score=request.POST.get("score"),
                                 comment=request.POST.get("comment", ""))
    except UserError as exc:
        if isinstance(exc, NotPermitted) or exc.field != "score":
            messages.error(request, exc.message)
            return redirect("circle:resident")
        # Beside the provider's score, with the comment given back.
        data = queries.resident_circle(request.user)
        return render(request, "circle/resident.html", {
            **data, "can_rate": request.user.has_capability(CIRCLE_RATE),
            "rate_error": {"provider": obj.pk, "message": _("Choose a score from 1 to 5."),
                           "comment": request.POST.get("comment", "")}}, status=400)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("circle:resident")

