"""Background jobs of the register."""

from huey.contrib.djhuey import db_task


@db_task()
def run_export(pk: int) -> None:
    """A large export (registry.exports), with its progress on the ExportJob row."""
    from .exports import run_export as run

    run(pk)
