"""A campaign, its leading group, its targets per jurisdiction, its areas with the leaders and
officers responsible for them (包片), and its task forces (专班)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from jianhui.lib.scoping import ScopedQuerySet, path_prefixes, paths_q

KEY_PATTERN = re.compile(r"^[0-9a-z][0-9a-z-]{1,31}$")


class CampaignQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"

    def within(self, scope):
        """A campaign is visible to whoever reaches any part of its jurisdiction: an area
        officer sees the county's campaign (and, through the targets' own scoping, only their
        own area's rows)."""
        if scope.paths is None:
            return self
        q = Q(pk__in=[])
        for path in scope.paths:
            # The campaign's jurisdiction is the user's subtree or one of its ancestors.
            q |= Q(jurisdiction__path__in=path_prefixes(path)) | Q(
                jurisdiction__path__startswith=path)
        return self.filter(q)

    def active_on(self, on: dt.date) -> CampaignQuerySet:
        return self.filter(start_on__lte=on, deadline__gte=on)

    def for_date(self, on: dt.date) -> Campaign | None:
        """The campaign active on `on` (the latest started), else the latest begun before it."""
        return (self.active_on(on).order_by("-start_on", "-pk").first()
                or self.filter(start_on__lte=on).order_by("-start_on", "-pk").first())


