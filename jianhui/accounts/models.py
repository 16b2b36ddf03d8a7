"""Who a user is in the campaign: a role held in a jurisdiction.

A user may hold one role per jurisdiction. What they may see is the union of the subtrees of
the jurisdictions they hold a role in (see `scope.py`); county-level roles see the whole county.
"""

from __future__ import annotations

from django.conf import settings
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
