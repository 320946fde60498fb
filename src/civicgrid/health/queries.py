"""Reads of community health, scoped: health data is shown to the person's team (its members holding
``health.care`` where the person lives), to roles granted ``health.records`` in the area, and the
severe-mental-illness programme only with the special grant (``rules.may_read_mental``). Every read
of a person's health data writes an audit row (``health.record.read``)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from django.db.models import Count, F, IntegerField, Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicgrid.core import audit, crypto
from civicgrid.core.access import access_object, not_found_or_denied
from civicgrid.core.paging import page
from civicgrid.core.scoping import scope_q
from civicgrid.registry.models import Person

from .capabilities import (
    HEALTH_CARE,
    HEALTH_MANAGE,
    HEALTH_MENTAL,
    HEALTH_RECORDS,
    HEALTH_REVIEW,
    HEALTH_VIEW,
)
from .models import (
    Contract,
    Enrolment,
    HalfYearReport,
    HealthRecord,
    Programme,
    Referral,
    Task,
    Team,
    TeamMember,
    Visit,
)
from .rules import CONTRACT_FLOW, REFERRAL_FLOW, may_care, may_read, may_read_mental


def my_team_ids(user) -> list[int]:
    if getattr(user, "pk", None) is None:
        return []
    return list(TeamMember.objects.filter(user_id=user.pk, active=True, team__active=True)
                .values_list("team_id", flat=True))


def health_q(user, *, team: str = "team_id", field: str = "area_code") -> Q:
    """Rows of people whose health data the user may read: their team's (with ``health.care``), or
    the area's for ``health.records``."""
    if getattr(user, "is_superuser", False):
        return Q()
    q = scope_q(user, field, HEALTH_RECORDS) if user.has_capability(HEALTH_RECORDS) else Q(pk__in=[])
    teams = my_team_ids(user)
    if teams and user.has_capability(HEALTH_CARE):
        q |= Q(**{f"{team}__in": teams}) & scope_q(user, field, HEALTH_CARE)
    return q


def mental_q(user, *, programme: str = "programme__sensitive", team: str = "team_id",
             field: str = "area_code") -> Q:
    """Rows of the sensitive programme only with the grant (else none of them)."""
    if getattr(user, "is_superuser", False):
        return Q()
    allowed = scope_q(user, field, HEALTH_MENTAL) if user.has_capability(HEALTH_MENTAL) else Q(pk__in=[])
    granted = list(TeamMember.objects.filter(user_id=getattr(user, "pk", None), active=True, smi_grant=True)
                   .values_list("team_id", flat=True)) if getattr(user, "pk", None) else []
    if granted:
        allowed |= Q(**{f"{team}__in": granted}) & scope_q(user, field, HEALTH_CARE)
    return Q(**{programme: False}) | allowed


# --- teams ---------------------------------------------------------------------------------------------
def visible_teams(user) -> QuerySet[Team]:
    return Team.objects.restrict(user, HEALTH_VIEW)


def access_team(user, pk) -> Team:
    return access_object(Team, user, capability=HEALTH_VIEW, pk=pk)


def team_members(team: Team):
    return team.members.filter(active=True).order_by("post", "name")


# --- people and records ----------------------------------------------------------------------------------
def visible_records(user) -> QuerySet[HealthRecord]:
    return HealthRecord.objects.filter(health_q(user)).select_related("person", "team")


def access_record(user, pk) -> HealthRecord:
    return access_object(HealthRecord.objects.select_related("person", "team"), user, check=may_read, pk=pk)


def access_health_person(user, person_pk) -> tuple[Person, HealthRecord | None]:
    """A person whose health data the user may read (404 otherwise, audited): through their record, or,
    before a record exists, for a carer or manager of their grid's team."""
    from .actions import team_of_grid

    person = Person.objects.filter(pk=person_pk).first() if str(person_pk).isdigit() else None
    if person is None:
        not_found_or_denied(user, None)
    record = HealthRecord.objects.filter(person=person).select_related("team").first()
    probe = record or HealthRecord(area_code=person.area_code, team=team_of_grid(person.area_code))
    if not (may_read(user, probe) or (record is None and may_care(user, probe))):
        not_found_or_denied(user, person, action="health.record.denied")
    return person, record


def decrypt_json(token: str, column: str) -> dict:
    return json.loads(crypto.decrypt(token, context=column)) if token else {}


