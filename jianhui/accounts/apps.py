from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "jianhui.accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from django.apps import apps

        from . import signals  # noqa: F401

        # The back office names these apps' sections (their own are English codes).
        for label, name in (("axes", "登录失败与锁定"), ("otp_totp", "两步验证设备")):
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name
        from .groups import sync_all

        post_migrate.connect(sync_all, sender=self, dispatch_uid="jianhui_sync_role_groups")
