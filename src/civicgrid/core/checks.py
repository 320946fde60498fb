"""System checks run by Django's management commands (serve, run_huey, migrate, check, …)."""

from django.core.checks import Error, register


@register()
def data_key_matches_database(app_configs=None, **kwargs):
    from .keycheck import KeyMismatch, _forget_generated_key, verify_data_key

    try:
        verify_data_key()
    except KeyMismatch as exc:
        _forget_generated_key()
        return [Error(str(exc), id="civicgrid.E001")]
    return []
