"""Writes of community health. Every change is a ``do_*`` function: one transaction, the row lock
and version check of ``core.workflow`` for agreements and referrals, an audit row, the scope checked
before the write (and by the workflow after it). Messages name the field by its label."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.areas.models import Area
from civicgrid.core import audit, crypto, deadlines
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.models import next_serial
from civicgrid.core.scoping import ensure_in_scope
from civicgrid.core.text import clean_text
from civicgrid.registry.models import Organisation, Person

from .capabilities import HEALTH_MANAGE
from .models import (
    Contract,
    Enrolment,
    HealthRecord,
    Programme,
    Referral,
    SupervisionFinding,
    Task,
    Team,
    TeamMember,
    Visit,
)
from .rules import CONTRACT_FLOW, REFERRAL_FLOW, may_care, may_read_mental
from .schedule import windows

HORIZON_DAYS = 60  # tasks are generated this far ahead
GRID_HOUSEHOLDS, GRID_PEOPLE = 500, 1500  # 004b: 2–3 grids or 500 households / 1,500 people per health grid
REFERRAL_ACCEPT_DAYS = 3  # working days the receiving side has to accept (sample limit)
RECORD_FIELDS = ("blood_type", "allergies", "history", "family_history", "disability", "lifestyle", "note")


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _date(value, *, field: str, label: str, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise UserError(_("%(field)s is required.") % {"field": label}, field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(_("%(field)s: give a date as YYYY-MM-DD.") % {"field": label}, field=field)


def _choice(value, choices, *, field: str, label) -> str:
    if value not in choices.values:
        raise UserError(_("%(field)s: choose one of the listed values.") % {"field": label}, field=field)
    return value


def _number(value, *, field: str, label: str, low: float, high: float) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise UserError(_("%(field)s: give a number.") % {"field": label}, field=field)
    if not number.is_finite() or not (Decimal(str(low)) <= number <= Decimal(str(high))):
        raise UserError(_("%(field)s: between %(low)s and %(high)s.") % {"field": label, "low": low, "high": high},
                        field=field)
    return number


def _require(actor, code: str, capability: str) -> None:
    ensure_in_scope(actor, code, capability)


# --- teams -------------------------------------------------------------------------------------------
def team_of_grid(grid_code: str) -> Team | None:
    """The active team whose health grid holds ``grid_code``."""
    for team in Team.objects.filter(area_code=grid_code[:12], active=True):
        if grid_code in team.grid_codes:
            return team
    return None


def health_grid_sizing(grid_codes: Iterable[str]) -> dict:
    """Households and people of a health grid, rolled up from the register, and the warnings of
    004b's rule (2–3 base grids, or about 500 households / 1,500 people)."""
    from django.db.models import Count

    codes = list(grid_codes)
    people = Person.objects.filter(area_code__in=codes, status=Person.Status.ACTIVE)
    totals = people.aggregate(n=Count("id"), h=Count("household", distinct=True))
    warnings = []
    if not 2 <= len(codes) <= 3 and (totals["h"] or 0) > GRID_HOUSEHOLDS and (totals["n"] or 0) > GRID_PEOPLE:
        warnings.append(_("The health grid joins %(n)s base grids and holds %(h)s households and %(p)s people: "
                          "004b asks for 2–3 grids or about 500 households / 1,500 people.")
                        % {"n": len(codes), "h": totals["h"], "p": totals["n"]})
    return {"grids": len(codes), "households": totals["h"] or 0, "people": totals["n"] or 0, "warnings": warnings}


def do_create_team(*, actor, community_code: str, name: str, grid_codes: Iterable[str], centre: str = "",
                   centre_medical_staff: int = 0) -> Team:
    """Form a team for a health grid: the union of base grids of one community. A grid belongs to
    one team only; the size rule of 004b is reported (``health_grid_sizing``), not refused."""
    name = clean_text(name, field="name", label=_("team name"), required=True, limit=100, multiline=False)
    centre = clean_text(centre, field="centre", label=_("health centre"), limit=100, multiline=False)
    community = Area.objects.filter(code=str(community_code or ""), level=Area.Level.COMMUNITY).first()
    if community is None:
        raise UserError(_("Community: choose a community."), field="community")
    _require(actor, community.code, HEALTH_MANAGE)
    codes = sorted({str(c).strip() for c in grid_codes or [] if str(c).strip()})
    if not codes:
        raise UserError(_("Grids: choose at least one grid of the community."), field="grid_codes")
    known = set(Area.objects.filter(code__in=codes, level=Area.Level.GRID, parent__code=community.code)
                .values_list("code", flat=True))
    if set(codes) - known:
        raise UserError(_("Grids: %(codes)s are not grids of this community.")
                        % {"codes": ", ".join(sorted(set(codes) - known))}, field="grid_codes")
    try:
        staff = int(centre_medical_staff or 0)
    except (TypeError, ValueError):
        raise UserError(_("Medical staff of the centre: give a whole number."), field="centre_medical_staff")
    if staff < 0:
        raise UserError(_("Medical staff of the centre: give a whole number."), field="centre_medical_staff")
    with transaction.atomic():
        for other in Team.objects.select_for_update().filter(area_code=community.code, active=True):
            taken = set(other.grid_codes) & set(codes)
            if taken:
                raise Conflict(_("Grids: %(codes)s already belong to the team %(team)s.")
                               % {"codes": ", ".join(sorted(taken)), "team": other.name}, field="grid_codes")
        team = Team.objects.create(area_code=community.code, name=name, grid_codes=codes, centre=centre,
                                   centre_medical_staff=staff)
        audit.record("health.team.create", actor=actor, obj=team, detail={"grids": codes})
    return team


def do_add_member(team: Team, *, actor, name: str, post: str, organisation: str = "", user=None,
                  leader: bool = False, smi_grant: bool = False) -> TeamMember:
    _require(actor, team.area_code, HEALTH_MANAGE)
    name = clean_text(name, field="name", label=_("name"), required=True, limit=50, multiline=False)
    post = _choice(post, TeamMember.Post, field="post", label=_("post"))
    organisation = clean_text(organisation, field="organisation", label=_("source organisation"), limit=100,
                              multiline=False)
    if user is not None and not user.memberships.filter(active=True, role="family_doctor").exists():
        raise UserError(_("Account: the account must hold the family doctor post to work in a team."),
                        field="user")
    with transaction.atomic():
        member = TeamMember.objects.create(team=team, area_code=team.area_code, name=name, post=post,
                                           organisation=organisation, user=user, leader=bool(leader),
                                           smi_grant=bool(smi_grant))
        audit.record("health.team.member", actor=actor, obj=team, detail={"post": post, "member": member.pk})
    return member


