from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    label = "core"

    def ready(self) -> None:
        # Background jobs live in each app's jobs.py (huey itself only looks for tasks.py).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
        # What every app declares about itself: capabilities and grants, menus, URLs, API routers.
        from .plugins import collect

        collect()

        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 - registers the data-key check

        post_migrate.connect(_record_key_fingerprint, sender=self, dispatch_uid="core.key_fingerprint")


def _record_key_fingerprint(sender, using="default", **kwargs):
    """A new database records the fingerprint of the key it will be encrypted with."""
    from .keycheck import KeyMismatch, verify_data_key

    try:
        verify_data_key()
    except KeyMismatch:
        pass  # the system check reports it
