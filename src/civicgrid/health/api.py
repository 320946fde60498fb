"""Community health API (``/api/health/``): teams, agreements, records, enrolments and visits,
today's tasks, referrals and the figures — all limited to the caller's jurisdiction and, for health
data, to the person's team and roles granted it (404 otherwise, audited)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from civicgrid.core import periods
from civicgrid.core.access import require_capability
from civicgrid.core.errors import UserError
from civicgrid.core.paging import Page, page

from . import actions, queries
from .capabilities import HEALTH_CARE, HEALTH_MANAGE, HEALTH_VIEW

router = Router(tags=["health"])


class TeamOut(Schema):
    id: int
    name: str
    area_code: str
    grid_codes: list[str]
    centre: str
    members: list[dict]
    version: int

    @staticmethod
    def resolve_members(obj):
        return [{"name": m.name, "post": m.post, "organisation": m.organisation, "leader": m.leader}
                for m in queries.team_members(obj)]


class TeamIn(Schema):
    community: str
    name: str
    grid_codes: list[str]
    centre: str = ""
    centre_medical_staff: int = 0


class MemberIn(Schema):
    name: str
    post: str
    organisation: str = ""
    leader: bool = False


class ContractOut(Schema):
    id: int
    number: str
    person_id: int
    person_name: str
    team_id: int
    area_code: str
    package: str
    start_date: dt.date
    end_date: dt.date
    ended_on: dt.date | None
    status: str
    version: int

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.name


class SignIn(Schema):
    person_id: int
    package: str = "basic"
    start_date: str | None = None


class HealthStepIn(Schema):
    version: int | None = None
    reason: str = ""
    note: str = ""
    package: str | None = None
    appointment_at: str | None = None


class EnrolIn(Schema):
    person_id: int
    programme: str
    enrolled_on: str | None = None
    anchor_date: str | None = None


class VisitIn(Schema):
    on: str | None = None
    mode: str = "clinic"
    sbp: float | None = None
    dbp: float | None = None
    fbg: float | None = None
    weight: float | None = None
    classification: str = ""
    note: str = ""
    next_due: str | None = None


class HealthTaskOut(Schema):
    id: int
    person_id: int
    household_id: int | None
    area_code: str
    programme: str
    rule: str
    start: dt.date
    due: dt.date
    end: dt.date
    status: str
    state: str

    @staticmethod
    def resolve_programme(obj):
        return obj.enrolment.programme.code

    @staticmethod
    def resolve_rule(obj):
        return obj.rule.name

    @staticmethod
    def resolve_state(obj):
        return obj.state(dt.date.today())


class ReferralIn(Schema):
    person_id: int
    direction: str
    hospital_id: int
    reason: str
    appointment_at: str | None = None


class ReferralOut(Schema):
    id: int
    person_id: int
    area_code: str
    direction: str
    status: str
    hospital: str
    deadline: dt.datetime
    appointment_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_hospital(obj):
        return obj.hospital.name


# --- teams -------------------------------------------------------------------------------------------
@router.get("/teams", response=list[TeamOut], summary="Family doctor teams of your jurisdiction")
def list_teams(request, paging: Query[Page]):
    require_capability(request.user, HEALTH_VIEW)
    return list(page(queries.visible_teams(request.user).order_by("area_code", "name"), paging))


@router.get("/teams/{int:pk}", response=TeamOut, summary="One team")
def get_team(request, pk: int):
    return queries.access_team(request.user, pk)


@router.get("/teams/{int:pk}/sizing", summary="Households and people of a team's health grid, with warnings")
def team_sizing(request, pk: int):
    team = queries.access_team(request.user, pk)
    return actions.health_grid_sizing(team.grid_codes)


@router.post("/teams", response={201: TeamOut}, summary="Form a team for a health grid")
def create_team(request, payload: TeamIn):
    require_capability(request.user, HEALTH_MANAGE)
    team = actions.do_create_team(actor=request.user, community_code=payload.community, name=payload.name,
                                  grid_codes=payload.grid_codes, centre=payload.centre,
                                  centre_medical_staff=payload.centre_medical_staff)
    return Status(201, team)


@router.post("/teams/{int:pk}/members", response={201: TeamOut}, summary="Add a member to a team")
def add_member(request, pk: int, payload: MemberIn):
    team = queries.access_team(request.user, pk)
    actions.do_add_member(team, actor=request.user, name=payload.name, post=payload.post,
                          organisation=payload.organisation, leader=payload.leader)
    return Status(201, team)


class MemberOut(Schema):
    id: int
    name: str
    post: str
    organisation: str
    leader: bool
    area_code: str


class EventOut(Schema):
    kind: str
    at: dt.datetime
    actor_name: str
    from_status: str
    to_status: str
    note: str
    area_code: str


@router.get("/teams/{int:pk}/members", response=list[MemberOut], summary="A team's members (3+X)")
def list_members(request, pk: int):
    return list(queries.team_members(queries.access_team(request.user, pk)))


# --- agreements -----------------------------------------------------------------------------------------
@router.get("/contracts", response=list[ContractOut], summary="Service agreements you may see")
def list_contracts(request, paging: Query[Page], status: str | None = None):
    qs = queries.visible_contracts(request.user).order_by("area_code", "-start_date", "id")
    if status:
        qs = qs.filter(status=status)
    return list(page(qs, paging))


@router.get("/contracts/{int:pk}", response=ContractOut, summary="One agreement")
def get_contract(request, pk: int):
    return queries.access_contract(request.user, pk)


@router.get("/contracts/{int:pk}/events", response=list[EventOut], summary="An agreement's history")
def contract_events(request, pk: int):
    return list(queries.access_contract(request.user, pk).events.all())


@router.post("/contracts", response={201: ContractOut}, summary="Sign a resident's agreement with their team")
def sign_contract(request, payload: SignIn):
    require_capability(request.user, HEALTH_CARE) if not request.user.has_capability(HEALTH_MANAGE) else None
    person, _record = queries.access_health_person(request.user, payload.person_id)
    return Status(201, actions.do_sign_contract(person, actor=request.user, package=payload.package,
                                                start_date=payload.start_date))


@router.post("/contracts/{int:pk}/renew", response={201: ContractOut}, summary="Renew an agreement for a year")
def renew_contract(request, pk: int, payload: HealthStepIn):
    contract = queries.access_contract(request.user, pk)
    return Status(201, actions.do_renew_contract(contract, actor=request.user, version=payload.version,
                                                 package=payload.package))


@router.post("/contracts/{int:pk}/terminate", response=ContractOut, summary="Terminate an agreement")
def terminate_contract(request, pk: int, payload: HealthStepIn):
    contract = queries.access_contract(request.user, pk)
    return actions.do_terminate_contract(contract, actor=request.user, version=payload.version,
                                         reason=payload.reason)


# --- records, enrolments, visits, tasks ------------------------------------------------------------------------
@router.get("/people/{int:pk}", summary="A person's health summary (audited read)")
def person_health(request, pk: int):
    s = queries.person_summary(request.user, pk)
    return {
        "person_id": s["person"].pk, "name": s["person"].name, "area_code": s["person"].area_code,
        "record": {"number": s["record"].number, "opened_on": s["record"].opened_on,
                   "area_code": s["record"].area_code, **s["data"]} if s["record"] else None,
        "contracts": [{"id": c.pk, "number": c.number, "status": c.status, "start_date": c.start_date,
                       "end_date": c.end_date, "package": c.package} for c in s["contracts"]],
        "enrolments": [{"id": e.pk, "programme": e.programme.code, "enrolled_on": e.enrolled_on, "area_code": e.area_code,
                        "ended_on": e.ended_on} for e in s["enrolments"]],
        "visits": [{"id": v["visit"].pk, "on": v["visit"].on, "mode": v["visit"].mode,
                    "area_code": v["visit"].area_code, **v["data"]}
                   for v in s["visits"]],
        "tasks": [{"id": t.pk, "rule": t.rule.name, "due": t.due, "state": t.state_today} for t in s["tasks"]],
        "surveys": [{"id": v.pk, "on": v.on, "aware": v.aware, "satisfied": v.satisfied, "area_code": v.area_code}
                    for v in s["surveys"]],
    }


class SurveyIn(Schema):
    aware: bool
    satisfied: bool
    on: str | None = None


@router.post("/people/{int:pk}/surveys", response={201: dict}, summary="Record a resident's survey answers")
def record_survey(request, pk: int, payload: SurveyIn):
    person, _record = queries.access_health_person(request.user, pk)
    survey = actions.do_record_survey(person, actor=request.user, aware=payload.aware, satisfied=payload.satisfied,
                                      on=payload.on)
    return Status(201, {"id": survey.pk, "area_code": survey.area_code})


@router.post("/enrolments", response={201: dict}, summary="Enrol a person in a programme (tasks generated)")
def enrol(request, payload: EnrolIn):
    person, _record = queries.access_health_person(request.user, payload.person_id)
    enrolment = actions.do_enrol(person, payload.programme, actor=request.user, enrolled_on=payload.enrolled_on,
                                 anchor_date=payload.anchor_date)
    return Status(201, {"id": enrolment.pk, "programme": payload.programme, "tasks": enrolment.tasks.count()})


@router.post("/enrolments/{int:pk}/visits", response={201: dict}, summary="Record a visit; it resolves a task")
def record_visit(request, pk: int, payload: VisitIn):
    enrolment = queries.access_enrolment(request.user, pk)
    visit = actions.do_record_visit(enrolment, actor=request.user, **payload.dict())
    return Status(201, {"id": visit.pk, "face_to_face": visit.face_to_face, "controlled": visit.controlled})


@router.get("/tasks", response=list[HealthTaskOut], summary="Open tasks of your team(s), most urgent first")
def list_tasks(request, paging: Query[Page], state: str | None = None):
    today = dt.date.today()
    qs = queries.visible_tasks(request.user).select_related("rule", "enrolment__programme").order_by("due", "id")
    if state == "due":
        qs = qs.filter(status="open", start__lte=today, due__gte=today)
    elif state == "overdue":
        qs = qs.filter(status="open", due__lt=today, end__gte=today)
    elif state == "upcoming":
        qs = qs.filter(status="open", start__gt=today)
    elif state in ("done", "missed", "open"):
        qs = qs.filter(status=state)
    elif state:
        raise UserError(_("state: one of upcoming, due, overdue, open, done, missed."), field="state")
    return list(page(qs, paging))


# --- referrals ---------------------------------------------------------------------------------------------
@router.get("/referrals", response=list[ReferralOut], summary="Referrals you may see")
def list_referrals(request, paging: Query[Page]):
    return list(page(queries.visible_referrals(request.user).order_by("-requested_at", "-id"), paging))


@router.get("/referrals/{int:pk}", response=ReferralOut, summary="One referral")
def get_referral(request, pk: int):
    return queries.access_referral(request.user, pk)


@router.get("/referrals/{int:pk}/events", response=list[EventOut], summary="A referral's history")
def referral_events(request, pk: int):
    return list(queries.access_referral(request.user, pk).events.all())


@router.post("/referrals", response={201: ReferralOut}, summary="Refer a person up, or record a down-referral")
def request_referral(request, payload: ReferralIn):
    person, _record = queries.access_health_person(request.user, payload.person_id)
    return Status(201, actions.do_request_referral(person, actor=request.user, direction=payload.direction,
                                                   hospital=payload.hospital_id, reason=payload.reason,
                                                   appointment_at=payload.appointment_at))


@router.post("/referrals/{int:pk}/{step}", response=ReferralOut, summary="A referral's step")
def referral_step(request, pk: int, step: str, payload: HealthStepIn):
    referral = queries.access_referral(request.user, pk)
    return actions.do_referral_step(referral, step, actor=request.user, version=payload.version, note=payload.note,
                                    appointment_at=payload.appointment_at)


# --- figures ------------------------------------------------------------------------------------------------
@router.get("/figures", summary="Figures per area or team for a period (Σ numerators ÷ Σ denominators)")
def get_figures(request, period: str = "", level: str = "community"):
    require_capability(request.user, HEALTH_VIEW)
    try:
        p = periods.parse(period) if period else periods.current("year")
    except ValueError:
        raise UserError(_("period: a period code such as 2025, 2025S1, 2025Q3 or 202509."), field="period")
    if level not in ("grid", "community", "street", "district", "team"):
        raise UserError(_("level: one of grid, community, street, district, team."), field="level")
    return {"period": p.key, "level": level, "rows": queries.figure_rows(request.user, p, level)}


# --- half-yearly report forms and the team assessment ------------------------------------------------------
class HealthReportOut(Schema):
    id: int
    area_code: str
    period: str
    status: str
    figures: dict
    deadline: dt.datetime
    submitted_at: dt.datetime | None
    late: bool
    version: int


class FillIn(Schema):
    street: str
    period: str


@router.get("/reports", response=list[HealthReportOut], summary="Half-yearly report forms of your jurisdiction")
def list_reports(request, paging: Query[Page], period: str | None = None):
    qs = queries.visible_reports(request.user).order_by("-period", "area_code")
    if period:
        qs = qs.filter(period=period)
    return list(page(qs, paging))


@router.get("/reports/{int:pk}", response=HealthReportOut, summary="One half-yearly report form")
def get_report(request, pk: int):
    return queries.access_report(request.user, pk)


@router.post("/reports", response={201: HealthReportOut}, summary="Fill (or refill) a street's form from the data")
def fill_report(request, payload: FillIn):
    from . import reports

    require_capability(request.user, HEALTH_MANAGE)
    return Status(201, reports.do_fill_report(actor=request.user, street_code=payload.street,
                                              period_code=payload.period))


@router.post("/reports/{int:pk}/{step}", response=HealthReportOut, summary="Submit, review or return a form")
def report_step(request, pk: int, step: str, payload: HealthStepIn):
    from . import reports

    report = queries.access_report(request.user, pk)
    return reports.do_report_step(report, step, actor=request.user, version=payload.version, note=payload.note)


@router.get("/assessment", summary="Team assessment of a period: figures, score, grade, pay coefficient")
def get_assessment(request, period: str = ""):
    from . import reports

    require_capability(request.user, HEALTH_VIEW)
    try:
        p = periods.parse(period) if period else periods.current("year")
    except ValueError:
        raise UserError(_("period: a period code such as 2025, 2025S1, 2025Q3 or 202509."), field="period")
    teams = list(queries.visible_teams(request.user).filter(active=True).order_by("area_code", "name")[:500])
    return {"period": p.key, "rows": [
        {"team_id": r["team"].pk, "team": r["team"].name, "area_code": r["team"].area_code, "score": r["score"],
         "grade": r["grade"], "pay": r["pay"], "quota_contracts": r["quota_contracts"],
         "done_contracts": r["done_contracts"], "quota_followups": r["quota_followups"],
         "done_followups": r["done_followups"],
         "items": [{"code": line["item"].code, "figure": line["item"].figure, "value": line["value"],
                    "achieved": line["achieved"]} for line in r["lines"]]}
        for r in reports.assessment(teams, p)]}


# --- infectious-disease reports ------------------------------------------------------------------------------
class DiseaseOut(Schema):
    code: str
    name: str
    category: str
    managed_as_a: bool
    limit_hours: int
    source: str


class DiseaseReportIn(Schema):
    person_id: int
    disease: str
    case_type: str
    diagnosed_at: str
    reported_at: str | None = None
    onset_date: str | None = None
    basis: str = ""
    symptoms: str = ""
    diagnosing_unit: str = ""
    note: str = ""


class DiseaseReportOut(Schema):
    id: int
    number: str
    person_id: int
    area_code: str
    disease: str
    disease_name: str
    case_type: str
    diagnosed_at: dt.datetime
    reported_at: dt.datetime
    limit_hours: int
    deadline: dt.datetime
    late: bool
    status: str
    version: int

    @staticmethod
    def resolve_disease(obj):
        return obj.disease.code

    @staticmethod
    def resolve_disease_name(obj):
        return obj.disease.name


class DiseaseReportDetailOut(DiseaseReportOut):
    details: dict
    steps: list[str]


class DiseaseReportEventOut(Schema):
    kind: str
    at: dt.datetime
    actor_name: str
    from_status: str
    to_status: str
    note: str
    area_code: str


class DiseaseStepIn(Schema):
    version: int | None = None
    note: str = ""


@router.get("/diseases", response=list[DiseaseOut], summary="The notifiable diseases and their reporting time limits")
def list_diseases(request):
    require_capability(request.user, HEALTH_VIEW)
    return list(queries.diseases())


@router.get("/disease-reports", response=list[DiseaseReportOut], summary="Infectious-disease reports you may see")
def list_disease_reports(request, paging: Query[Page], status: str | None = None, late: bool | None = None):
    qs = queries.visible_disease_reports(request.user).order_by("-reported_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if late is not None:
        qs = qs.filter(late=late)
    return list(page(qs, paging))


@router.post("/disease-reports", response={201: DiseaseReportOut}, summary="File an infectious-disease report")
def file_disease_report(request, payload: DiseaseReportIn):
    person, _record = queries.access_health_person(request.user, payload.person_id)
    details = {k: getattr(payload, k) for k in ("onset_date", "basis", "symptoms", "diagnosing_unit", "note")}
    return Status(201, actions.do_file_disease_report(
        person, actor=request.user, disease=payload.disease, case_type=payload.case_type,
        diagnosed_at=payload.diagnosed_at, reported_at=payload.reported_at, details=details))


@router.get("/disease-reports/{int:pk}", response=DiseaseReportDetailOut,
            summary="One disease report with its diagnosis details (audited read)")
def get_disease_report(request, pk: int):
    detail = queries.disease_report_detail(request.user, pk)
    report = detail["report"]
    report.details = detail["details"]
    report.steps = [name for name, ok in detail["steps"].items() if ok]
    return report


@router.get("/disease-reports/{int:pk}/events", response=list[DiseaseReportEventOut],
            summary="A disease report's history")
def disease_report_events(request, pk: int):
    return list(queries.access_disease_report(request.user, pk).events.all())


@router.post("/disease-reports/{int:pk}/{step}", response=DiseaseReportOut,
             summary="Verify, report to the CDC, close or return a disease report")
def disease_report_step(request, pk: int, step: str, payload: DiseaseStepIn):
    report = queries.access_disease_report(request.user, pk)
    return actions.do_disease_report_step(report, step, actor=request.user, version=payload.version,
                                          note=payload.note)


# --- health-supervision findings ----------------------------------------------------------------------------------
class SupervisionFindingIn(Schema):
    organisation_id: int
    category: str
    description: str
    title: str = ""


class SupervisionFindingOut(Schema):
    id: int
    area_code: str
    case_id: int
    case_number: str
    case_status: str
    category: str
    category_name: str
    organisation_id: int
    organisation_name: str
    team_id: int | None

    @staticmethod
    def resolve_case_number(obj):
        return obj.case.number

    @staticmethod
    def resolve_case_status(obj):
        return obj.case.status

    @staticmethod
    def resolve_category(obj):
        return obj.case.cls.code

    @staticmethod
    def resolve_category_name(obj):
        return obj.case.cls.name

    @staticmethod
    def resolve_organisation_name(obj):
        return obj.organisation.name


@router.get("/supervision", response=list[SupervisionFindingOut],
            summary="Health-supervision findings of your jurisdiction and their cases' state")
def list_findings(request, paging: Query[Page]):
    require_capability(request.user, HEALTH_VIEW)
    return list(page(queries.visible_findings(request.user).order_by("-created_at", "-id"), paging))


@router.get("/supervision/{int:pk}", response=SupervisionFindingOut, summary="One health-supervision finding")
def get_finding(request, pk: int):
    return queries.access_finding(request.user, pk)


@router.post("/supervision", response={201: SupervisionFindingOut},
             summary="Report a health-supervision finding about an organisation (a case of the class 卫生监督协管)")
def file_finding(request, payload: SupervisionFindingIn):
    organisation = queries.access_supervised_organisation(request.user, payload.organisation_id)
    return Status(201, actions.do_file_supervision_finding(organisation, actor=request.user,
                                                           category=payload.category, title=payload.title,
                                                           description=payload.description))
