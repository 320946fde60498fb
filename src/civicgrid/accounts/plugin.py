"""How accounts join the site: login, profile, units and staff pages, the staff panel of an area."""

from django.utils.translation import gettext_lazy as _

from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW

from .capabilities import ACCOUNTS_MANAGE

plugins.menu_entry("admin", _("Units"), "units", VIEW, order=10)
plugins.menu_entry("admin", _("Staff"), "staff", ACCOUNTS_MANAGE, order=20)
plugins.urls("", "civicgrid.accounts.urls", order=20)
plugins.api_router("/", "civicgrid.accounts.api:router", order=1000)  # last: its paths are the most general
plugins.panel("areas.detail", "civicgrid.accounts.views:area_staff_panel", order=10)
plugins.audit_actions({"accounts.staff.bulk_create": _("staff accounts created in bulk")})
# The work inbox (core.inbox): accounts locked out or holding no post, for their administrators.
plugins.inbox_queue("accounts.accounts", _("Accounts awaiting action"),
                    items="civicgrid.accounts.inbox:account_items", count="civicgrid.accounts.inbox:account_count",
                    capability=ACCOUNTS_MANAGE, url="staff", order=900)
