"""Capabilities of the one-window counter (一门式) and who holds them.

The window clerk (全科社工, ``Role.WINDOW_CLERK``) is bound to a street or community centre: it
receives, notifies, accepts or refuses there, and decides the items its own level decides. The
back office is the owning department's handlers (``Role.DEPT_HANDLER`` of a unit whose department
is the item's). Hotline seats and shift leaders call back after poor ratings."""

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Role
from civicgrid.areas.capabilities import LOOKUP
from civicgrid.core.capabilities import VIEW
from civicgrid.core.plugins import capability, grant

COUNTER_VIEW = capability("counter.view", _("see the applications and figures of the service counters"))
COUNTER_INTAKE = capability("counter.intake", _("receive, notify, accept and refuse applications at a window"))
COUNTER_HANDLE = capability("counter.handle", _("review, forward, suspend and decide applications (back office)"))
COUNTER_CATALOGUE = capability("counter.catalogue", _("keep the service-item catalogue and the admission list"))
COUNTER_CALLBACK = capability("counter.callback", _("call back applicants after a poor rating"))

grant(Role.WINDOW_CLERK, VIEW, LOOKUP, COUNTER_VIEW, COUNTER_INTAKE, COUNTER_HANDLE)
grant(Role.DEPT_HANDLER, COUNTER_HANDLE)
grant(Role.DISTRICT_ADMIN, COUNTER_VIEW, COUNTER_CATALOGUE)
grant(Role.CITY_ADMIN, COUNTER_VIEW, COUNTER_CATALOGUE)  # as a district's, city-wide
grant(Role.STREET_ADMIN, COUNTER_VIEW)
grant(Role.COMMUNITY_WORKER, COUNTER_VIEW)
grant(Role.ACCEPTANCE_SEAT, COUNTER_CALLBACK)
grant(Role.SHIFT_LEADER, COUNTER_CALLBACK)
