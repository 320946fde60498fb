"""Who may do what to an application, and the application's life as the core kit's state machine.

Window steps (notice, accept, refuse) belong to a window clerk whose centre holds the application's
``area_code``; back-office steps (ask for supplements, forward, suspend, resume, approve, deny) to a
handler of the owning department whose area holds ``owner_area_code``; supplements, hand-over and
withdrawal to either; the rating to whoever holds the receipt's query code."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.plugins import capabilities_of
from civicgrid.core.scoping import in_scope, scope_q
from civicgrid.core.workflow import Step, Workflow

from .capabilities import COUNTER_HANDLE, COUNTER_INTAKE, COUNTER_VIEW
from .models import Application, ApplicationEvent

S, K = Application.Status, ApplicationEvent.Kind

DEPT_UNIT_KINDS = ("department", "street_office")


def _handler_memberships(actor):
    if actor is None or not getattr(actor, "is_authenticated", False) or not hasattr(actor, "active_memberships"):
        return []
    return [m for m in actor.active_memberships() if COUNTER_HANDLE in capabilities_of(m.role)]


def _serves(membership, department: str) -> bool:
    """A unit-bound handler serves its unit's department (a street office with no department: every
    item decided at its street); an area-bound one (a window clerk deciding its own level) every."""
    unit = membership.unit
    if unit is None:
        return True
    return unit.department in ("", department)


def is_handler(actor, app) -> bool:
    """The owning department's back office (or the clerk of the deciding centre)."""
    if getattr(actor, "is_superuser", False):
        return True
    return any(app.owner_area_code.startswith(m.area_code) and _serves(m, app.department)
               for m in _handler_memberships(actor))


def is_clerk(actor, app) -> bool:
    """A window clerk of the centre that holds the application."""
    return getattr(actor, "is_superuser", False) or in_scope(actor, app.area_code, COUNTER_INTAKE)


def clerk_or_handler(actor, app) -> bool:
    return is_clerk(actor, app) or is_handler(actor, app)


def can_see(actor, app) -> bool:
    """Reading an application: the counters of its area, the staff above them, and its back office."""
    return (getattr(actor, "is_superuser", False) or in_scope(actor, app.area_code, COUNTER_VIEW)
            or is_handler(actor, app))


def visible_q(actor) -> Q:
    """:func:`can_see` as a filter (``None`` scope: everything)."""
    q = scope_q(actor, "area_code", COUNTER_VIEW)
    if getattr(actor, "is_superuser", False):
        return q
    handler = Q(pk__in=[])
    for m in _handler_memberships(actor):
        part = Q(owner_area_code__startswith=m.area_code)
        if m.unit is not None and m.unit.department:
            part &= Q(department=m.unit.department)
        handler |= part
    return q | handler


def anyone(actor, app) -> bool:
    return True


def _after_write(actor, app) -> bool:
    """After a write the actor must still see the application — except a forward, which gives it
    to another department on purpose."""
    return getattr(app, "_given_away_by", None) == getattr(actor, "pk", 0) or can_see(actor, app)


_CONFLICT = _("An application that is %(state)s cannot be %(action)s.")
PAUSED = {S.SUPPLEMENT, S.SUSPENDED}
BEFORE_DECISION = {S.RECEIVED, S.NOTIFIED, S.ACCEPTED, S.SUPPLEMENT, S.SUSPENDED}

APPLICATION_FLOW = Workflow(
    Application, history=ApplicationEvent, parent="application", audit_prefix="counter.application",
    stale=_("Someone else changed this application meanwhile; reload and try again."),
    history_fields=lambda app: {"due_at": app.due_at},
    select_related=("item", "item_version"),
    scope=_after_write,
    steps=[
        # At the window: one notice of everything missing, then acceptance or a reasoned refusal.
        Step("notice", {S.RECEIVED}, S.NOTIFIED, K.NOTICE, COUNTER_INTAKE, who=is_clerk,
             label=_("notified of missing materials"), conflict=_CONFLICT),
        Step("supplement", {S.NOTIFIED, S.SUPPLEMENT}, None, K.SUPPLEMENTED, COUNTER_INTAKE, who=clerk_or_handler,
             label=_("supplemented"), conflict=_CONFLICT),
        Step("accept", {S.RECEIVED}, S.ACCEPTED, K.ACCEPTED, COUNTER_INTAKE, who=is_clerk, label=_("accepted"),
             conflict=_CONFLICT),
        Step("refuse", {S.RECEIVED, S.NOTIFIED}, S.REFUSED, K.REFUSED, COUNTER_INTAKE, who=is_clerk,
             label=_("refused"), conflict=_CONFLICT),
        # The back office of the owning department.
        Step("ask_supplement", {S.ACCEPTED}, S.SUPPLEMENT, K.SUPPLEMENT_ASKED, COUNTER_HANDLE, who=is_handler,
             label=_("asked for supplements"), conflict=_CONFLICT),
        Step("forward", {S.ACCEPTED}, None, K.FORWARDED, COUNTER_HANDLE, who=is_handler, label=_("forwarded"),
             conflict=_CONFLICT),
        Step("suspend", {S.ACCEPTED}, S.SUSPENDED, K.SUSPENDED, COUNTER_HANDLE, who=is_handler,
             label=_("suspended"), conflict=_CONFLICT),
        Step("resume", {S.SUSPENDED}, S.ACCEPTED, K.RESUMED, COUNTER_HANDLE, who=is_handler, label=_("resumed"),
             conflict=_CONFLICT),
        Step("approve", {S.ACCEPTED}, S.APPROVED, K.APPROVED, COUNTER_HANDLE, who=is_handler, label=_("approved"),
             conflict=_CONFLICT),
        Step("deny", {S.ACCEPTED}, S.DENIED, K.DENIED, COUNTER_HANDLE, who=is_handler, label=_("denied"),
             conflict=_CONFLICT),
        Step("hand_over", {S.APPROVED, S.DENIED}, S.DELIVERED, K.DELIVERED, COUNTER_INTAKE, who=clerk_or_handler,
             label=_("handed over"), conflict=_CONFLICT),
        Step("withdraw", BEFORE_DECISION, S.WITHDRAWN, K.WITHDRAWN, COUNTER_INTAKE, who=clerk_or_handler,
             label=_("withdrawn"),
             conflict=_("An application can be withdrawn only before the decision; this one is %(state)s.")),
        # The applicant, with the receipt's query code.
        Step("rate", {S.DELIVERED, S.REFUSED}, None, K.RATED, None, who=anyone, public=True, label=_("rated"),
             guard=lambda app: app.rating is None,
             conflict=_("Only a finished application is rated, once.")),
    ],
)

WINDOW_STEPS = ("notice", "supplement", "accept", "refuse", "hand_over", "withdraw")
BACK_OFFICE_STEPS = ("ask_supplement", "forward", "suspend", "resume", "approve", "deny", "hand_over", "withdraw")

SUSPEND_STEP_REASONS = ("公示", "听证", "鉴定", "检验检测", "专家评审", "现场勘查")
