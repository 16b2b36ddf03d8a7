"""Who a user is in the campaign: a role held in a jurisdiction.

A user may hold one role per jurisdiction. What they may see is the union of the subtrees of
the jurisdictions they hold a role in (see `scope.py`); county-level roles see the whole county.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县总工会管理员"
    COUNTY_LEADER = "county_leader", "县总工会领导"
    TASK_FORCE = "task_force", "工作专班成员"
    AREA_OFFICER = "area_officer", "园区/乡镇工会干部"
    UNION_CHAIR = "union_chair", "企业工会主席"
    AUDITOR = "auditor", "审计员"


class Assignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
        related_name="assignments",
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        "regions.Jurisdiction", verbose_name="辖区", on_delete=models.PROTECT,
        related_name="assignments",
    )
    organisation = models.ForeignKey(
        "unions.UnionOrganisation", verbose_name="工会组织（企业工会主席）", null=True,
        blank=True, on_delete=models.PROTECT, related_name="assignments",
    )

    class Meta:
        verbose_name = verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(fields=["user", "jurisdiction"], name="one_role_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.jurisdiction}"

    def clean(self) -> None:
        """A chair holds exactly one organisation, inside the assignment's jurisdiction."""
        if self.role == Role.UNION_CHAIR:
            if self.organisation_id is None:
                raise ValidationError({"organisation": "企业工会主席须指定所在的工会组织（组织编号）。"})
            if self.jurisdiction_id and not self.organisation.jurisdiction.path.startswith(
                    self.jurisdiction.path):
                raise ValidationError({"organisation": (
                    f"工会组织“{self.organisation.name}”不在{self.jurisdiction.name}范围内，"
                    "请选择该辖区内的工会组织，或改选该组织所在的辖区。"
                )})
        elif self.organisation_id is not None:
            raise ValidationError({"organisation": (
                f"只有企业工会主席需要指定工会组织；{self.get_role_display()}按辖区授权，请不要填写组织。"
            )})


class Profile(models.Model):
    """What Django's user does not hold: the forced password change after an administrator
    set the password. Users without a row (the demo's, the superusers') have no such duty."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
        primary_key=True, related_name="profile",
    )
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("上次修改密码", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "账号信息"

    def __str__(self) -> str:
        return str(self.user)
