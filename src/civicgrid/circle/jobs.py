"""Background jobs of the circle (huey): accessibility recomputation after changes."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from civicgrid.core.scoping import SYSTEM


@db_task()
def recompute_access(district_code: str, reason: str = "") -> int:
    """Recompute one district's accessibility (queued after facility or network changes)."""
    from .actions import do_compute_access

    return do_compute_access(district_code, actor=SYSTEM, reason=reason).pk


@db_periodic_task(crontab(hour="3", minute="10"))
def nightly_recompute_access() -> int:
    """Buildings and households change in the register every day; refresh every network's results."""
    from .actions import do_compute_access
    from .models import WalkNetwork

    codes = list(WalkNetwork.objects.values_list("area_code", flat=True))
    for code in codes:
        do_compute_access(code, actor=SYSTEM, reason="nightly")
    return len(codes)
