"""An assessment scheme (考核方案) of one year and campaign: its indicators, bonus and deduction
items, the tie-break rule and the grading rule. Configured by the county in the back office,
copied from last year (services.copy_scheme), never changed once locked."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from jianhui.lib.scoping import ScopedQuerySet, path_prefixes

KEY_PATTERN = re.compile(r"^[0-9a-z][0-9a-z-]{1,31}$")
RESERVED_KEYS = {"new"}
WEIGHT_TOTAL = Decimal(100)


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "公示中"
    LOCKED = "locked", "已锁定"


class UnitKind(models.TextChoices):
    AREA = "area", "园区/乡镇"
    ORGANISATION = "organisation", "基层工会"


class GradingMode(models.TextChoices):
    THRESHOLDS = "thresholds", "按分数线"
    QUOTAS = "quotas", "按比例"


class Visibility(models.TextChoices):
    """What a unit sees of the other units' results (its own breakdown it always sees)."""

    TOTALS = "totals", "只公布总分、名次和等级"
    SCORES = "scores", "公布各项得分"


class SchemeQuerySet(ScopedQuerySet):
    def within(self, scope):
        """A scheme is visible to whoever reaches any part of its campaign's jurisdiction (an
        area officer sees the county's scheme; what it shows of others is the page's rule)."""
        if scope.paths is None:
            return self
        q = Q(pk__in=[])
        for path in scope.paths:
            q |= Q(campaign__jurisdiction__path__in=path_prefixes(path)) | Q(
                campaign__jurisdiction__path__startswith=path)
        if scope.organisations:
            from jianhui.unions.models import UnionOrganisation

            for path in UnionOrganisation.objects.filter(pk__in=scope.organisations).values_list(
                    "jurisdiction__path", flat=True):
                q |= Q(campaign__jurisdiction__path__in=path_prefixes(path))
        return self.filter(q)


