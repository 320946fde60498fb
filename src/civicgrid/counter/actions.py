"""Every change of the counter: the catalogue (items, versions, admission) and the life of an
application, one ``do_*`` per step, each in one transaction with its history and audit rows.

Rules enforced here, each a typed ``UserError``/``Conflict`` naming the field in Chinese:
publishing refused when the promised limit exceeds the legal one, a power-type item has no legal
basis or an item has no materials; acceptance refused while a required material is missing, and at a
community window for an item not admitted there; a second one-time notice refused unless the
situation changed; withdrawal only before the decision (the workflow's state rule).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import audit, crypto, deadlines, workcalendar
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.history import actor_fields
from civicgrid.core.models import next_serial
from civicgrid.core.plugins import capabilities_of
from civicgrid.core.text import clean_text
from civicgrid.core.workflow import lock_row
from civicgrid.registry.models import Person, PersonTag

from .capabilities import COUNTER_CATALOGUE, COUNTER_INTAKE
from .models import (
    LEVEL_DIGITS,
    POWER_TYPES,
    Application,
    ApplicationMaterial,
    CallbackTask,
    Department,
    ItemVersion,
    Level,
    Material,
    Notice,
    ServiceItem,
    Situation,
)
from .rules import APPLICATION_FLOW as FLOW

S = Application.Status
QUERY_PURPOSE = "counter.query"
QUERY_CONTEXT = "counter.application.query"
QUERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CALLBACK_DAYS = 15  # rectification after a poor rating, in working days
POOR_RATING = 2
SUSPEND_REASONS = {"公示", "听证", "鉴定", "检验检测", "专家评审", "现场勘查"}


def clock_now() -> dt.datetime:
    """The time of a step (one place, so tests can set the clock of the counter alone)."""
    return timezone.now()


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or clock_now()


def _require(actor, capability: str) -> None:
    if not getattr(actor, "is_superuser", False) and not actor.has_capability(capability):
        audit.record("access.denied", actor=actor, object_type="capability", object_repr=capability,
                     outcome=audit.AuditLog.Outcome.DENIED)
        raise NotPermitted(_("Your role does not allow this."))


# --- the catalogue -----------------------------------------------------------------------------------
def _initials(name: str) -> str:
    from civicgrid.registry.people import name_keys

    return name_keys(name)[0][:60]


def do_create_item(*, actor, code: str, name: str, department: str, level: str, node: str = "handling",
                   parent: ServiceItem | None = None, community_admitted: bool = False,
                   sample: bool = False) -> ServiceItem:
    _require(actor, COUNTER_CATALOGUE)
    code = clean_text(code, field="code", label=_("item code"), required=True, limit=40, multiline=False)
    name = clean_text(name, field="name", label=_("item name"), required=True, limit=200, multiline=False)
    if department not in Department.values:
        raise UserError(_("department: choose one of the departments."), field="department")
    if level not in Level.values:
        raise UserError(_("level: choose district, street or community."), field="level")
    if node not in ServiceItem.Node.values:
        raise UserError(_("node: choose main item, sub-item or handling item."), field="node")
    with transaction.atomic():
        if ServiceItem.objects.filter(code=code).exists():
            raise UserError(_("item code: %(code)s is taken.") % {"code": code}, field="code")
        item = ServiceItem.objects.create(code=code, name=name, name_initials=_initials(name), department=department,
                                          level=level, node=node, parent=parent, sample=sample,
                                          community_admitted=community_admitted)
        audit.record("counter.item.create", actor=actor, obj=item)
    return item


VERSION_FIELDS = ("item_type", "legal_basis", "conditions", "legal_days", "promised_days", "fee", "fee_basis",
                  "steps", "visits", "online", "windows", "hours", "consult_phone", "complaint_phone",
                  "target_groups", "green_channel")


def do_save_draft(*, actor, item: ServiceItem, materials: list[dict], situations: list[dict] | None = None,
                  **fields) -> ItemVersion:
    """A new draft version of ``item`` (the next number) with its situations and materials."""
    _require(actor, COUNTER_CATALOGUE)
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise UserError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    for key in ("legal_basis", "conditions", "fee", "fee_basis", "windows", "consult_phone", "complaint_phone",
                "target_groups"):
        if key in fields:
            fields[key] = clean_text(fields[key], field=key, limit=5000 if key in ("legal_basis", "conditions") else 300)
    for key in ("legal_days", "promised_days"):
        value = fields.get(key)
        if not isinstance(value, int) or value < 0 or value > 365:
            raise UserError(_("%(f)s: a whole number of working days from 0 to 365.") % {"f": key}, field=key)
    if fields.get("visits", 1) not in (0, 1, 2):
        raise UserError(_("visits: 0, 1 or 2."), field="visits")
    with transaction.atomic():
        item = lock_row(item)
        number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ItemVersion.objects.create(item=item, number=number, **fields)
        codes = set()
        for s in situations or []:
            code = clean_text(s.get("code"), field="situations", required=True, limit=16, multiline=False)
            codes.add(code)
            Situation.objects.create(version=version, code=code,
                                     question=clean_text(s.get("question", ""), field="situations", limit=200),
                                     label=clean_text(s.get("label"), field="situations", required=True, limit=200))
        for i, m in enumerate(materials, start=1):
            source = m.get("source", "")
            if source not in Material.Source.values:
                raise UserError(_("materials: unknown register source %(s)s.") % {"s": source}, field="materials")
            applies = [c for c in m.get("situations", []) if c]
            if set(applies) - codes:
                raise UserError(_("materials: a material names a situation the item does not have."),
                                field="materials")
            Material.objects.create(
                version=version, code=m.get("code") or f"M{i:02d}",
                name=clean_text(m.get("name"), field="materials", label=_("material"), required=True, limit=200),
                original=bool(m.get("original", True)), copies=int(m.get("copies", 1)),
                required=bool(m.get("required", True)), source=source, situations=applies)
        audit.record("counter.item.draft", actor=actor, obj=item, detail={"version": number})
    return version


def check_publishable(version: ItemVersion) -> None:
    """The rules of publication, every problem by its field."""
    errors = {}
    if version.promised_days > version.legal_days:
        errors["promised_days"] = _("Promised time limit: %(p)s working days exceeds the legal limit of %(l)s; "
                                    "the promise may only be shorter.") % {"p": version.promised_days,
                                                                          "l": version.legal_days}
    if version.item_type in POWER_TYPES and not version.legal_basis.strip():
        errors["legal_basis"] = _("Legal basis: an item of administrative power must name its legal basis.")
    if not version.materials.exists():
        errors["materials"] = _("Materials: an item without materials cannot be published.")
    if errors:
        first = next(iter(errors))
        raise UserError(errors[first], field=first, errors=errors, code="not_publishable")


def do_publish_version(*, actor, version: ItemVersion, expected_version: int | None = None,
                       at: dt.datetime | None = None) -> ItemVersion:
    _require(actor, COUNTER_CATALOGUE)
    with transaction.atomic():
        locked = lock_row(version, expected_version)
        if locked.status != ItemVersion.Status.DRAFT:
            raise Conflict(_("Only a draft can be published; this version is %(s)s.")
                           % {"s": locked.get_status_display()}, field="status")
        check_publishable(locked)
        item = lock_row(locked.item)
        for older in item.versions.filter(status__in=[ItemVersion.Status.PUBLISHED, ItemVersion.Status.SUSPENDED]):
            older.status = ItemVersion.Status.WITHDRAWN
            older.version += 1
            older.save(update_fields=["status", "version", "updated_at"])
        locked.status = ItemVersion.Status.PUBLISHED
        locked.published_at = _now(at)
        locked.version += 1
        locked.save(update_fields=["status", "published_at", "version", "updated_at"])
        item.current = locked
        item.save(update_fields=["current", "updated_at"])
        audit.record("counter.item.publish", actor=actor, obj=item, detail={"version": locked.number})
    return locked


def do_set_version_status(*, actor, version: ItemVersion, status: str, expected_version: int | None = None
                          ) -> ItemVersion:
    """Suspend a published version, publish a suspended one again, or withdraw it."""
    _require(actor, COUNTER_CATALOGUE)
    V = ItemVersion.Status
    moves = {V.SUSPENDED: {V.PUBLISHED}, V.PUBLISHED: {V.SUSPENDED}, V.WITHDRAWN: {V.PUBLISHED, V.SUSPENDED, V.DRAFT}}
    if status not in moves:
        raise UserError(_("status: suspend, publish again or withdraw."), field="status")
    with transaction.atomic():
        locked = lock_row(version, expected_version)
        if locked.status not in moves[status]:
            raise Conflict(_("This version is %(s)s; it cannot become %(t)s.")
                           % {"s": locked.get_status_display(), "t": V(status).label}, field="status")
        locked.status = status
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        item = lock_row(locked.item)
        item.current = locked if status != V.WITHDRAWN else None
        item.save(update_fields=["current", "updated_at"])
        audit.record(f"counter.item.{ {V.SUSPENDED: 'suspend', V.PUBLISHED: 'republish', V.WITHDRAWN: 'withdraw'}[status]}",
                     actor=actor, obj=item, detail={"version": locked.number})
    return locked


def do_set_admission(*, actor, item: ServiceItem, admitted: bool) -> ServiceItem:
    """The admission list (准入): whether community windows may accept the item."""
    _require(actor, COUNTER_CATALOGUE)
    with transaction.atomic():
        locked = lock_row(item)
        locked.community_admitted = bool(admitted)
        locked.save(update_fields=["community_admitted", "updated_at"])
        audit.record("counter.item.admission", actor=actor, obj=locked, detail={"admitted": bool(admitted)})
    return locked


# --- the register behind the checklist -----------------------------------------------------------------
def register_supplies(person: Person | None, source: str, *, tags: set[str] | None = None) -> bool:
    """Whether the register proves a material of ``source`` for ``person`` (``tags``: the person's
    tags when already read)."""
    if person is None or not source:
        return False
    if source == Material.Source.ID:
        return bool(person.id_index)
    if source == Material.Source.HOUSEHOLD:
        return person.household_id is not None
    if source.startswith("tag:"):
        if tags is not None:
            return source[4:] in tags
        return PersonTag.objects.filter(person=person, tag=source[4:]).exists()
    return False


def _checklist(actor, app: Application, version: ItemVersion, situation: str, handed: set[str],
               at: dt.datetime, *, new: bool = False) -> list[ApplicationMaterial]:
    """The materials of the situation, each provided by the register (one audited read per
    register-sourced material), handed in, or missing."""
    lines, reads, fresh = [], [], []
    existing = {} if new else {line.material_id: line for line in app.materials.all()}
    tags = None
    for material in version.materials.all():
        if not material.applies_to(situation):
            continue
        line = existing.get(material.pk)
        how = line.how if line else ""
        if not how and material.source:
            if material.source.startswith("tag:") and tags is None and app.applicant is not None:
                tags = set(PersonTag.objects.filter(person=app.applicant).values_list("tag", flat=True))
            supplied = register_supplies(app.applicant, material.source, tags=tags)
            reads.append(audit.entry("counter.register.read", actor=actor, obj=app,
                                     detail={"material": material.code, "source": material.source,
                                             "supplied": supplied}))
            if supplied:
                how = ApplicationMaterial.How.REGISTER
        if not how and material.code in handed:
            how = ApplicationMaterial.How.HANDED
        if line is None:
            line = ApplicationMaterial(application=app, material=material, how=how)
            fresh.append(line)
        elif line.how != how:
            line.how = how
            line.save(update_fields=["how"])
        lines.append(line)
    # One audit row per register read (1:1), and the new lines, each written in one statement.
    audit.AuditLog.objects.bulk_create(reads)
    ApplicationMaterial.objects.bulk_create(fresh)
    return lines


def missing_materials(app: Application) -> list[Material]:
    """Required materials of the application's situation not provided yet."""
    lines = app.materials.select_related("material")
    return [line.material for line in lines
            if line.material.required and not line.how and line.material.applies_to(app.situation)]


