"""How the base register joins the site: its menu, pages, API and the roads layer of the maps."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW

from .capabilities import ADDRESS_MATCH, REGISTRY_IMPORT, REGISTRY_VIEW

plugins.menu("registry", pgettext_lazy("menu", "Register"), order=30)
plugins.menu_entry("registry", _("People"), "registry:people", REGISTRY_VIEW, order=10)
plugins.menu_entry("registry", _("Address match"), "registry:address_match", ADDRESS_MATCH, order=20)
plugins.menu_entry("registry", _("Import ledgers"), "registry:imports", REGISTRY_IMPORT, order=30)
plugins.urls("registry/", "civicgrid.registry.urls", order=50)
plugins.api_router("/registry/", "civicgrid.registry.api:router", order=40)
plugins.api_router("/registry/", "civicgrid.registry.ledger_api:router", order=41)
plugins.audit_actions({
    "registry.components.bulk_create": _("components registered in bulk"),
    "registry.organisations.bulk_create": _("organisations registered in bulk"),
    "registry.export.request": _("export requested"),
    "registry.export.download": _("export downloaded"),
    "registry.person.search": _("person searched by full ID number or phone"),
})
plugins.map_layer("roads", _("Roads"), "registry:roads", VIEW, order=10)
plugins.map_layer("buildings", _("Buildings"), "api:buildings_geojson", VIEW, order=20, min_zoom=16)
# The work inbox (core.inbox): ledger files checked and waiting to be written or discarded.
plugins.inbox_queue("registry.imports", _("Checked ledger files to write or discard"),
                    items="civicgrid.registry.inbox:import_items", count="civicgrid.registry.inbox:import_count",
                    summary="civicgrid.registry.inbox:import_summary", capability=REGISTRY_IMPORT,
                    url="registry:imports", order=300)
