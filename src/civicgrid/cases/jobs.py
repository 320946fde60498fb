"""Background jobs of the case module (huey): deadline warnings and overdue escalation."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from civicgrid.core.scoping import SYSTEM

from .actions import do_check_deadlines


@db_periodic_task(crontab(minute="*/5"))
def check_case_deadlines() -> dict:
    """Every five minutes: warn before deadlines, escalate overdue cases (超期升级/督办)."""
    return do_check_deadlines(actor=SYSTEM)
