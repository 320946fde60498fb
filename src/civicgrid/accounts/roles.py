"""Roles and the area level (or unit kind) each role's membership binds to.

What each role may do is declared by the apps themselves (``<app>/capabilities.py``, collected by
``core.plugins``): capabilities are granted per membership, so they hold only inside that
membership's area (NetBox-style constrained permissions)."""

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
    WINDOW_CLERK = "window_clerk", _("window clerk")  # 全科社工 (一窗受理, street or community centre)
    CITY_ADMIN = "city_admin", _("city administrator")  # 市级管理员 (a deployment holding a whole city)


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
    Role.WINDOW_CLERK: {"street", "community"},
    Role.CITY_ADMIN: {"city"},
}
# Unit kinds a unit-bound role may belong to.
ROLE_UNIT_KINDS: dict[str, set[str]] = {
    Role.ACCEPTANCE_SEAT: {"centre"},
    Role.SHIFT_LEADER: {"centre"},
    Role.DISPATCHER: {"centre"},
    Role.DEPT_HANDLER: {"department", "street_office"},
}
