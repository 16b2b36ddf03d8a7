from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "jianhui.statistics"
    verbose_name = "统计"
