from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicgrid.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from .lockout import count_failure

        user_login_failed.connect(count_failure, dispatch_uid="civicgrid.accounts.lockout")
