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

# --- indicators for the dashboards (stats; docs/stats.md) -------------------------------------------
plugins.indicator("areas.grid_sizing", _("grids within the sizing rules"), compute="civicgrid.areas.indicators:grid_sizing",
                  stock=True, order=30, source="R-AREA-2 城镇网格300–500户或1000–1500人;农村约500人、半径≤3公里",
                  definition=_("grids that keep their sizing rule ÷ grids"))