def person_summary(user, person_pk, *, today: dt.date | None = None) -> dict:
    """What a person's health page shows — record, agreements, programmes, tasks, visits (with their
    measurements), referrals — read once with one audit row (``health.record.read``)."""
    person, record = access_health_person(user, person_pk)
    today = today or timezone.localdate()
    mental = may_read_mental(user, record or HealthRecord(area_code=person.area_code,
                                                         team_id=_team_id_of(person)))
    enrolments = list(Enrolment.objects.filter(person=person).select_related("programme", "team")
                      .order_by("ended_on", "programme__code"))
    hidden = {e.pk for e in enrolments if e.programme.sensitive and not mental}
    enrolments = [e for e in enrolments if e.pk not in hidden]
    visits = []
    for v in (Visit.objects.filter(person=person).exclude(enrolment_id__in=hidden)
              .select_related("enrolment__programme").order_by("-on", "-id")[:50]):
        visits.append({"visit": v, "data": decrypt_json(v.data_enc, "health.visit.data")})
    tasks = list(Task.objects.filter(person=person).exclude(enrolment_id__in=hidden)
                 .select_related("rule", "enrolment__programme").order_by("due")[:100])
    for t in tasks:
        t.state_today = t.state(today)
    referrals = list(Referral.objects.filter(person=person).select_related("hospital").order_by("-requested_at"))
    for r in referrals:
        r.reason = crypto.decrypt_optional(r.reason_enc, context="health.referral.reason")
    contracts = list(Contract.objects.filter(person=person).select_related("team").order_by("-start_date"))
    surveys = list(person.health_surveys.order_by("-on", "-id")[:20])
    audit.record("health.record.read", actor=user, obj=record or person,
                 detail={"person": person.pk})
    return {
        "person": person, "record": record,
        "data": decrypt_json(record.data_enc, "health.healthrecord.data") if record else {},
        "contracts": contracts, "enrolments": enrolments, "visits": visits, "tasks": tasks,
        "referrals": referrals, "surveys": surveys, "mental_hidden": bool(hidden), "today": today,
        "contract_steps": {c.pk: CONTRACT_FLOW.available(user, c) for c in contracts},
        "programmes": [p for p in Programme.objects.filter(active=True) if mental or not p.sensitive],
    }


def _team_id_of(person) -> int | None:
    from .actions import team_of_grid

    team = team_of_grid(person.area_code)
    return team.pk if team else None


def read_record(user, pk) -> dict:
    """One record's details (decrypted), audited."""
    record = access_record(user, pk)
    audit.record("health.record.read", actor=user, obj=record, detail={"person": record.person_id})
    return {"record": record, "data": decrypt_json(record.data_enc, "health.healthrecord.data")}


# --- agreements, enrolments, referrals ------------------------------------------------------------------------
def visible_contracts(user) -> QuerySet[Contract]:
    q = health_q(user)
    if not getattr(user, "is_superuser", False) and user.has_capability(HEALTH_MANAGE):
        q |= scope_q(user, "area_code", HEALTH_MANAGE)
    return Contract.objects.filter(q).select_related("person", "team")


def access_contract(user, pk) -> Contract:
    return access_object(visible_contracts(user), user, check=lambda u, c: True, pk=pk)


def access_enrolment(user, pk) -> Enrolment:
    qs = Enrolment.objects.filter(health_q(user) & mental_q(user)).select_related("programme", "person")
    return access_object(qs, user, check=lambda u, e: True, pk=pk)


def visible_referrals(user) -> QuerySet[Referral]:
    return Referral.objects.filter(health_q(user)).select_related("person", "hospital", "team")


def access_referral(user, pk) -> Referral:
    return access_object(visible_referrals(user), user, check=lambda u, r: True, pk=pk)


def referral_detail(user, pk) -> dict:
    referral = access_referral(user, pk)
    referral.reason = crypto.decrypt_optional(referral.reason_enc, context="health.referral.reason")
    audit.record("health.referral.read", actor=user, obj=referral)
    from civicgrid.core import deadlines

    return {"referral": referral, "events": list(referral.events.all()),
            "steps": REFERRAL_FLOW.available(user, referral),
            "clock": (deadlines.clock(referral.deadline, timezone.now(), warn_minutes=240)
                      if referral.status == Referral.Status.REQUESTED else None)}


