"""Background jobs of the case module (huey): deadline warnings and overdue escalation, and keeping
the evaluation pages people look at up to date."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from civicgrid.core.scoping import SYSTEM

from .actions import do_check_deadlines


@db_periodic_task(crontab(minute="*/5"))
def check_case_deadlines() -> dict:
    """Every five minutes: warn before deadlines, escalate overdue cases (超期升级/督办)."""
    return do_check_deadlines(actor=SYSTEM)


@db_periodic_task(crontab(minute="*/2"))
def refresh_evaluations() -> int:
    """Every two minutes: the evaluation pages viewed in the last hour, recomputed where a case moved
    (so their viewers get figures at most a few minutes old without waiting for the computation)."""
    from .evaluation.posts import refresh_viewed

    return refresh_viewed()