def _window_level(actor, app: Application) -> str | None:
    """The level of the centre the actor receives at for this application (community or street)."""
    if getattr(actor, "is_superuser", False):
        return Level.STREET
    codes = [m.area_code for m in actor.active_memberships()
             if COUNTER_INTAKE in capabilities_of(m.role) and app.area_code.startswith(m.area_code)]
    if not codes:
        return None
    return Level.STREET if min(len(c) for c in codes) <= 9 else Level.COMMUNITY


def _owner_area(level: str, area_code: str) -> str:
    return area_code[:LEVEL_DIGITS[level]] if len(area_code) >= LEVEL_DIGITS[level] else area_code


def _serial(prefix: str, name: str, at: dt.datetime) -> str:
    from civicgrid.core.periods import today

    return f"{prefix}{today(at):%Y%m%d}{next_serial(name):07d}"


# --- the window ----------------------------------------------------------------------------------------
def do_intake(*, actor, version: ItemVersion, applicant: Person, window_area_code: str, situation: str = "",
              handed=(), window: str = "", proxy: str = "", proxy_person: Person | None = None,
              green_channel: bool = False, channel: str = Application.Channel.WINDOW,
              organisation=None, at: dt.datetime | None = None) -> Application:
    """The clerk receives a resident at a window (首接): the applicant is the register's person, the
    checklist ticks what the register proves (an audited read each) and what was handed in. When an
    ``organisation`` of the register applies, it is the applicant and the person its handler (经办人)."""
    at = _now(at)
    if version.status != ItemVersion.Status.PUBLISHED:
        raise UserError(_("Item: the item is not published; it cannot be applied for."), field="item")
    if applicant is None:
        raise UserError(_("Applicant: look the resident up in the register first."), field="applicant")
    situations = list(version.situations.values_list("code", flat=True))
    if situations and situation not in situations:
        raise UserError(_("Situation: answer the situation questions (choose one of the situations)."),
                        field="situation")
    if not situations:
        situation = ""
    if proxy not in Application.Proxy.values:
        raise UserError(_("Proxy handling: choose in person, proxy or full-process agency."), field="proxy")
    if proxy and proxy_person is None:
        raise UserError(_("Proxy: look the proxy up in the register."), field="proxy_person")
    if channel == Application.Channel.ONLINE and not version.online:
        raise UserError(_("Item: this item cannot be applied for online."), field="item")
    window = clean_text(window, field="window", label=_("window"), limit=30, multiline=False)
    item = version.item
    if channel == Application.Channel.WINDOW:
        if not (getattr(actor, "is_superuser", False) or _window_area_ok(actor, window_area_code)):
            raise NotPermitted(_("You do not serve at this centre."))
    with transaction.atomic():
        app = Application(
            number=_serial("SQ", "counter.application", at), item=item, item_version=version,
            situation=situation, channel=channel, window=window, applicant=applicant,
            organisation=organisation, applicant_name=organisation.name if organisation else applicant.name,
            proxy=proxy, proxy_person=proxy_person,
            proxy_name=proxy_person.name if proxy_person else "",
            green_channel=bool(green_channel),
            department=item.department, owner_level=item.level,
            owner_area_code=_owner_area(item.level, window_area_code), area_code=window_area_code,
            received_at=at, visits=1 if channel == Application.Channel.WINDOW else 0,
            legal_days=version.legal_days, promised_days=version.promised_days, created_at=at)
        fields = actor_fields(actor)
        app.first_clerk, app.first_clerk_name = fields["actor"], fields["actor_name"]
        app.save(force_insert=True)
        _checklist(actor, app, version, situation, set(handed), at, new=True)
        FLOW.record(app, "received", actor=actor, from_status="",
                    at=at, note=item.name)
        audit.record("counter.application.receive", actor=actor, obj=app)
    return app


