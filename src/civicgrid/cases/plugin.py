"""How event cases join the site: menus, staff and public pages, Open311, the API."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins

from .capabilities import (
    CASES_EVALUATE,
    CASES_INTAKE,
    CASES_MANAGE,
    CASES_REPORT,
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

# --- indicators for the dashboards (stats; docs/stats.md) -------------------------------------------
_C = "civicgrid.cases.indicators:"
plugins.indicator("cases.closing_rate", _("closing rate"), compute=_C + "closing_rate", order=40,
                  source="004c 结案率", definition=_("cases dispatched in the period and closed by its end ÷ "
                                                     "cases dispatched in the period"))
plugins.indicator("cases.on_time_rate", _("on-time closing rate"), compute=_C + "on_time_rate", order=41,
                  source="004c 按期结案率", definition=_("cases dispatched in the period and closed by their "
                                                       "deadline ÷ cases dispatched in the period"))
plugins.indicator("cases.rework_rate", _("rework rate"), compute=_C + "rework_rate", order=42,
                  higher_is_better=False, source="004c 返工率",
                  definition=_("cases closed in the period with a rework ÷ cases closed in the period"))
plugins.indicator("cases.satisfaction_rate", _("satisfaction"), compute=_C + "satisfaction_rate", order=43,
                  source="004 对服务满意率达到90%以上",
                  definition=_("rated cases closed in the period rated satisfied ÷ rated cases closed in the period"))
plugins.indicator("cases.reported", _("cases reported"), compute=_C + "reported", unit="cases", factor=1,
                  aggregate="sum", order=44, source="004c 案件量",
                  definition=_("cases reported in the period (merged duplicates not counted)"))
