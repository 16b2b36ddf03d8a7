"""One audit event per act. Rows are never updated or deleted by the application."""

from __future__ import annotations

from django.db import models, router, transaction
from django.utils import timezone

from . import chain


class Action(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKED_OUT = "locked_out", "账号锁定"
    REVEAL = "reveal", "查看完整个人信息"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    DOWNLOAD = "download", "下载"
    PASSWORD = "password", "修改密码"
    USERS = "users", "用户与角色变更"
    BACKUP = "backup", "备份/恢复"
    KEY_ROTATION = "key_rotation", "密钥轮换"


class AppendOnly(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("审计日志只能追加，不能修改。")

    def delete(self):
        raise AppendOnly("审计日志只能追加，不能删除。")


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices, db_index=True)
    # No foreign key: deleting a user must not touch (or cascade into) the log.
    user_id = models.BigIntegerField("用户ID", null=True, blank=True)
    username = models.CharField("用户", max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    model = models.CharField("数据类型", max_length=100, blank=True)
    object_key = models.CharField("对象", max_length=100, blank=True, db_index=True)
    object_repr = models.CharField("对象名称", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    reason = models.TextField("理由", blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    # The hash chain (chain.py): the previous event's hash and this event's own.
    prev_hash = models.CharField("前一条的哈希", max_length=64, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        at = timezone.localtime(self.at) if timezone.is_aware(self.at) else self.at
        return f"{at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("审计日志只能追加，不能修改。")
        using = kwargs.get("using") or router.db_for_write(type(self))
        # One event at a time takes the head: its hash becomes this event's prev_hash. The
        # lock is held to the end of the caller's transaction, which is short everywhere (an
        # import records its event last, just before its commit).
        with transaction.atomic(using=using):
            head = ChainHead.objects.using(using).select_for_update().get(pk=1)
            self.prev_hash = head.hash
            self.hash = chain.digest(self.prev_hash, self.chain_values())
            super().save(*args, **kwargs)
            ChainHead.objects.using(using).filter(pk=1).update(
                hash=self.hash, events=models.F("events") + 1, last_id=self.pk)

    def chain_values(self) -> dict:
        return {name: getattr(self, name) for name in chain.FIELDS}

    def delete(self, *args, **kwargs):
        raise AppendOnly("审计日志只能追加，不能删除。")


class ChainHead(models.Model):
    """The newest event's hash (one row, pk 1): what the next event chains to, and what a
    verification or a backup compares the newest event with (deleting the newest events shows
    here)."""

    hash = models.CharField("最新哈希", max_length=64, default=chain.GENESIS)
    events = models.PositiveBigIntegerField("已封存条数", default=0)
    last_id = models.BigIntegerField("最新一条的编号", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计哈希链头"

    def __str__(self) -> str:
        return f"{self.events} 条，链头 {self.hash[:16]}"