def _window_area_ok(actor, code: str) -> bool:
    return any(code.startswith(m.area_code) and len(code) in (9, 12) for m in actor.active_memberships()
               if COUNTER_INTAKE in capabilities_of(m.role))


def do_notice(*, actor, application: Application, expected_version: int | None = None,
              at: dt.datetime | None = None) -> Notice:
    """The one-time notice (一次性告知书) of every missing material; a second only after the
    situation changed."""
    at = _now(at)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "notice")
        missing = missing_materials(app)
        if not missing:
            raise UserError(_("Materials: nothing required is missing; accept the application instead."),
                            field="materials", code="nothing_missing")
        last = app.notice_rows.order_by("-issued_at", "-id").first()
        if last is not None and last.situation == app.situation:
            raise Conflict(_("One-time notice: a notice was already issued for this situation; everything "
                             "missing must be told at once (一次性告知). A second notice is possible only when "
                             "the situation changed."), field="notice", code="second_notice")
        notice = Notice.objects.create(
            application=app, number=_serial("GZ", "counter.notice", at), situation=app.situation,
            missing=[{"code": m.code, "name": m.name, "original": m.original, "copies": m.copies} for m in missing],
            issued_at=at, issued_by_name=actor_fields(actor)["actor_name"])
        app.notices += 1
        FLOW.advance(app, "notice", actor=actor, fields=["notices"], at=at,
                     note="；".join(m.name for m in missing), detail={"missing": len(missing)})
    return notice