# --- tasks: the team member's worklist ----------------------------------------------------------------------------
WORKLIST_PAGE = 30  # households per page of the today's-tasks page
AHEAD_DAYS = 7  # "upcoming": windows opening within this many days


def visible_tasks(user) -> QuerySet[Task]:
    # the programme through the rule (a tiny table), not the enrolment: the same programme, no join
    # of the enrolments on the phone page's queries
    return Task.objects.filter(health_q(user) & mental_q(user, programme="rule__programme__sensitive"))


def _team_tasks(user, team_id: int | None) -> QuerySet[Task]:
    qs = visible_tasks(user).filter(status=Task.Status.OPEN)
    return qs.filter(team_id=team_id) if team_id else qs


def household_key():
    """The grouping of the phone page: the household, or the person alone (negative) without one."""
    return Coalesce(F("household_id"), Value(0) - F("person_id"), output_field=IntegerField())


def worklist(user, *, today: dt.date | None = None, team_id: int | None = None, ahead_days: int = AHEAD_DAYS,
             offset: int = 0, limit: int = WORKLIST_PAGE) -> dict:
    """What a team member acts on today: open tasks whose window is open today (due: due today or
    later; overdue: due passed, window still open), grouped by household — a page of households
    (``core.paging``), most overdue first, then most due, then the earliest due day — with each
    household's due and overdue counts and the totals counted in SQL. Windows opening within
    ``ahead_days`` are only counted here (``upcoming_tasks`` lists them)."""
    today = today or timezone.localdate()
    key = household_key()
    open_today = _team_tasks(user, team_id).filter(start__lte=today, end__gte=today)
    overdue_q, due_q = Q(due__lt=today), Q(due__gte=today)
    totals = open_today.aggregate(n_overdue=Count("pk", filter=overdue_q), n_due=Count("pk", filter=due_q),
                                  households=Count(key, distinct=True))
    upcoming = _team_tasks(user, team_id).filter(start__gt=today,
                                                 start__lte=today + dt.timedelta(days=ahead_days)).count()
    groups = list(page(open_today.annotate(hh=key).values("hh")
                       .annotate(n_overdue=Count("pk", filter=overdue_q), n_due=Count("pk", filter=due_q),
                                 first_due=Min("due"))
                       .order_by("-n_overdue", "-n_due", "first_due", "hh"), offset=offset, limit=limit))
    keys = [g["hh"] for g in groups]
    tasks = (open_today.filter(Q(household_id__in=[k for k in keys if k > 0])
                               | Q(household_id__isnull=True, person_id__in=[-k for k in keys if k < 0]))
             .select_related("person", "person__household", "rule").order_by("due", "id")) if keys else []
    by_key: dict = defaultdict(list)
    for t in tasks:
        t.state_today = t.state(today)
        by_key[t.household_id or -t.person_id].append(t)
    households = []
    for g in groups:
        members = by_key.get(g["hh"], [])
        if not members:
            continue  # resolved between the two reads
        first = members[0]
        household = first.person.household
        households.append({"key": g["hh"], "tasks": members, "due": g["n_due"], "overdue": g["n_overdue"],
                           "area_code": first.area_code,
                           "label": ((household.address or household.number) if household
                                     else first.person.address or first.person.name)})
    total = totals["households"] or 0
    offset = max(int(offset), 0)
    return {"today": today, "households": households, "due": totals["n_due"], "overdue": totals["n_overdue"],
            "upcoming": upcoming, "ahead_days": ahead_days, "total_households": total, "offset": offset,
            "limit": limit, "next_offset": offset + limit if offset + limit < total else None,
            "previous_offset": max(offset - limit, 0) if offset > 0 else None,
            "first": offset + 1 if households else 0, "last": offset + len(groups)}


