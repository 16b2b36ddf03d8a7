from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "jianhui.imports"
    verbose_name = "导入导出"