def do_supplement(*, actor, application: Application, handed=(), situation: str | None = None,
                  expected_version: int | None = None, in_person: bool = True,
                  at: dt.datetime | None = None) -> Application:
    """Materials handed in after a notice (back to the window's check), or after the back office
    asked (the clock runs again, the deadline moved by the working time paused)."""
    at = _now(at)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "supplement")
        fields = ["visits"]
        if situation is not None and situation != app.situation:
            if app.status != S.NOTIFIED:
                raise Conflict(_("Situation: it can change only before acceptance."), field="situation")
            codes = set(app.item_version.situations.values_list("code", flat=True))
            if situation not in codes:
                raise UserError(_("Situation: choose one of the situations."), field="situation")
            app.situation = situation
            fields.append("situation")
        _checklist(actor, app, app.item_version, app.situation, set(handed), at)
        if in_person:
            app.visits += 1
        if app.status == S.NOTIFIED:
            to = S.RECEIVED
        else:
            to = S.ACCEPTED
            _resume_clock(app, at)
            fields += ["due_at", "paused_at", "paused_hours"]
        FLOW.advance(app, "supplement", actor=actor, fields=fields, at=at, to=to,
                     note=_("%(n)s materials handed in") % {"n": len(set(handed))})
    return app


def _resume_clock(app: Application, at: dt.datetime) -> None:
    if app.paused_at is not None and app.due_at is not None:
        paused = workcalendar.working_time_between(app.paused_at, at)
        app.due_at = deadlines.after_pause(app.due_at, app.paused_at, at)
        app.paused_hours += max(paused.total_seconds(), 0) / 3600
    app.paused_at = None


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_ALPHABET) for _i in range(10))


