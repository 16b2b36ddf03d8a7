"""The enterprise registry and its employee surveys (DOMAIN.md §2-§4)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from jianhui.crypto.fields import EncryptedPhoneField
from jianhui.lib.codes import CodeError, normalise_credit_code
from jianhui.lib.locking import VersionedModel
from jianhui.lib.scoping import RestrictedQuerySet
from jianhui.unions.fields import CreditCodeField


class Scale(models.TextChoices):
    LARGE = "large", "大型"
    MEDIUM = "medium", "中型"
    SMALL = "small", "小型"
    MICRO = "micro", "微型"


def scale_for_employees(employees: int | None) -> str:
    """National classification for statistics (2017), industry, by employees only."""
    if employees is None:
        return ""
    if employees >= 1000:
        return Scale.LARGE
    if employees >= 300:
        return Scale.MEDIUM
    if employees >= 20:
        return Scale.SMALL
    return Scale.MICRO


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", "在营"
    SUSPENDED = "suspended", "停业/歇业"
    DEREGISTERED = "deregistered", "注销"
    REVOKED = "revoked", "吊销"


class EnterpriseQuerySet(RestrictedQuerySet):
    scope_path = "jurisdiction__path"
    scope_enterprise = "pk"

    def in_scope(self, on: dt.date) -> EnterpriseQuerySet:
        """Founded on or before `on` (unknown counts) and not deregistered on or before it."""
        return self.filter(
            Q(founded_on__isnull=True) | Q(founded_on__lte=on),
            Q(deregistered_on__isnull=True) | Q(deregistered_on__gt=on),
        )

    def of_scale(self, scale: str) -> EnterpriseQuerySet:
        """The derived scale: the override if set, else the employee bands of scale_for_employees."""
        bands = {Scale.LARGE: (1000, None), Scale.MEDIUM: (300, 1000),
                 Scale.SMALL: (20, 300), Scale.MICRO: (0, 20)}
        low, high = bands[Scale(scale)]
        by_employees = Q(scale_override="", employees__gte=low)
        if high is not None:
            by_employees &= Q(employees__lt=high)
        return self.filter(Q(scale_override=scale) | by_employees)

    def with_employees(self, on: dt.date) -> EnterpriseQuerySet:
        """Annotate `employees_on`: the latest survey on or before `on`, else the register."""
        latest = (
            EmployeeSurvey.objects.filter(enterprise=OuterRef("pk"), surveyed_on__lte=on)
            .order_by("-surveyed_on", "-pk")
            .values("employees")[:1]
        )
        return self.annotate(employees_on=Coalesce(Subquery(latest), "employees"))


class Enterprise(VersionedModel):
    credit_code = CreditCodeField("统一社会信用代码", unique=True)
    name = models.CharField("企业名称", max_length=128, db_index=True)
    jurisdiction = models.ForeignKey(
        "regions.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT,
        related_name="enterprises",
    )
    industry = models.CharField("行业", max_length=64, blank=True)
    scale_override = models.CharField(
        "企业规模(人工认定)", max_length=8, choices=Scale.choices, blank=True,
        help_text="留空则按职工人数自动划分。",
    )
    employees = models.PositiveIntegerField("职工人数", default=0)
    female_employees = models.PositiveIntegerField("女职工人数", null=True, blank=True)
    migrant_workers = models.PositiveIntegerField("农民工人数", null=True, blank=True)
    status = models.CharField(
        "经营状态", max_length=16, choices=OperatingStatus.choices,
        default=OperatingStatus.OPERATING,
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    deregistered_on = models.DateField("注销日期", null=True, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=64, blank=True)
    contact = models.CharField("联系人", max_length=64, blank=True)
    phone = EncryptedPhoneField("联系电话", max_length=32, blank=True)  # a person's phone
    address = models.CharField("地址", max_length=256, blank=True)
    name_initials = models.CharField(max_length=128, blank=True, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["jurisdiction__path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scale(self) -> str:
        return self.scale_override or scale_for_employees(self.employees)

    def get_scale_display(self) -> str:
        return Scale(self.scale).label if self.scale else ""

    def get_absolute_url(self) -> str:
        return f"/enterprises/{self.credit_code}/"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.credit_code = normalise_credit_code(self.credit_code)
        except CodeError as exc:
            errors["credit_code"] = str(exc)
        if self.founded_on and self.deregistered_on and self.deregistered_on <= self.founded_on:
            errors["deregistered_on"] = "注销日期必须晚于成立日期。"
        if self.status == OperatingStatus.DEREGISTERED and not self.deregistered_on:
            errors["deregistered_on"] = "经营状态为“注销”时请填写注销日期。"
        if self.deregistered_on and self.status != OperatingStatus.DEREGISTERED:
            errors["status"] = "已填写注销日期的企业，经营状态应为“注销”。"
        for field in ("female_employees", "migrant_workers"):
            value = getattr(self, field)
            if value is not None and value > self.employees:
                label = self._meta.get_field(field).verbose_name
                errors[field] = f"{label}({value})不能多于职工人数({self.employees})。"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        from jianhui.lib.text import initials

        self.name_initials = initials(self.name)
        super().save(*args, **kwargs)


class SurveyQuerySet(RestrictedQuerySet):
    scope_path = "enterprise__jurisdiction__path"
    scope_enterprise = "enterprise"


class EmployeeSurvey(models.Model):
    """A dated employee count (摸底): the statistics use the latest one on or before a date."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="surveys"
    )
    surveyed_on = models.DateField("摸底日期")
    employees = models.PositiveIntegerField("职工人数")
    female_employees = models.PositiveIntegerField("女职工人数", null=True, blank=True)
    migrant_workers = models.PositiveIntegerField("农民工人数", null=True, blank=True)
    source = models.CharField("来源", max_length=64, blank=True)
    note = models.CharField("备注", max_length=256, blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "职工人数摸底"
        ordering = ["enterprise", "-surveyed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "surveyed_on"], name="survey_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.surveyed_on:%Y-%m-%d}: {self.employees}人"
