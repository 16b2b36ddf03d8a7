from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "jianhui.campaign"
    verbose_name = "建会入会行动"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tracking

        tracking.connect()