def query_index(code: str) -> str:
    return crypto.blind_index((code or "").strip().upper().replace(" ", "").replace("-", ""), purpose=QUERY_PURPOSE)


def do_accept(*, actor, application: Application, expected_version: int | None = None,
              at: dt.datetime | None = None) -> tuple[Application, str]:
    """受理: the receipt (number, promised date) and the query code, shown once on the receipt."""
    at = _now(at)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "accept")
        item = app.item
        if not item.community_admitted and _window_level(actor, app) == Level.COMMUNITY:
            raise NotPermitted(_("Admission: community windows may not accept “%(item)s” (not on the admission "
                                 "list); forward it on the resident's behalf (代办) to the street centre.")
                               % {"item": item.name}, field="item", code="not_admitted")
        missing = missing_materials(app)
        if missing:
            raise UserError(_("Materials: required material missing — %(names)s; issue the one-time notice or "
                              "record the material.") % {"names": "、".join(m.name for m in missing)},
                            field="materials", code="materials_missing")
        lines = list(app.materials.all())
        code = new_query_code()
        app.receipt_number = _serial("SL", "counter.receipt", at)
        app.query_index = query_index(code)
        app.query_enc = crypto.encrypt(code, context=QUERY_CONTEXT)
        app.accepted_at = at
        app.due_at = deadlines.due(at, app.promised_days, deadlines.WORK_DAYS)
        app.materials_total = sum(1 for line in lines if line.how)
        app.materials_register = sum(1 for line in lines if line.how == ApplicationMaterial.How.REGISTER)
        FLOW.advance(app, "accept", actor=actor, at=at,
                     fields=["receipt_number", "query_index", "query_enc", "accepted_at", "due_at",
                             "materials_total", "materials_register"])
    return app, code


