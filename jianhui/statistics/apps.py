from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "jianhui.statistics"
    verbose_name = "统计"

    def ready(self) -> None:
        """Keep the facts in step with every row-by-row write of the domain (sync.py); build
        them once after migrating a database that has data but no facts yet."""
        from django.db.models.signals import post_delete, post_migrate, post_save, pre_save

        from jianhui.enterprises.models import EmployeeSurvey, Enterprise
        from jianhui.regions.models import Jurisdiction
        from jianhui.unions.models import Coverage, Member, UnionOrganisation

        from . import sync

        for signal in (post_save, post_delete):
            signal.connect(sync.enterprise_written, Enterprise, dispatch_uid="stat_e")
            signal.connect(sync.organisation_written, UnionOrganisation, dispatch_uid="stat_o")
            for model in (EmployeeSurvey, Coverage, Member):
                signal.connect(sync.enterprise_row_written, model,
                               dispatch_uid=f"stat_{model.__name__}")
        for model in (Coverage, Member):
            pre_save.connect(sync.remember_enterprise, model, dispatch_uid=f"stat_pre_{model.__name__}")
        pre_save.connect(sync.remember_path, Jurisdiction, dispatch_uid="stat_pre_j")
        post_save.connect(sync.jurisdiction_written, Jurisdiction, dispatch_uid="stat_j")
        post_delete.connect(sync.jurisdiction_removed, Jurisdiction, dispatch_uid="stat_j_del")
        post_migrate.connect(_build_if_missing, sender=self, dispatch_uid="stat_migrate")


def _build_if_missing(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from . import sync
    from .models import DailyDelta

    # A migration backwards (to before the statistics' tables) leaves nothing to build.
    if DailyDelta._meta.db_table not in connections[using].introspection.table_names():
        return
    if not sync.built():
        sync.rebuild()
