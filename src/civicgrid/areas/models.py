"""The area tree: district → street/town → community/village → basic grid."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Digits of each level's code; a child's code starts with its parent's (GB/T 2260 for the district).
CODE_LENGTH = {"district": 6, "street": 9, "community": 12, "grid": 15}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
PARENT_LEVEL = {"street": "district", "community": "street", "grid": "community"}


class Area(models.Model):
    """An administrative or grid area (区域) with its boundary and hierarchical code."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("district/county")  # 区/县, code = GB/T 2260 (6 digits)
        STREET = "street", _("street/town")  # 街道/乡镇, +3 digits
        COMMUNITY = "community", _("community/village")  # 社区/行政村, +3 digits
        GRID = "grid", _("basic grid")  # 基础网格, +3 digits: the smallest unit of management

    class Kind(models.TextChoices):
        URBAN = "urban", _("urban")  # 城镇: grids sized by households
        RURAL = "rural", _("rural")  # 农村: grids sized by people and service radius

    code = models.CharField(_("code"), max_length=15, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("urban or rural"), max_length=5, choices=Kind.choices, default=Kind.URBAN)
    # GeoJSON geometry (Polygon or MultiPolygon) in WGS 84 longitude/latitude.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    responsible_name = models.CharField(_("responsible person"), max_length=50, blank=True)
    responsible_phone = models.CharField(_("responsible person's work phone"), max_length=30, blank=True)
    # Rolled up from the register (buildings, people) by do_recount_area_stats.
    households = models.PositiveIntegerField(_("households"), default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def area_code(self) -> str:
        """Scoped objects expose ``area_code``; an area's is its own code."""
        return self.code

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        if self.min_lon is None:
            return None
        return (self.min_lon, self.min_lat, self.max_lon, self.max_lat)

    def ancestors_codes(self) -> list[str]:
        return [self.code[:n] for n in CODE_LENGTH.values() if n < len(self.code)]

    def clean(self) -> None:
        errors = {}
        expected = CODE_LENGTH.get(self.level)
        if not self.code.isdigit() or len(self.code) != expected:
            errors["code"] = _("A %(level)s code has %(n)s digits.") % {
                "level": self.get_level_display(),
                "n": expected,
            }
        if self.level == self.Level.DISTRICT:
            if self.parent_id:
                errors["parent"] = _("A district has no parent in this system.")
        elif self.parent is None:
            errors["parent"] = _("This level needs a parent area.")
        else:
            if self.parent.level != PARENT_LEVEL[self.level]:
                errors["parent"] = _("The parent of a %(level)s must be a %(parent)s.") % {
                    "level": self.get_level_display(),
                    "parent": self.Level(PARENT_LEVEL[self.level]).label,
                }
            elif not self.code.startswith(self.parent.code):
                errors["code"] = _("The code must start with the parent's code %(code)s.") % {
                    "code": self.parent.code
                }
        if errors:
            raise ValidationError(errors)