def upcoming_tasks(user, *, today: dt.date | None = None, team_id: int | None = None,
                   ahead_days: int = AHEAD_DAYS, offset: int = 0, limit: int = 50) -> dict:
    """The secondary page: open tasks whose window opens within ``ahead_days`` (after today), the
    soonest first, one page of them."""
    today = today or timezone.localdate()
    qs = _team_tasks(user, team_id).filter(start__gt=today, start__lte=today + dt.timedelta(days=ahead_days))
    total = qs.count()
    tasks = list(page(qs.select_related("person", "person__household", "rule").order_by("start", "due", "id"),
                      offset=offset, limit=limit))
    for t in tasks:
        t.state_today = t.state(today)
    offset = max(int(offset), 0)
    return {"today": today, "tasks": tasks, "total": total, "ahead_days": ahead_days, "offset": offset,
            "limit": limit, "next_offset": offset + limit if offset + limit < total else None,
            "previous_offset": max(offset - limit, 0) if offset > 0 else None,
            "first": offset + 1 if tasks else 0, "last": offset + len(tasks)}


def inbox_items(user, limit: int = 20):
    from django.urls import reverse

    from civicgrid.core.plugins import InboxItem

    today = timezone.localdate()
    qs = (visible_tasks(user).filter(status=Task.Status.OPEN, start__lte=today, end__gte=today)
          .select_related("person", "rule").order_by("due", "id")[:limit])
    from civicgrid.core.periods import midnight

    return [InboxItem(kind="health.task", title=f"{t.rule.name} · {t.person.name}",
                      url=reverse("health:person", args=[t.person_id]), area_code=t.area_code,
                      arrived_at=midnight(t.start), due_at=midnight(t.due + dt.timedelta(days=1)),
                      state="overdue" if t.due < today else "warn" if t.due == today else "")
            for t in qs]


def inbox_count(user) -> int:
    today = timezone.localdate()
    return visible_tasks(user).filter(status=Task.Status.OPEN, start__lte=today, end__gte=today).count()


def person_candidates(user, text: str = "", limit: int = 50) -> QuerySet[Person]:
    """People of the grids of the user's teams (to sign or open a record), or of the user's area for
    the centre."""
    teams = Team.objects.filter(pk__in=my_team_ids(user))
    grids = [g for t in teams for g in t.grid_codes]
    q = Q(area_code__in=grids) & scope_q(user, "area_code", HEALTH_CARE) if grids else Q(pk__in=[])
    if getattr(user, "is_superuser", False):
        q = Q()
    elif user.has_capability(HEALTH_MANAGE):
        q |= scope_q(user, "area_code", HEALTH_MANAGE)
    qs = Person.objects.filter(q, status=Person.Status.ACTIVE)
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(name_initials__startswith=text.lower()))
    return qs.order_by("area_code", "name_pinyin")[:limit]


# --- figures ------------------------------------------------------------------------------------------
def figure_rows(user, period, level: str, *, today: dt.date | None = None) -> list[dict]:
    """The figures of the user's jurisdiction per area of ``level`` (or per team), each as numerator,
    denominator and value; rows outside the jurisdiction are never computed."""
    from civicgrid.core.scoping import scope_codes

    from . import figures

    codes = scope_codes(user, HEALTH_VIEW)
    prefixes = [""] if codes is None else list(codes)
    rows = []
    team_names = dict(Team.objects.values_list("pk", "name"))
    for prefix in prefixes:
        for key, figs in sorted(figures.rolled(prefix, period, level=level, today=today).items()):
            if level == "team" and codes is not None:
                team = Team.objects.filter(pk=int(key)).first()
                if team is None or not team.area_code.startswith(prefix):
                    continue
            rows.append({"key": key, "name": team_names.get(int(key), "") if level == "team" else key,
                         "area_code": key if level != "team" else Team.objects.get(pk=int(key)).area_code,
                         **{c: {"numerator": f.numerator, "denominator": round(f.denominator, 2),
                                "value": None if f.value is None else round(100 * f.value, 1)}
                            for c, f in figs.items()}})
    return rows


def hospitals(user):
    """Registry organisations that can receive referrals (the hospitals of the register)."""
    from civicgrid.registry.models import Organisation

    return Organisation.objects.filter(Q(name__contains="医院") | Q(name__contains="卫生")).order_by("name")[:200]


# --- half-yearly report forms ---------------------------------------------------------------------------------
def visible_reports(user):
    q = Q(pk__in=[])
    for cap in (HEALTH_MANAGE, HEALTH_REVIEW):
        if getattr(user, "is_superuser", False) or user.has_capability(cap):
            q |= scope_q(user, "area_code", cap)
    return HalfYearReport.objects.filter(q)


def access_report(user, pk):
    return access_object(visible_reports(user), user, check=lambda u, r: True, pk=pk)