class Scheme(models.Model):
    key = models.CharField("方案编号", max_length=32, unique=True,
                           help_text="简短编号，用于网址和命令行，例如 2023；小写字母、数字和连字符。")
    name = models.CharField("方案名称", max_length=128)
    year = models.PositiveIntegerField("考核年度")
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT,
                                 related_name="assessment_schemes", verbose_name="建会入会行动")
    as_of = models.DateField("考核基准日", help_text="数据类指标按这一天的数据计算。")
    tie_break = models.CharField(
        "同分排序规则", max_length=256, blank=True,
        help_text="总分相同时依次比较的指标编号，用逗号分隔，例如 completion,establishment；仍相同的并列。")
    grading = models.CharField("等级评定方式", max_length=16, choices=GradingMode.choices,
                               default=GradingMode.THRESHOLDS)
    excellent_min = models.DecimalField("优秀分数线", max_digits=6, decimal_places=2, default=90)
    good_min = models.DecimalField("良好分数线", max_digits=6, decimal_places=2, default=80)
    pass_min = models.DecimalField("合格分数线", max_digits=6, decimal_places=2, default=60,
                                   help_text="低于此分为不合格（按比例评定时也适用）。")
    excellent_share = models.DecimalField(
        "优秀比例", max_digits=4, decimal_places=3, default=Decimal("0.2"),
        help_text="按比例评定时，名次在前的这一比例为优秀（0.2 即 20%，向下取整，同名次同等级）。")
    good_share = models.DecimalField("良好比例", max_digits=4, decimal_places=3,
                                     default=Decimal("0.3"))
    visibility = models.CharField("向被考核单位公布", max_length=16, choices=Visibility.choices,
                                  default=Visibility.TOTALS)
    tilt_top_n = models.PositiveIntegerField("倾斜支持名额", default=3,
                                             help_text="排名前 N 的基层工会获得人员、经费倾斜。")
    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="copies", verbose_name="复制自")
    ran_at = models.DateTimeField("最近计分时间", null=True, blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    objection_deadline = models.DateField("异议截止日期", null=True, blank=True)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="锁定人")
    note = models.TextField("考核说明", blank=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "考核方案"
        ordering = ["-year", "-as_of", "key"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/assessment/{self.key}/"

    @property
    def locked(self) -> bool:
        return self.status == Status.LOCKED

    def tie_break_codes(self) -> list[str]:
        return [c.strip() for c in self.tie_break.split(",") if c.strip()]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.key and not KEY_PATTERN.match(self.key):
            errors["key"] = "方案编号只能用小写字母、数字和连字符，2 至 32 个字符，例如 2023。"
        elif self.key in RESERVED_KEYS:  # page addresses under /assessment/
            errors["key"] = f"“{self.key}”是系统保留的地址，请换一个方案编号，例如 2024。"
        if not (self.pass_min <= self.good_min <= self.excellent_min):
            errors["good_min"] = "分数线须满足：合格 ≤ 良好 ≤ 优秀。"
        if self.excellent_share + self.good_share > 1 or min(self.excellent_share,
                                                             self.good_share) < 0:
            errors["good_share"] = "优秀和良好比例须在 0 至 1 之间，且合计不超过 1（即 100%）。"
        if errors:
            raise ValidationError(errors)

    def weight_problems(self, indicators=None) -> list[str]:
        """The weights rule: for each kind of unit, the weights of the scored indicators that
        apply to it add up to exactly 100. Chinese messages, empty when the rule holds."""
        indicators = list(self.indicators.all() if indicators is None else indicators)
        out = []
        for kind in UnitKind:
            total = sum((i.weight for i in indicators
                         if i.role == Role.SCORED and i.applies(kind)), Decimal(0))
            if total != WEIGHT_TOTAL:
                out.append(f"适用于{kind.label}的计分指标权重合计为 {total.normalize():f}，"
                           f"应为 100：请调整各指标的权重。")
        return out


class Role(models.TextChoices):
    SCORED = "scored", "计分指标"
    BONUS = "bonus", "加分项"
    DEDUCTION = "deduction", "扣分项"


class Method(models.TextChoices):
    FORMULA = "formula", "按数据计算"
    MANUAL = "manual", "评审打分"


class AppliesTo(models.TextChoices):
    BOTH = "both", "园区/乡镇和基层工会"
    AREA = "area", "仅园区/乡镇"
    ORGANISATION = "organisation", "仅基层工会"


class Indicator(models.Model):
    """One line of the scheme. A scored indicator earns up to its weight; a bonus or deduction
    item adds or removes points up to its cap."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators",
                               verbose_name="考核方案")
    code = models.CharField("指标编号", max_length=32,
                            help_text="方案内唯一，用于同分排序规则和命令行，例如 establishment。")
    name = models.CharField("指标名称", max_length=128)
    role = models.CharField("类别", max_length=16, choices=Role.choices, default=Role.SCORED)
    method = models.CharField("评分方式", max_length=16, choices=Method.choices,
                              default=Method.FORMULA)
    formula = models.CharField("计算公式", max_length=32, blank=True,
                               help_text="按数据计算时，从系统提供的公式中选择。")
    applies_to = models.CharField("适用对象", max_length=16, choices=AppliesTo.choices,
                                  default=AppliesTo.BOTH)
    weight = models.DecimalField("权重（分值）", max_digits=6, decimal_places=2, default=0,
                                 help_text="计分指标的满分；同一类对象的计分指标合计 100。")
    full_at = models.DecimalField(
        "满分线", max_digits=12, decimal_places=6, null=True, blank=True,
        help_text="计分指标：数据达到此值得满分，低于时按比例得分（比率填小数，如 98% 填 0.98）；"
                  "不填则为 1。")
    per_item = models.DecimalField("每项分值", max_digits=6, decimal_places=2, null=True,
                                   blank=True, help_text="按数据计算的加分、扣分项：每一项（次）的分值。")
    cap = models.DecimalField("上限", max_digits=6, decimal_places=2, default=0,
                              help_text="加分项最多加、扣分项最多扣的分数。")
    description = models.TextField("评分标准", blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "考核指标"
        ordering = ["scheme", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"],
                                               name="indicator_code_once")]

    def __str__(self) -> str:
        return self.name

    def applies(self, kind: str) -> bool:
        return self.applies_to in (AppliesTo.BOTH, kind)

    @property
    def formula_words(self) -> str:
        from jianhui.assessment.formulas import REGISTRY

        formula = REGISTRY.get(self.formula)
        return formula.words if formula else ""

    @property
    def max_points(self) -> Decimal:
        """The most this line can move a total: the weight of a scored indicator, the cap of a
        bonus or deduction item."""
        return self.weight if self.role == Role.SCORED else self.cap

    def clean(self) -> None:
        from jianhui.assessment.formulas import REGISTRY

        errors: dict[str, str] = {}
        if self.method == Method.FORMULA:
            formula = REGISTRY.get(self.formula)
            if formula is None:
                errors["formula"] = ("请从系统提供的公式中选择："
                                     + "、".join(f"{f.key}（{f.label}）" for f in REGISTRY.values())
                                     + "。")
            elif self.applies_to != AppliesTo.BOTH and self.applies_to not in formula.kinds:
                errors["applies_to"] = f"公式“{formula.label}”不适用于{self.get_applies_to_display()}。"
            elif self.applies_to == AppliesTo.BOTH and len(formula.kinds) < 2:
                errors["applies_to"] = (f"公式“{formula.label}”只适用于"
                                        f"{UnitKind(next(iter(formula.kinds))).label}，请改选适用对象。")
            if self.role != Role.SCORED and not self.per_item:
                errors["per_item"] = "按数据计算的加分、扣分项须填写每项分值。"
        elif self.formula:
            errors["formula"] = "评审打分的指标不选公式。"
        if self.role == Role.SCORED:
            if self.weight <= 0:
                errors["weight"] = "计分指标的权重须大于 0。"
            if self.full_at is not None and self.full_at <= 0:
                errors["full_at"] = "满分线须大于 0。"
        else:
            if self.weight:
                errors["weight"] = "加分、扣分项不计权重，请填写上限。"
            if self.cap <= 0:
                errors["cap"] = "加分、扣分项须填写大于 0 的上限。"
        if errors:
            raise ValidationError(errors)

    def points_for(self, value: Fraction) -> Fraction:
        """The points a formula's value earns (see words_for)."""
        if self.role == Role.SCORED:
            full = Fraction(self.full_at) if self.full_at else Fraction(1)
            return Fraction(self.weight) * min(max(value, Fraction(0)) / full, Fraction(1))
        amount = min(Fraction(self.per_item or 0) * max(value, Fraction(0)), Fraction(self.cap))
        return amount if self.role == Role.BONUS else -amount

    def rule_in_words(self) -> str:
        """How the value becomes points, in words a cadre reads."""
        if self.method == Method.MANUAL:
            if self.role == Role.SCORED:
                return f"评审打分，0 至 {_n(self.weight)} 分"
            sign = "加" if self.role == Role.BONUS else "扣"
            return f"评审认定，最多{sign} {_n(self.cap)} 分"
        if self.role == Role.SCORED:
            full = self.full_at or Decimal(1)
            return (f"得分 = 权重 {_n(self.weight)} × min(数值 ÷ 满分线 {_n(full)}, 1)")
        sign = "加" if self.role == Role.BONUS else "扣"
        return f"每项{sign} {_n(self.per_item or 0)} 分，最多{sign} {_n(self.cap)} 分"


def _n(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"
