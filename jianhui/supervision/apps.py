from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "jianhui.supervision"
    verbose_name = "专程督导"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tracking

        tracking.connect()
