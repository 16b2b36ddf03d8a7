"""The enterprise registry and its employee surveys (DOMAIN.md §2-§4)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from jianhui.crypto.fields import EncryptedPhoneField
from jianhui.lib.codefields import CreditCodeField
from jianhui.lib.codes import CodeError, normalise_credit_code
from jianhui.lib.scoping import ScopedQuerySet
from jianhui.lib.text import initials
from jianhui.lib.versioning import VersionedModel

from . import rules
from .choices import OperatingStatus, Scale

__all__ = ["EmployeeSurvey", "Enterprise", "OperatingStatus", "Scale", "scale_for_employees"]

scale_for_employees = rules.scale_for_employees


class EnterpriseScopedQuerySet(ScopedQuerySet):
    """Rows of an enterprise (the enterprise itself, its surveys, its members): a union chair
    reaches those of the enterprises their organisations cover or have covered. Who a chair
    reaches is a rule of the unions (unions/rules.py); the enterprise side only follows the
    coverage relation to it."""

    scope_enterprise = "enterprise"

    def organisations_q(self, organisations):
        enterprise = self.model if self.scope_enterprise == "pk" else (
            self.model._meta.get_field(self.scope_enterprise).related_model)
        coverage = enterprise._meta.get_field("coverages").related_model
        return models.Q(**{f"{self.scope_enterprise}__in":
                           coverage.objects.reached_by(organisations)})


class EnterpriseQuerySet(EnterpriseScopedQuerySet):
    scope_path = "jurisdiction__path"
    scope_enterprise = "pk"

    def in_scope(self, on: dt.date) -> EnterpriseQuerySet:
        """In scope on `on` (DOMAIN.md §2; enterprises/rules.py)."""
        return self.filter(rules.in_scope_q(on))

    def with_employees(self, on: dt.date) -> EnterpriseQuerySet:
        """Annotate `employees_on`: the latest survey on or before `on`, else the register."""
        return rules.with_employees_on(self, on)

    def of_scale(self, scale: str, on: dt.date | None = None) -> EnterpriseQuerySet:
        """Of size `scale` on `on` (today by default): the override, else by the employee
        figure on `on` (DOMAIN.md §4)."""
        qs = self if "employees_on" in self.query.annotations else self.with_employees(
            on or timezone.localdate())
        return qs.filter(rules.scale_q(Scale(scale)))


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
    revoked_on = models.DateField("吊销日期", null=True, blank=True,
                                  help_text="吊销营业执照之日；自该日起企业不再计入统计范围。")
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
        """The size by the registered employee count (see `scale_on` for a date)."""
        return self.scale_override or scale_for_employees(self.employees)

    def get_scale_display(self) -> str:
        return Scale(self.scale).label if self.scale else ""

    def scale_on(self, employees_on: int) -> str:
        """The size label on a date whose employee figure (enterprises/rules.employees_on) is
        `employees_on`."""
        scale = self.scale_override or scale_for_employees(employees_on)
        return Scale(scale).label if scale else ""

    @property
    def scale_label(self) -> str:
        """The size on the as-of date of a row read `with_employees`, else by the register."""
        return self.scale_on(getattr(self, "employees_on", self.employees))

    def in_scope(self, on: dt.date) -> bool:
        return rules.in_scope(self.founded_on, self.deregistered_on, self.revoked_on, on)

    def get_absolute_url(self) -> str:
        return f"/enterprises/{self.credit_code}/"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.credit_code = normalise_credit_code(self.credit_code)
        except CodeError as exc:
            errors["credit_code"] = str(exc)
        errors.update(rules.date_and_status_errors(
            self.founded_on, self.deregistered_on, self.revoked_on, self.status))
        for field in ("female_employees", "migrant_workers"):
            value = getattr(self, field)
            if value is not None and value > self.employees:
                label = self._meta.get_field(field).verbose_name
                errors[field] = f"{label}（{value}）不能多于职工人数（{self.employees}）。"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.name_initials = initials(self.name)
        super().save(*args, **kwargs)


class SurveyQuerySet(EnterpriseScopedQuerySet):
    scope_path = "enterprise__jurisdiction__path"


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
        return f"{self.enterprise} {self.surveyed_on:%Y-%m-%d}：{self.employees}人"