# --- records -------------------------------------------------------------------------------------------
def _clean_record_data(data: dict | None) -> dict:
    out = {}
    labels = {"blood_type": _("blood type"), "allergies": _("allergies"), "history": _("medical history"),
              "family_history": _("family history"), "disability": _("disability"), "lifestyle": _("lifestyle"),
              "note": _("note")}
    for key in RECORD_FIELDS:
        value = clean_text((data or {}).get(key, ""), field=key, label=labels[key], limit=1000)
        if value:
            out[key] = value
    return out


def encrypt_json(value: dict, column: str) -> str:
    return crypto.encrypt(json.dumps(value, ensure_ascii=False, default=str), context=column) if value else ""


def _open_record(person: Person, team: Team | None, *, actor, on: dt.date, data: dict | None = None) -> HealthRecord:
    community = person.area_code[:12]
    serial = next_serial(f"health.record.{community}")
    record = HealthRecord.objects.create(
        person=person, team=team, area_code=person.area_code, number=f"{community}{serial:06d}", opened_on=on,
        data_enc=encrypt_json(_clean_record_data(data), "health.healthrecord.data"))
    audit.record("health.record.open", actor=actor, obj=record)
    return record


def _care_check(actor, person: Person, team: Team | None) -> None:
    probe = HealthRecord(area_code=person.area_code, team=team)
    if not may_care(actor, probe):
        raise NotPermitted(_("Only the resident's family doctor team or the health centre may do this."))


def _active_person(person: Person) -> None:
    if person.status != Person.Status.ACTIVE:
        raise UserError(_("Resident: only people living here sign agreements and are followed up."),
                        field="person")


def do_open_record(person: Person, *, actor, data: dict | None = None, today: dt.date | None = None) -> HealthRecord:
    """Open a person's health record (建立健康档案): one per person, number = community + serial."""
    _active_person(person)
    team = team_of_grid(person.area_code)
    _care_check(actor, person, team)
    with transaction.atomic():
        if HealthRecord.objects.filter(person=person).exists():
            raise Conflict(_("This resident already has a health record."), field="person")
        return _open_record(person, team, actor=actor, on=_today(today), data=data)


def do_update_record(record: HealthRecord, *, actor, version: int | None, data: dict) -> HealthRecord:
    clean = _clean_record_data(data)
    with transaction.atomic():
        locked = _lock(record, version)
        if not may_care(actor, locked):
            raise NotPermitted(_("Only the resident's family doctor team or the health centre may do this."))
        locked.data_enc = encrypt_json(clean, "health.healthrecord.data")
        locked.version += 1
        locked.save(update_fields=["data_enc", "version", "updated_at"])
        audit.record("health.record.update", actor=actor, obj=locked, detail={"fields": sorted(clean)})
    return locked


def _lock(obj, version):
    from civicgrid.core.workflow import lock_row

    return lock_row(obj, version)


# --- agreements ----------------------------------------------------------------------------------------
def _contract_number(person: Person) -> str:
    community = person.area_code[:12]
    return f"QY{community}{next_serial(f'health.contract.{community}'):06d}"


def do_sign_contract(person: Person, *, actor, package: str = Contract.Package.BASIC, start_date=None,
                     today: dt.date | None = None, record_data: dict | None = None) -> Contract:
    """Sign a resident's yearly agreement with the team of their grid (one in force per person),
    opening their health record if they have none."""
    _active_person(person)
    package = _choice(package, Contract.Package, field="package", label=_("service package"))
    start = _date(start_date, field="start_date", label=_("from"), required=False) or _today(today)
    team = team_of_grid(person.area_code)
    if team is None:
        raise UserError(_("Team: the resident's grid belongs to no family doctor team yet."), field="team")
    _care_check(actor, person, team)
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()  # one signing per person at a time
        if Contract.objects.filter(person=person, status=Contract.Status.ACTIVE).exists():
            raise Conflict(_("This resident already has an agreement in force; renew or terminate it."),
                           field="person")
        contract = Contract.objects.create(
            person=person, team=team, area_code=person.area_code, number=_contract_number(person), package=package,
            start_date=start, end_date=_add_year(start) - dt.timedelta(days=1))
        CONTRACT_FLOW.record(contract, "signed", actor=actor, from_status="")
        audit.record("health.contract.sign", actor=actor, obj=contract, detail={"package": package})
        if not HealthRecord.objects.filter(person=person).exists():
            _open_record(person, team, actor=actor, on=start, data=record_data)
    return contract


def _add_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def do_renew_contract(contract: Contract, *, actor, version: int | None = None, package: str | None = None
                      ) -> Contract:
    """The following year's agreement; the old one is kept as renewed, linked to the new one."""
    with transaction.atomic():
        locked = CONTRACT_FLOW.lock(contract, version)
        CONTRACT_FLOW.require(actor, locked, "renew")
        package = _choice(package or locked.package, Contract.Package, field="package", label=_("service package"))
        person = Person.objects.get(pk=locked.person_id)
        _active_person(person)
        team = team_of_grid(person.area_code) or locked.team
        locked.ended_on = locked.end_date
        CONTRACT_FLOW.advance(locked, "renew", actor=actor, fields=["ended_on"])
        start = locked.end_date + dt.timedelta(days=1)
        new = Contract.objects.create(person=person, team=team, area_code=person.area_code,
                                      number=_contract_number(person), package=package, start_date=start,
                                      end_date=_add_year(start) - dt.timedelta(days=1), previous=locked)
        CONTRACT_FLOW.record(new, "signed", actor=actor, from_status="", note=str(locked.number))
        audit.record("health.contract.sign", actor=actor, obj=new, detail={"renews": locked.number})
    return new


def do_terminate_contract(contract: Contract, *, actor, version: int | None = None, reason: str = "",
                          today: dt.date | None = None) -> Contract:
    reason = clean_text(reason, field="reason", label=_("reason"), required=True, limit=500)
    with transaction.atomic():
        locked = CONTRACT_FLOW.lock(contract, version)
        CONTRACT_FLOW.require(actor, locked, "terminate")
        locked.ended_on = _today(today)
        CONTRACT_FLOW.advance(locked, "terminate", actor=actor, fields=["ended_on"], note=reason)
    return locked


