from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "jianhui.dashboard"
    verbose_name = "工作台"
