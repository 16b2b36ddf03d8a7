"""Inspections every three working days (三天一督导) and the rectification items they and the
escalations leave behind."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from jianhui.lib.scoping import ScopedQuerySet
from jianhui.web.attachments import attachments_storage


class Rating(models.TextChoices):
    GOOD = "good", "好"
    FAIR = "fair", "一般"
    POOR = "poor", "差"


class InspectionQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"

    def overdue(self, on: dt.date) -> InspectionQuerySet:
        """Scheduled before `on` and not yet recorded."""
        return self.filter(due_on__lt=on, done_on__isnull=True)


class Inspection(models.Model):
    """One scheduled inspection of an area (due_on), and its record once made (done_on)."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE,
                                 related_name="inspections", verbose_name="行动")
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="inspections", verbose_name="片区")
    task_force = models.ForeignKey("campaign.TaskForce", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="inspections",
                                   verbose_name="督导专班")
    due_on = models.DateField("计划督导日期")
    done_on = models.DateField("实际督导日期", null=True, blank=True)
    inspectors = models.CharField("督导人员", max_length=256, blank=True)
    findings = models.TextField("发现的问题", blank=True)
    rating = models.CharField("评价", max_length=8, choices=Rating.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="记录人")

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督导检查"
        ordering = ["due_on", "jurisdiction__path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "jurisdiction", "due_on"],
                                               name="inspection_once_per_day")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.due_on:%Y-%m-%d} 督导"

    def is_overdue(self, on: dt.date) -> bool:
        return self.done_on is None and self.due_on < on

    def clean(self) -> None:
        errors = {}
        if self.done_on is not None:
            if not self.inspectors.strip():
                errors["inspectors"] = "请填写督导人员。"
            if not self.rating:
                errors["rating"] = "请选择评价：好、一般或差。"
        if errors:
            raise ValidationError(errors)


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos",
                                   verbose_name="督导检查")
    file = models.FileField("照片或材料", storage=attachments_storage,
                            upload_to="inspections/%Y/%m/")
    caption = models.CharField("说明", max_length=128, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "督导照片"
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return self.caption or self.file.name


class RectificationQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"

    def open(self) -> RectificationQuerySet:
        return self.filter(verified_at__isnull=True)


class RectificationItem(models.Model):
    """A thing to put right, from an inspection or a 限期整改 step: an owner, a deadline, the
    evidence of completion, and the task force's verification that closes it."""

    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="rectification_items", verbose_name="片区")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="items", verbose_name="督导检查")
    escalation = models.ForeignKey("supervision.Escalation", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="items",
                                   verbose_name="督办事项")
    text = models.CharField("整改事项", max_length=500)
    owner = models.CharField("责任人", max_length=64)
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="责任人账号")
    due_on = models.DateField("整改时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    evidence = models.TextField("完成情况和佐证", blank=True)
    evidence_file = models.FileField("佐证材料", storage=attachments_storage, blank=True,
                                     upload_to="rectification/%Y/%m/")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="核验人")
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text

    def is_overdue(self, on: dt.date) -> bool:
        return self.done_on is None and self.due_on < on