# --- the map of health grids and teams; forming a team ------------------------------------------------------
TEAM_COLOURS = ("#e53935", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#fdd835", "#6d4c41",
                "#d81b60", "#3949ab", "#7cb342", "#546e7a")


def _grid_counts(codes) -> dict[str, dict]:
    """People living here and households per base grid, from the register (a household lives in one grid)."""
    if not codes:
        return {}
    return {row["area_code"]: row for row in
            Person.objects.filter(area_code__in=list(codes), status=Person.Status.ACTIVE).order_by()
            .values("area_code").annotate(people=Count("id"), households=Count("household", distinct=True))}


def team_map(user) -> list[dict]:
    """The active teams of the user's jurisdiction (``health.view``) with their health grid (base
    grids), community, members, households and people — what the map and its table show."""
    from civicgrid.areas.models import Area

    teams = list(visible_teams(user).filter(active=True)
                 .annotate(members_n=Count("members", filter=Q(members__active=True)))
                 .order_by("area_code", "name", "pk")[:5000])
    counts = _grid_counts({g for t in teams for g in t.grid_codes})
    names = dict(Area.objects.filter(code__in={t.area_code for t in teams}).values_list("code", "name"))
    rows = []
    for i, t in enumerate(teams):
        rows.append({"team": t, "id": t.pk, "name": t.name, "community": names.get(t.area_code, t.area_code),
                     "community_code": t.area_code, "grids": list(t.grid_codes), "members": t.members_n,
                     "households": sum(counts.get(g, {}).get("households", 0) for g in t.grid_codes),
                     "people": sum(counts.get(g, {}).get("people", 0) for g in t.grid_codes),
                     "colour": TEAM_COLOURS[i % len(TEAM_COLOURS)]})
    return rows


