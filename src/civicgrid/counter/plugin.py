"""How the one-window counter joins the site: menu, pages, API, inbox queues, indicators, audit words."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins

from .capabilities import COUNTER_CALLBACK, COUNTER_CATALOGUE, COUNTER_HANDLE, COUNTER_INTAKE, COUNTER_VIEW

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
    "counter.register.lookup": _("resident looked up at a window"),
    "counter.register.read": _("register read for a material"),
    "counter.application.receive": _("application received at a window"),
    "counter.callback.open": _("callback opened after a poor rating"),
    "counter.callback.close": _("callback done"),
    "counter.demo": _("demo applications generated"),
})
