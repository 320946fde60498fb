"""Capabilities of accounts, and which roles hold the capabilities of the layers below
(core, areas) and of accounts itself. Apps above declare their own grants in their own
``capabilities.py``."""

from django.utils.translation import gettext_lazy as _

from civicgrid.areas.capabilities import AREAS_IMPORT, AREAS_MANAGE, LOOKUP
from civicgrid.core.capabilities import AUDIT_VIEW, VIEW
from civicgrid.core.plugins import capability, grant

from .roles import Role

ACCOUNTS_MANAGE = capability("accounts.manage", _("manage staff and memberships"))

# The city administrator holds the district administrator's capabilities over the whole city.
for _role in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN):
    grant(_role, VIEW, AREAS_MANAGE, AREAS_IMPORT, ACCOUNTS_MANAGE, AUDIT_VIEW, LOOKUP)
grant(Role.STREET_ADMIN, VIEW, AREAS_MANAGE, ACCOUNTS_MANAGE, AUDIT_VIEW, LOOKUP)
for _role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.GRID_HEAD, Role.SUPERVISOR, Role.ACCEPTANCE_SEAT,
              Role.SHIFT_LEADER, Role.DISPATCHER, Role.DEPT_HANDLER, Role.FAMILY_DOCTOR):
    grant(_role, VIEW, LOOKUP)
