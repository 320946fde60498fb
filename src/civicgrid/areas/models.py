"""The area tree: (city →) district → street/town → community/village → basic grid.

A deployment holds one district, or a whole city of several: the city (地级市) has its GB/T 2260
code PPCC00 (330100 杭州市) and its districts PPCCDD (330106 西湖区) below it. Its code is not a
prefix of theirs, so what a city covers is ``scope_code``: the first four digits (3301); every
other area covers the codes that start with its own."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Digits of each level's code; a child's code starts with its parent's (GB/T 2260 for the city and
# the district: a 6-digit code ending in 00 is a city, any other a district).
CODE_LENGTH = {"city": 6, "district": 6, "street": 9, "community": 12, "grid": 15}
LEVEL_BY_LENGTH = {6: "district", 9: "street", 12: "community", 15: "grid"}
PARENT_LEVEL = {"district": "city", "street": "district", "community": "street", "grid": "community"}


def is_city_code(code: str) -> bool:
    """PPCC00 with CC ≠ 00 (PP0000 is a province, not held here)."""
    return len(code) == 6 and code.isdigit() and code.endswith("00") and not code.endswith("0000")


def level_of_code(code: str) -> str | None:
    """The level a code's digits name (None: not an area code)."""
    if not code.isdigit():
        return None
    if is_city_code(code):
        return "city"
    if code.endswith("0000") and len(code) == 6:
        return None
    return LEVEL_BY_LENGTH.get(len(code))


def scope_code(code: str) -> str:
    """The prefix of every code inside the area: its own code, a city's first four digits."""
    return code[:4] if is_city_code(code) else code


def parent_code_of(code: str) -> str | None:
    """The code of the level above: a district's city (PPCC00; it may not exist), else 3 digits less."""
    if is_city_code(code) or len(code) < 6:
        return None
    if len(code) == 6:
        return code[:4] + "00"
    return code[:-3]


class Area(models.Model):
    """An administrative or grid area (区域) with its boundary and hierarchical code."""

    class Level(models.TextChoices):
        CITY = "city", _("city")  # 地级市, code = GB/T 2260 PPCC00 (6 digits), covers PPCC…
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

    @property
    def scope_code(self) -> str:
        """The prefix of the codes inside this area (a city's: its first four digits)."""
        return scope_code(self.code)

    def ancestors_codes(self) -> list[str]:
        out, code = [], parent_code_of(self.code)
        while code:
            out.append(code)
            code = parent_code_of(code)
        return out[::-1]  # from the top

    def clean(self) -> None:
        errors = {}
        expected = CODE_LENGTH.get(self.level)
        if not self.code.isdigit() or len(self.code) != expected:
            errors["code"] = _("A %(level)s code has %(n)s digits.") % {
                "level": self.get_level_display(),
                "n": expected,
            }
        elif level_of_code(self.code) != self.level:
            errors["code"] = (_("A city code ends in 00 (GB/T 2260, e.g. 330100).") if self.level == self.Level.CITY
                              else _("A district code does not end in 00 (that is a city's, GB/T 2260)."))
        if self.level == self.Level.CITY:
            if self.parent_id:
                errors["parent"] = _("A city has no parent in this system.")
        elif self.level == self.Level.DISTRICT and self.parent is None:
            pass  # a deployment of one district has no city above it
        elif self.parent is None:
            errors["parent"] = _("This level needs a parent area.")
        else:
            if self.parent.level != PARENT_LEVEL[self.level]:
                errors["parent"] = _("The parent of a %(level)s must be a %(parent)s.") % {
                    "level": self.get_level_display(),
                    "parent": self.Level(PARENT_LEVEL[self.level]).label,
                }
            elif not self.code.startswith(self.parent.scope_code):
                errors["code"] = _("The code must start with the parent's code %(code)s.") % {
                    "code": self.parent.scope_code
                }
        if errors:
            raise ValidationError(errors)
