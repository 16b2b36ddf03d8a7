"""The weekly progress meeting (每周推进会): its minutes and action items."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from jianhui.lib.scoping import ScopedQuerySet


class Meeting(models.Model):
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE,
                                 related_name="meetings", verbose_name="行动")
    held_on = models.DateField("会议日期")
    title = models.CharField("会议名称", max_length=128, default="建会入会工作每周推进会")
    attendees = models.TextField("参会人员", blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    decisions = models.TextField("议定事项", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="记录人")

    class Meta:
        verbose_name = verbose_name_plural = "推进会"
        ordering = ["-held_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "held_on"],
                                               name="meeting_once_per_day")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class ActionItemQuerySet(ScopedQuerySet):
    scope_path = "meeting__campaign__jurisdiction__path"

    def open(self) -> ActionItemQuerySet:
        return self.filter(done_on__isnull=True)


class ActionItem(models.Model):
    """A decision's task: owner and due date, tracked until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items",
                                verbose_name="推进会")
    text = models.CharField("工作事项", max_length=500)
    owner = models.CharField("责任人", max_length=64)
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="责任人账号")
    due_on = models.DateField("完成时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.CharField("完成情况", max_length=500, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "推进会工作事项"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text

    def is_overdue(self, on: dt.date) -> bool:
        return self.done_on is None and self.due_on < on
