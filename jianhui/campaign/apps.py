from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "jianhui.campaign"
    verbose_name = "建会入会行动"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tracking

        tracking.connect()
        register_import_kinds()


def register_import_kinds() -> None:
    """Add the campaign's import kinds (摸底情况, 目标任务) to the import framework's tables:
    the kinds the pages and `jianhui import` offer, and what each template explains. The
    campaign sits beside the imports in the feature layer and builds on them; the imports
    never know about the campaign."""
    from jianhui.imports import templates_xlsx
    from jianhui.imports.kinds import KINDS

    from .importers import IMPORTERS

    for importer in IMPORTERS:
        KINDS.setdefault(importer.kind, importer)
        templates_xlsx.ENUMS.setdefault(importer.kind, importer.template_enums)
        templates_xlsx.KEYS.setdefault(importer.kind, importer.template_key)
        templates_xlsx.HELP.setdefault(importer.kind, importer.template_help)
