"""The record of every import: who, when, which file (name and hash), and the counts."""

from __future__ import annotations

from django.db import models


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
