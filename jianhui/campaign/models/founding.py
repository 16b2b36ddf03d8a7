"""New unions made real (建组织、建阵地、建制度): the checklist of a newly founded organisation.

A union founded on paper only stays visible as unfinished until every step has a date.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from jianhui.lib.scoping import ScopedQuerySet
from jianhui.web.attachments import attachments_storage


class Step(models.TextChoices):
    COMMITTEE = "committee", "选举产生工会主席和委员会"
    ASSEMBLY = "assembly", "召开会员（代表）大会"
    RULES = "rules", "建立制度并上墙"
    PREMISES = "premises", "职工之家投入使用"
    FUNDS = "funds", "开设工会经费账户"
    CREDIT_CODE = "credit_code", "取得工会法人统一社会信用代码"


class FoundingStepQuerySet(ScopedQuerySet):
    scope_path = "organisation__jurisdiction__path"

    def organisations_q(self, organisations):
        return models.Q(organisation__in=organisations)


class FoundingStep(models.Model):
    organisation = models.ForeignKey("unions.UnionOrganisation", on_delete=models.CASCADE,
                                     related_name="founding_steps", verbose_name="工会组织")
    step = models.CharField("事项", max_length=16, choices=Step.choices)
    done_on = models.DateField("完成日期")
    evidence = models.FileField("佐证材料", upload_to="founding/%Y/%m", blank=True,
                                storage=attachments_storage)
    note = models.CharField("说明", max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name="录入人")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = FoundingStepQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "规范化建设事项"
        ordering = ["organisation", "step"]
        constraints = [models.UniqueConstraint(fields=["organisation", "step"],
                                               name="founding_step_once")]

    def __str__(self) -> str:
        return f"{self.organisation}：{self.get_step_display()}"

    def clean(self) -> None:
        org = self.organisation
        if self.done_on and org.founded_on and self.done_on < org.founded_on:
            raise ValidationError({"done_on": (
                f"完成日期 {self.done_on:%Y-%m-%d} 早于{org.name}的成立日期 "
                f"{org.founded_on:%Y-%m-%d}，请核对。")})
        if self.step == Step.CREDIT_CODE and not org.credit_code:
            raise ValidationError({"step": (
                f"{org.name}尚未登记工会统一社会信用代码：请先在工会组织页面填写代码（以 81 开头）。")})
