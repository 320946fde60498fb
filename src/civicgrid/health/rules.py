"""Who may do what in community health, and the declared state machines of agreements and referrals.

Agreements: signed (in force) → renewed (replaced by next year's) / terminated / expired.
Referrals: requested → accepted → arrived → completed, or returned by the receiving side.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.scoping import in_scope
from civicgrid.core.workflow import Step, Workflow

from .capabilities import HEALTH_CARE, HEALTH_MANAGE, HEALTH_MENTAL, HEALTH_RECORDS
from .models import Contract, ContractEvent, Referral, ReferralEvent, TeamMember

C, CK = Contract.Status, ContractEvent.Kind
R, RK = Referral.Status, ReferralEvent.Kind


def member_of(user, team_id) -> TeamMember | None:
    """The user's active membership of the team (None when not a member)."""
    if team_id is None or user is None or getattr(user, "pk", None) is None:
        return None
    return TeamMember.objects.filter(team_id=team_id, user_id=user.pk, active=True).first()


def is_team_carer(user, team_id, area_code: str | None) -> bool:
    """A member of the team who holds ``health.care`` where the record lies."""
    return member_of(user, team_id) is not None and in_scope(user, area_code, HEALTH_CARE)


def may_care(user, obj) -> bool:
    """Who may act on an agreement, a record or a referral: the person's team (its members holding
    ``health.care``), or the centre (``health.manage`` in the area)."""
    if getattr(user, "is_superuser", False):
        return True
    return is_team_carer(user, obj.team_id, obj.area_code) or in_scope(user, obj.area_code, HEALTH_MANAGE)


def may_read(user, obj) -> bool:
    """Who may read a person's health data: the person's team, or a role granted ``health.records``
    in the area."""
    if getattr(user, "is_superuser", False):
        return True
    return is_team_carer(user, obj.team_id, obj.area_code) or in_scope(user, obj.area_code, HEALTH_RECORDS)


def may_read_mental(user, obj) -> bool:
    """Severe-mental-illness data: a team member with the centre's special grant, or ``health.mental``."""
    if getattr(user, "is_superuser", False):
        return True
    member = member_of(user, obj.team_id)
    if member is not None and member.smi_grant and in_scope(user, obj.area_code, HEALTH_CARE):
        return True
    return in_scope(user, obj.area_code, HEALTH_MENTAL)


_CONTRACT_CONFLICT = _("An agreement that is %(state)s cannot be %(action)s.")
CONTRACT_FLOW = Workflow(
    Contract, history=ContractEvent, parent="contract", audit_prefix="health.contract", scope=may_care,
    stale=_("Someone else changed this agreement meanwhile; reload and try again."),
    steps=[
        Step("renew", {C.ACTIVE, C.EXPIRED}, C.RENEWED, CK.RENEWED, HEALTH_CARE, who=may_care, label=_("renewed"),
             conflict=_CONTRACT_CONFLICT),
        Step("terminate", {C.ACTIVE}, C.TERMINATED, CK.TERMINATED, HEALTH_CARE, who=may_care,
             label=_("terminated"), conflict=_CONTRACT_CONFLICT),
        Step("expire", {C.ACTIVE}, C.EXPIRED, CK.EXPIRED, HEALTH_MANAGE, label=_("marked expired"),
             conflict=_CONTRACT_CONFLICT),
    ],
)


def _receiving(user, referral) -> bool:
    """The receiving side of a referral: for an up-referral the hospital's side, recorded by the
    centre (``health.manage``) until hospitals log in; for a down-referral the person's team."""
    if getattr(user, "is_superuser", False):
        return True
    if referral.direction == Referral.Direction.DOWN:
        return may_care(user, referral)
    return in_scope(user, referral.area_code, HEALTH_MANAGE) or is_team_carer(user, referral.team_id,
                                                                              referral.area_code)


