"""Who is assessed and what they scored: units (areas and grassroots unions of the campaign),
one Score per unit and line of the scheme with the inputs it was computed from (the snapshot a
locked assessment keeps), manual scores with their assessor, reason and evidence."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from jianhui.lib.scoping import ScopedQuerySet
from jianhui.web.attachments import attachments_storage

from ..numbers import plain
from .scheme import Indicator, Role, Scheme, UnitKind


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class UnitQuerySet(ScopedQuerySet):
    scope_path = "path"

    def organisations_q(self, organisations):
        return Q(organisation__in=organisations)


class Unit(models.Model):
    """An assessed unit of a scheme and its result. The name, code and path are copied when the
    units are drawn up, so that a locked assessment reads the same after a unit is renamed."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="units",
                               verbose_name="考核方案")
    kind = models.CharField("对象类别", max_length=16, choices=UnitKind.choices)
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="assessment_units", verbose_name="所在辖区")
    organisation = models.ForeignKey("unions.UnionOrganisation", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="assessment_units",
                                     verbose_name="工会组织")
    name = models.CharField("名称", max_length=128)
    code = models.CharField("编号", max_length=32,
                            help_text="园区/乡镇为辖区代码，基层工会为组织编号。")
    path = models.CharField(max_length=255, editable=False)
    area_code = models.CharField("所属片区", max_length=32, blank=True)
    total = models.DecimalField("总分", max_digits=16, decimal_places=8, null=True, blank=True)
    rank = models.PositiveIntegerField("名次", null=True, blank=True)
    grade = models.CharField("等级", max_length=16, choices=Grade.choices, blank=True)
    order = models.PositiveIntegerField(default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "被考核单位"
        ordering = ["scheme", "kind", "rank", "order"]
        constraints = [models.UniqueConstraint(fields=["scheme", "kind", "code"],
                                               name="unit_once_per_scheme")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/assessment/{self.scheme.key}/{self.kind}/{self.code}/"


class ScoreQuerySet(ScopedQuerySet):
    scope_path = "unit__path"

    def organisations_q(self, organisations):
        return Q(unit__organisation__in=organisations)


class Score(models.Model):
    """A unit's points on one line, with everything needed to explain and reproduce them."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="scores",
                             verbose_name="被考核单位")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name="指标")
    points = models.DecimalField("得分", max_digits=16, decimal_places=8)
    value = models.FloatField("数值", null=True, blank=True)
    value_shown = models.CharField("数值（显示）", max_length=128, blank=True)
    inputs = models.JSONField("输入数据", default=dict)
    links = models.JSONField("明细链接", default=list)
    words = models.TextField("计算过程", blank=True)
    assessor = models.CharField("评分人", max_length=64, blank=True)
    reason = models.TextField("评分理由", blank=True)
    missing = models.BooleanField("尚未评分", default=False)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "指标得分"
        ordering = ["unit", "indicator__order", "indicator__pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "indicator"],
                                               name="score_once")]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator}：{self.points}"


class ManualScore(models.Model):
    """A manual score (or a manual bonus/deduction) given by a named assessor, with a reason
    and evidence attachments. Entered before the run; the run copies it into the Score."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE,
                                  related_name="manual_scores", verbose_name="指标")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="manual_scores",
                             verbose_name="被考核单位")
    points = models.DecimalField("分数", max_digits=8, decimal_places=2)
    assessor = models.CharField("评分人", max_length=64)
    reason = models.TextField("评分理由")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+", verbose_name="录入人")
    recorded_at = models.DateTimeField("录入时间", auto_now=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "评审打分"
        ordering = ["indicator", "unit"]
        constraints = [models.UniqueConstraint(fields=["indicator", "unit"],
                                               name="manual_score_once")]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator}：{self.points}"

    @property
    def points_shown(self) -> str:
        return plain(self.points)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        ind = self.indicator
        if ind.method != "manual":
            errors["indicator"] = f"“{ind.name}”按数据计算，不能人工打分。"
        if self.unit_id and not ind.applies(self.unit.kind):
            errors["unit"] = f"“{ind.name}”不适用于{self.unit.get_kind_display()}。"
        if self.points is not None:
            low, high = (0, ind.weight) if ind.role == Role.SCORED else (0, ind.cap)
            if ind.role == Role.DEDUCTION:
                low, high = -ind.cap, 0
            if not low <= self.points <= high:
                errors["points"] = (f"“{ind.name}”的分数应在 {plain(low)} 至 {plain(high)} 之间，"
                                    f"收到 {plain(self.points)}。")
        if not (self.assessor or "").strip():
            errors["assessor"] = "请填写评分人姓名。"
        if not (self.reason or "").strip():
            errors["reason"] = "请填写评分理由：说明依据哪些材料、为何给这个分数。"
        if errors:
            raise ValidationError(errors)


class Evidence(models.Model):
    """An evidence file behind a manual score (kept outside any public URL)."""

    manual_score = models.ForeignKey(ManualScore, on_delete=models.CASCADE,
                                     related_name="evidence", verbose_name="评审打分")
    file = models.FileField("佐证材料", upload_to="assessment/%Y/%m",
                            storage=attachments_storage)
    name = models.CharField("文件名", max_length=255)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "评分佐证材料"
        ordering = ["manual_score", "pk"]

    def __str__(self) -> str:
        return self.name

