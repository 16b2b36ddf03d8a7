from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jianhui.demo"
    verbose_name = "演示数据"
