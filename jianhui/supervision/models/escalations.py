"""The escalation ladder (督办): rules propose, a leader confirms.

An Escalation is one unit's case under one trigger; its steps go 书面通报批评 → 主席约谈 →
限期整改 → 办结. Each step keeps who proposed it (a rule or a person), who confirmed it and
when, and the numbers that triggered it; a proposed step does nothing until confirmed, and
any open step can be withdrawn with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jianhui.campaign.models import TargetKind
from jianhui.lib.scoping import ScopedQuerySet


class Trigger(models.TextChoices):
    SLOW = "slow", "行动慢"
    STALLED = "stalled", "进展不大"
    MISSED = "missed", "没有完成计划目标"


class StepKind(models.TextChoices):
    CRITICISM = "criticism", "书面通报批评"
    TALK = "talk", "主席约谈"
    RECTIFY = "rectify", "限期整改"
    CLOSE = "close", "整改办结"


LADDER = [StepKind.CRITICISM, StepKind.TALK, StepKind.RECTIFY, StepKind.CLOSE]


TARGET_KIND_LABELS = dict(TargetKind.choices)


class StepStatus(models.TextChoices):
    PROPOSED = "proposed", "待确认"
    CONFIRMED = "confirmed", "已确认"
    WITHDRAWN = "withdrawn", "已撤回"


class EscalationQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"

    def open(self) -> EscalationQuerySet:
        return self.filter(closed_at__isnull=True, withdrawn_at__isnull=True)


class Escalation(models.Model):
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE,
                                 related_name="escalations", verbose_name="行动")
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="escalations", verbose_name="被督办单位")
    trigger = models.CharField("督办原因", max_length=16, choices=Trigger.choices)
    opened_on = models.DateField("提出日期")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督办事项"
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.jurisdiction}（{self.get_trigger_display()}）"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.withdrawn_at is None

    def current(self) -> EscalationStep | None:
        """The latest step not withdrawn."""
        return self.steps.exclude(status=StepStatus.WITHDRAWN).order_by("-pk").first()


# How the numbers that triggered a step are labelled on its page.
FACT_LABELS = {
    "completion": "完成进度", "time_progress": "时序进度", "achieved": "已完成",
    "achieved_before": "此前完成", "target": "目标", "target_kind": "目标类型",
    "since": "比较起点", "lagging_bulletins": "滞后的通报期次", "missing": "未报日期",
    "late": "迟报日期", "threshold": "次数阈值", "overdue_item": "逾期整改事项",
    "due_on": "整改时限", "after": "上一步", "working_days": "间隔工作日",
    "verified_items": "已核验整改事项",
}
PERCENT_FACTS = {"completion", "time_progress"}


class EscalationStep(models.Model):
    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="steps",
                                   verbose_name="督办事项")
    kind = models.CharField("步骤", max_length=16, choices=StepKind.choices)
    status = models.CharField("状态", max_length=16, choices=StepStatus.choices,
                              default=StepStatus.PROPOSED)
    on = models.DateField("依据日期")
    facts = models.JSONField("触发数据", default=dict,
                             help_text="提出时的数据：完成进度、时序进度、迟报次数等。")
    reason = models.TextField("事实和理由")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="提出人")
    proposed_by_name = models.CharField("提出人姓名", max_length=64, default="督办规则")
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="确认人")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="撤回人")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤回理由", max_length=500, blank=True)
    # 书面通报批评: the notice as issued.
    notice = models.BinaryField("通报批评文件（.docx）", null=True, blank=True)
    # 主席约谈: when, the record of the talk, what the unit committed to.
    talk_on = models.DateField("约谈日期", null=True, blank=True)
    talk_record = models.TextField("约谈记录", blank=True)
    commitments = models.TextField("整改承诺", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "督办步骤"
        ordering = ["escalation", "pk"]

    def __str__(self) -> str:
        return f"{self.escalation} · {self.get_kind_display()}（{self.get_status_display()}）"

    def fact_rows(self) -> list[tuple[str, str]]:
        """The triggering numbers as a cadre reads them (完成进度 81.8%)."""
        from fractions import Fraction

        from jianhui.lib.numbers import percent

        rows = []
        for key, value in (self.facts or {}).items():
            if key in PERCENT_FACTS:
                shown = percent(Fraction(value).limit_denominator(10**9))
            elif key == "target_kind":
                shown = TARGET_KIND_LABELS.get(value, value)
            elif key == "after":
                shown = StepKind(value).label if value in StepKind.values else value
            elif isinstance(value, list):
                shown = "、".join(str(v) for v in value) or "—"
            elif isinstance(value, float) and value == int(value):
                shown = f"{int(value):,}"
            else:
                shown = str(value)
            rows.append((FACT_LABELS.get(key, key), shown))
        return rows
