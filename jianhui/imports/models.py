"""The record of every import: who, when, which file (name and hash), and the counts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

# What a running job is doing, as its page says it.
PHASES = {"waiting": "等待开始", "read": "读取并校验各行", "check": "与系统中已有数据比对",
          "write": "写入数据库"}


class ImportRecord(models.Model):
    kind = models.CharField("导入类型", max_length=16)
    user = models.CharField("导入人", max_length=150)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件SHA-256", max_length=64)
    mode = models.CharField("模式", max_length=8, default="upsert")
    dry_run = models.BooleanField("试运行", default=False)
    written = models.BooleanField("已写入", default=False)
    rows = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    errors = models.PositiveIntegerField("错误", default=0)
    warnings = models.PositiveIntegerField("提示", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "导入记录"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.kind}, {self.started_at:%Y-%m-%d %H:%M})"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    VALIDATING = "validating", "校验中"
    VALIDATED = "validated", "已校验"
    IMPORTING = "importing", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


RUNNING = (JobStatus.QUEUED, JobStatus.VALIDATING, JobStatus.IMPORTING)


class ImportJob(models.Model):
    """One uploaded file on its way: validated (a dry run), previewed, confirmed, imported.

    Its public key is a random UUID (the job page's URL); only the user who uploaded it may
    see it. The file itself lies under DATA_DIR/uploads/ with a random name and is never
    served; `report` keeps the counts and the first issues with personal data masked.
    """

    id = models.UUIDField("任务编号", primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人",
                             on_delete=models.PROTECT, related_name="import_jobs")
    kind = models.CharField("导入类型", max_length=16)
    mode = models.CharField("模式", max_length=8, default="upsert")
    stored_name = models.CharField("存储文件名", max_length=64)
    file_name = models.CharField("原文件名", max_length=255)
    file_size = models.PositiveBigIntegerField("文件大小", default=0)
    sha256 = models.CharField("文件SHA-256", max_length=64, blank=True)
    status = models.CharField("状态", max_length=12, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    background = models.BooleanField("后台运行", default=False)
    phase = models.CharField("阶段", max_length=12, blank=True)
    done = models.PositiveIntegerField("已处理行数", default=0)
    total = models.PositiveIntegerField("估计总行数", null=True, blank=True)
    report = models.JSONField("校验/导入结果", default=dict, blank=True)
    error_count = models.PositiveIntegerField("错误数", default=0)
    warning_count = models.PositiveIntegerField("提示数", default=0)
    message = models.TextField("说明", blank=True)
    worker = models.CharField("处理进程", max_length=128, blank=True)
    client_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    record = models.ForeignKey(ImportRecord, verbose_name="导入记录", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    validated_at = models.DateTimeField("校验完成时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认导入时间", null=True, blank=True)
    finished_at = models.DateTimeField("导入完成时间", null=True, blank=True)
    file_deleted = models.BooleanField("文件已删除", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "导入任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"]),
                   models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def public_key(self) -> str:
        return str(self.id)

    def get_absolute_url(self) -> str:
        return f"/imports/jobs/{self.id}/"

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def percent(self) -> int:
        """For the progress bar: reading is most of the work, then the check, then writing."""
        if self.phase == "check":
            return 92
        if self.phase == "write":
            return 96
        if self.phase == "read" and self.total:
            return min(90, 90 * self.done // self.total)
        return 0

    @property
    def phase_label(self) -> str:
        if self.status == JobStatus.QUEUED:
            return "排队等待"
        return PHASES.get(self.phase, "准备中")

    @property
    def can_confirm(self) -> bool:
        return (self.status == JobStatus.VALIDATED and self.error_count == 0
                and not self.file_deleted)
