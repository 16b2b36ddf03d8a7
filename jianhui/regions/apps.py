from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "jianhui.regions"
    verbose_name = "辖区"
