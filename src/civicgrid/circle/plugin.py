"""How the 15-minute service circle joins the site: its menu, pages and API."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW

from .capabilities import CIRCLE_RATE

plugins.menu("circle", pgettext_lazy("menu", "Service circle"), order=40)
plugins.menu_entry("circle", _("Service circle"), "circle:coverage", VIEW, order=10)
plugins.menu_entry("circle", _("My service circle"), "circle:resident", CIRCLE_RATE, order=20)
plugins.urls("circle/", "civicgrid.circle.urls", order=70)
plugins.api_router("/circle/", "civicgrid.circle.api:router", order=60)
plugins.audit_actions({"circle.facility.offer_services": _("services offered at facilities")})
plugins.map_layer("facilities", _("Facilities"), "api:facilities_geojson", VIEW, order=30, min_zoom=15)
