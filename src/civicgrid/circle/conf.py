"""Settings of the circle, from environment variables (defaults are the plan's figures)."""

from __future__ import annotations

import os


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def speed_m_s() -> float:
    """Walking speed, m/s (R-CIR-1: 1.2 by default)."""
    return _float("CIVICGRID_CIRCLE_SPEED_M_S", 1.2)


def limit_min() -> int:
    """The circle's walking time, minutes (15)."""
    return int(_float("CIVICGRID_CIRCLE_LIMIT_MIN", 15))


def area_per_100_households() -> float:
    """R-FAC-1: community service facility area per 100 households, m² (20; some cities 30)."""
    return _float("CIVICGRID_CIRCLE_M2_PER_100_HOUSEHOLDS", 20.0)


COMMUNITY_STATION_MIN_M2 = 300.0  # 社区服务站 ≥ 300 m²
STREET_CENTRE_MIN_M2 = 800.0  # 街道综合服务中心 ≥ 800 m²
DAYCARE_BEDS_PER_1000_ELDERLY = 30.0  # R-ELD-3
COVERAGE_TARGET = 0.93  # R-FAC-2
ROAD_SEGMENT_M = 40.0  # registered roads are split so buildings snap onto them
RATING_POOR = 3.0  # an average below this after a review calls for rectification
