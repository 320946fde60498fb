"""Health pages: the team member's tasks of today (phone), a person's health page (record, agreements,
programmes, visits, referrals — an audited read), the signing form, a referral, teams and figures."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core import periods
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError
from civicgrid.core.forms import add_action_error

from . import actions, figures, queries
from .capabilities import HEALTH_CARE, HEALTH_MANAGE, HEALTH_VIEW
from .forms import EnrolForm, ReferralForm, SignForm, TeamForm, VisitForm

LEVELS = ("community", "team", "street", "grid", "district")


def _period(value: str):
    try:
        return periods.parse(value) if value else periods.current("year")
    except ValueError:
        return periods.current("year")


@capability_required(HEALTH_VIEW)
def home(request):
    period = _period(request.GET.get("period", ""))
    level = request.GET.get("level", "community")
    level = level if level in LEVELS else "community"
    rows = queries.figure_rows(request.user, period, level)
    return render(request, "health/home.html", {
        "period": period, "level": level, "levels": LEVELS, "rows": rows, "codes": figures.CODES,
        "labels": FIGURE_LABELS, "teams": queries.visible_teams(request.user).order_by("area_code", "name")[:200],
    })


def _offset(value: str) -> int:
    return min(int(value), 1_000_000) if value.isdigit() else 0


@capability_required(HEALTH_VIEW)
def tasks(request):
    """Today's follow-ups of the user's team(s) by household, a page of households at a time; with
    ``?view=upcoming`` the windows opening in the next days."""
    team = request.GET.get("team", "")
    team_id = int(team) if team.isdigit() and len(team) < 10 else None
    offset = _offset(request.GET.get("offset", ""))
    if request.GET.get("view") == "upcoming":
        return render(request, "health/tasks_upcoming.html",
                      {"work": queries.upcoming_tasks(request.user, team_id=team_id, offset=offset), "team": team_id})
    work = queries.worklist(request.user, team_id=team_id, offset=offset)
    return render(request, "health/tasks.html", {"work": work, "team": team_id})


@capability_required(HEALTH_VIEW)
def person(request, pk):
    summary = queries.person_summary(request.user, pk)
    enrolments = summary["enrolments"]
    visit_form = VisitForm(enrolments=enrolments, prefix="v")
    enrol_form = EnrolForm(programmes=summary["programmes"], prefix="e")
    referral_form = ReferralForm(hospitals=queries.hospitals(request.user), prefix="r")
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "visit":
                visit_form = VisitForm(request.POST, enrolments=enrolments, prefix="v")
                if visit_form.is_valid():
                    data = dict(visit_form.cleaned_data)
                    enrolment = queries.access_enrolment(request.user, data.pop("enrolment"))
                    actions.do_record_visit(enrolment, actor=request.user, **data)
                    messages.success(request, _("The visit is recorded."))
                    return redirect("health:person", pk=pk)
            elif what == "enrol":
                enrol_form = EnrolForm(request.POST, programmes=summary["programmes"], prefix="e")
                if enrol_form.is_valid():
                    actions.do_enrol(summary["person"], enrol_form.cleaned_data["programme"], actor=request.user,
                                     enrolled_on=enrol_form.cleaned_data["enrolled_on"],
                                     anchor_date=enrol_form.cleaned_data["anchor_date"])
                    messages.success(request, _("Enrolled; the tasks are scheduled."))
                    return redirect("health:person", pk=pk)
            elif what == "referral":
                referral_form = ReferralForm(request.POST, hospitals=queries.hospitals(request.user), prefix="r")
                if referral_form.is_valid():
                    data = referral_form.cleaned_data
                    created = actions.do_request_referral(summary["person"], actor=request.user,
                                                          direction=data["direction"], hospital=data["hospital"],
                                                          reason=data["reason"], appointment_at=data["appointment_at"])
                    return redirect("health:referral", pk=created.pk)
            elif what in ("renew", "terminate"):
                contract = queries.access_contract(request.user, request.POST.get("contract", ""))
                version = int(request.POST.get("version") or 0) or None
                if what == "renew":
                    actions.do_renew_contract(contract, actor=request.user, version=version)
                else:
                    actions.do_terminate_contract(contract, actor=request.user, version=version,
                                                  reason=request.POST.get("reason", ""))
                messages.success(request, _("Saved."))
                return redirect("health:person", pk=pk)
        except UserError as exc:
            form = {"visit": visit_form, "enrol": enrol_form, "referral": referral_form}.get(what)
            if form is not None:
                add_action_error(form, exc)
            else:
                messages.error(request, exc.message)
    return render(request, "health/person.html", {**summary, "visit_form": visit_form, "enrol_form": enrol_form,
                                                  "referral_form": referral_form})


@capability_required(HEALTH_VIEW)
def sign(request):
    text = request.GET.get("q", "").strip()[:50]
    people = list(queries.person_candidates(request.user, text, limit=200))
    form = SignForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target, _record = queries.access_health_person(request.user, data["person"])
            contract = actions.do_sign_contract(
                target, actor=request.user, package=data["package"], start_date=data["start_date"],
                record_data={"allergies": data["allergies"], "history": data["history"]})
        except UserError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, _("Agreement %(n)s signed.") % {"n": contract.number})
            return redirect("health:person", pk=target.pk)
    return render(request, "health/sign.html", {"form": form, "q": text})


@capability_required(HEALTH_VIEW)
def referral(request, pk):
    if request.method == "POST":
        obj = queries.access_referral(request.user, pk)
        try:
            actions.do_referral_step(obj, request.POST.get("step", ""), actor=request.user,
                                     version=int(request.POST.get("version") or 0) or None,
                                     note=request.POST.get("note", ""),
                                     appointment_at=request.POST.get("appointment_at") or None)
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("health:referral", pk=pk)
    return render(request, "health/referral.html", queries.referral_detail(request.user, pk))


@capability_required(HEALTH_VIEW)
def team(request, pk):
    obj = queries.access_team(request.user, pk)
    return render(request, "health/team.html", {
        "team": obj, "members": queries.team_members(obj), "sizing": actions.health_grid_sizing(obj.grid_codes)})


FIGURE_LABELS = {
    "records": gettext_lazy("record rate"), "contracts": gettext_lazy("agreement rate"), "htn_managed": gettext_lazy("hypertension managed"),
    "htn_standard": gettext_lazy("hypertension standard management"), "htn_control": gettext_lazy("hypertension control"),
    "dm_managed": gettext_lazy("diabetes managed"), "dm_standard": gettext_lazy("diabetes standard management"),
    "dm_control": gettext_lazy("diabetes control"), "elderly": gettext_lazy("65+ health management"), "ontime": gettext_lazy("follow-ups on time"),
    "coverage": gettext_lazy("grid coverage"), "awareness": gettext_lazy("awareness"),
    "satisfaction": gettext_lazy("satisfaction"), "staff": gettext_lazy("centre staff in teams"),
    "provision": gettext_lazy("service provision"), "disease_ontime": gettext_lazy("disease reports on time"),
}


# --- half-yearly report forms and team assessment ----------------------------------------------------------
@capability_required(HEALTH_VIEW)
def reports(request):
    from civicgrid.areas.queries import visible_areas

    from . import reports as forms_

    period_code = request.GET.get("period", "") or request.POST.get("period", "")
    errors, general, status = {}, "", 200
    if request.method == "POST":
        try:
            report = forms_.do_fill_report(actor=request.user, street_code=request.POST.get("street", ""),
                                           period_code=period_code)
        except UserError as exc:
            # Beside its field (the period or the street); anything else above the form.
            errors = {k: v for k, v in exc.errors.items() if k in ("period", "street")}
            general = "" if errors else exc.message
            status = exc.status
        else:
            return redirect("health:report", pk=report.pk)
    rows = queries.visible_reports(request.user).order_by("-period", "area_code")[:200]
    streets = visible_areas(request.user).filter(level="street").order_by("code")[:100]
    district = None
    if period_code:
        codes = [c for c in (request.user.scope_codes(HEALTH_VIEW) or [""]) if len(c) <= 6]
        if codes:
            district = {"code": codes[0] or "", "cells": forms_.district_total(codes[0], period_code)}
            district["rates"] = forms_.rates(district["cells"]) if district["cells"] else {}
    return render(request, "health/reports.html", {
        "reports": rows, "streets": streets, "period": period_code, "district": district, "cells": forms_.CELLS,
        "errors": errors, "general": general, "street": request.POST.get("street", "")}, status=status)


@capability_required(HEALTH_VIEW)
def report(request, pk):
    from . import reports as forms_
    from .rules import REPORT_FLOW

    obj = queries.access_report(request.user, pk)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "fill":
                forms_.do_fill_report(actor=request.user, street_code=obj.area_code, period_code=obj.period)
            else:
                forms_.do_report_step(obj, step, actor=request.user,
                                      version=int(request.POST.get("version") or 0) or None,
                                      note=request.POST.get("note", ""))
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("health:report", pk=pk)
    cells = [(label, obj.figures.get(key)) for key, label, _f, _p in forms_.CELLS]
    rates = [(label, forms_.rates(obj.figures).get(key) if obj.figures else None) for key, label, _n, _d in forms_.RATES]
    return render(request, "health/report.html", {
        "report": obj, "cells": cells, "rates": rates, "events": obj.events.all(),
        "steps": REPORT_FLOW.available(request.user, obj)})


@capability_required(HEALTH_VIEW)
def report_xlsx(request, pk):
    from django.http import HttpResponse

    from civicgrid.core import audit

    from . import reports as forms_

    obj = queries.access_report(request.user, pk)
    audit.record("health.report.export", actor=request.user, obj=obj)
    response = HttpResponse(forms_.export_xlsx(obj),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="health-{obj.area_code}-{obj.period}.xlsx"'
    return response


@capability_required(HEALTH_VIEW)
def assessment(request):
    from . import reports as forms_

    period = _period(request.GET.get("period", ""))
    teams = list(queries.visible_teams(request.user).filter(active=True).order_by("area_code", "name")[:200])
    return render(request, "health/assessment.html", {
        "period": period, "rows": forms_.assessment(teams, period),
        "items": forms_.AssessmentItem.objects.filter(active=True).order_by("code")})


# --- the map of health grids and teams; forming a team ----------------------------------------------------
@capability_required(HEALTH_VIEW)
def team_map(request):
    from civicgrid.core import plugins

    layers = [layer for layer in plugins.map_layers() if request.user.has_capability(layer.capability)]
    return render(request, "health/map.html", {"rows": queries.team_map(request.user), "layers": layers})


@capability_required(HEALTH_VIEW)
def team_map_geojson(request):
    from django.http import JsonResponse

    return JsonResponse(queries.team_map_geojson(request.user))


@capability_required(HEALTH_MANAGE)
def form_team(request):
    """The health-centre manager forms a team for 2–3 base grids of a community (``do_create_team``);
    004b's size rule is reported as a warning on the team's page, not refused."""
    code = request.GET.get("community", "") or request.POST.get("community", "")
    communities = queries.manageable_communities(request.user)[:500]
    if not code:
        return render(request, "health/form_team.html", {"communities": communities, "community": None})
    community = queries.access_community_to_manage(request.user, code)
    grids = queries.community_grids(community)
    form = TeamForm(request.POST or None, grids=grids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = actions.do_create_team(actor=request.user, community_code=community.code, name=data["name"],
                                          grid_codes=data["grid_codes"], centre=data["centre"],
                                          centre_medical_staff=data["centre_medical_staff"] or 0)
        except UserError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, _("Team %(n)s formed.") % {"n": team.name})
            for warning in actions.health_grid_sizing(team.grid_codes)["warnings"]:
                messages.warning(request, warning)
            return redirect("health:team", pk=team.pk)
    return render(request, "health/form_team.html", {"communities": communities, "community": community,
                                                     "grids": grids, "form": form})


# --- infectious-disease reports -------------------------------------------------------------------------------
DISEASE_STATES = ("filed", "verified", "reported", "closed", "returned")


@capability_required(HEALTH_VIEW)
def disease_reports(request):
    """The disease reports the user may see, newest first, with the late flag; ``?state=`` and ``?late=1``."""
    qs = queries.visible_disease_reports(request.user).order_by("-reported_at", "-id")
    state = request.GET.get("state", "")
    if state in DISEASE_STATES:
        qs = qs.filter(status=state)
    late = request.GET.get("late", "") == "1"
    if late:
        qs = qs.filter(late=True)
    return render(request, "health/diseases.html", {
        "reports": qs[:300], "state": state, "late": late, "states": DISEASE_STATES,
        "may_file": request.user.has_capability(HEALTH_CARE) or request.user.has_capability(HEALTH_MANAGE)})


@capability_required(HEALTH_VIEW)
def disease_report_new(request):
    from django.core.exceptions import PermissionDenied

    from .forms import DiseaseReportForm

    if not (request.user.has_capability(HEALTH_CARE) or request.user.has_capability(HEALTH_MANAGE)):
        raise PermissionDenied

    text = request.GET.get("q", "").strip()[:50]
    people = list(queries.person_candidates(request.user, text, limit=200))
    diseases = list(queries.diseases())
    form = DiseaseReportForm(request.POST or None, people=people, diseases=diseases)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            target, _record = queries.access_health_person(request.user, data.pop("person"))
            report = actions.do_file_disease_report(
                target, actor=request.user, disease=data.pop("disease"), case_type=data.pop("case_type"),
                diagnosed_at=data.pop("diagnosed_at"), reported_at=data.pop("reported_at"), details=data)
        except UserError as exc:
            add_action_error(form, exc)
        else:
            if report.late:
                messages.warning(request, _("Report %(n)s filed — late: more than %(h)s hours after the diagnosis.")
                                 % {"n": report.number, "h": report.limit_hours})
            else:
                messages.success(request, _("Report %(n)s filed.") % {"n": report.number})
            return redirect("health:disease_report", pk=report.pk)
    return render(request, "health/disease_form.html", {"form": form, "q": text, "diseases": diseases})


@capability_required(HEALTH_VIEW)
def disease_report(request, pk):
    if request.method == "POST":
        obj = queries.access_disease_report(request.user, pk)
        try:
            actions.do_disease_report_step(obj, request.POST.get("step", ""), actor=request.user,
                                           version=int(request.POST.get("version") or 0) or None,
                                           note=request.POST.get("note", ""))
        except UserError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("health:disease_report", pk=pk)
    return render(request, "health/disease_report.html", queries.disease_report_detail(request.user, pk))


# --- health-supervision findings -------------------------------------------------------------------------------
@capability_required(HEALTH_VIEW)
def supervision(request):
    """The findings of the jurisdiction with their cases' state, and (for a team member or the centre)
    the form that reports one into the case loop."""
    from .forms import FindingForm

    # Filing goes through the cases intake (a patrol report): it needs ``cases.report`` too.
    may_file = (request.user.has_capability(HEALTH_CARE) or request.user.has_capability(HEALTH_MANAGE)) \
        and request.user.has_capability(actions.CASES_REPORT)
    text = request.GET.get("q", "").strip()[:50]
    form = None
    if may_file:
        form = FindingForm(request.POST or None, organisations=queries.supervised_organisations(request.user, text),
                           categories=actions.supervision_classes())
    if request.method == "POST":
        if form is None:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            organisation = queries.access_supervised_organisation(request.user, data["organisation"])
            try:
                finding = actions.do_file_supervision_finding(organisation, actor=request.user,
                                                              category=data["category"], title=data["title"],
                                                              description=data["description"])
            except UserError as exc:
                add_action_error(form, exc)
            else:
                messages.success(request, _("Case %(n)s reported; it is in the case loop.") % {"n": finding.case.number})
                return redirect("health:supervision")
    findings = queries.visible_findings(request.user).order_by("-created_at", "-id")[:300]
    return render(request, "health/supervision.html", {"form": form, "findings": findings, "q": text})
