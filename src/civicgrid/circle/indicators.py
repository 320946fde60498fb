"""The circle's indicators for the dashboards (``stats``), figures of the facilities and the last
accessibility run as they stand (``stock``); defined in ``docs/stats.md``:

* 社区服务设施综合覆盖率 facility coverage: Σ over residential buildings × facility kinds of the
  households within the circle's walking time (15 minutes) ÷ Σ of their households (002: 93 %);
* 每百户居民拥有社区服务设施面积 service facility area per 100 households: Σ floor area of the
  active service rooms and centres ÷ Σ households of the buildings, × 100 (002: ≥ 20 m²).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, Sum

from civicgrid.registry.models import Building

from . import conf
from .models import KIND_GROUP, SERVICE_AREA_GROUPS, BuildingAccess, Facility


def facility_coverage(prefix: str, period) -> dict:
    minutes = conf.limit_min()
    rows = (BuildingAccess.objects.filter(area_code__startswith=prefix).values("area_code")
            .annotate(hh=Sum("households"), covered=Sum("households", filter=Q(band__lte=minutes))))
    return {r["area_code"]: (float(r["covered"] or 0), float(r["hh"] or 0)) for r in rows
            if r["area_code"] and r["hh"]}


def facility_area_per_100_households(prefix: str, period) -> dict:
    kinds = [k for k, g in KIND_GROUP.items() if g in SERVICE_AREA_GROUPS]
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in (Facility.objects.filter(area_code__startswith=prefix, active=True, kind__in=kinds)
              .values("area_code").annotate(a=Sum("area_m2"))):
        if r["area_code"]:
            out[r["area_code"]][0] += float(r["a"] or 0)
    for r in Building.objects.filter(area_code__startswith=prefix).values("area_code").annotate(h=Sum("households")):
        if r["area_code"]:
            out[r["area_code"]][1] += float(r["h"] or 0)
    return {code: (v[0], v[1]) for code, v in out.items() if v[0] or v[1]}
