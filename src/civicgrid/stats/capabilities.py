"""Capabilities of the indicators, targets and report forms, and who holds them."""

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Role
from civicgrid.core.plugins import capability, grant

STATS_TARGETS = capability("stats.targets", _("set the targets of the jurisdiction and their quarterly breakdown"))
STATS_REFRESH = capability("stats.refresh", _("refresh the cached indicator values"))

grant(Role.DISTRICT_ADMIN, STATS_TARGETS, STATS_REFRESH)
grant(Role.CITY_ADMIN, STATS_TARGETS, STATS_REFRESH)
grant(Role.STREET_ADMIN, STATS_TARGETS)

STATS_REPORT = capability("stats.report", _("fill in and submit the report forms of one's own area"))
STATS_REVIEW = capability("stats.review", _("issue, review, accept, return and unlock the report forms of the areas below"))

grant(Role.DISTRICT_ADMIN, STATS_REPORT, STATS_REVIEW)
grant(Role.CITY_ADMIN, STATS_REPORT, STATS_REVIEW)
grant(Role.STREET_ADMIN, STATS_REPORT, STATS_REVIEW)
grant(Role.COMMUNITY_WORKER, STATS_REPORT)
grant(Role.GRID_HEAD, STATS_REPORT)

STATS_SURVEY = capability("stats.survey", _("record residents' survey answers in one's area"))
for _role in (Role.DISTRICT_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.GRID_HEAD):
    grant(_role, STATS_SURVEY)

STATS_ADMIN = capability("stats.admin", _("define the report forms, assessment schemes and surveys of one's area"))
grant(Role.DISTRICT_ADMIN, STATS_ADMIN)
grant(Role.CITY_ADMIN, STATS_ADMIN)