# --- programmes and tasks -------------------------------------------------------------------------------
def _anchor(enrolment: Enrolment, rule, person_birth: dt.date | None) -> dt.date | None:
    if rule.anchor == "birth":
        return person_birth
    if rule.anchor == "event":
        return enrolment.anchor_date
    return enrolment.enrolled_on


ENROLMENT_FIELDS = ("id", "person_id", "programme_id", "team_id", "area_code", "enrolled_on", "anchor_date",
                     "ended_on", "person__birth_date", "person__household_id")
TASK_COLUMNS = ("enrolment_id", "rule_id", "seq", "person_id", "team_id", "household_id", "area_code", "start",
                "due", '"end"', "status")


def _rules_by_programme() -> dict:
    from .models import ScheduleRule

    out: dict = {}
    for rule in ScheduleRule.objects.filter(active=True):
        out.setdefault(rule.programme_id, []).append(rule)
    return out


def _enrolment_tuple(e: Enrolment) -> tuple:
    person = e.person
    return (e.pk, e.person_id, e.programme_id, e.team_id, e.area_code, e.enrolled_on, e.anchor_date, e.ended_on,
            person.birth_date, person.household_id)


def task_tuples(enrolments: Iterable[tuple], until: dt.date, rules: dict) -> list[tuple]:
    """The task rows (``TASK_COLUMNS``) the schedules call for up to ``until``, for enrolments given as
    ``ENROLMENT_FIELDS`` tuples. Pure Python, no database; the windows are those of
    ``schedule.windows`` (inlined here for the periodic rules: this runs for every enrolment)."""
    import calendar

    rows: list[tuple] = []
    append = rows.append
    status = Task.Status.OPEN
    one_day = dt.timedelta(days=1)
    prepared = {pid: [(r, r.pk, r.anchor, dt.timedelta(days=r.before_days), dt.timedelta(days=r.after_days),
                       dt.timedelta(days=r.offset_days), r.offset_months, r.every_months,
                       (r.count if r.count else 1001) if r.every_months else 1) for r in rs]
                for pid, rs in rules.items()}
    for (pk, person_id, programme_id, team_id, area_code, enrolled_on, anchor_date, ended_on, birth,
         household_id) in enrolments:
        stop = until if ended_on is None else min(until, ended_on - one_day)
        for rule, rule_id, kind, before, after, offset, offset_months, every, limit in prepared.get(programme_id, ()):
            if kind == "year":
                anchor = enrolled_on
                for w in windows(rule, anchor=anchor, enrolled_on=enrolled_on, until=until, ended_on=ended_on):
                    append((pk, rule_id, w.seq, person_id, team_id, household_id, area_code, w.start, w.due, w.end,
                            status))
                continue
            anchor = birth if kind == "birth" else anchor_date if kind == "event" else enrolled_on
            if anchor is None:
                continue
            months0 = anchor.year * 12 + anchor.month - 1 + offset_months
            day = anchor.day
            seq = 0
            while seq < limit:
                year, month = divmod(months0 + seq * every, 12)
                month += 1
                due = dt.date(year, month, day if day <= 28 else min(day, calendar.monthrange(year, month)[1]))
                due += offset
                start = due - before
                if start < anchor:
                    start = anchor
                if start > stop:
                    break
                end = due + after
                if end >= enrolled_on:
                    append((pk, rule_id, seq, person_id, team_id, household_id, area_code, start, due, end, status))
                seq += 1
    return rows


_PG_TYPES = ("bigint", "bigint", "integer", "bigint", "bigint", "integer", "text", "date", "date", "date", "text")