def receipt_query_code(app: Application) -> str:
    """The query code, for reprinting the receipt (the caller has access to the application)."""
    return crypto.decrypt_optional(app.query_enc, context=QUERY_CONTEXT)


def do_refuse(*, actor, application: Application, reason: str, legal_basis: str,
              expected_version: int | None = None, at: dt.datetime | None = None) -> Application:
    """不予受理, with the reason and its legal basis."""
    at = _now(at)
    reason = clean_text(reason, field="reason", label=_("reason"), required=True, limit=1000)
    basis = clean_text(legal_basis, field="legal_basis", label=_("legal basis"), required=True, limit=500)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "refuse")
        app.decision_reason, app.legal_basis = reason, basis
        FLOW.advance(app, "refuse", actor=actor, at=at, fields=["decision_reason", "legal_basis"], note=reason)
    return app


# --- the back office -----------------------------------------------------------------------------------
def do_ask_supplement(*, actor, application: Application, note: str, expected_version: int | None = None,
                      at: dt.datetime | None = None) -> Application:
    at = _now(at)
    note = clean_text(note, field="note", label=_("what to supplement"), required=True, limit=1000)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "ask_supplement")
        app.paused_at = at
        FLOW.advance(app, "ask_supplement", actor=actor, at=at, fields=["paused_at"], note=note)
    return app


def do_forward(*, actor, application: Application, department: str, level: str, area_code: str = "",
               note: str = "", expected_version: int | None = None, at: dt.datetime | None = None) -> Application:
    """通办: hand the application to another department or level, which decides it."""
    at = _now(at)
    if department not in Department.values:
        raise UserError(_("Department: choose one of the departments."), field="department")
    if level not in Level.values:
        raise UserError(_("Level: choose district, street or community."), field="level")
    note = clean_text(note, field="note", label=_("note"), limit=1000)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "forward")
        owner = area_code or _owner_area(level, app.area_code)
        if len(owner) != LEVEL_DIGITS[level] or not owner.startswith(app.area_code[:6]):
            raise UserError(_("Deciding area: an area of the chosen level in this district."), field="area_code")
        if (department, owner) == (app.department, app.owner_area_code):
            raise UserError(_("Department: the application is there already."), field="department")
        before = f"{app.get_department_display()}·{app.owner_area_code}"
        app.department, app.owner_level, app.owner_area_code = department, level, owner
        app._given_away_by = getattr(actor, "pk", None)
        FLOW.advance(app, "forward", actor=actor, at=at, fields=["department", "owner_level", "owner_area_code"],
                     note=note or f"{before} → {app.get_department_display()}·{owner}",
                     detail={"department": department, "owner": owner})
    return app


def do_suspend(*, actor, application: Application, reason: str, note: str = "",
               expected_version: int | None = None, at: dt.datetime | None = None) -> Application:
    """特别程序 (公示, 听证, 鉴定…): the clock stops until resumed."""
    at = _now(at)
    if reason not in SUSPEND_REASONS:
        raise UserError(_("Reason: choose a legal procedure (公示, 听证, 鉴定, 检验检测, 专家评审, 现场勘查)."),
                        field="reason")
    note = clean_text(note, field="note", label=_("note"), limit=900)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "suspend")
        app.paused_at = at
        FLOW.advance(app, "suspend", actor=actor, at=at, fields=["paused_at"], note=f"{reason} {note}".strip())
    return app


def do_resume(*, actor, application: Application, note: str = "", expected_version: int | None = None,
              at: dt.datetime | None = None) -> Application:
    at = _now(at)
    note = clean_text(note, field="note", label=_("note"), limit=1000)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "resume")
        _resume_clock(app, at)
        FLOW.advance(app, "resume", actor=actor, at=at, fields=["due_at", "paused_at", "paused_hours"], note=note)
    return app


def work_days_used(app: Application, end: dt.datetime) -> float:
    worked = workcalendar.working_time_between(app.accepted_at, end).total_seconds() / 3600 - app.paused_hours
    day = workcalendar.default_calendar().day_length.total_seconds() / 3600
    return round(max(worked, 0) / day, 3)


