from django.apps import AppConfig


class AuditLogConfig(AppConfig):
    name = "jianhui.auditlog"
    verbose_name = "审计日志查询"
