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

# --- indicators for the dashboards (stats; docs/stats.md) -------------------------------------------
_R = "civicgrid.registry.indicators:"
plugins.indicator("registry.population", _("population living here"), compute=_R + "population", unit="people",
                  factor=1, aggregate="sum", stock=True, order=10, source="000c 实有人口",
                  definition=_("people of the register who live here"))
plugins.indicator("registry.population_registered", _("registered residents"), compute=_R + "population_registered",
                  unit="people", factor=1, aggregate="sum", stock=True, order=11, source="000c 户籍人口",
                  definition=_("people living here with registered residence"))
plugins.indicator("registry.population_floating", _("floating population"), compute=_R + "population_floating",
                  unit="people", factor=1, aggregate="sum", stock=True, order=12, source="000c 流动人口",
                  definition=_("people living here without registered residence"))
plugins.indicator("registry.population_foreign", _("residents from abroad"), compute=_R + "population_foreign",
                  unit="people", factor=1, aggregate="sum", stock=True, order=13, source="000c 境外人员",
                  definition=_("people living here from abroad"))
plugins.indicator("registry.households", _("households"), compute=_R + "households", unit="households", factor=1,
                  aggregate="sum", stock=True, order=14, source="000c 户数",
                  definition=_("households of the register not dissolved"))
plugins.indicator("registry.volunteer_rate", _("registered volunteers"), compute=_R + "volunteer_rate", stock=True,
                  order=20, source="002 注册社区志愿者达到本地区居民总数的10%以上",
                  definition=_("people living here tagged volunteer ÷ people living here"))
plugins.indicator("registry.social_organisations", _("social organisations per community"),
                  compute=_R + "social_organisations", unit="per community", factor=1, stock=True, order=21,
                  source="002 每个社区拥有8个以上的社区社会组织",
                  definition=_("social organisations ÷ communities (counted at the communities)"))
