"""Capabilities of event cases (事件案卷, the seven-step loop) and the roles that hold them.

Registering and dispatching act at a case's tier (community, street or district): a membership
whose area is exactly the tier's area (``cases.rules.acts_at_tier``)."""

from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.roles import Role
from civicgrid.core.plugins import capability, grant

# See the cases of the jurisdiction (departments see their own through CASES_HANDLE).
CASES_VIEW = capability("cases.view", _("see the cases of the jurisdiction"))
CASES_REPORT = capability("cases.report", _("report an event from patrol"))  # 巡查上报
CASES_INTAKE = capability("cases.intake", _("file hotline calls and mailbox messages"))  # 受理
CASES_REGISTER = capability("cases.register", _("register or refuse reports at the tier"))  # 立案
CASES_DISPATCH = capability("cases.dispatch", _("send cases to a lead unit"))  # 派遣
CASES_HANDLE = capability("cases.handle", _("accept, handle and report back for one's own unit"))  # 处置
CASES_VERIFY = capability("cases.verify", _("confirm reports and check results on site"))  # 核实、核查
CASES_EXTEND = capability("cases.extend", _("approve extensions; reply to callers and call back"))  # 延期审批、回访
CASES_EVALUATE = capability("cases.evaluate", _("read the evaluation of units, areas and posts"))  # 综合评价
CASES_MANAGE = capability("cases.manage", _("change event classes, time limits, evaluation rules and Open311 "
                                            "keys"))

for _role in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN):  # the city administrator: as a district's, city-wide
    grant(_role, CASES_VIEW, CASES_REGISTER, CASES_DISPATCH, CASES_EXTEND, CASES_EVALUATE, CASES_MANAGE)
grant(Role.STREET_ADMIN, CASES_VIEW, CASES_REPORT, CASES_REGISTER, CASES_DISPATCH, CASES_HANDLE, CASES_EXTEND,
      CASES_EVALUATE)
grant(Role.COMMUNITY_WORKER, CASES_VIEW, CASES_REPORT, CASES_REGISTER, CASES_DISPATCH, CASES_HANDLE, CASES_VERIFY)
grant(Role.GRID_WORKER, CASES_VIEW, CASES_REPORT)
grant(Role.GRID_HEAD, CASES_VIEW, CASES_REPORT)
grant(Role.SUPERVISOR, CASES_VIEW, CASES_REPORT, CASES_VERIFY)
# Family doctors (the health teams' members) report health-supervision findings (卫生监督协管, filed from the
# health pages) into the loop like a patrol report; they see the figures of their findings there, not the cases.
grant(Role.FAMILY_DOCTOR, CASES_REPORT)
grant(Role.ACCEPTANCE_SEAT, CASES_VIEW, CASES_INTAKE)
grant(Role.SHIFT_LEADER, CASES_VIEW, CASES_INTAKE, CASES_REGISTER, CASES_EXTEND, CASES_EVALUATE)
grant(Role.DISPATCHER, CASES_VIEW, CASES_DISPATCH, CASES_EXTEND)
# Departments see the cases sent to their unit only (through CASES_HANDLE), not the district's.
grant(Role.DEPT_HANDLER, CASES_HANDLE)

# Who has a work queue of cases at all (the menu entry 工作队列).
QUEUE_CAPABILITIES = (CASES_REGISTER, CASES_DISPATCH, CASES_HANDLE, CASES_VERIFY, CASES_EXTEND, CASES_INTAKE)
