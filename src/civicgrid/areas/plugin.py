"""How the area tree joins the site: its menu, pages and API."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW

from .capabilities import AREAS_IMPORT, LOOKUP

plugins.menu("areas", pgettext_lazy("menu", "Areas"), order=10)
plugins.menu_entry("areas", _("Area tree"), "areas:tree", VIEW, order=10)
plugins.menu_entry("areas", _("Map"), "areas:map", VIEW, order=20)
plugins.menu_entry("areas", _("Grid lookup"), "areas:lookup", LOOKUP, order=30)
plugins.menu_entry("areas", _("Import boundaries"), "areas:import", AREAS_IMPORT, order=40)
plugins.urls("areas/", "civicgrid.areas.urls", order=30)
plugins.api_router("/areas/", "civicgrid.areas.api:router", order=30)
