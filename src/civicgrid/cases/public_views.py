"""Resident-facing case pages without an account: report with a map pin, follow with the query code.

Nothing here shows staff names, internal notes or the reporter's contact; photos are served
only as their re-encoded public copy (``Attachment.public_data``, no EXIF) to whoever holds the
case's query code.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from civicgrid.areas.models import Area
from civicgrid.core.errors import UserError

from . import actions, queries
from .forms import PublicReportForm, RateForm, TrackForm, read_photos
from .models import Attachment, Case, CaseClass
from .views import field_error

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
                position_error = exc.message
            else:
                field_error(form, exc)
        else:
            return render(request, "cases/public_reported.html", {"case": case})
    elif request.method == "POST":
        status = 400
        if "lon" in form.errors or "lat" in form.errors:  # hidden fields: say it beside the map
            position_error = _("give the position as longitude and latitude in degrees (tap the map).")
    return render(request, "cases/public_report.html", {"form": form, "position_error": position_error},
                  status=status)


def _track_context(case: Case | None, **extra) -> dict:
    ctx = {"case": case, "form": TrackForm(initial={"code": case.query_code} if case else None),
           "rate_form": RateForm(), "error": None}
    if case is not None:
        ctx["events"] = queries.public_history(case)
        ctx["photos"] = list(case.attachments.filter(stage__in=[Attachment.Stage.REPORT, Attachment.Stage.FEEDBACK])
                             .only("id", "stage"))
    ctx.update(extra)
    return ctx


def track(request):
    """Follow a case by its query code: status, public history, result; rate a closed case."""
    form = TrackForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        case = queries.public_case(form.cleaned_data["code"])
        if case is None:
            return render(request, "cases/public_track.html", {
                "case": None, "form": form, "error": _("No case has this query code.")}, status=404)
        return render(request, "cases/public_track.html", _track_context(case, form=form))
    return render(request, "cases/public_track.html", {"case": None, "form": form},
                  status=400 if form.is_bound else 200)


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
    return render(request, "cases/public_track.html", _track_context(case, thanks=True))


def photo(request, pk):
    """The public copy of a report or result photo (metadata stripped), for the holder of the code."""
    att = Attachment.objects.select_related("case").filter(
        pk=pk, stage__in=[Attachment.Stage.REPORT, Attachment.Stage.FEEDBACK]).first()
    code = (request.GET.get("code") or "").strip().upper()
    if att is None or not code or att.case.query_code != code:
        raise Http404
    response = HttpResponse(bytes(att.public_data), content_type=att.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@cache_control(max_age=300)
def grids(request):
    """Grid boundaries for the public map (code, name and shape only)."""
    features = [
        {"type": "Feature", "geometry": boundary, "properties": {"code": code, "name": name, "level": "grid"}}
        for code, name, boundary in Area.objects.filter(level=Area.Level.GRID, boundary__isnull=False)
        .order_by("code").values_list("code", "name", "boundary").iterator(2000)
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


urlpatterns: list = [
    path("report/", report, name="report"),
    path("track/", track, name="track"),
    path("track/rate/", rate, name="rate"),
    path("photos/<int:pk>/", photo, name="photo"),
    path("grids.geojson", grids, name="grids"),
]