def team_map_geojson(user) -> dict:
    """One feature per team: its health grid as the union of its base grids' boundaries, with the
    figures of ``team_map``. Grids without a boundary are left out of the shape, not of the counts."""
    import shapely
    from shapely.geometry import mapping, shape

    from civicgrid.areas.models import Area

    rows = team_map(user)
    boundaries = dict(Area.objects.filter(code__in={g for r in rows for g in r["grids"]}, level=Area.Level.GRID,
                                          boundary__isnull=False).values_list("code", "boundary"))
    features = []
    for r in rows:
        shapes = []
        for g in r["grids"]:
            try:
                shapes.append(shape(boundaries[g]))
            except (KeyError, ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
                continue
        if not shapes:
            continue
        union = shapely.union_all([shapely.make_valid(s) for s in shapes])
        features.append({"type": "Feature", "geometry": mapping(union), "properties": {
            "id": r["id"], "name": r["name"], "community": r["community"], "code": r["community_code"],
            "grids": r["grids"], "members": r["members"], "households": r["households"], "people": r["people"],
            "colour": r["colour"]}})
    return {"type": "FeatureCollection", "features": features}


def manageable_communities(user) -> QuerySet:
    """Communities where the user may form teams (``health.manage``)."""
    from civicgrid.areas.models import Area

    qs = Area.objects.filter(level=Area.Level.COMMUNITY)
    if not getattr(user, "is_superuser", False):
        if not user.has_capability(HEALTH_MANAGE):
            return qs.none()
        qs = qs.filter(scope_q(user, "code", HEALTH_MANAGE))
    return qs.order_by("code")


def access_community_to_manage(user, code: str):
    """A community the user may form teams in; 404 (audited) otherwise."""
    from civicgrid.areas.models import Area

    code = str(code or "")[:15]
    community = manageable_communities(user).filter(code=code).first()
    if community is None:
        not_found_or_denied(user, Area.objects.filter(code=code, level=Area.Level.COMMUNITY).first())
    return community


def community_grids(community) -> list[dict]:
    """The community's base grids with households and people, and the active team each already belongs to."""
    from civicgrid.areas.models import Area

    grids = list(Area.objects.filter(parent=community, level=Area.Level.GRID).order_by("code"))
    counts = _grid_counts([g.code for g in grids])
    owner = {g: t.name for t in Team.objects.filter(area_code=community.code, active=True) for g in t.grid_codes}
    return [{"code": g.code, "name": g.name, "households": counts.get(g.code, {}).get("households", 0),
             "people": counts.get(g.code, {}).get("people", 0), "team": owner.get(g.code, "")} for g in grids]


# --- infectious-disease reports ----------------------------------------------------------------------------
def visible_disease_reports(user) -> QuerySet:
    """Disease reports of the person's team (members holding ``health.care``), of the centre
    (``health.manage``) and of roles granted ``health.records`` in the area."""
    from .models import DiseaseReport

    q = health_q(user)
    if not getattr(user, "is_superuser", False) and user.has_capability(HEALTH_MANAGE):
        q |= scope_q(user, "area_code", HEALTH_MANAGE)
    return DiseaseReport.objects.filter(q).select_related("person", "disease", "team")


def access_disease_report(user, pk):
    return access_object(visible_disease_reports(user), user, check=lambda u, r: True, pk=pk)


def disease_report_detail(user, pk) -> dict:
    """One report with its diagnosis details decrypted — an audited read (``health.disease.read``)."""
    from .actions import DISEASE_DETAILS_COLUMN
    from .rules import DISEASE_FLOW

    report = access_disease_report(user, pk)
    audit.record("health.disease.read", actor=user, obj=report, detail={"person": report.person_id})
    return {"report": report, "details": decrypt_json(report.details_enc, DISEASE_DETAILS_COLUMN),
            "events": list(report.events.all()), "steps": DISEASE_FLOW.available(user, report)}


def diseases():
    from .models import Disease

    return Disease.objects.filter(active=True).order_by("code")


# --- health-supervision findings ------------------------------------------------------------------------------
def visible_findings(user) -> QuerySet:
    """Findings of the jurisdiction (``health.view``): what was reported about which organisation, and
    where its case stands."""
    from .models import SupervisionFinding

    return SupervisionFinding.objects.restrict(user, HEALTH_VIEW).select_related("case", "case__cls", "organisation",
                                                                                 "team")


def access_finding(user, pk):
    return access_object(visible_findings(user), user, check=lambda u, f: True, pk=pk)


def _organisation_q(user) -> Q:
    """Organisations a user may report about: in the health grids of their teams (``health.care``), or
    in the centre's area (``health.manage``)."""
    if getattr(user, "is_superuser", False):
        return Q()
    grids = [g for t in Team.objects.filter(pk__in=my_team_ids(user)) for g in t.grid_codes]
    q = Q(area_code__in=grids) & scope_q(user, "area_code", HEALTH_CARE) if grids else Q(pk__in=[])
    if user.has_capability(HEALTH_MANAGE):
        q |= scope_q(user, "area_code", HEALTH_MANAGE)
    return q


def supervised_organisations(user, text: str = "", limit: int = 200):
    from civicgrid.registry.models import Organisation

    qs = Organisation.objects.filter(_organisation_q(user)).exclude(kind="party")
    if text:
        qs = qs.filter(name__contains=text)
    return qs.order_by("area_code", "name")[:limit]


def access_supervised_organisation(user, pk):
    """An organisation the user may report a finding about (404 otherwise, audited)."""
    from civicgrid.registry.models import Organisation

    return access_object(Organisation.objects.filter(_organisation_q(user)), user, check=lambda u, o: True, pk=pk)


def _disease_pending(user):
    """Reports waiting for the centre: filed (to verify) or verified (to report to the CDC), in the
    user's ``health.manage`` area."""
    from .models import DiseaseReport

    if not (getattr(user, "is_superuser", False) or user.has_capability(HEALTH_MANAGE)):
        return DiseaseReport.objects.none()
    q = Q() if getattr(user, "is_superuser", False) else scope_q(user, "area_code", HEALTH_MANAGE)
    return DiseaseReport.objects.filter(q, status__in=[DiseaseReport.Status.FILED, DiseaseReport.Status.VERIFIED])


def disease_inbox_items(user, limit: int = 20):
    from django.urls import reverse

    from civicgrid.core.plugins import InboxItem

    now = timezone.now()
    return [InboxItem(kind="health.disease", title=f"{r.number} · {r.get_status_display()}",
                      url=reverse("health:disease_report", args=[r.pk]), area_code=r.area_code,
                      arrived_at=r.reported_at, due_at=r.deadline, state="overdue" if r.deadline < now else "")
            for r in _disease_pending(user).order_by("deadline", "id")[:limit]]


def disease_inbox_count(user) -> int:
    return _disease_pending(user).count()