def do_decide(*, actor, application: Application, approve: bool, reason: str = "", legal_basis: str = "",
              expected_version: int | None = None, at: dt.datetime | None = None) -> Application:
    """Approve, or deny with the reason (and its legal basis)."""
    at = _now(at)
    reason = clean_text(reason, field="reason", label=_("reason"), required=not approve, limit=1000)
    basis = clean_text(legal_basis, field="legal_basis", label=_("legal basis"), limit=500)
    step = "approve" if approve else "deny"
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, step)
        app.decided_at = at
        app.work_days = work_days_used(app, at)
        app.on_time = at <= app.due_at
        app.decision_reason, app.legal_basis = reason, basis
        FLOW.advance(app, step, actor=actor, at=at, note=reason,
                     fields=["decided_at", "work_days", "on_time", "decision_reason", "legal_basis"])
    return app


def do_hand_over(*, actor, application: Application, delivery: str, expected_version: int | None = None,
                 at: dt.datetime | None = None) -> Application:
    """The result handed over: picked up at the window (a visit) or posted (none)."""
    at = _now(at)
    if delivery not in Application.Delivery.values:
        raise UserError(_("Delivery: pickup at the window or by post."), field="delivery")
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "hand_over")
        app.delivery, app.delivered_at = delivery, at
        if delivery == Application.Delivery.PICKUP:
            app.visits += 1
        FLOW.advance(app, "hand_over", actor=actor, at=at, fields=["delivery", "delivered_at", "visits"],
                     note=app.get_delivery_display())
    return app


def do_withdraw(*, actor, application: Application, reason: str = "", expected_version: int | None = None,
                at: dt.datetime | None = None) -> Application:
    at = _now(at)
    reason = clean_text(reason, field="reason", label=_("reason"), limit=1000)
    with transaction.atomic():
        app = FLOW.lock(application, expected_version)
        FLOW.require(actor, app, "withdraw")
        app.paused_at = None
        FLOW.advance(app, "withdraw", actor=actor, at=at, fields=["paused_at"], note=reason)
    return app


# --- the applicant's rating and the callback -----------------------------------------------------------
RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


def do_rate(*, application: Application, rating: int, comment: str = "", actor=None,
            at: dt.datetime | None = None) -> Application:
    """The applicant rates (five levels); 2 or less opens a callback task for the hotline seats with
    the rectification due in 15 working days."""
    at = _now(at)
    if rating not in RATINGS:
        raise UserError(_("Rating: choose one of the five levels (1 very dissatisfied … 5 very satisfied)."),
                        field="rating")
    comment = clean_text(comment, field="comment", label=_("comment"), limit=500)
    with transaction.atomic():
        app = FLOW.lock(application)
        FLOW.require(actor, app, "rate")
        app.rating, app.rating_comment, app.rated_at = rating, comment, at
        FLOW.advance(app, "rate", actor=actor, at=at, fields=["rating", "rating_comment", "rated_at"],
                     note=RATINGS[rating])
        if rating <= POOR_RATING:
            task = CallbackTask.objects.create(application=app, area_code=app.area_code, rating=rating,
                                               due_at=deadlines.due(at, CALLBACK_DAYS, deadlines.WORK_DAYS),
                                               created_at=at)
            audit.record("counter.callback.open", actor=actor, obj=task, detail={"application": app.number})
    return app


def do_close_callback(*, actor, task: CallbackTask, result: str, expected_version: int | None = None,
                      at: dt.datetime | None = None) -> CallbackTask:
    from civicgrid.core.scoping import ensure_in_scope

    from .capabilities import COUNTER_CALLBACK

    at = _now(at)
    result = clean_text(result, field="result", label=_("result"), required=True, limit=1000)
    with transaction.atomic():
        locked = lock_row(task, expected_version)
        ensure_in_scope(actor, locked.area_code, COUNTER_CALLBACK)
        if locked.status != CallbackTask.Status.OPEN:
            raise Conflict(_("This callback is done already."), field="status")
        locked.status, locked.result, locked.done_at = CallbackTask.Status.DONE, result, at
        locked.version += 1
        locked.save(update_fields=["status", "result", "done_at", "version", "updated_at"])
        audit.record("counter.callback.close", actor=actor, obj=locked)
    return locked
