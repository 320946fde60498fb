"""How event cases join the site: menus, staff and public pages, Open311, the API."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins

from .capabilities import (
    CASES_DISPATCH,
    CASES_EVALUATE,
    CASES_EXTEND,
    CASES_HANDLE,
    CASES_INTAKE,
    CASES_MANAGE,
    CASES_REGISTER,
    CASES_REPORT,
    CASES_VERIFY,
    CASES_VIEW,
    QUEUE_CAPABILITIES,
)

plugins.menu("cases", pgettext_lazy("menu", "Cases"), order=20)
plugins.menu_entry("cases", _("Report an event"), "cases:report", CASES_REPORT, order=10)
plugins.menu_entry("cases", _("Hotline intake"), "cases:intake", CASES_INTAKE, order=20)
plugins.menu_entry("cases", _("Work queues"), "cases:queues", QUEUE_CAPABILITIES, order=30)
plugins.menu_entry("cases", _("Cases"), "cases:list", CASES_VIEW, order=40)
plugins.menu_entry("cases", _("Evaluation"), "cases:evaluation", CASES_EVALUATE, order=50)
plugins.menu_entry("admin", _("Evaluation rules"), "cases:evaluation_rules", CASES_MANAGE, order=30)
plugins.menu_entry("admin", _("Open311 keys"), "open311:keys", CASES_MANAGE, order=40)

plugins.urls("cases/", "civicgrid.cases.urls", order=60)
plugins.urls("public/", "civicgrid.cases.public_views", namespace="public", order=61)
plugins.urls("open311/", "civicgrid.cases.open311.urls", order=62)
# Cases first: the URL resolver tries patterns in order, and filing (POST /api/cases/, the 12345
# system's and Open311 intake) is the busiest call. Evaluation before /cases/{id}.
plugins.api_router("/cases/evaluation/", "civicgrid.cases.evaluation_api:router", order=1)
plugins.api_router("/cases/", "civicgrid.cases.api:router", order=2)
plugins.api_router("/public/", "civicgrid.cases.api:public_router", order=50)

# The work inbox (core.inbox): the queues of the loop, each read as the queue pages read it.
_INBOX = "civicgrid.cases.inbox:"


def _queue(key, label, name, capability, order, *, page="", own=True):
    plugins.inbox_queue(f"cases.{key}", label, items=f"{_INBOX}{name}_items", count=f"{_INBOX}{name}_count",
                        summary=f"{_INBOX}{name}_summary", capability=capability, order=order, own=own,
                        url=reverse_lazy("cases:queue", args=[page]) if page else "")


_queue("register", _("Reports to register"), "register", CASES_REGISTER, 10, page="register")
_queue("dispatch", _("Cases to dispatch"), "dispatch", CASES_DISPATCH, 20, page="dispatch")
_queue("handle", _("Cases for my unit to accept and handle"), "handle", CASES_HANDLE, 30, page="unit")
_queue("verify", _("On-site confirmations and checks"), "verify", CASES_VERIFY, 40, page="tasks")
_queue("callback", _("Replies to callers and callbacks"), "callback", (CASES_INTAKE, CASES_EXTEND), 50,
       page="tasks")
_queue("extension", _("Extension requests to decide"), "extension", CASES_EXTEND, 60, page="extensions")
_queue("overdue", _("Overdue cases in my jurisdiction"), "overdue", CASES_VIEW, 70, own=False)
_queue("mine", _("My reports still open"), "mine", CASES_REPORT, 80, own=False)
# --- indicators for the dashboards (stats; docs/stats.md) -------------------------------------------
_C = "civicgrid.cases.indicators:"
plugins.indicator("cases.closing_rate", _("closing rate"), compute=_C + "closing_rate", changed_times=_C + "changed_times", order=40,
                  source="004c 结案率", definition=_("cases dispatched in the period and closed by its end ÷ "
                                                     "cases dispatched in the period"))
plugins.indicator("cases.on_time_rate", _("on-time closing rate"), compute=_C + "on_time_rate", changed_times=_C + "changed_times", order=41,
                  source="004c 按期结案率", definition=_("cases dispatched in the period and closed by their "
                                                       "deadline ÷ cases dispatched in the period"))
plugins.indicator("cases.rework_rate", _("rework rate"), compute=_C + "rework_rate", changed_times=_C + "changed_times", order=42,
                  higher_is_better=False, source="004c 返工率",
                  definition=_("cases closed in the period with a rework ÷ cases closed in the period"))
plugins.indicator("cases.satisfaction_rate", _("satisfaction"), compute=_C + "satisfaction_rate", changed_times=_C + "changed_times", order=43,
                  source="004 对服务满意率达到90%以上",
                  definition=_("rated cases closed in the period rated satisfied ÷ rated cases closed in the period"))
plugins.indicator("cases.reported", _("cases reported"), compute=_C + "reported", changed_times=_C + "changed_times", unit="cases", factor=1,
                  aggregate="sum", order=44, source="004c 案件量",
                  definition=_("cases reported in the period (merged duplicates not counted)"))
