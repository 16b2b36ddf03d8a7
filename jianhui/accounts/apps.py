from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "jianhui.accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .groups import sync_all

        post_migrate.connect(sync_all, sender=self, dispatch_uid="jianhui_sync_role_groups")
