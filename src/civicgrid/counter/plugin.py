"""How the one-window counter joins the site: menu, pages, API, inbox queues, indicators, audit words."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins

from .capabilities import COUNTER_CALLBACK, COUNTER_HANDLE, COUNTER_INTAKE, COUNTER_VIEW

plugins.api_router("/counter/", "civicgrid.counter.api:router", order=70)
plugins.inbox_queue("counter.applications", _("Applications to decide"), items="civicgrid.counter.queries:inbox_items",
                    count="civicgrid.counter.queries:inbox_count", capability=COUNTER_HANDLE, order=40)
plugins.inbox_queue("counter.callbacks", _("Callbacks after poor ratings"),
                    items="civicgrid.counter.queries:callback_items", count="civicgrid.counter.queries:callback_count",
                    capability=COUNTER_CALLBACK, order=45)
plugins.audit_actions({
    "counter.item.create": _("service item added"),
    "counter.item.draft": _("service item draft saved"),
    "counter.item.publish": _("service item published"),
    "counter.item.suspend": _("service item suspended"),
    "counter.item.republish": _("service item published again"),
    "counter.item.withdraw": _("service item withdrawn"),
    "counter.item.admission": _("community admission changed"),
    "counter.item.import": _("service catalogue imported"),
    "counter.item.export": _("service catalogue exported"),
    "counter.register.lookup": _("resident looked up at a window"),
    "counter.register.read": _("register read for a material"),
    "counter.application.receive": _("application received at a window"),
    "counter.callback.open": _("callback opened after a poor rating"),
    "counter.callback.close": _("callback done"),
    "counter.demo": _("demo applications generated"),
})

plugins.menu("counter", pgettext_lazy("menu", "Service counter"), order=35)
plugins.menu_entry("counter", _("Intake at the window"), "counter:intake", COUNTER_INTAKE, order=10)
plugins.menu_entry("counter", _("Applications"), "counter:applications", COUNTER_VIEW, order=20)
plugins.menu_entry("counter", _("Back-office inbox"), "counter:inbox", COUNTER_HANDLE, order=30)
plugins.menu_entry("counter", _("Service guide"), "counter:catalogue", COUNTER_VIEW, order=40)
plugins.menu_entry("counter", _("Counter figures"), "counter:figures", COUNTER_VIEW, order=50)
plugins.menu_entry("counter", _("Callbacks"), "counter:callbacks", COUNTER_CALLBACK, order=60)
plugins.urls("counter/", "civicgrid.counter.urls", order=75)
plugins.audit_actions({"counter.receipt.print": _("receipt printed")})

plugins.indicator("counter.on_time_rate", _("on-time completion rate (counter)"),
                  compute="civicgrid.counter.queries:indicator_on_time", source="003 限时办结制; docs/counter.md",
                  definition=_("decided by the deadline ÷ decided in the period"), capability=COUNTER_VIEW, order=60)
plugins.indicator("counter.one_visit_rate", _("at-most-one-visit rate"),
                  compute="civicgrid.counter.queries:indicator_one_visit", source="最多跑一次; docs/counter.md",
                  definition=_("decided with at most one visit ÷ decided in the period"), capability=COUNTER_VIEW,
                  order=61)
plugins.indicator("counter.good_rating_rate", _("good-rating share (counter)"),
                  compute="civicgrid.counter.queries:indicator_good_rating", source="docs/counter.md",
                  definition=_("very satisfied and satisfied ÷ rated in the period"), capability=COUNTER_VIEW,
                  order=62)
plugins.indicator("counter.register_share", _("register-supplied share of materials"),
                  compute="civicgrid.counter.queries:indicator_register_share", source="001 一次采集、多方共享",
                  definition=_("materials the register supplied ÷ materials provided, accepted in the period"),
                  capability=COUNTER_VIEW, order=63)
