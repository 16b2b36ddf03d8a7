from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jianhui.accounts"
    verbose_name = "用户与角色"
