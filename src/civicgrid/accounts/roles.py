"""Roles and what each may do. Capabilities are granted per membership, so they hold
only inside that membership's area (NetBox-style constrained permissions)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("district administrator")  # 区级管理员
    STREET_ADMIN = "street_admin", _("street administrator")  # 街道管理员
    COMMUNITY_WORKER = "community_worker", _("community worker")  # 社区工作者
    GRID_WORKER = "grid_worker", _("grid worker")  # 网格员
    GRID_HEAD = "grid_head", _("grid head")  # 网格长
    SUPERVISOR = "supervisor", _("supervisor")  # 监督员, may cover several grids
    ACCEPTANCE_SEAT = "acceptance_seat", _("hotline acceptance seat")  # 受理员
    SHIFT_LEADER = "shift_leader", _("shift leader")  # 值班长
    DISPATCHER = "dispatcher", _("dispatcher")  # 派遣员
    DEPT_HANDLER = "dept_handler", _("department handler")  # 部门处置人员
    FAMILY_DOCTOR = "family_doctor", _("family doctor")  # 家庭医生
    RESIDENT = "resident", _("resident")  # 居民


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}

# Which area level a role's membership is bound to (None: bound to an organisational unit).
ROLE_AREA_LEVELS: dict[str, set[str] | None] = {
    Role.DISTRICT_ADMIN: {"district"},
    Role.STREET_ADMIN: {"street"},
    Role.COMMUNITY_WORKER: {"community"},
    Role.GRID_WORKER: {"grid"},
    Role.GRID_HEAD: {"grid"},
    Role.SUPERVISOR: {"grid", "community", "street"},
    Role.ACCEPTANCE_SEAT: None,
    Role.SHIFT_LEADER: None,
    Role.DISPATCHER: None,
    Role.DEPT_HANDLER: None,
    Role.FAMILY_DOCTOR: {"community", "grid"},
    Role.RESIDENT: {"grid"},
}
# Unit kinds a unit-bound role may belong to.
ROLE_UNIT_KINDS: dict[str, set[str]] = {
    Role.ACCEPTANCE_SEAT: {"centre"},
    Role.SHIFT_LEADER: {"centre"},
    Role.DISPATCHER: {"centre"},
    Role.DEPT_HANDLER: {"department", "street_office"},
}

VIEW = "view"  # see staff pages and data of the jurisdiction
AREAS_MANAGE = "areas.manage"  # edit area names, responsible staff; run checks
AREAS_IMPORT = "areas.import"  # import and replace boundaries
ACCOUNTS_MANAGE = "accounts.manage"  # manage staff and memberships
AUDIT_VIEW = "audit.view"  # read the audit log of the jurisdiction
LOOKUP = "lookup"  # locate points in grids
REGISTRY_VIEW = "registry.view"  # people and households of the jurisdiction, masked
REGISTRY_EDIT = "registry.edit"  # register and update people, households, houses, components, organisations
REGISTRY_REVEAL = "registry.reveal"  # see a full ID number or phone (each read audited with a reason)
REGISTRY_SPECIAL = "registry.special"  # special-group records (each read audited with a reason)
REGISTRY_IMPORT = "registry.import"  # import ledgers
REGISTRY_EXPORT = "registry.export"  # export ledgers (masked unless also REGISTRY_REVEAL)
# Match a free-text address to a registered building, its position and grid (门牌地址匹配): the
# register's roles, and the hotline centre's seats, shift leaders and dispatchers taking a complaint.
ADDRESS_MATCH = "registry.match"

# Event cases (事件案卷, the seven-step loop). Registering and dispatching act at a case's tier
# (community, street or district): a membership whose area is exactly the tier's area.
CASES_VIEW = "cases.view"  # see the cases of the jurisdiction (departments see their own through CASES_HANDLE)
CASES_REPORT = "cases.report"  # report an event from patrol (巡查上报)
CASES_INTAKE = "cases.intake"  # file a hotline call or mailbox message (受理)
CASES_REGISTER = "cases.register"  # approve or reject a report at the tier (立案)
CASES_DISPATCH = "cases.dispatch"  # send a case to a lead unit (派遣)
CASES_HANDLE = "cases.handle"  # accept, handle and report back for one's own unit (处置)
CASES_VERIFY = "cases.verify"  # confirm reports and check results on site (核实、核查)
CASES_EXTEND = "cases.extend"  # approve extensions; follow up callbacks (延期审批、回访)
CASES_EVALUATE = "cases.evaluate"  # evaluation of units, areas and posts (综合评价)
CASES_MANAGE = "cases.manage"  # event classes, time limits, Open311 keys

# The 15-minute community service circle (一刻钟社区服务圈).
CIRCLE_EDIT = "circle.edit"  # keep the facility inventory of the jurisdiction
CIRCLE_NETWORK = "circle.network"  # import the walking network (OSM extracts), rerun accessibility
CIRCLE_PROVIDERS = "circle.providers"  # record council approval, sign and publish service providers
CIRCLE_SUPERVISE = "circle.supervise"  # review providers, issue rectification notices, revoke
CIRCLE_RATE = "circle.rate"  # residents rate published providers of their community

_REGISTRY_ALL = {REGISTRY_VIEW, REGISTRY_EDIT, REGISTRY_REVEAL, REGISTRY_IMPORT, REGISTRY_EXPORT, ADDRESS_MATCH}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.DISTRICT_ADMIN: frozenset(
        {VIEW, AREAS_MANAGE, AREAS_IMPORT, ACCOUNTS_MANAGE, AUDIT_VIEW, LOOKUP, REGISTRY_SPECIAL} | _REGISTRY_ALL
        | {CASES_VIEW, CASES_REGISTER, CASES_DISPATCH, CASES_EXTEND, CASES_EVALUATE, CASES_MANAGE}
        | {CIRCLE_EDIT, CIRCLE_NETWORK, CIRCLE_PROVIDERS, CIRCLE_SUPERVISE}
    ),
    Role.STREET_ADMIN: frozenset(
        {VIEW, AREAS_MANAGE, ACCOUNTS_MANAGE, AUDIT_VIEW, LOOKUP, REGISTRY_SPECIAL} | _REGISTRY_ALL
        | {CASES_VIEW, CASES_REPORT, CASES_REGISTER, CASES_DISPATCH, CASES_HANDLE, CASES_EXTEND, CASES_EVALUATE}
        | {CIRCLE_EDIT, CIRCLE_PROVIDERS, CIRCLE_SUPERVISE}
    ),
    Role.COMMUNITY_WORKER: frozenset(
        {VIEW, LOOKUP, REGISTRY_SPECIAL} | _REGISTRY_ALL
        | {CASES_VIEW, CASES_REPORT, CASES_REGISTER, CASES_DISPATCH, CASES_HANDLE, CASES_VERIFY}
        | {CIRCLE_EDIT, CIRCLE_PROVIDERS}
    ),
    # Grid workers collect and keep the register of their grid; special groups are for
    # the grid head and the community's comprehensive-governance staff.
    Role.GRID_WORKER: frozenset({VIEW, LOOKUP, REGISTRY_VIEW, REGISTRY_EDIT, REGISTRY_REVEAL, ADDRESS_MATCH,
                                 CASES_VIEW, CASES_REPORT}),
    Role.GRID_HEAD: frozenset(
        {VIEW, LOOKUP, REGISTRY_VIEW, REGISTRY_EDIT, REGISTRY_REVEAL, REGISTRY_SPECIAL, ADDRESS_MATCH,
         CASES_VIEW, CASES_REPORT}
    ),
    Role.SUPERVISOR: frozenset({VIEW, LOOKUP, CASES_VIEW, CASES_REPORT, CASES_VERIFY, CIRCLE_SUPERVISE}),
    Role.ACCEPTANCE_SEAT: frozenset({VIEW, LOOKUP, ADDRESS_MATCH, CASES_VIEW, CASES_INTAKE}),
    Role.SHIFT_LEADER: frozenset({VIEW, LOOKUP, ADDRESS_MATCH, CASES_VIEW, CASES_INTAKE, CASES_REGISTER,
                                  CASES_EXTEND, CASES_EVALUATE}),
    Role.DISPATCHER: frozenset({VIEW, LOOKUP, ADDRESS_MATCH, CASES_VIEW, CASES_DISPATCH, CASES_EXTEND}),
    # Departments see the cases sent to their unit only (through CASES_HANDLE), not the district's.
    Role.DEPT_HANDLER: frozenset({VIEW, LOOKUP, CASES_HANDLE}),
    Role.FAMILY_DOCTOR: frozenset({VIEW, LOOKUP, REGISTRY_VIEW, ADDRESS_MATCH}),
    Role.RESIDENT: frozenset({CIRCLE_RATE}),
}
