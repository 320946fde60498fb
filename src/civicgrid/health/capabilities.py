"""Capabilities of community health (R-HLT) and who holds them.

No new role: the members of a team who log in hold the existing family-doctor post (家庭医生) —
general practitioners, nurses and public-health doctors alike — bound to their community or grid,
and see the health data of their own team's people only (``queries``). The district and the
street (where the health centre's management sits until a health-centre post exists) draw health
grids, form teams, file the half-yearly forms and read records of their jurisdiction; the
severe-mental-illness data needs ``health.mental`` or the centre's grant to a team member."""

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Role
from civicgrid.core.plugins import capability, grant

HEALTH_VIEW = capability("health.view", _("see the community health figures and teams of the jurisdiction"))
HEALTH_MANAGE = capability("health.manage", _("draw health grids, form family doctor teams, file health report forms"))
HEALTH_CARE = capability("health.care", _("sign agreements, keep health records, record visits and referrals"))
HEALTH_RECORDS = capability("health.records", _("read the health records of the jurisdiction"))
HEALTH_MENTAL = capability("health.mental", _("read severe mental illness data of the jurisdiction"))
HEALTH_REVIEW = capability("health.review", _("review the half-yearly health report forms"))

grant(Role.DISTRICT_ADMIN, HEALTH_VIEW, HEALTH_MANAGE, HEALTH_RECORDS, HEALTH_MENTAL, HEALTH_REVIEW)
# The city sees the figures and reviews the districts' forms; no one's health record.
grant(Role.CITY_ADMIN, HEALTH_VIEW, HEALTH_REVIEW)
grant(Role.STREET_ADMIN, HEALTH_VIEW, HEALTH_MANAGE, HEALTH_RECORDS)
grant(Role.COMMUNITY_WORKER, HEALTH_VIEW)
grant(Role.FAMILY_DOCTOR, HEALTH_VIEW, HEALTH_CARE)
