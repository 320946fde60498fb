"""Users, organisational units, jurisdiction memberships and API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.areas.models import Area, scope_code
from civicgrid.core.capabilities import VIEW
from civicgrid.core.keys import key_hash
from civicgrid.core.plugins import capabilities_of
from civicgrid.core.scoping import minimal_prefixes

from .roles import ROLE_AREA_LEVELS, ROLE_UNIT_KINDS, Role


class User(AbstractUser):
    """A person who logs in: staff of any level, or a resident."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("work phone"), max_length=30, blank=True)
    # Set when an administrator creates the account or resets its password: the temporary
    # password only opens the page that changes it (accounts.middleware.AccountStateMiddleware).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def active_memberships(self) -> list[Membership]:
        cached = getattr(self, "_cg_memberships", None)
        if cached is None:
            # Not the area's boundary: a district's GeoJSON is large, and no reader of
            # memberships needs it (it would be read and parsed on every request).
            cached = list(self.memberships.filter(active=True).select_related("area", "unit")
                          .defer("area__boundary"))
            self._cg_memberships = cached
        return cached

    def forget_memberships(self) -> None:
        self.__dict__.pop("_cg_memberships", None)

    def roles(self) -> set[str]:
        return {m.role for m in self.active_memberships()}

    def capabilities(self) -> set[str]:
        caps: set[str] = set()
        for m in self.active_memberships():
            caps |= capabilities_of(m.role)
        return caps

    def has_capability(self, capability: str) -> bool:
        return self.is_superuser or capability in self.capabilities()

    def scope_codes(self, capability: str | None = None) -> tuple[str, ...] | None:
        """Area-code prefixes this user may act on with ``capability`` (default: view)."""
        if self.is_superuser:
            return None
        cap = capability or VIEW
        return minimal_prefixes(
            m.area_code for m in self.active_memberships() if cap in capabilities_of(m.role)
        )


class OrgUnit(models.Model):
    """Organisational unit (单位): street office, community committee, centre or department.

    Units receive dispatched cases later; their jurisdiction is their area.
    """

    class Kind(models.TextChoices):
        CENTRE = "centre", _("grid management centre")  # 网格化管理中心: seats, shift leaders, dispatchers
        STREET_OFFICE = "street_office", _("street office")  # 街道办事处
        COMMUNITY_COMMITTEE = "community_committee", _("community committee")  # 社区居委会
        DEPARTMENT = "department", _("functional department")  # 职能部门

    class Department(models.TextChoices):
        NONE = "", _("—")
        CHENGGUAN = "chengguan", _("urban management")  # 城管
        SANITATION = "sanitation", _("sanitation")  # 环卫
        LANDSCAPING = "landscaping", _("landscaping")  # 园林
        HOUSING = "housing", _("housing and construction")  # 住建
        POLICE = "police", _("public security")  # 公安
        CIVIL_AFFAIRS = "civil_affairs", _("civil affairs")  # 民政
        HEALTH = "health", _("health")  # 卫健
        OTHER = "other", _("other")
        HRSS = "hrss", _("human resources and social security")  # 人社
        MEDICAL_INSURANCE = "medical_insurance", _("medical insurance")  # 医保
        DISABLED_FEDERATION = "disabled_federation", _("disabled persons' federation")  # 残联
        VETERANS = "veterans", _("veterans affairs")  # 退役军人事务

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices, blank=True)
    area = models.ForeignKey(Area, verbose_name=_("area served"), on_delete=models.PROTECT, related_name="units")
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["area_code", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.area_code = self.area.code
        super().save(*args, **kwargs)


class Membership(models.Model):
    """Binds a user to a role in an area or a unit; visibility is the area-code prefix."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT)
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT)
    area_code = models.CharField(max_length=15, db_index=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["area_code", "role"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area__isnull=False) | models.Q(unit__isnull=False), name="membership_has_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or self.area}"

    def clean(self) -> None:
        levels = ROLE_AREA_LEVELS.get(self.role)
        if levels is None:
            if self.unit is None:
                raise ValidationError({"unit": _("This role belongs to an organisational unit.")})
            kinds = ROLE_UNIT_KINDS.get(self.role, set())
            if self.unit.kind not in kinds:
                raise ValidationError({"unit": _("This role cannot belong to a unit of this kind.")})
        else:
            if self.area is None:
                raise ValidationError({"area": _("This role belongs to an area.")})
            if self.area.level not in levels:
                raise ValidationError(
                    {"area": _("A %(role)s is bound to an area of level: %(levels)s.")
                     % {"role": self.get_role_display(), "levels": ", ".join(str(Area.Level(lv).label) for lv in levels)}}
                )

    def save(self, *args, **kwargs):
        # The prefix of the codes inside the place: a city's is its first four digits.
        self.area_code = scope_code(self.unit.area_code if self.unit_id and not self.area_id else self.area.code)
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "cg_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(key: str) -> str:
        return key_hash(key)