class Campaign(models.Model):
    key = models.CharField(
        "行动编号", max_length=32, unique=True,
        help_text="简短编号，用于网址、命令行和导出，例如 2023-zj；小写字母、数字和连字符。")
    name = models.CharField("行动名称", max_length=128)
    jurisdiction = models.ForeignKey(
        "regions.Jurisdiction", verbose_name="行动范围", on_delete=models.PROTECT,
        related_name="campaigns")
    start_on = models.DateField("开始日期")
    deadline = models.DateField("完成时限")
    action_start = models.DateField(
        "集中行动开始", null=True, blank=True,
        help_text="集中行动（三天一督导、每天一通报）的开始日期；不填则无集中行动。")
    action_end = models.DateField("集中行动结束", null=True, blank=True)
    copied_from = models.ForeignKey(
        "self", verbose_name="复制自", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="copies")
    note = models.TextField("工作要求", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "建会入会行动"
        ordering = ["-start_on", "key"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/campaign/{self.key}/"

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start_on <= on <= self.deadline

    def in_action(self, on: dt.date) -> bool:
        """Is `on` inside the concentrated action (集中行动)?"""
        return bool(self.action_start and self.action_end
                    and self.action_start <= on <= self.action_end)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.key and not KEY_PATTERN.match(self.key):
            errors["key"] = "行动编号只能用小写字母、数字和连字符，2 至 32 个字符，例如 2023-zj。"
        if self.start_on and self.deadline and self.deadline < self.start_on:
            errors["deadline"] = "完成时限不能早于开始日期。"
        if bool(self.action_start) != bool(self.action_end):
            errors["action_end"] = "集中行动的开始和结束日期须同时填写，或同时留空。"
        elif self.action_start and self.action_end:
            if self.action_end < self.action_start:
                errors["action_end"] = "集中行动结束日期不能早于开始日期。"
            elif self.start_on and self.deadline and not (
                    self.start_on <= self.action_start and self.action_end <= self.deadline):
                errors["action_start"] = "集中行动须在行动的开始日期和完成时限之内。"
        if errors:
            raise ValidationError(errors)


class GroupRole(models.TextChoices):
    HEAD = "head", "组长"
    DEPUTY = "deputy", "副组长"
    MEMBER = "member", "成员"


class LeadingGroupMember(models.Model):
    """A member of the campaign's leading group (领导小组)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="leading_group",
                                 verbose_name="行动")
    name = models.CharField("姓名", max_length=64)
    title = models.CharField("职务", max_length=128, blank=True)
    role = models.CharField("小组职务", max_length=16, choices=GroupRole.choices,
                            default=GroupRole.MEMBER)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "领导小组成员"
        ordering = ["campaign", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class TargetKind(models.TextChoices):
    """What a target measures: one figure of DOMAIN.md §2 (the attribute of statistics'
    Figures of the same name)."""

    UNIONIZED = "unionized", "已建会企业数"
    ESTABLISHMENT_RATE = "establishment_rate", "建会率"
    MEMBERS = "members", "会员人数"
    MEMBERSHIP_RATE = "membership_rate", "入会率"


RATE_KINDS = frozenset({TargetKind.ESTABLISHMENT_RATE, TargetKind.MEMBERSHIP_RATE})


class TargetQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"


class Target(models.Model):
    """A target of a jurisdiction: a count or a rate (stored as a fraction, 0.95 for 95%), to
    reach between its start and its deadline."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets",
                                 verbose_name="行动")
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="campaign_targets", verbose_name="辖区")
    kind = models.CharField("目标类型", max_length=24, choices=TargetKind.choices)
    value = models.DecimalField("目标值", max_digits=14, decimal_places=6,
                                help_text="人数、家数填整数；比率填小数，如 95% 填 0.95。")
    start_on = models.DateField("起算日期")
    deadline = models.DateField("完成时限")

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "目标任务"
        ordering = ["campaign", "jurisdiction__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["campaign", "jurisdiction", "kind"],
                                               name="target_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.get_kind_display()} {self.shown_value}"

    @property
    def is_rate(self) -> bool:
        return self.kind in RATE_KINDS

    @property
    def shown_value(self) -> str:
        if self.is_rate:
            return f"{(self.value * 100).normalize():f}%"
        return f"{int(self.value):,}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.value is not None:
            if self.value < 0:
                errors["value"] = "目标值不能为负数。"
            elif self.kind in RATE_KINDS and self.value > 1:
                errors["value"] = (f"比率目标请填小数（如 95% 填 0.95），当前为 {self.value}；"
                                   "如果填的是百分数，请除以 100。")
            elif self.kind and self.kind not in RATE_KINDS and self.value != int(self.value):
                errors["value"] = "人数、家数目标须为整数。"
        if self.start_on and self.deadline and self.deadline < self.start_on:
            errors["deadline"] = "完成时限不能早于起算日期。"
        campaign = self.campaign if self.campaign_id else None
        if campaign is not None and self.jurisdiction_id and not self.jurisdiction.path.startswith(
                campaign.jurisdiction.path):
            errors["jurisdiction"] = f"目标所在辖区须在行动范围“{campaign.jurisdiction.name}”之内。"
        if errors:
            raise ValidationError(errors)

    def target_number(self) -> Decimal:
        return self.value


class Strategy(models.TextChoices):
    FOCUS = "focus", "重点突破"
    WHOLE = "whole", "整体推进"


class CampaignAreaQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"


LEADERS_PER_AREA = 2


class CampaignArea(models.Model):
    """An area of the campaign (a park or a town, 属地管理): its strategy, what it is charged
    with, and who is responsible for it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="areas",
                                 verbose_name="行动")
    jurisdiction = models.ForeignKey("regions.Jurisdiction", on_delete=models.PROTECT,
                                     related_name="campaign_areas", verbose_name="片区")
    strategy = models.CharField("推进策略", max_length=8, choices=Strategy.choices,
                                default=Strategy.WHOLE)
    responsibilities = models.TextField("工作任务", blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    objects = CampaignAreaQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "包片区域"
        ordering = ["campaign", "order", "jurisdiction__path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "jurisdiction"],
                                               name="campaign_area_once")]

    def __str__(self) -> str:
        return str(self.jurisdiction)

    def leaders(self):
        return self.contacts.filter(role=ContactRole.LEADER)

    def leader_problem(self, count: int | None = None) -> str | None:
        """The two-leader rule (DOMAIN.md §5.4: each area led by two leadership members): while
        the campaign is active an area has exactly two responsible leaders."""
        count = self.leaders().count() if count is None else count
        if count > LEADERS_PER_AREA:
            return (f"{self.jurisdiction.name}已有 {LEADERS_PER_AREA} 名包片领导：每个片区由两名领导"
                    "包片负责，请先调整现有的包片领导。")
        if count < LEADERS_PER_AREA and self.campaign.is_active():
            return (f"行动进行期间，{self.jurisdiction.name}须有两名包片领导（目前 {count} 名）："
                    "请先指定接替的领导，再移除原来的领导。")
        return None


class ContactRole(models.TextChoices):
    LEADER = "leader", "包片领导"
    OFFICER = "officer", "联络员"


class AreaContact(models.Model):
    """A person responsible for an area: one of its two leaders, or one of its officers."""

    area = models.ForeignKey(CampaignArea, on_delete=models.CASCADE, related_name="contacts",
                             verbose_name="片区")
    role = models.CharField("职责", max_length=8, choices=ContactRole.choices)
    name = models.CharField("姓名", max_length=64)
    title = models.CharField("职务", max_length=128, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="area_contacts",
                             verbose_name="系统账号")

    class Meta:
        verbose_name = verbose_name_plural = "包片责任人"
        ordering = ["area", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class TaskForceQuerySet(ScopedQuerySet):
    def within(self, scope):
        """A task force is visible to whoever reaches one of its areas."""
        if scope.paths is None:
            return self
        return self.filter(paths_q("areas__path", scope.paths)).distinct()


class TaskForce(models.Model):
    """A task force (工作专班) sent to some areas and enterprises for a time."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="task_forces",
                                 verbose_name="行动")
    name = models.CharField("专班名称", max_length=128)
    purpose = models.TextField("任务", blank=True)
    start_on = models.DateField("派驻开始")
    end_on = models.DateField("派驻结束", null=True, blank=True)
    areas = models.ManyToManyField("regions.Jurisdiction", related_name="task_forces",
                                   verbose_name="派驻片区")
    enterprises = models.ManyToManyField("enterprises.Enterprise", blank=True,
                                         related_name="task_forces", verbose_name="包联企业")

    objects = TaskForceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工作专班"
        ordering = ["campaign", "start_on", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_on and self.start_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": "派驻结束日期不能早于开始日期。"})


class TaskForceMember(models.Model):
    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="members",
                                   verbose_name="专班")
    name = models.CharField("姓名", max_length=64)
    title = models.CharField("职务", max_length=128, blank=True)
    role = models.CharField("专班职务", max_length=16, choices=GroupRole.choices,
                            default=GroupRole.MEMBER)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="task_forces",
                             verbose_name="系统账号")

    class Meta:
        verbose_name = verbose_name_plural = "专班成员"
        ordering = ["task_force", "role", "pk"]

    def __str__(self) -> str:
        return self.name
