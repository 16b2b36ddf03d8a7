"""The organising pipeline: every in-scope enterprise that is not unionized is a case with a
stage, recorded change by change (who, when, why) so that the funnel can be drawn as of any
date; the surveys (摸底) and the outreach log of field work.

已建会 is never set by hand: an enterprise is at that stage on every day the data model says
it is unionized (campaign/stages.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from jianhui.lib.scoping import ScopedQuerySet


class Stage(models.TextChoices):
    UNSURVEYED = "unsurveyed", "未摸底"
    SURVEYED = "surveyed", "已摸底"
    CONTACTED = "contacted", "已宣传对接"
    AGREED = "agreed", "同意建会"
    PREPARING = "preparing", "筹备中"
    FOUNDED = "founded", "已建会"


# The stages a person may set (已建会 follows from the data model).
MANUAL_STAGES = [s for s in Stage if s != Stage.FOUNDED]
STAGE_ORDER = {s: i for i, s in enumerate(Stage)}


class Flag(models.TextChoices):
    NONE = "", "无"
    REFUSED = "refused", "拒绝"
    DEFERRED = "deferred", "暂缓"


class Concern(models.TextChoices):
    """What owners object to (from the field), besides free text."""

    COST = "cost", "担心增加成本"
    TOO_FEW = "too_few", "职工人数不足"
    OWNER_AWAY = "owner_away", "老板不在本地"
    HAS_CONGRESS = "has_congress", "已有职代会"
    OTHER = "other", "其他"


class CaseQuerySet(ScopedQuerySet):
    scope_path = "enterprise__jurisdiction__path"


class Case(models.Model):
    """One enterprise's organising case in one campaign: its current stage and flag, and the
    concerns heard. The history is in StageChange."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE,
                                 related_name="cases", verbose_name="行动")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE,
                                   related_name="campaign_cases", verbose_name="企业")
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices,
                             default=Stage.UNSURVEYED)
    flag = models.CharField("标记", max_length=16, choices=Flag.choices, blank=True, default="")
    flag_reason = models.CharField("标记原因", max_length=500, blank=True)
    concerns = models.JSONField("顾虑", default=list, blank=True)
    concern_note = models.CharField("顾虑说明", max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "建会工作台账"
        ordering = ["campaign", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["campaign", "enterprise"],
                                               name="case_once_per_campaign")]

    def __str__(self) -> str:
        return f"{self.enterprise}：{self.get_stage_display()}"

    def concern_labels(self) -> list[str]:
        labels = dict(Concern.choices)
        return [labels.get(c, c) for c in self.concerns]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        unknown = [c for c in self.concerns if c not in Concern.values]
        if unknown:
            errors["concerns"] = f"无法识别的顾虑：{'、'.join(unknown)}。"
        if self.flag and not self.flag_reason.strip():
            errors["flag_reason"] = f"标记为“{self.get_flag_display()}”时请填写原因。"
        if errors:
            raise ValidationError(errors)


class StageChange(models.Model):
    """One step of a case: the stage (and flag) it moved to on a date, who moved it and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="changes",
                             verbose_name="台账")
    on = models.DateField("日期")
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices)
    flag = models.CharField("标记", max_length=16, choices=Flag.choices, blank=True, default="")
    note = models.CharField("说明", max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name="操作人")
    by_name = models.CharField("操作人姓名", max_length=64, blank=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "阶段变化"
        ordering = ["case", "on", "recorded_at", "pk"]
        indexes = [models.Index(fields=["case", "on"])]

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.get_stage_display()}"


class Willingness(models.TextChoices):
    WILLING = "willing", "愿意"
    UNDECIDED = "undecided", "观望"
    REFUSING = "refusing", "拒绝"


class Route(models.TextChoices):
    """How the enterprise should be organised (DOMAIN.md §1)."""

    OWN = "own", "单独建会"
    JOINT = "joint", "联合建会"


class SurveyVisitQuerySet(ScopedQuerySet):
    scope_path = "survey__enterprise__jurisdiction__path"


class SurveyVisit(models.Model):
    """What a 摸底 visit learned beyond the employee figures, which stay on the survey itself
    (enterprises.EmployeeSurvey: one record per visit, one employee figure for the statistics)."""

    survey = models.OneToOneField("enterprises.EmployeeSurvey", on_delete=models.CASCADE,
                                  related_name="visit", verbose_name="摸底记录")
    campaign = models.ForeignKey("campaign.Campaign", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="surveys",
                                 verbose_name="行动")
    surveyor = models.CharField("摸底人", max_length=64)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name="录入人")
    has_party_org = models.BooleanField("有党组织", null=True, blank=True)
    willingness = models.CharField("建会意愿", max_length=16, choices=Willingness.choices)
    route = models.CharField("建议建会方式", max_length=8, choices=Route.choices, blank=True)
    federation = models.ForeignKey(
        "unions.UnionOrganisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="suggested_in_surveys", verbose_name="拟加入的联合工会",
        help_text="联合建会时拟加入的联合基层工会或工会联合会。")
    note = models.TextField("备注", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = SurveyVisitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "摸底走访"
        ordering = ["-survey__surveyed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.survey}（{self.get_willingness_display()}）"

    def clean(self) -> None:
        if self.federation_id and self.route != Route.JOINT:
            raise ValidationError({"federation": "只有建议“联合建会”时才填写拟加入的联合工会。"})
        if self.federation_id and not self.federation.is_joint:
            raise ValidationError({"federation": (
                f"{self.federation.name}是基层工会委员会，不能接纳其他企业：请选择联合基层工会或工会联合会。")})


class OutreachKind(models.TextChoices):
    VISIT = "visit", "上门走访"
    PHONE = "phone", "电话联系"
    MEETING = "meeting", "座谈会议"


class OutreachQuerySet(ScopedQuerySet):
    scope_path = "enterprise__jurisdiction__path"


class Outreach(models.Model):
    """One contact with an enterprise (走访、电话、座谈) and the next step it led to."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE,
                                 related_name="outreach", verbose_name="行动")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE,
                                   related_name="outreach", verbose_name="企业")
    kind = models.CharField("方式", max_length=16, choices=OutreachKind.choices)
    on = models.DateField("日期")
    by_name = models.CharField("联系人（本方）", max_length=64)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="outreach",
                           verbose_name="录入人")
    contact_person = models.CharField("企业对接人", max_length=64, blank=True)
    outcome = models.TextField("情况和结果")
    next_step = models.CharField("下一步", max_length=256, blank=True)
    next_due = models.DateField("下一步期限", null=True, blank=True)
    next_done_on = models.DateField("下一步完成日期", null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访联系记录"
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["next_due"])]

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.get_kind_display()} {self.enterprise}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.next_due and not self.next_step.strip():
            errors["next_step"] = "填写了下一步期限，请写明下一步做什么。"
        if self.next_due and self.on and self.next_due < self.on:
            errors["next_due"] = "下一步期限不能早于本次联系的日期。"
        if errors:
            raise ValidationError(errors)