def _write_tasks(rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: an existing (enrolment, rule, occurrence) stays as it is. On
    PostgreSQL one statement per 20,000 rows (each column sent as an array and ``unnest``-ed); on
    SQLite a prepared statement per row (``executemany``, in-process, no round trips)."""
    from django.db import connection

    if not rows:
        return
    table, columns = Task._meta.db_table, ", ".join(TASK_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"
            for start in range(0, len(rows), 20000):
                cursor.execute(sql, [list(column) for column in zip(*rows[start:start + 20000], strict=True)])
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(TASK_COLUMNS))}) ON CONFLICT DO NOTHING"
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start:start + 5000])


def generate_tasks(*, until: dt.date | None = None, enrolments=None, actor=None, batch: int = 20000) -> int:
    """The periodic job: tasks of every open enrolment (or of the queryset given) up to ``until``
    (today + ``HORIZON_DAYS``). Idempotent: an existing (enrolment, rule, occurrence) is left as it
    is. Returns the rows inserted."""
    until = until or (timezone.localdate() + dt.timedelta(days=HORIZON_DAYS))
    qs = enrolments if enrolments is not None else Enrolment.objects.filter(ended_on__isnull=True)
    rules = _rules_by_programme()
    before = Task.objects.count()
    chunk: list[tuple] = []
    with transaction.atomic():
        for row in qs.order_by().values_list(*ENROLMENT_FIELDS).iterator(chunk_size=batch):
            chunk.append(row)
            if len(chunk) >= batch:
                _write_tasks(task_tuples(chunk, until, rules))
                chunk = []
        _write_tasks(task_tuples(chunk, until, rules))
        qs.update(generated_until=until)
    inserted = Task.objects.count() - before
    if actor is not None:
        audit.record("health.tasks.generate", actor=actor, detail={"until": until.isoformat(), "inserted": inserted})
    return inserted


def _insert_tasks(enrolments, until, *, fresh: bool = False) -> int:
    """Insert the tasks of ``enrolments`` (model rows with their person) up to ``until``; existing
    ones are kept."""
    rows = task_tuples([_enrolment_tuple(e) for e in enrolments], until, _rules_by_programme())
    _write_tasks(rows)
    Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(generated_until=until)
    return len(rows)


def do_enrol(person: Person, programme_code: str, *, actor, enrolled_on=None, anchor_date=None,
             today: dt.date | None = None, until: dt.date | None = None) -> Enrolment:
    """Enrol a person in a programme (纳入管理) and generate their tasks up to the horizon."""
    _active_person(person)
    programme = Programme.objects.filter(code=str(programme_code or ""), active=True).first()
    if programme is None:
        raise UserError(_("Programme: choose one of the listed programmes."), field="programme")
    on = _date(enrolled_on, field="enrolled_on", label=_("enrolled on"), required=False) or _today(today)
    anchor = _date(anchor_date, field="anchor_date", label=_("event date"), required=False)
    if programme.rules.filter(anchor="event").exists() and anchor is None:
        raise UserError(_("Event date: this programme counts from an event (delivery, discharge); give its date."),
                        field="anchor_date")
    age = person.age(on)
    if age is not None and ((programme.min_age is not None and age < programme.min_age)
                            or (programme.max_age is not None and age > programme.max_age)):
        raise UserError(_("Programme: %(p)s is for ages %(low)s–%(high)s; the resident is %(age)s.")
                        % {"p": programme.name, "low": programme.min_age if programme.min_age is not None else 0,
                           "high": programme.max_age if programme.max_age is not None else "", "age": age},
                        field="programme")
    team = team_of_grid(person.area_code)
    _care_check(actor, person, team)
    probe = HealthRecord(area_code=person.area_code, team=team)
    if programme.sensitive and not may_read_mental(actor, probe):
        raise NotPermitted(_("Severe mental illness management needs the centre's special grant."))
    with transaction.atomic():
        if Enrolment.objects.filter(person=person, programme=programme, ended_on__isnull=True).exists():
            raise Conflict(_("The resident is already enrolled in %(p)s.") % {"p": programme.name}, field="programme")
        enrolment = Enrolment.objects.create(person=person, programme=programme, team=team,
                                             area_code=person.area_code, enrolled_on=on, anchor_date=anchor)
        enrolment.person = person
        horizon = until or (max(on, _today(today)) + dt.timedelta(days=HORIZON_DAYS))
        _insert_tasks([enrolment], horizon)
        audit.record("health.enrolment.create", actor=actor, obj=enrolment, detail={"programme": programme.code})
    return enrolment


def do_end_enrolment(enrolment: Enrolment, *, actor, on=None, version: int | None = None,
                     today: dt.date | None = None) -> Enrolment:
    on = _date(on, field="ended_on", label=_("ended on"), required=False) or _today(today)
    with transaction.atomic():
        locked = _lock(enrolment, version)
        if not may_care(actor, locked):
            raise NotPermitted(_("Only the resident's family doctor team or the health centre may do this."))
        if locked.ended_on is not None:
            raise Conflict(_("This enrolment has ended already."), field="ended_on")
        locked.ended_on, locked.version = on, locked.version + 1
        locked.save(update_fields=["ended_on", "version", "updated_at"])
        Task.objects.filter(enrolment=locked, status=Task.Status.OPEN, start__gte=on).delete()
        audit.record("health.enrolment.end", actor=actor, obj=locked)
    return locked


def controlled(programme_code: str, sbp, dbp, fbg) -> bool | None:
    """Whether the visit's measurement is under control: BP < 140/90 (hypertension), fasting glucose
    < 7.0 mmol/L (diabetes); None without the measurement."""
    if programme_code == "htn":
        return None if sbp is None or dbp is None else bool(sbp < 140 and dbp < 90)
    if programme_code == "dm":
        return None if fbg is None else bool(fbg < Decimal("7.0"))
    return None


def do_record_visit(enrolment: Enrolment, *, actor, on=None, mode: str = Visit.Mode.CLINIC, sbp=None, dbp=None,
                    fbg=None, weight=None, classification: str = "", note: str = "", next_due=None,
                    today: dt.date | None = None) -> Visit:
    """Record a visit (clinic / home / phone) for an enrolment: it resolves the open task whose
    window holds the visit's date (else the earliest open task already open by then). A phone
    visit resolves a task but is not face to face (规范管理 counts face-to-face visits only)."""
    mode = _choice(mode, Visit.Mode, field="mode", label=_("mode"))
    on = _date(on, field="on", label=_("date"), required=False) or _today(today)
    if on > _today(today):
        raise UserError(_("Date: a visit cannot be recorded in the future."), field="on")
    sbp = _number(sbp, field="sbp", label=_("systolic pressure (mmHg)"), low=50, high=300)
    dbp = _number(dbp, field="dbp", label=_("diastolic pressure (mmHg)"), low=30, high=200)
    if (sbp is None) != (dbp is None):
        raise UserError(_("Blood pressure: give both systolic and diastolic values."), field="sbp")
    if sbp is not None and dbp >= sbp:
        raise UserError(_("Diastolic pressure (mmHg): must be lower than the systolic pressure."), field="dbp")
    fbg = _number(fbg, field="fbg", label=_("fasting glucose (mmol/L)"), low=1, high=40)
    weight = _number(weight, field="weight", label=_("weight (kg)"), low=1, high=300)
    classification = clean_text(classification, field="classification", label=_("classification"), limit=50,
                                multiline=False)
    note = clean_text(note, field="note", label=_("note"), limit=1000)
    next_due = _date(next_due, field="next_due", label=_("next follow-up"), required=False)
    if next_due is not None and next_due <= on:
        raise UserError(_("Next follow-up: a date after the visit."), field="next_due")
    with transaction.atomic():
        locked = _lock(enrolment, None)
        if not may_care(actor, locked):
            raise NotPermitted(_("Only the resident's family doctor team or the health centre may do this."))
        programme = Programme.objects.get(pk=locked.programme_id)
        if programme.sensitive and not may_read_mental(actor, locked):
            raise NotPermitted(_("Severe mental illness management needs the centre's special grant."))
        if on < locked.enrolled_on:
            raise UserError(_("Date: the visit is before the enrolment (%(d)s).") % {"d": locked.enrolled_on},
                            field="on")
        data = {k: str(v) for k, v in (("sbp", sbp), ("dbp", dbp), ("fbg", fbg), ("weight", weight)) if v is not None}
        if classification:
            data["classification"] = classification
        if note:
            data["note"] = note
        visit = Visit.objects.create(
            person_id=locked.person_id, enrolment=locked, team_id=locked.team_id, area_code=locked.area_code, on=on,
            mode=mode, face_to_face=mode != Visit.Mode.PHONE, controlled=controlled(programme.code, sbp, dbp, fbg),
            data_enc=encrypt_json(data, "health.visit.data"), next_due=next_due,
            actor=actor if getattr(actor, "pk", None) else None)
        task = (Task.objects.select_for_update().filter(enrolment=locked, status=Task.Status.OPEN, start__lte=on,
                                                        end__gte=on).order_by("due").first()
                or Task.objects.select_for_update().filter(enrolment=locked, status=Task.Status.OPEN,
                                                           start__lte=on).order_by("due").first())
        if task is not None:
            task.status, task.done_on, task.visit = Task.Status.DONE, on, visit
            task.save(update_fields=["status", "done_on", "visit"])
        audit.record("health.visit.record", actor=actor, obj=visit,
                     detail={"mode": mode, "task": task.pk if task else None})
    return visit


def do_mark_missed(*, actor, today: dt.date | None = None) -> int:
    """The periodic job: open tasks whose window has closed become missed (one audit row)."""
    today = _today(today)
    with transaction.atomic():
        n = Task.objects.filter(status=Task.Status.OPEN, end__lt=today).update(status=Task.Status.MISSED)
        audit.record("health.tasks.missed", actor=actor, detail={"today": today.isoformat(), "missed": n})
    return n


def do_record_survey(person: Person, *, actor, aware: bool, satisfied: bool, on=None,
                     today: dt.date | None = None):
    """A resident's survey answers (know the team? satisfied?), by the team or the centre."""
    from .models import Survey

    _active_person(person)
    on = _date(on, field="on", label=_("date"), required=False) or _today(today)
    if on > _today(today):
        raise UserError(_("Date: a survey cannot be dated in the future."), field="on")
    for key, value in (("aware", aware), ("satisfied", satisfied)):
        if not isinstance(value, bool):
            raise UserError(_("%(field)s: answer yes or no.") % {"field": key}, field=key)
    team = team_of_grid(person.area_code)
    _care_check(actor, person, team)
    with transaction.atomic():
        survey = Survey.objects.create(person=person, team=team, area_code=person.area_code, on=on, aware=aware,
                                       satisfied=satisfied)
        audit.record("health.survey.record", actor=actor, obj=survey)
    return survey


# --- referrals ------------------------------------------------------------------------------------------
def do_request_referral(person: Person, *, actor, direction: str, hospital: Organisation | int | None,
                        reason: str = "", appointment_at=None, programme_code: str = "rehab",
                        now: dt.datetime | None = None) -> Referral:
    """Refer a person up to a hospital (an appointment) or record a hospital's down-referral on
    discharge; the receiving side must accept within ``REFERRAL_ACCEPT_DAYS`` working days."""
    _active_person(person)
    direction = _choice(direction, Referral.Direction, field="direction", label=_("direction"))
    if isinstance(hospital, int | str) and str(hospital).isdigit():
        hospital = Organisation.objects.filter(pk=int(hospital)).first()
    if not isinstance(hospital, Organisation):
        raise UserError(_("Hospital: choose a hospital of the register."), field="hospital")
    reason = clean_text(reason, field="reason", label=_("reason"), required=True, limit=1000)
    if appointment_at not in (None, "") and not isinstance(appointment_at, dt.datetime):
        try:
            appointment_at = dt.datetime.fromisoformat(str(appointment_at))
        except ValueError:
            raise UserError(_("Appointment: give a date and time (YYYY-MM-DD HH:MM)."), field="appointment_at")
        if timezone.is_naive(appointment_at):
            appointment_at = timezone.make_aware(appointment_at)
    appointment_at = appointment_at or None
    programme = None
    if direction == Referral.Direction.DOWN:
        programme = Programme.objects.filter(code=programme_code or "rehab", active=True).first()
        if programme is None:
            raise UserError(_("Programme: choose one of the listed programmes."), field="programme")
    team = team_of_grid(person.area_code)
    _care_check(actor, person, team)
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.create(
            person=person, team=team, hospital=hospital, direction=direction, area_code=person.area_code,
            reason_enc=crypto.encrypt(reason, context="health.referral.reason"), appointment_at=appointment_at,
            requested_at=now, deadline=deadlines.due(now, REFERRAL_ACCEPT_DAYS, deadlines.WORK_DAYS),
            programme=programme)
        REFERRAL_FLOW.record(referral, "requested", actor=actor, from_status="", at=now)
        audit.record("health.referral.request", actor=actor, obj=referral, detail={"direction": direction})
    return referral


def do_referral_step(referral: Referral, step: str, *, actor, version: int | None = None, note: str = "",
                     appointment_at=None, today: dt.date | None = None, _fail_after_tasks: bool = False
                     ) -> Referral:
    """One step of a referral. A down-referral's arrival enrols the person in its follow-up
    programme for the team of their health grid and generates the tasks — in the same transaction,
    so a failure leaves neither the arrival nor the tasks."""
    if step not in {s.name for s in REFERRAL_FLOW.steps}:
        raise UserError(_("Step: unknown step %(a)s.") % {"a": step}, field="step")
    note = clean_text(note, field="note", label=_("note"), required=step == "return", limit=1000)
    with transaction.atomic():
        locked = REFERRAL_FLOW.lock(referral, version)
        REFERRAL_FLOW.require(actor, locked, step)
        fields = []
        if step == "accept" and appointment_at:
            try:
                when = appointment_at if isinstance(appointment_at, dt.datetime) else dt.datetime.fromisoformat(
                    str(appointment_at))
            except ValueError:
                raise UserError(_("Appointment: give a date and time (YYYY-MM-DD HH:MM)."), field="appointment_at")
            locked.appointment_at = timezone.make_aware(when) if timezone.is_naive(when) else when
            fields.append("appointment_at")
        REFERRAL_FLOW.advance(locked, step, actor=actor, note=note, fields=fields)
        if step == "arrive" and locked.direction == Referral.Direction.DOWN:
            arrived = _today(today)
            person = Person.objects.get(pk=locked.person_id)
            team = team_of_grid(person.area_code)
            programme = locked.programme or Programme.objects.get(code="rehab")
            open_one = Enrolment.objects.filter(person=person, programme=programme, ended_on__isnull=True).first()
            if open_one is not None:  # a new discharge restarts the follow-ups
                open_one.ended_on = arrived
                open_one.save(update_fields=["ended_on", "updated_at"])
            enrolment = Enrolment.objects.create(person=person, programme=programme, team=team,
                                                 area_code=person.area_code, enrolled_on=arrived, anchor_date=arrived)
            enrolment.person = person
            _insert_tasks([enrolment], arrived + dt.timedelta(days=HORIZON_DAYS))
            if _fail_after_tasks:  # the atomicity test: a failure after the tasks were written
                raise RuntimeError("failure after the tasks were written")
            audit.record("health.enrolment.create", actor=actor, obj=enrolment,
                         detail={"programme": programme.code, "referral": locked.pk})
    return locked


def do_set_parameter(year: int, *, actor, htn_prevalence=None, dm_prevalence=None, funding_per_person=None):
    from civicgrid.core.scoping import scope_codes

    from .models import Parameter

    codes = scope_codes(actor, HEALTH_MANAGE)  # a district-wide parameter: the district sets it
    if codes is not None and not any(len(c) <= 6 for c in codes):
        raise NotPermitted(_("Only the district sets the yearly parameters."))
    values = {}
    for key, value, high in (("htn_prevalence", htn_prevalence, 1), ("dm_prevalence", dm_prevalence, 1),
                             ("funding_per_person", funding_per_person, 10000)):
        number = _number(value, field=key, label=key, low=0, high=high)
        if number is not None:
            values[key] = number
    with transaction.atomic():
        row, _created = Parameter.objects.update_or_create(year=int(year), defaults=values)
        audit.record("health.parameter.set", actor=actor, object_type="health.parameter", object_id=str(year),
                     detail={k: str(v) for k, v in values.items()})
    return row



# --- infectious-disease reports (传染病报告) ---------------------------------------------------------------
DISEASE_DETAIL_FIELDS = ("basis", "onset_date", "symptoms", "diagnosing_unit", "note")
DISEASE_DETAILS_COLUMN = "health.diseasereport.details"
CLOCK_SLACK = dt.timedelta(minutes=5)  # a clock a little ahead of the server's is not "the future"


def _datetime(value, *, field: str, label, required: bool = True) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            raise UserError(_("%(field)s is required.") % {"field": label}, field=field)
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        raise UserError(_("%(field)s: give a date and time (YYYY-MM-DD HH:MM).") % {"field": label}, field=field)
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise UserError(_("%(field)s: give a date and time (YYYY-MM-DD HH:MM).") % {"field": label},
                            field=field)
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def _disease_details(data: dict | None) -> dict:
    labels = {"basis": _("basis of the diagnosis"), "onset_date": _("onset date"), "symptoms": _("symptoms"),
              "diagnosing_unit": _("diagnosing unit"), "note": _("note")}
    out = {}
    for key in DISEASE_DETAIL_FIELDS:
        value = (data or {}).get(key, "")
        if key == "onset_date":
            day = _date(value, field=key, label=labels[key], required=False)
            if day is not None:
                out[key] = day.isoformat()
            continue
        value = clean_text(value, field=key, label=labels[key], limit=1000)
        if value:
            out[key] = value
    return out


def do_file_disease_report(person: Person, *, actor, disease, case_type: str, diagnosed_at, reported_at=None,
                           details: dict | None = None, now: dt.datetime | None = None):
    """A team files an infectious-disease report (传染病报告卡) about a person of the register. It is
    late when reported more than the disease's time limit after the diagnosis or discovery (2 hours
    for class A and class B managed as class A, 24 hours for the rest: national practice, kept on the
    disease). The diagnosis details are encrypted; the person's team or the centre files it."""
    from .models import Disease, DiseaseReport
    from .rules import DISEASE_FLOW

    now = now or timezone.now()
    if not isinstance(disease, Disease):
        disease = Disease.objects.filter(code=str(disease or ""), active=True).first() if disease else None
    if disease is None or not disease.active:
        raise UserError(_("Disease: choose one of the listed diseases."), field="disease")
    case_type = _choice(case_type, DiseaseReport.CaseType, field="case_type", label=_("case type"))
    diagnosed = _datetime(diagnosed_at, field="diagnosed_at", label=_("diagnosed or discovered at"))
    reported = _datetime(reported_at, field="reported_at", label=_("reported at"), required=False) or now
    if diagnosed > now + CLOCK_SLACK:
        raise UserError(_("Diagnosed or discovered at: cannot lie in the future."), field="diagnosed_at")
    if reported > now + CLOCK_SLACK:
        raise UserError(_("Reported at: cannot lie in the future."), field="reported_at")
    if reported < diagnosed:
        raise UserError(_("Reported at: cannot be before the diagnosis or discovery."), field="reported_at")
    data = _disease_details(details)
    onset = data.get("onset_date")
    if onset and dt.date.fromisoformat(onset) > timezone.localtime(diagnosed).date():
        raise UserError(_("Onset date: cannot be after the diagnosis."), field="onset_date")
    team = team_of_grid(person.area_code)
    _care_check(actor, person, team)
    deadline = diagnosed + dt.timedelta(hours=disease.limit_hours)
    community = person.area_code[:12]
    with transaction.atomic():
        report = DiseaseReport.objects.create(
            number=f"CR{community}{next_serial(f'health.disease.{community}'):06d}", person=person, team=team,
            area_code=person.area_code, disease=disease, case_type=case_type, diagnosed_at=diagnosed,
            reported_at=reported, limit_hours=disease.limit_hours, deadline=deadline, late=reported > deadline,
            details_enc=encrypt_json(data, DISEASE_DETAILS_COLUMN),
            reporter=actor if getattr(actor, "pk", None) else None)
        DISEASE_FLOW.record(report, "filed", actor=actor, from_status="", at=now)
        audit.record("health.disease.file", actor=actor, obj=report, detail={"late": report.late})
        _follow_up(report, disease, person, team, actor=actor, now=now)
    return report


def _follow_up(report, disease, person: Person, team: Team | None, *, actor, now) -> None:
    """A disease with a follow-up programme (肺结核 → TB) enrols the patient, so the team gets the
    follow-up tasks, in the same transaction as the report — unless they are enrolled already, do not
    live here or lie in no team's grid (the enrolment's audit row names the programme)."""
    programme = disease.follow_up
    if (programme is None or not programme.active or team is None or report.case_type == "carrier"
            or person.status != Person.Status.ACTIVE
            or Enrolment.objects.filter(person=person, programme=programme, ended_on__isnull=True).exists()):
        return
    do_enrol(person, programme.code, actor=actor, enrolled_on=timezone.localtime(now).date())


def do_disease_report_step(report, step: str, *, actor, version: int | None = None, note: str = ""):
    """The centre verifies a report, reports it on to the CDC (上报), closes it, or returns it (with the
    reason)."""
    from .rules import DISEASE_FLOW

    if step not in {s.name for s in DISEASE_FLOW.steps}:
        raise UserError(_("Step: unknown step %(a)s.") % {"a": step}, field="step")
    note = clean_text(note, field="note", label=_("note"), required=step == "return", limit=1000)
    with transaction.atomic():
        locked = DISEASE_FLOW.lock(report, version)
        DISEASE_FLOW.require(actor, locked, step)
        DISEASE_FLOW.advance(locked, step, actor=actor, note=note)
    return locked


# --- health-supervision findings (卫生监督协管) -----------------------------------------------------------------
SUPERVISION_MAJOR = "卫生监督协管"  # the case class (cases migration 0008: WS01–WS05)
CASES_REPORT = "cases.report"  # the capability the intake asks of a patrol report (cases.capabilities)


def supervision_classes():
    """The active categories of the case class 卫生监督协管 (食品安全, 生活饮用水, …)."""
    from django.apps import apps

    return apps.get_model("cases", "CaseClass").objects.filter(major=SUPERVISION_MAJOR, active=True).order_by("code")


def do_file_supervision_finding(organisation: Organisation, *, actor, category: str, description: str,
                                title: str = "") -> SupervisionFinding:
    """A team member reports a health-supervision finding about a registry organisation (the regulated
    party): the case is filed through the cases intake action (a patrol report in the class
    卫生监督协管, at the community tier, into the seven-step loop like any other), located at the
    organisation's building or position, and linked to the organisation by a ``SupervisionFinding``
    row in the same transaction. Only a member of the team whose health grid holds the organisation
    (``health.care``) or the centre (``health.manage``) files it."""
    # The one import of a sibling app, named in the import contract (pyproject.toml): its intake action.
    from civicgrid.cases.actions import do_report_case
    from civicgrid.core.scoping import in_scope

    from .capabilities import HEALTH_CARE
    from .queries import my_team_ids

    cls = supervision_classes().filter(code=str(category or "")).first()
    if cls is None:
        raise UserError(_("Category: choose one of the listed categories."), field="category")
    description = clean_text(description, field="description", label=_("what was found"), required=True,
                             limit=1500)
    title = clean_text(title, field="title", label=_("title"), limit=60, multiline=False)
    team = team_of_grid(organisation.area_code)
    member = team is not None and team.pk in my_team_ids(actor) and in_scope(actor, organisation.area_code,
                                                                            HEALTH_CARE)
    if not (getattr(actor, "is_superuser", False) or member or in_scope(actor, organisation.area_code, HEALTH_MANAGE)):
        raise NotPermitted(_("Only the family doctor team of the organisation's grid or the health centre may "
                             "report this."))
    building = organisation.building
    lon, lat = organisation.lon, organisation.lat
    if (lon is None or lat is None) and building is None:
        raise UserError(_("Regulated party: the register holds no building or position for this organisation."),
                        field="organisation")
    party, code_label = _("Regulated party"), _("unified social credit code")
    credit = f"（{code_label} {organisation.credit_code}）" if organisation.credit_code else ""
    text = f"{party}：{organisation.name}{credit}\n{description}"
    with transaction.atomic():
        case = do_report_case(actor=actor, channel="patrol", cls=cls,
                           title=(title or f"{cls.name}：{organisation.name}")[:100], description=text[:2000],
                           lon=lon, lat=lat, building=building,
                           address=(f"{organisation.name} {organisation.address}".strip())[:200])
        finding = SupervisionFinding.objects.create(case=case, organisation=organisation, team=team,
                                                    area_code=case.area_code,
                                                    reporter=actor if getattr(actor, "pk", None) else None)
        audit.record("health.supervision.file", actor=actor, obj=finding,
                     detail={"case": case.number, "class": cls.code, "organisation": organisation.pk})
    return finding


# --- bulk writes (the demo, imports): the same rules, one transaction, one audit row ---------------------------
def _bulk_scope(actor, codes) -> None:
    for code in set(codes):
        _require(actor, code, HEALTH_MANAGE)


def do_bulk_sign(rows: list[tuple], *, actor, area_code: str = "") -> list[Contract]:
    """Agreements for many residents at once: rows of (person, package, start date). Each person must
    live here, lie in a team's health grid and have no agreement in force; records are opened for
    those without one."""
    from .models import ContractEvent

    teams = {}
    prepared = []
    for person, package, start in rows:
        _active_person(person)
        _choice(package, Contract.Package, field="package", label=_("service package"))
        if person.area_code not in teams:
            teams[person.area_code] = team_of_grid(person.area_code)
        if teams[person.area_code] is None:
            raise UserError(_("Team: the resident's grid belongs to no family doctor team yet."), field="team")
        prepared.append((person, teams[person.area_code], package, start))
    _bulk_scope(actor, [p.area_code for p, *_rest in prepared])
    with transaction.atomic():
        ids = [p.pk for p, *_rest in prepared]
        if Contract.objects.filter(person_id__in=ids, status=Contract.Status.ACTIVE).exists():
            raise Conflict(_("This resident already has an agreement in force; renew or terminate it."),
                           field="person")
        by_community: dict[str, list] = {}
        for row in prepared:
            by_community.setdefault(row[0].area_code[:12], []).append(row)
        contracts = []
        for community, part in by_community.items():
            first = next_serial(f"health.contract.{community}", len(part))
            for i, (person, team, package, start) in enumerate(part):
                contracts.append(Contract(person=person, team=team, area_code=person.area_code,
                                          number=f"QY{community}{first + i:06d}", package=package, start_date=start,
                                          end_date=_add_year(start) - dt.timedelta(days=1)))
        Contract.objects.bulk_create(contracts, batch_size=2000)
        ContractEvent.objects.bulk_create(
            [CONTRACT_FLOW.history_row(c, "signed", actor=actor, from_status="",
                                       at=timezone.make_aware(dt.datetime.combine(c.start_date, dt.time(10))))
             for c in contracts], batch_size=2000)
        have = set(HealthRecord.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
        _bulk_records([(p, t, s) for p, t, _pk, s in prepared if p.pk not in have])
        audit.record("health.contracts.bulk_sign", actor=actor, object_type="health.contract", area_code=area_code,
                     detail={"count": len(contracts)})
    return contracts


def _bulk_records(rows) -> list[HealthRecord]:
    by_community: dict[str, list] = {}
    for row in rows:
        by_community.setdefault(row[0].area_code[:12], []).append(row)
    records = []
    for community, part in by_community.items():
        first = next_serial(f"health.record.{community}", len(part))
        for i, (person, team, on) in enumerate(part):
            records.append(HealthRecord(person=person, team=team, area_code=person.area_code,
                                        number=f"{community}{first + i:06d}", opened_on=on))
    HealthRecord.objects.bulk_create(records, batch_size=2000)
    return records


def do_bulk_enrol(rows: list[tuple], *, actor, until: dt.date, area_code: str = "") -> list[Enrolment]:
    """Enrol many people at once: rows of (person, programme code, enrolled on, event date or None);
    their tasks are generated up to ``until``; records opened for those without one."""
    programmes = {p.code: p for p in Programme.objects.filter(active=True)}
    teams = {}
    enrolments = []
    for person, code, on, anchor in rows:
        _active_person(person)
        if code not in programmes:
            raise UserError(_("Programme: choose one of the listed programmes."), field="programme")
        if person.area_code not in teams:
            teams[person.area_code] = team_of_grid(person.area_code)
        enrolment = Enrolment(person=person, programme=programmes[code], team=teams[person.area_code],
                              area_code=person.area_code, enrolled_on=on, anchor_date=anchor)
        enrolments.append(enrolment)
    _bulk_scope(actor, [e.area_code for e in enrolments])
    with transaction.atomic():
        Enrolment.objects.bulk_create(enrolments, batch_size=2000)
        ids = {e.person_id for e in enrolments}
        have = set(HealthRecord.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
        seen = set()
        new = []
        for e in enrolments:
            if e.person_id not in have and e.person_id not in seen:
                seen.add(e.person_id)
                new.append((e.person, e.team, e.enrolled_on))
        _bulk_records(new)
        for start in range(0, len(enrolments), 5000):
            _insert_tasks(enrolments[start:start + 5000], until, fresh=True)
        audit.record("health.enrolments.bulk_create", actor=actor, object_type="health.enrolment",
                     area_code=area_code, detail={"count": len(enrolments)})
    return enrolments


def do_bulk_visits(rows: list[dict], *, actor, today: dt.date | None = None, area_code: str = "") -> int:
    """Many visits at once (a day's paper forms, the demo's history): each row {task (its id), on,
    mode, sbp, dbp, fbg}; the same checks as ``do_record_visit``, each resolving its own open task."""
    from django.db import connection

    today = _today(today)
    ids = [row["task"] for row in rows]
    tasks = {}
    for start in range(0, len(ids), 5000):
        for t in (Task.objects.filter(pk__in=ids[start:start + 5000], status=Task.Status.OPEN)
                  .values_list("id", "start", "person_id", "enrolment_id", "team_id", "area_code",
                               "enrolment__programme__code")):
            tasks[t[0]] = t
    visits, done = [], []
    mode_label = gettext_lazy("mode")
    for row in rows:
        task = tasks.get(row["task"])
        if task is None:
            raise Conflict(_("This task is no longer open."), field="task")
        _pk, start, person_id, enrolment_id, team_id, code, programme = task
        mode = _choice(row.get("mode", "clinic"), Visit.Mode, field="mode", label=mode_label)
        on = row["on"]
        if on > today or on < start:
            raise UserError(_("Date: a visit cannot be recorded in the future."), field="on")
        sbp = _number(row.get("sbp"), field="sbp", label="sbp", low=50, high=300)
        dbp = _number(row.get("dbp"), field="dbp", label="dbp", low=30, high=200)
        fbg = _number(row.get("fbg"), field="fbg", label="fbg", low=1, high=40)
        data = {k: str(v) for k, v in (("sbp", sbp), ("dbp", dbp), ("fbg", fbg)) if v is not None}
        visits.append(Visit(person_id=person_id, enrolment_id=enrolment_id, team_id=team_id, area_code=code, on=on,
                            mode=mode, face_to_face=mode != Visit.Mode.PHONE,
                            controlled=controlled(programme, sbp, dbp, fbg),
                            data_enc=encrypt_json(data, "health.visit.data")))
        done.append(_pk)
    _bulk_scope(actor, [t[5] for t in tasks.values()])
    with transaction.atomic():
        Visit.objects.bulk_create(visits, batch_size=2000)
        with connection.cursor() as cursor:  # one prepared UPDATE per task (bulk_update's CASE is quadratic)
            cursor.executemany(f"UPDATE {Task._meta.db_table} SET status = %s, done_on = %s, visit_id = %s "
                               f"WHERE id = %s AND status = %s",
                               [(Task.Status.DONE, v.on, v.pk, pk, Task.Status.OPEN) for pk, v in zip(done, visits,
                                                                                                  strict=True)])
        audit.record("health.visits.bulk_create", actor=actor, object_type="health.visit", area_code=area_code,
                     detail={"count": len(visits)})
    return len(visits)


def do_bulk_surveys(rows: list[tuple], *, actor, today: dt.date | None = None, area_code: str = "") -> int:
    """Many survey answers at once: rows of (person, on, aware, satisfied)."""
    from .models import Survey

    today = _today(today)
    teams: dict = {}
    surveys = []
    for person, on, aware, satisfied in rows:
        _active_person(person)
        if on > today:
            raise UserError(_("Date: a survey cannot be dated in the future."), field="on")
        if person.area_code not in teams:
            teams[person.area_code] = team_of_grid(person.area_code)
        surveys.append(Survey(person=person, team=teams[person.area_code], area_code=person.area_code, on=on,
                              aware=bool(aware), satisfied=bool(satisfied)))
    _bulk_scope(actor, [s.area_code for s in surveys])
    with transaction.atomic():
        Survey.objects.bulk_create(surveys, batch_size=2000)
        audit.record("health.surveys.bulk_create", actor=actor, object_type="health.survey", area_code=area_code,
                     detail={"count": len(surveys)})
    return len(surveys)
