"""How the 15-minute service circle joins the site: its menu, pages and API."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW

from .capabilities import CIRCLE_PROVIDERS, CIRCLE_RATE, CIRCLE_SUPERVISE

plugins.menu("circle", pgettext_lazy("menu", "Service circle"), order=40)
plugins.menu_entry("circle", _("Service circle"), "circle:coverage", VIEW, order=10)
plugins.menu_entry("circle", _("My service circle"), "circle:resident", CIRCLE_RATE, order=20)
plugins.urls("circle/", "civicgrid.circle.urls", order=70)
plugins.api_router("/circle/", "civicgrid.circle.api:router", order=60)
plugins.audit_actions({"circle.facility.offer_services": _("services offered at facilities")})
plugins.map_layer("facilities", _("Facilities"), "api:facilities_geojson", VIEW, order=30, min_zoom=15)
# The work inbox (core.inbox): providers waiting for a step, rectifications running to their deadline.
plugins.inbox_queue("circle.applications", _("Provider applications to decide, sign or publish"),
                    items="civicgrid.circle.inbox:application_items", count="civicgrid.circle.inbox:application_count",
                    summary="civicgrid.circle.inbox:application_summary", capability=CIRCLE_PROVIDERS,
                    url="circle:providers", order=200)
plugins.inbox_queue("circle.rectify", _("Providers under rectification"),
                    items="civicgrid.circle.inbox:rectify_items", count="civicgrid.circle.inbox:rectify_count",
                    summary="civicgrid.circle.inbox:rectify_summary", capability=CIRCLE_SUPERVISE,
                    url="circle:providers", order=210)