_REFERRAL_CONFLICT = _("A referral that is %(state)s cannot be %(action)s.")
REFERRAL_FLOW = Workflow(
    Referral, history=ReferralEvent, parent="referral", audit_prefix="health.referral", scope=may_care,
    stale=_("Someone else changed this referral meanwhile; reload and try again."),
    steps=[
        Step("accept", {R.REQUESTED}, R.ACCEPTED, RK.ACCEPTED, HEALTH_CARE, who=_receiving, label=_("accepted"),
             conflict=_REFERRAL_CONFLICT),
        Step("return", {R.REQUESTED, R.ACCEPTED}, R.RETURNED, RK.RETURNED, HEALTH_CARE, who=_receiving,
             label=_("returned"), conflict=_REFERRAL_CONFLICT),
        Step("arrive", {R.ACCEPTED}, R.ARRIVED, RK.ARRIVED, HEALTH_CARE, who=_receiving, label=_("marked arrived"),
             conflict=_REFERRAL_CONFLICT),
        Step("complete", {R.ARRIVED}, R.COMPLETED, RK.COMPLETED, HEALTH_CARE, who=_receiving,
             label=_("completed"), conflict=_REFERRAL_CONFLICT),
    ],
)


# --- half-yearly report forms ---------------------------------------------------------------------------
from .capabilities import HEALTH_REVIEW  # noqa: E402
from .models import HalfYearReport, ReportEvent  # noqa: E402

H, HK = HalfYearReport.Status, ReportEvent.Kind
_REPORT_CONFLICT = _("A report form that is %(state)s cannot be %(action)s.")
REPORT_FLOW = Workflow(
    HalfYearReport, history=ReportEvent, parent="report", audit_prefix="health.report",
    stale=_("Someone else changed this report form meanwhile; reload and try again."),
    steps=[
        Step("fill", {H.DRAFT, H.RETURNED}, None, HK.FILLED, HEALTH_MANAGE, label=_("filled from the data"),
             conflict=_REPORT_CONFLICT),
        Step("submit", {H.DRAFT, H.RETURNED}, H.SUBMITTED, HK.SUBMITTED, HEALTH_MANAGE, label=_("submitted"),
             conflict=_REPORT_CONFLICT),
        Step("review", {H.SUBMITTED}, H.REVIEWED, HK.REVIEWED, HEALTH_REVIEW, label=_("reviewed"),
             conflict=_REPORT_CONFLICT),
        Step("return", {H.SUBMITTED}, H.RETURNED, HK.RETURNED, HEALTH_REVIEW, label=_("returned"),
             conflict=_REPORT_CONFLICT),
    ],
)


# --- infectious-disease reports -----------------------------------------------------------------------------
from .models import DiseaseReport, DiseaseReportEvent  # noqa: E402

D, DK = DiseaseReport.Status, DiseaseReportEvent.Kind
_DISEASE_CONFLICT = _("A disease report that is %(state)s cannot be %(action)s.")
# filed (by the team) → verified (by the centre) → reported to the CDC (上报) → closed; the centre
# returns a report that is not valid (duplicate, wrong person) with the reason.
DISEASE_FLOW = Workflow(
    DiseaseReport, history=DiseaseReportEvent, parent="report", audit_prefix="health.disease", scope=may_care,
    stale=_("Someone else changed this disease report meanwhile; reload and try again."),
    steps=[
        Step("verify", {D.FILED}, D.VERIFIED, DK.VERIFIED, HEALTH_MANAGE, label=_("verified"),
             conflict=_DISEASE_CONFLICT),
        Step("report", {D.VERIFIED}, D.REPORTED, DK.REPORTED, HEALTH_MANAGE, label=_("reported to the CDC"),
             conflict=_DISEASE_CONFLICT),
        Step("close", {D.REPORTED}, D.CLOSED, DK.CLOSED, HEALTH_MANAGE, label=pgettext_lazy("disease report", "closed"),
             conflict=_DISEASE_CONFLICT),
        Step("return", {D.FILED, D.VERIFIED}, D.RETURNED, DK.RETURNED, HEALTH_MANAGE, label=_("returned"),
             conflict=_DISEASE_CONFLICT),
    ],
)
