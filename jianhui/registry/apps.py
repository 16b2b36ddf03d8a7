from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jianhui.registry"
    verbose_name = "名录页面"
