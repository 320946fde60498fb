"""The report forms' workflow (报表): not started → draft (filled from the data) → submitted →
accepted by the level above, or returned with comments; an accepted form is locked until the level
above unlocks it. Fill, edit and submit belong to a post of the report's own area (``stats.report``
held at exactly that area); accept, return and unlock to a post of the area above (``stats.review``
held at ``reviewer_code``, the parent in the area tree)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicgrid.core.scoping import scope_codes
from civicgrid.core.workflow import Step, Workflow

from .capabilities import STATS_REPORT, STATS_REVIEW
from .models import ReportEvent, ReportInstance

S = ReportInstance.Status
K = ReportEvent.Kind


def _holds_at(actor, code: str, capability: str) -> bool:
    codes = scope_codes(actor, capability)
    return codes is None or (bool(code) and code in codes)


def filler(actor, obj) -> bool:
    return _holds_at(actor, obj.area_code, STATS_REPORT)


def reviewer(actor, obj) -> bool:
    return _holds_at(actor, obj.reviewer_code, STATS_REVIEW)


def reviewer_scope(actor, obj) -> bool:
    return filler(actor, obj) or reviewer(actor, obj)


REPORT_FLOW = Workflow(ReportInstance, history=ReportEvent, parent="instance", audit_prefix="stats.report",
                       select_related=("template",), scope=reviewer_scope, steps=[
    Step("fill", {S.NOT_STARTED}, S.DRAFT, K.FILLED, STATS_REPORT, who=filler, label=_("filled from the data"),
         refused=_("Only the area's own post fills in its report.")),
    Step("edit", {S.DRAFT, S.RETURNED}, S.DRAFT, K.EDITED, STATS_REPORT, who=filler, label=_("edited"),
         refused=_("Only the area's own post fills in its report."),
         conflict=_("This report is %(state)s: it cannot be edited until the level above unlocks it.")),
    Step("submit", {S.DRAFT, S.RETURNED}, S.SUBMITTED, K.SUBMITTED, STATS_REPORT, who=filler, label=_("submitted"),
         refused=_("Only the area's own post submits its report.")),
    Step("accept", {S.SUBMITTED}, S.ACCEPTED, K.ACCEPTED, STATS_REVIEW, who=reviewer, label=_("accepted"),
         refused=_("Only the level above reviews this report.")),
    Step("return", {S.SUBMITTED}, S.RETURNED, K.RETURNED, STATS_REVIEW, who=reviewer,
         label=_("returned with comments"), refused=_("Only the level above reviews this report.")),
    Step("unlock", {S.ACCEPTED}, S.DRAFT, K.UNLOCKED, STATS_REVIEW, who=reviewer, label=_("unlocked"),
         refused=_("Only the level above unlocks an accepted report.")),
])
