"""Capabilities of the base register (人地物事组织) and the roles that hold them."""

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Role
from civicgrid.core.plugins import capability, grant

REGISTRY_VIEW = capability("registry.view", _("see people and households of the jurisdiction, masked"))
REGISTRY_EDIT = capability("registry.edit", _("register and update people, households, houses, components and "
                                              "organisations"))
REGISTRY_REVEAL = capability("registry.reveal", _("see a full ID number or phone (each read audited with a reason)"))
REGISTRY_SPECIAL = capability("registry.special", _("read special-group records (each read audited with a reason)"))
REGISTRY_IMPORT = capability("registry.import", _("import ledgers"))
REGISTRY_EXPORT = capability("registry.export", _("export ledgers (masked unless also allowed to reveal)"))
# Match a free-text address to a registered building, its position and grid (门牌地址匹配): the
# register's roles, and the hotline centre's seats, shift leaders and dispatchers taking a complaint.
ADDRESS_MATCH = capability("registry.match", _("match an address to a registered building"))

REGISTRY_ALL = (REGISTRY_VIEW, REGISTRY_EDIT, REGISTRY_REVEAL, REGISTRY_IMPORT, REGISTRY_EXPORT, ADDRESS_MATCH)

for _role in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER):
    grant(_role, *REGISTRY_ALL, REGISTRY_SPECIAL)
# Grid workers collect and keep the register of their grid; special groups are for the grid head
# and the community's comprehensive-governance staff.
grant(Role.GRID_WORKER, REGISTRY_VIEW, REGISTRY_EDIT, REGISTRY_REVEAL, ADDRESS_MATCH)
grant(Role.GRID_HEAD, REGISTRY_VIEW, REGISTRY_EDIT, REGISTRY_REVEAL, REGISTRY_SPECIAL, ADDRESS_MATCH)
for _role in (Role.ACCEPTANCE_SEAT, Role.SHIFT_LEADER, Role.DISPATCHER):
    grant(_role, ADDRESS_MATCH)
grant(Role.FAMILY_DOCTOR, REGISTRY_VIEW, ADDRESS_MATCH)
