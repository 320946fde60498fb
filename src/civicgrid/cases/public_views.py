"""Resident-facing case pages without an account: report with a map pin, follow with the query code.

Nothing here shows staff names, internal notes or the reporter's contact; photos are served
only as their re-encoded public copy (``Attachment.public_data``, no EXIF) to whoever holds the
case's query code.
"""

from __future__ import annotations

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from civicgrid.areas.queries import area_names
from civicgrid.core.errors import UserError
from civicgrid.core.forms import without_field_name

from . import actions, queries
from .forms import PublicReportForm, RateForm, TrackForm, read_photos
from .models import Attachment, Case, CaseClass
from .rules import CASE_FLOW
from .views import field_error, photo_response

PUBLIC_IDENTITY = "public-web"


def report(request):
    """Report a problem: class, description, a pin on the map, optional photos and contact."""
    form = PublicReportForm(request.POST or None, request.FILES or None)
    status, position_error = 200, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.case_classes()
            cls = CaseClass.objects.filter(code=data["cls"], active=True).first()
            if cls is None:
                raise UserError(_("cls: choose the kind of problem."), field="cls")
            try:
                photos = read_photos(request.FILES.getlist("photos"))
            except UserError as exc:
                raise UserError(exc.message, field="photos")
            case = actions.do_report_case(
                actor=None, channel=Case.Channel.RESIDENT, cls=cls, title=cls.name, description=data["description"],
                lon=data["lon"], lat=data["lat"], address=data["address"], reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"], photos=photos, idempotency_key=data["token"],
                idempotency_identity=PUBLIC_IDENTITY)
        except UserError as exc:
            status = exc.status
            if exc.field in ("lon", "lat"):
                position_error = without_field_name(exc.message, ("lon/lat（位置）", "lon/lat", "lon", "lat"))
            else:
                field_error(form, exc)
        else:
            return render(request, "cases/public_reported.html", {"case": case})
    elif request.method == "POST":
        status = 400
        position_error = form.position_error()  # hidden fields: say it beside the map
    return render(request, "cases/public_report.html", {"form": form, "position_error": position_error},
                  status=status)


def _track_context(case: Case | None, **extra) -> dict:
    ctx = {"case": case, "form": TrackForm(),
           "rate_form": RateForm(), "error": None}
    if case is not None:
        ctx["events"] = queries.public_history(case)
        ctx["can_rate"] = CASE_FLOW.allowed(case, "rate")
        # The place in words for the reporter: their address, and the community and grid it lies in.
        names = area_names([case.area_code[:12], case.area_code])
        ctx["place_area"] = " ".join(n for n in (names.get(case.area_code[:12]), names.get(case.area_code)) if n)
        ctx["photos"] = list(case.attachments.filter(stage__in=[Attachment.Stage.REPORT, Attachment.Stage.FEEDBACK])
                             .only("id", "stage"))
    ctx.update(extra)
    return ctx


SESSION_KEY = "public_cases"  # case number → query code, for the cases this browser looked up
SESSION_MAX = 10


def _remember(request, case: Case) -> None:
    held = dict(request.session.get(SESSION_KEY) or {})
    held.pop(case.number, None)
    held[case.number] = case.query_code
    request.session[SESSION_KEY] = dict(list(held.items())[-SESSION_MAX:])


def _held_code(request, number: str) -> str:
    return (request.session.get(SESSION_KEY) or {}).get(number, "")


def track(request):
    """Follow a case by its query code: status, public history, result; rate a closed case.

    The code is posted, not put in the address: it would stay in the browser's history and in
    web server logs. A valid code is kept in this browser's session and the page redirects to
    ``?case=<number>``, which shows the case only to a session holding its code (as do its
    photos). An old link with ``?code=`` works once and redirects the same way."""
    data = request.POST if request.method == "POST" else (request.GET if "code" in request.GET else None)
    form = TrackForm(data)
    if form.is_bound:
        if not form.is_valid():
            return render(request, "cases/public_track.html", {"case": None, "form": form}, status=400)
        case = queries.public_case(form.cleaned_data["code"])
        if case is None:
            return render(request, "cases/public_track.html", {
                "case": None, "form": form, "error": _("No case has this query code.")}, status=404)
        _remember(request, case)
        response = HttpResponseRedirect(f"{request.path}?case={case.number}")
        response.status_code = 303  # See Other: a GET of the case's address, also after a POST
        return response
    number = (request.GET.get("case") or "")[:20]
    code = _held_code(request, number) if number else ""
    case = queries.public_case(code) if code else None
    if case is None or case.number != number:
        return render(request, "cases/public_track.html", {"case": None, "form": TrackForm()})
    return render(request, "cases/public_track.html", _track_context(case))


@require_POST
def rate(request):
    code = (request.POST.get("code") or "").strip().upper()
    case = queries.public_case(code)
    if case is None:
        raise Http404
    form = RateForm(request.POST)
    if not form.is_valid():
        return render(request, "cases/public_track.html", _track_context(case, rate_form=form), status=400)
    try:
        actions.do_rate_case(case, actor=None, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"],
                             query_code=code)
    except UserError as exc:
        return render(request, "cases/public_track.html", _track_context(case, error=exc.message), status=exc.status)
    case.refresh_from_db()
    _remember(request, case)
    return render(request, "cases/public_track.html", _track_context(case, thanks=True))


def photo(request, pk):
    """The public copy of a report or result photo (metadata stripped), for a session that looked
    the case up by its code (or a request carrying the code)."""
    att = queries.public_photo(pk)
    if att is None:
        raise Http404
    code = _held_code(request, att.case.number) or (request.GET.get("code") or "").strip().upper()
    if not code or att.case.query_code != code:
        raise Http404
    return photo_response(att, bytes(att.public_data), att.case.number)


@cache_control(max_age=300)
def grids(request):
    """Grid boundaries for the public map (code, name and shape only)."""
    from civicgrid.areas.queries import grid_outlines

    features = [
        {"type": "Feature", "geometry": boundary, "properties": {"code": code, "name": name, "level": "grid"}}
        for code, name, boundary in grid_outlines()
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@cache_control(max_age=300)
def roads(request):
    """Named roads for the public map (name and line only: what a resident places a pin by)."""
    from civicgrid.registry.queries import public_roads

    features = [{"type": "Feature", "geometry": geometry, "properties": {"name": name}}
                for name, geometry in public_roads()]
    return JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False})


urlpatterns: list = [
    path("report/", report, name="report"),
    path("track/", track, name="track"),
    path("track/rate/", rate, name="rate"),
    path("photos/<int:pk>/", photo, name="photo"),
    path("grids.geojson", grids, name="grids"),
    path("roads.geojson", roads, name="roads"),
]
