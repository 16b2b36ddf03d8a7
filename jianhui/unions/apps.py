from django.apps import AppConfig


class UnionsConfig(AppConfig):
    name = "jianhui.unions"
    verbose_name = "工会组织与会员"
