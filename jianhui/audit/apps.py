"""The audit log: who did what, when, from where. Append-only.

Call `jianhui.audit.log.record(...)` for every act worth proving later (reveals, exports,
imports, logins); domain model changes are recorded by signal handlers (`tracking.py`);
database triggers keep the table append-only (`triggers.py`).
"""
from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_triggers(sender, using="default", **kwargs) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table: put them back.
    from django.db import connections

    from . import triggers

    triggers.install(connections[using])


class AuditConfig(AppConfig):
    name = "jianhui.audit"
    verbose_name = "审计日志"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tracking

        tracking.connect()
        post_migrate.connect(_ensure_triggers, sender=self, dispatch_uid="jianhui.audit.triggers")
