from django.apps import AppConfig


class UserAdminConfig(AppConfig):
    name = "jianhui.useradmin"
    verbose_name = "用户管理"
