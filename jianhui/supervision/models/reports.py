"""Daily reports (日报) of the areas, and the thresholds supervision runs by."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from jianhui.lib.scoping import ScopedQuerySet


class SupervisionRules(models.Model):
    """A campaign's supervision thresholds; a campaign without a row uses the defaults."""

    campaign = models.OneToOneField("campaign.Campaign", on_delete=models.CASCADE,
                                    related_name="supervision_rules", verbose_name="行动")
    report_cutoff_hour = models.PositiveSmallIntegerField(
        "日报截止时间（时）", default=18,
        help_text="当天几点前提交算按时报送，例如 18 表示 18:00 前。")
    inspection_every = models.PositiveSmallIntegerField(
        "督导间隔（工作日）", default=3, help_text="三天一督导：从集中行动开始，每隔几个工作日督导一次。")
    slow_reports = models.PositiveSmallIntegerField(
        "行动慢：日报迟报或未报次数", default=3,
        help_text="集中行动以来日报迟报、未报累计达到几次即提出书面通报批评。")
    stalled_days = models.PositiveSmallIntegerField(
        "进展不大：连续无增长的工作日数", default=3)
    lagging_bulletins = models.PositiveSmallIntegerField(
        "进展不大：连续滞后的通报期数", default=3)
    escalate_after_days = models.PositiveSmallIntegerField(
        "仍滞后几个工作日后升级", default=3,
        help_text="通报批评（或约谈）确认后，再过几个工作日仍滞后即提出下一步。")

    class Meta:
        verbose_name = verbose_name_plural = "督导规则"

    def __str__(self) -> str:
        return f"{self.campaign} 督导规则"

    @classmethod
    def of(cls, campaign) -> SupervisionRules:
        """The campaign's rules: its row, else the defaults (unsaved)."""
        try:
            return campaign.supervision_rules
        except cls.DoesNotExist:
            return cls(campaign=campaign)


class DailyReportQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"


class DailyReport(models.Model):
    """What an area reports for one working day; the numbers the data already knows are shown
    beside these (services.prefilled)."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE,
                                 related_name="daily_reports", verbose_name="行动")
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="daily_reports", verbose_name="片区")
    on = models.DateField("报告日期")
    new_unions = models.PositiveIntegerField("新建会企业（家）", default=0)
    new_members = models.PositiveIntegerField("新发展会员（名）", default=0)
    visits = models.PositiveIntegerField("走访企业（家）", default=0)
    problems = models.TextField("存在问题", blank=True)
    plan = models.TextField("次日计划", blank=True)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="填报人")

    objects = DailyReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "日报"
        ordering = ["-on", "jurisdiction__path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "jurisdiction", "on"],
                                               name="daily_report_once")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.on:%Y-%m-%d} 日报"

    def on_time(self, cutoff_hour: int) -> bool:
        """Submitted before the cut-off hour of its own day (local time)?"""
        deadline = timezone.make_aware(dt.datetime.combine(self.on, dt.time(cutoff_hour)))
        return self.submitted_at <= deadline
