"""Background jobs of community health (huey): the nightly task generation and the closing of
windows that passed without a visit."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from civicgrid.core.scoping import SYSTEM


@db_periodic_task(crontab(hour="1", minute="20"))
def nightly_tasks() -> dict:
    """Every open enrolment gets its windows up to today + 60 days (idempotent: a rerun inserts
    nothing), then open tasks whose window has closed become missed."""
    from .actions import do_mark_missed, generate_tasks

    inserted = generate_tasks(actor=SYSTEM)
    missed = do_mark_missed(actor=SYSTEM)
    return {"missed": missed, "inserted": inserted}
