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

# --- indicators for the dashboards (stats; docs/stats.md) -------------------------------------------
plugins.indicator("circle.facility_coverage", _("facility coverage"),
                  compute="civicgrid.circle.indicators:facility_coverage", stock=True, order=50,
                  source="002 社区服务设施综合覆盖率达到93%",
                  definition=_("households within 15 minutes' walk of a facility, over buildings × kinds ÷ "
                               "households over buildings × kinds"))
plugins.indicator("circle.facility_area", _("service facility area per 100 households"),
                  compute="civicgrid.circle.indicators:facility_area_per_100_households", unit="m²", factor=100,
                  stock=True, order=51, source="002 每百户居民拥有的社区服务设施面积不低于20平方米",
                  definition=_("floor area of service rooms and centres ÷ households, × 100"))
