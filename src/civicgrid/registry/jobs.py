"""Background jobs of the register (huey): the households and population of every area, rolled up
from the registered buildings."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from civicgrid.core.scoping import SYSTEM

from .actions import do_recount_area_stats


@db_task()
def recount_area_stats(root_code: str = "") -> int:
    return do_recount_area_stats(actor=SYSTEM, root_code=root_code)


@db_periodic_task(crontab(hour="2", minute="15"))
def nightly_recount_area_stats() -> int:
    """Households and population per area follow the register; refreshed every night."""
    return do_recount_area_stats(actor=SYSTEM)


@db_task()
def commit_import(pk: int, user_pk: int) -> None:
    """A large ledger written in the background (``actions.do_request_commit_import``)."""
    from .actions.imports import run_queued_commit

    run_queued_commit(pk, user_pk)


@db_task()
def run_export(pk: int) -> None:
    """A large export (registry.exports), with its progress on the ExportJob row."""
    from .exports import run_export as run

    run(pk)
