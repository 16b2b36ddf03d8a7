from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "jianhui.enterprises"
    verbose_name = "企业"
