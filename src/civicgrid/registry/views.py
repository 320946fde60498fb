"""Register pages: people (list, detail, register, edit), buildings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicgrid.core.access import not_found_or_denied
from civicgrid.core.capabilities import VIEW
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError
from civicgrid.core.forms import add_action_error
from civicgrid.core.scoping import in_scope, restrict
from civicgrid.registry.capabilities import (
    ADDRESS_MATCH,
    REGISTRY_EDIT,
    REGISTRY_EXPORT,
    REGISTRY_IMPORT,
    REGISTRY_REVEAL,
    REGISTRY_VIEW,
)

from . import actions, queries
from .forms import PersonForm, ReasonForm
from .models import Person, PersonTag
from .queries import visible_roads


@capability_required(REGISTRY_VIEW)
def people(request):
    search_error = None
    try:
        qs = queries.filter_people(request.user, request.GET)
    except UserError as exc:  # a full ID number or phone without the right to see them
        search_error = exc.message
        qs = queries.visible_people(request.user).none()
    q = request.GET.get("q", "").strip()
    tag = request.GET.get("tag", "")
    residence = request.GET.get("residence", "")
    page = Paginator(qs.prefetch_related("tags"), 50).get_page(request.GET.get("page"))
    return render(request, "registry/people.html", {
        "page": page, "q": q, "tag": tag, "residence": residence, "tags": PersonTag.Tag.choices,
        "residences": Person.Residence.choices,
        "can_edit": request.user.has_capability(REGISTRY_EDIT),
        "can_export": request.user.has_capability(REGISTRY_EXPORT),
        "can_reveal_export": request.user.has_capability(REGISTRY_EXPORT)
        and request.user.has_capability(REGISTRY_REVEAL),
        "export_form": ReasonForm(prefix="export"), "filters": request.GET.urlencode(),
        "can_import": request.user.has_capability(REGISTRY_IMPORT), "search_error": search_error,
    }, status=403 if search_error else 200)


@capability_required(REGISTRY_VIEW)
def person(request, pk):
    person = queries.access_person(request.user, pk)
    user = request.user
    revealed = special = None
    reveal_form = ReasonForm(prefix="reveal")
    special_form = ReasonForm(prefix="special")
    if request.method == "POST" and "reveal-reason" in request.POST:
        reveal_form = ReasonForm(request.POST, prefix="reveal")
        if reveal_form.is_valid():
            revealed = queries.reveal_identifiers(user, person, reason=reveal_form.cleaned_data["reason"])
    elif request.method == "POST" and "special-reason" in request.POST:
        special_form = ReasonForm(request.POST, prefix="special")
        if special_form.is_valid():
            special = queries.special_records(user, person, reason=special_form.cleaned_data["reason"])
    return render(request, "registry/person.html", {
        "person": person, "revealed": revealed, "special": special,
        "reveal_form": reveal_form, "special_form": special_form,
        "can_reveal": queries.can_reveal(user, person), "can_special": queries.can_see_special(user, person),
        "can_edit": in_scope(user, person.area_code, REGISTRY_EDIT),
        "members": queries.visible_people(user).filter(household=person.household) if person.household_id else [],
        "events": person.events.all()[:50],
        "tags": [t.get_tag_display() for t in person.tags.all()],
    })


def _person_form_data(cleaned: dict, *, editing: bool) -> dict:
    data = {k: cleaned[k] for k in ("name", "id_type", "residence", "relation", "note")}
    for secret in ("id_number", "phone"):
        if cleaned.get(secret) or not editing:
            data[secret] = cleaned.get(secret, "")
    return data


def _building_places(user, building_id):
    """Rooms and households of a building the user may edit (the lists beside the building)."""
    if not building_id:
        return (), ()
    houses = restrict(queries.visible_houses(user), user, capability=REGISTRY_EDIT).filter(
        building_id=building_id).order_by("unit", "number")[:500]
    households = restrict(queries.visible_households(user), user, capability=REGISTRY_EDIT).filter(
        building_id=building_id, dissolved=False).select_related("head").order_by("number")[:500]
    return houses, households


def _new_person_form(request, data=None):
    building_id = _int_or_none((data or request.GET).get("building"))
    houses, households = _building_places(request.user, building_id)
    return PersonForm(data, buildings=_editable_buildings(request.user), houses=houses, households=households,
                      places_url=reverse("registry:person_places"))


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@capability_required(REGISTRY_EDIT)
def person_places(request):
    """htmx: the room and household fields for the building just chosen on the register form."""
    return render(request, "registry/_person_places.html", {"form": _new_person_form(request)})


@capability_required(REGISTRY_EDIT)
def person_new(request):
    form = _new_person_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = _person_form_data(form.cleaned_data, editing=False)
        building = queries.access_building(request.user, form.cleaned_data["building"])
        house = household = None
        if form.cleaned_data.get("house"):
            house = queries.visible_houses(request.user).filter(pk=form.cleaned_data["house"],
                                                                building=building).first()
        choice = form.cleaned_data.get("household") or ""
        if choice and choice != PersonForm.NEW_HOUSEHOLD:
            household = queries.access_household(request.user, choice)
        try:
            with transaction.atomic():  # the person and, if asked, their new household: both or neither
                created = actions.do_register_person(actor=request.user, building=building, house=house,
                                                     household=household, tags=form.cleaned_data["tags"], **data)
                if choice == PersonForm.NEW_HOUSEHOLD:
                    actions.do_create_household(actor=request.user, head=created, building=building, house=house)
        except UserError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:person", pk=created.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": None})


def _editable_buildings(user):
    return restrict(queries.visible_buildings(user), user, capability=REGISTRY_EDIT).order_by("address")[:2000]


@capability_required(REGISTRY_EDIT)
def person_edit(request, pk):
    person = queries.access_person(request.user, pk)
    if not in_scope(request.user, person.area_code, REGISTRY_EDIT):
        not_found_or_denied(request.user, person)
    initial = {"name": person.name, "id_type": person.id_type, "residence": person.residence,
               "relation": person.relation, "note": person.note,
               "tags": list(person.tags.values_list("tag", flat=True))}
    form = PersonForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = _person_form_data(form.cleaned_data, editing=True)
        try:
            actions.do_update_person(person, actor=request.user, expected_version=int(request.POST.get("version", 0)),
                                     tags=form.cleaned_data["tags"], **data)
        except UserError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:person", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


@capability_required(VIEW)
def building(request, pk):
    building = queries.access_building(request.user, pk)
    residents = houses = None
    if request.user.has_capability(REGISTRY_VIEW):
        residents = queries.visible_people(request.user).filter(building=building)[:500]
        houses = queries.visible_houses(request.user).filter(building=building)
    return render(request, "registry/building.html", {"building": building, "residents": residents,
                                                      "houses": houses})


ADDRESS_MATCH_PAGE_LIMIT = 5


@capability_required(ADDRESS_MATCH)
def address_match(request):
    """A typed address → the registered buildings of the user's jurisdiction that fit it, with
    grid and position (a hotline seat taking a complaint, a grid worker filing a ledger)."""
    from .forms import AddressMatchForm

    form = AddressMatchForm(request.GET if "q" in request.GET else None)
    results = None
    if form.is_bound and form.is_valid():
        try:
            results = queries.match_address(request.user, form.cleaned_data["q"], ADDRESS_MATCH_PAGE_LIMIT)
        except UserError as exc:
            form.add_error("q", exc.message)
    return render(request, "registry/address_match.html", {
        "form": form, "results": results, "can_view": request.user.has_capability(VIEW),
    })


@capability_required(VIEW)
def roads_geojson(request):
    """The registered roads the user may see, with their names (a layer of the maps)."""
    features = [
        {"type": "Feature", "geometry": road.geometry, "properties": {"name": road.name}}
        for road in visible_roads(request.user).iterator(2000)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False})
