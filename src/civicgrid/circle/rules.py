"""The life of a certified service provider (R-CIR-4) as the core kit's declared state machine:
applied → approved/rejected → signed → published ⇄ rectifying → revoked, plus the supervision
committee's review. ``PROVIDER_FLOW`` is read by the actions and by the page's buttons alike."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from civicgrid.core.workflow import Step, Workflow

from .capabilities import CIRCLE_PROVIDERS, CIRCLE_SUPERVISE
from .models import Provider, ProviderEvent

S, K = Provider.Status, ProviderEvent.Kind
_CONFLICT = _("A provider that is %(state)s cannot be %(action)s.")

PROVIDER_FLOW = Workflow(
    Provider, history=ProviderEvent, parent="provider", audit_prefix="circle.provider",
    stale=_("Someone else changed this provider meanwhile; reload and try again."),
    steps=[
        # The residents' council decides on the application (居民议事会).
        Step("approve", {S.APPLIED}, S.APPROVED, K.APPROVE, CIRCLE_PROVIDERS, label=_("approved"), conflict=_CONFLICT),
        Step("reject", {S.APPLIED}, S.REJECTED, K.REJECT, CIRCLE_PROVIDERS, label=_("rejected"), conflict=_CONFLICT),
        # The service agreement (签约), then publication for residents (公示).
        Step("sign", {S.APPROVED}, S.SIGNED, K.SIGN, CIRCLE_PROVIDERS, label=_("signed"), conflict=_CONFLICT),
        Step("publish", {S.SIGNED}, S.PUBLISHED, K.PUBLISH, CIRCLE_PROVIDERS, label=_("published"),
             conflict=_CONFLICT),
        # Supervision: a rectification notice with a deadline; corrected, or revoked after it.
        Step("rectify", {S.PUBLISHED}, S.RECTIFYING, K.RECTIFY, CIRCLE_SUPERVISE,
             label=_("sent a rectification notice"), conflict=_CONFLICT),
        Step("rectified", {S.RECTIFYING}, S.PUBLISHED, K.RECTIFIED, CIRCLE_SUPERVISE, label=_("marked as rectified"),
             conflict=_CONFLICT),
        Step("revoke", {S.RECTIFYING}, S.REVOKED, K.REVOKE, CIRCLE_SUPERVISE, label=_("revoked"), conflict=_CONFLICT),
        # The supervision committee's review (监督委员会评议), recorded in the history.
        Step("review", {S.PUBLISHED, S.RECTIFYING}, None, K.REVIEW, CIRCLE_SUPERVISE, label=_("reviewed"),
             conflict=_("Only published providers are reviewed.")),
    ],
)

# The steps a page offers as forms (the review has its own form).
TRANSITIONS = tuple(s.name for s in PROVIDER_FLOW.steps if s.name != "review")

