"""Targets seeded from the planning documents (``/work/shared/seeds``), each with its source: the
document and the phrase the figure is read from. Set for the whole deployment (``area_code`` ""),
so every city, district, street, community and grid inherits them until one sets its own."""

from __future__ import annotations

# (indicator, value, horizon, source document, phrase)
SEED_TARGETS = [
    ("circle.facility_coverage", 93.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "力争“十三五”末,社区服务设施综合覆盖率达到93%"),
    ("circle.facility_area", 20.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "每百户居民拥有的社区服务设施面积不低于20平方米"),
    ("registry.volunteer_rate", 10.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "注册社区志愿者达到本地区居民总数的10%以上"),
    ("registry.social_organisations", 8.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "每个社区拥有8个以上的社区社会组织"),
    ("cases.satisfaction_rate", 90.0, "",
     "004 网格化健康服务实施方案(004 汇编)", "居民对网格化管理知晓率达到60%以上,对服务满意率达到90%以上"),
]


def ensure_seeded_targets() -> int:
    """Create the seeded targets that are missing (an area's own targets are left alone)."""
    from .models import Target

    made = 0
    for indicator, value, horizon, source, phrase in SEED_TARGETS:
        _obj, created = Target.objects.get_or_create(
            indicator=indicator, area_code="", period="",
            defaults={"value": value, "horizon": horizon, "source": source, "phrase": phrase, "seeded": True})
        made += created
    return made
