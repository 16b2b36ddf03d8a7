from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "jianhui.assessment"
    verbose_name = "专项考核"
    default_auto_field = "django.db.models.BigAutoField"
