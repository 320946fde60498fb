"""Capabilities of the 15-minute community service circle (一刻钟社区服务圈) and who holds them."""

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Role
from civicgrid.core.plugins import capability, grant

CIRCLE_EDIT = capability("circle.edit", _("keep the facility inventory of the jurisdiction"))
CIRCLE_NETWORK = capability("circle.network", _("import the walking network and rerun accessibility"))
CIRCLE_PROVIDERS = capability("circle.providers", _("record council approval, sign and publish service providers"))
CIRCLE_SUPERVISE = capability("circle.supervise", _("review providers, issue rectification notices, revoke"))
CIRCLE_RATE = capability("circle.rate", _("rate the published providers of one's community"))

for _role in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN):  # the city administrator: as a district's, city-wide
    grant(_role, CIRCLE_EDIT, CIRCLE_NETWORK, CIRCLE_PROVIDERS, CIRCLE_SUPERVISE)
grant(Role.STREET_ADMIN, CIRCLE_EDIT, CIRCLE_PROVIDERS, CIRCLE_SUPERVISE)
grant(Role.COMMUNITY_WORKER, CIRCLE_EDIT, CIRCLE_PROVIDERS)
grant(Role.SUPERVISOR, CIRCLE_SUPERVISE)
# Residents hold no `view`: staff pages answer 403 to them; rating is the one thing they do here.
grant(Role.RESIDENT, CIRCLE_RATE)
