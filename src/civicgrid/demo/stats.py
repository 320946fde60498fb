"""The demo's indicators: the seeded plan targets, a district's own target overriding one of them
with its quarterly breakdown, and the cache filled once (through the stats actions)."""

from __future__ import annotations

from civicgrid.core import periods as P
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions
from civicgrid.stats.seeds import ensure_seeded_targets


def load_stats(*, root_code: str, progress=print) -> None:
    ensure_seeded_targets()
    year = P.current("year").code
    # 000: the district's own plan asks for 30 m² per 100 households (the city's 002 asks for 20).
    actions.do_set_target(actor=SYSTEM, indicator="circle.facility_area", area_code=root_code, value=30,
                          horizon="", source="000 社区公共服务实施方案(区级)",
                          phrase="力争每百户居民拥有的社区服务设施面积达到30平方米以上")
    yearly = actions.do_set_target(actor=SYSTEM, indicator="cases.on_time_rate", area_code=root_code, value=90,
                                   period=year, source="004e 工作目标季度分解表(区)",
                                   phrase="制定工作目标季度分解表")
    actions.do_set_breakdown(actor=SYSTEM, target=yearly, quarters={1: 85, 2: 88, 3: 90, 4: 92})
    run = actions.do_refresh(actor=SYSTEM)
    progress(f"indicator values: {run.values} over {run.periods} periods ({run.seconds:.1f} s)")
