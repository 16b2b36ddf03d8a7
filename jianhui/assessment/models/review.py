"""After the run: objections filed by the units during publication and the county's replies;
after locking, the resource tilt for the best grassroots unions and accountability for the
units graded 不合格."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from jianhui.lib.scoping import ScopedQuerySet

from .results import Unit
from .scheme import Indicator


class Outcome(models.TextChoices):
    OPEN = "", "待答复"
    UPHELD = "upheld", "异议成立，已更正"
    REJECTED = "rejected", "异议不成立，维持原分"


class UnitScopedQuerySet(ScopedQuerySet):
    scope_path = "unit__path"

    def organisations_q(self, organisations):
        return Q(unit__organisation__in=organisations)


class Objection(models.Model):
    """A unit's objection to its points on one indicator, and the county's reply."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="objections",
                             verbose_name="被考核单位")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE,
                                  related_name="objections", verbose_name="指标")
    reason = models.TextField("异议理由")
    points_before = models.DecimalField("异议时得分", max_digits=16, decimal_places=8)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="提出人")
    filed_by_name = models.CharField("提出人姓名", max_length=64, blank=True)
    filed_at = models.DateTimeField("提出时间", auto_now_add=True)
    outcome = models.CharField("处理结果", max_length=16, choices=Outcome.choices, blank=True,
                               default=Outcome.OPEN)
    reply = models.TextField("县总工会答复", blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="答复人")
    replied_by_name = models.CharField("答复人姓名", max_length=64, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "考核异议"
        ordering = ["unit", "filed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.unit}：{self.indicator}"

    @property
    def is_open(self) -> bool:
        return not self.outcome

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.reason.strip():
            errors["reason"] = "请写明异议理由：哪一项数据或评分有误，应当是多少，依据是什么。"
        if self.outcome and not self.reply.strip():
            errors["reply"] = "请填写答复内容。"
        if errors:
            raise ValidationError(errors)


class TiltPlan(models.Model):
    """Resource tilt (资源倾斜) for a unit ranked in the top N: extra staff positions and funds."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="tilt",
                                verbose_name="被考核单位")
    staff_positions = models.PositiveIntegerField("增加工作人员（名）", default=0)
    funds = models.DecimalField("补助经费（元）", max_digits=12, decimal_places=2, default=0)
    note = models.TextField("用途说明", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="录入人")
    recorded_at = models.DateTimeField(auto_now=True)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "资源倾斜计划"
        ordering = ["unit__kind", "unit__rank"]

    def __str__(self) -> str:
        return f"{self.unit}：{self.staff_positions} 名，{self.funds} 元"

    def clean(self) -> None:
        if self.funds is not None and self.funds < 0:
            raise ValidationError({"funds": "补助经费不能为负数。"})
        if not self.staff_positions and not self.funds:
            raise ValidationError("倾斜计划须至少包括增加工作人员或补助经费中的一项。")


class Measure(models.TextChoices):
    CRITICISM = "criticism", "通报批评"
    TALK = "talk", "约谈"
    RECTIFY = "rectify", "限期整改"
    NO_HONOURS = "no_honours", "取消当年评先评优资格"


class Accountability(models.Model):
    """Accountability (问责) for a unit graded 不合格: the measure taken and, where the unit was
    escalated during the campaign, the escalations it refers to (Supervision)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="accountability",
                             verbose_name="被考核单位")
    measure = models.CharField("问责措施", max_length=16, choices=Measure.choices)
    decided_on = models.DateField("决定日期")
    note = models.TextField("问责事由")
    escalations = models.JSONField("关联督办升级", default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="录入人")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = UnitScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "考核问责"
        ordering = ["unit", "decided_on", "pk"]

    def __str__(self) -> str:
        return f"{self.unit}：{self.get_measure_display()}"

    def clean(self) -> None:
        if not self.note.strip():
            raise ValidationError({"note": "请写明问责事由。"})
