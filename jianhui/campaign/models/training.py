"""Trainings and outreach sessions (专题培训): who came, from which enterprise and area."""

from __future__ import annotations

from django.db import models

from jianhui.lib.scoping import ScopedQuerySet


class TrainingKind(models.TextChoices):
    TRAINING = "training", "业务培训"
    BRIEFING = "briefing", "政策宣讲"


class TrainingQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"


class Training(models.Model):
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE,
                                 related_name="trainings", verbose_name="行动")
    kind = models.CharField("类型", max_length=16, choices=TrainingKind.choices,
                            default=TrainingKind.TRAINING)
    on = models.DateField("日期")
    place = models.CharField("地点", max_length=128)
    topic = models.CharField("主题", max_length=256)
    organiser = models.CharField("组织单位", max_length=128)
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="trainings", verbose_name="举办辖区")

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "培训宣讲"
        ordering = ["-on", "pk"]

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.topic}"


class Attendance(models.Model):
    """One attendee: a person, from an enterprise or a union office of an area."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendees",
                                 verbose_name="培训")
    name = models.CharField("姓名", max_length=64)
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name="所在企业")
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="+", verbose_name="所在辖区")

    class Meta:
        verbose_name = verbose_name_plural = "参训人员"
        ordering = ["training", "pk"]

    def __str__(self) -> str:
        return self.name
