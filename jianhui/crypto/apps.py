from django.apps import AppConfig
from django.core.signals import setting_changed


def _settings_changed(setting: str, **kwargs) -> None:
    if setting in {"DATA_DIR", "JIANHUI_FIELD_KEY", "JIANHUI_FIELD_CIPHER"}:
        from .keyring import forget_keyring

        forget_keyring()


class CryptoConfig(AppConfig):
    name = "jianhui.crypto"
    label = "crypto"
    verbose_name = "个人信息加密"

    def ready(self) -> None:
        setting_changed.connect(_settings_changed, dispatch_uid="jianhui.crypto.settings")
