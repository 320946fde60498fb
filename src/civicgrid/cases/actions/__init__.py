"""Every change to a case: one ``do_*`` function per step of the seven-step loop, grouped by stage.

``intake`` (1. collect), ``loop`` (2–6: register, dispatch, handle, feedback, verify), ``tasks``
(7. evaluate: ratings, replies, callbacks), ``deadlines`` (the warning and escalation job), ``keys``
(Open311 keys), ``rules`` (evaluation weights and grade bands). Who may take a step and in which
state: ``cases.rules.CASE_FLOW``, the one table that actions and page buttons both read.
"""

from ..models import CaseClass
from ..rules import PUBLIC_CHANNELS, STAFF_CHANNELS, may_call_reporter
from .common import CASE_REPR, DESCRIPTION_MAX, NOTE_MAX, PHONE_CONTEXT, TITLE_MAX
from .deadlines import do_check_deadlines
from .intake import do_confirm_report, do_report_case, idempotency_hash
from .keys import do_issue_open311_key, do_revoke_open311_key, may_manage_open311_key, touch_open311_key
from .loop import (
    do_accept_case,
    do_decide_extension,
    do_dispatch_case,
    do_escalate_case,
    do_feedback_case,
    do_link_repeat,
    do_merge_case,
    do_pause_case,
    do_register_case,
    do_reject_case,
    do_request_extension,
    do_resume_case,
    do_send_back_case,
    do_verify_case,
)
from .rules import do_set_grade_bands, do_set_score_weights
from .tasks import do_complete_callback, do_rate_case, do_reply_case


def case_classes():
    """The active event classes (seeded by the catalogue migration)."""
    return CaseClass.objects.filter(active=True)


__all__ = [
    "CASE_REPR", "DESCRIPTION_MAX", "NOTE_MAX", "PHONE_CONTEXT", "PUBLIC_CHANNELS", "STAFF_CHANNELS", "TITLE_MAX",
    "case_classes", "do_accept_case", "do_check_deadlines", "do_complete_callback", "do_confirm_report",
    "do_decide_extension", "do_dispatch_case", "do_escalate_case", "do_feedback_case", "do_issue_open311_key",
    "do_link_repeat", "do_merge_case", "do_pause_case", "do_rate_case", "do_register_case", "do_reject_case",
    "do_reply_case", "do_report_case", "do_request_extension", "do_resume_case", "do_revoke_open311_key",
    "do_send_back_case", "do_set_grade_bands", "do_set_score_weights", "do_verify_case", "idempotency_hash",
    "may_call_reporter", "may_manage_open311_key", "touch_open311_key",
]
