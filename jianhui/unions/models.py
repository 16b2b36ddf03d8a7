"""Union organisations, their dated coverage of enterprises, and members (DOMAIN.md §1-§2).

A member's organisation is never stored: on any date it is the organisation whose coverage of
the member's enterprise is in force, so when coverage moves from a federation to the
enterprise's own new union the members move with it, with no gap and no double count.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from jianhui.crypto.fields import BlindIndexField, EncryptedPhoneField
from jianhui.lib.codes import (
    CodeError,
    id_birth_date,
    id_gender,
    normalise_credit_code,
    normalise_id_number,
    normalise_mobile,
)
from jianhui.lib.locking import VersionedModel
from jianhui.lib.scoping import RestrictedQuerySet

from .fields import CreditCodeField, EncryptedIDNumberField


class OrganisationKind(models.TextChoices):
    STANDALONE = "standalone", "基层工会委员会"
    JOINT = "joint", "联合基层工会"
    FEDERATION = "federation", "工会联合会"


def _open_on(start: str, end: str, on: dt.date) -> Q:
    """Q for a [start, end) interval holding on `on` (end is the first day it no longer holds)."""
    return Q(**{f"{start}__lte": on}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": on}))


def _overlaps(start: str, end: str, a: dt.date, b: dt.date | None) -> Q:
    """Q for [start, end) overlapping [a, b)."""
    q = Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": a})
    if b is not None:
        q &= Q(**{f"{start}__lt": b})
    return q


class OrganisationQuerySet(RestrictedQuerySet):
    scope_path = "jurisdiction__path"
    scope_organisation = "pk"

    def alive(self, on: dt.date) -> OrganisationQuerySet:
        return self.filter(_open_on("founded_on", "dissolved_on", on))


class UnionOrganisation(VersionedModel):
    key = models.CharField(
        "组织编号", max_length=32, unique=True,
        help_text="系统内的固定编号，用于链接和导入导出；不随名称或信用代码变化。",
    )
    name = models.CharField("工会名称", max_length=128, db_index=True)
    kind = models.CharField("组织类型", max_length=16, choices=OrganisationKind.choices)
    jurisdiction = models.ForeignKey(
        "regions.Jurisdiction", verbose_name="所属辖区", on_delete=models.PROTECT,
        related_name="organisations",
    )
    founded_on = models.DateField("成立日期")
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    chair = models.CharField("工会主席", max_length=64, blank=True)
    chair_phone = EncryptedPhoneField("联系电话", max_length=32, blank=True)
    credit_code = CreditCodeField("工会统一社会信用代码", unique=True, null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工会组织"
        ordering = ["jurisdiction__path", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/unions/{self.key}/"

    @property
    def is_joint(self) -> bool:
        return self.kind != OrganisationKind.STANDALONE

    def is_alive(self, on: dt.date) -> bool:
        return self.founded_on <= on and (self.dissolved_on is None or self.dissolved_on > on)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.credit_code:
            try:
                self.credit_code = normalise_credit_code(self.credit_code)
            except CodeError as exc:
                errors["credit_code"] = str(exc)
            else:
                if not self.credit_code.startswith("81"):
                    errors["credit_code"] = "工会的统一社会信用代码以“81”开头，请核对是否填成了企业的代码。"
        else:
            self.credit_code = None
        if self.founded_on and self.dissolved_on and self.dissolved_on <= self.founded_on:
            errors["dissolved_on"] = "撤销日期必须晚于成立日期。"
        if self.chair_phone:
            try:
                self.chair_phone = normalise_mobile(self.chair_phone)
            except CodeError:
                pass  # a landline is fine for a chair's office phone
        if self.pk and self.founded_on:
            early = self.coverages.filter(start_on__lt=self.founded_on)
            if early.exists():
                errors["founded_on"] = (
                    f"已有覆盖关系开始于成立日期之前（{early.first().start_on:%Y-%m-%d}），"
                    "请先调整覆盖关系。"
                )
        if self.pk and self.kind == OrganisationKind.STANDALONE:
            if overlap := self._overlapping_coverages():
                errors["kind"] = (
                    f"基层工会委员会同一时间只能覆盖一家企业，而该组织自 {overlap:%Y-%m-%d} 起"
                    "同时覆盖了多家企业。如需改为基层工会委员会，请先结束多余的覆盖关系。"
                )
        if errors:
            raise ValidationError(errors)

    def _overlapping_coverages(self) -> dt.date | None:
        """The first day on which two of this organisation's coverages of different
        enterprises both hold, if any (a standalone committee covers one at a time)."""
        periods = list(self.coverages.order_by("start_on")
                       .values_list("enterprise_id", "start_on", "end_on"))
        for i, (e1, s1, end1) in enumerate(periods):
            for e2, s2, end2 in periods[i + 1:]:
                if e1 != e2 and (end1 is None or s2 < end1) and (end2 is None or s1 < end2):
                    return max(s1, s2)
        return None

    def coverage_warnings(self, on: dt.date) -> list[str]:
        """Doubtful but legal states, shown on the organisation's page."""
        count = self.coverages.active(on).count()
        if self.kind == OrganisationKind.STANDALONE and count == 0 and self.is_alive(on):
            return ["该基层工会委员会目前未覆盖任何企业。"]
        if self.is_joint and count < 2 and self.is_alive(on):
            return [f"{self.get_kind_display()}应覆盖两家及以上企业，目前覆盖 {count} 家。"]
        return []


class CoverageQuerySet(RestrictedQuerySet):
    scope_path = "enterprise__jurisdiction__path"
    scope_organisation = "organisation"

    def active(self, on: dt.date) -> CoverageQuerySet:
        """Coverage in force on `on`: begun, not ended, and its organisation alive."""
        return self.filter(_open_on("start_on", "end_on", on)).filter(
            _open_on("organisation__founded_on", "organisation__dissolved_on", on)
        )


class Coverage(models.Model):
    organisation = models.ForeignKey(
        UnionOrganisation, verbose_name="工会组织", on_delete=models.PROTECT,
        related_name="coverages",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="企业", on_delete=models.PROTECT,
        related_name="coverages",
    )
    start_on = models.DateField("覆盖开始日期")
    end_on = models.DateField("覆盖结束日期", null=True, blank=True,
                              help_text="不再覆盖的第一天；留空表示仍在覆盖。")

    objects = CoverageQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "覆盖关系"
        ordering = ["enterprise", "start_on"]
        constraints = [
            # The database's own guard for the common case; overlaps of closed periods are
            # checked in clean(), which every service calls.
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(end_on__isnull=True),
                name="coverage_one_open_per_enterprise",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gt=models.F("start_on")),
                name="coverage_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.enterprise}"

    def covers(self, on: dt.date) -> bool:
        return (
            self.start_on <= on
            and (self.end_on is None or self.end_on > on)
            and self.organisation.is_alive(on)
        )

    def clean(self) -> None:
        if self.end_on and self.end_on <= self.start_on:
            raise ValidationError({"end_on": "覆盖结束日期必须晚于开始日期（结束日期是不再覆盖的第一天）。"})
        org = self.organisation
        if self.start_on < org.founded_on:
            raise ValidationError({"start_on": (
                f"覆盖开始日期 {self.start_on:%Y-%m-%d} 早于{org.name}的成立日期 "
                f"{org.founded_on:%Y-%m-%d}。"
            )})
        if org.dissolved_on and self.start_on >= org.dissolved_on:
            raise ValidationError({"start_on": (
                f"{org.name}已于 {org.dissolved_on:%Y-%m-%d} 撤销，不能在此之后开始覆盖企业。"
            )})
        founded = self.enterprise.founded_on
        if founded and self.start_on < founded:
            raise ValidationError({"start_on": (
                f"覆盖开始日期 {self.start_on:%Y-%m-%d} 早于{self.enterprise.name}的成立日期 "
                f"{founded:%Y-%m-%d}。"
            )})
        others = Coverage.objects.exclude(pk=self.pk).filter(
            _overlaps("start_on", "end_on", self.start_on, self.end_on)
        )
        clash = others.filter(enterprise_id=self.enterprise_id).select_related("organisation")
        if first := clash.first():
            until = f"{first.end_on:%Y-%m-%d}" if first.end_on else "今"
            raise ValidationError({"enterprise": (
                f"{self.enterprise.name}在 {first.start_on:%Y-%m-%d} 至 {until} 已由"
                f"{first.organisation.name}覆盖；一家企业同一时间只能由一个工会组织覆盖。"
                "如企业转为单独建会，请先把原覆盖的结束日期设为新覆盖的开始日期。"
            )})
        if org.kind == OrganisationKind.STANDALONE:
            other = others.filter(organisation_id=org.pk).select_related("enterprise").first()
            if other:
                raise ValidationError({"organisation": (
                    f"{org.name}是基层工会委员会，同一时间只能覆盖一家企业，"
                    f"该期间已覆盖{other.enterprise.name}。多家企业联合建会请使用联合基层工会或工会联合会。"
                )})


class MemberQuerySet(RestrictedQuerySet):
    scope_path = "enterprise__jurisdiction__path"
    scope_enterprise = "enterprise"

    def organisations_q(self, organisations: list[int]) -> Q:
        """A union chair's members: memberships that overlap a coverage of the enterprise by
        one of the chair's organisations (its history included, but not the people who
        joined after the enterprise moved on to another union, nor those who left before it
        came)."""
        left = Coalesce(OuterRef("left_on"), Value(dt.date.max), output_field=models.DateField())
        return Q(Exists(Coverage._base_manager.filter(
            organisation__in=organisations, enterprise=OuterRef("enterprise"), start_on__lt=left,
        ).filter(Q(end_on__isnull=True) | Q(end_on__gt=OuterRef("joined_on")))))

    def active(self, on: dt.date) -> MemberQuerySet:
        """Joined on or before `on` and not left on or before it (unionization not checked)."""
        return self.filter(_open_on("joined_on", "left_on", on))

    def counted(self, on: dt.date) -> MemberQuerySet:
        """Members who count on `on`: active, enterprise in scope and covered (DOMAIN.md §2)."""
        covered = Coverage.objects.active(on).filter(enterprise=OuterRef("enterprise"))
        return self.active(on).filter(
            Q(enterprise__founded_on__isnull=True) | Q(enterprise__founded_on__lte=on),
            Q(enterprise__deregistered_on__isnull=True) | Q(enterprise__deregistered_on__gt=on),
            Exists(covered),
        )

    def of_organisation(self, organisation: UnionOrganisation, on: dt.date) -> MemberQuerySet:
        covered = Coverage.objects.active(on).filter(
            enterprise=OuterRef("enterprise"), organisation=organisation
        )
        return self.counted(on).filter(Exists(covered))

    def by_id_number(self, value: str) -> MemberQuerySet:
        """The one lookup by ID number: through its blind index (the number is encrypted)."""
        return self.filter(id_number_index=_id_field().index_for(value))

    def by_id_numbers(self, values) -> MemberQuerySet:
        """The bulk form of `by_id_number` (imports look up a batch at a time)."""
        return self.filter(id_number_index__in=_id_field().index_many(values))


def _id_field() -> EncryptedIDNumberField:
    return Member._meta.get_field("id_number")


def new_member_key() -> str:
    """A random public key for a member (16 characters of the base32 alphabet, 80 bits):
    links and audit entries name a member by it, never by ID number or database id."""
    return secrets.token_bytes(KEY_LENGTH).translate(_KEY_LETTERS).decode("ascii")


def _new_member_keys(n: int) -> list[str]:
    """n keys as new_member_key makes them, from one draw of random bytes (bulk inserts)."""
    text = secrets.token_bytes(KEY_LENGTH * n).translate(_KEY_LETTERS).decode("ascii")
    return [text[i:i + KEY_LENGTH] for i in range(0, KEY_LENGTH * n, KEY_LENGTH)]


KEY_LENGTH = 16
# Each random byte picks one of 32 letters (256 = 8 × 32, so uniformly): 5 bits a letter.
_KEY_LETTERS = bytes.maketrans(bytes(range(256)), b"abcdefghijklmnopqrstuvwxyz234567" * 8)
new_member_key.many = _new_member_keys  # imports.bulk fills a chunk's keys at once


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"


class Member(VersionedModel):
    """One membership of one person: a person who changes enterprise has two rows.

    The ID number and phone are stored encrypted; gender and birth date, derived from the ID
    number, stay in clear for the statistics. `id_number_index` (a keyed hash of the ID
    number) is recomputed on save and bulk_create: a bulk_update or update() that changes
    `id_number` must list `id_number_index` too (set from `_id_field().index_for`).
    """

    public_key = models.CharField(
        "会员编号", max_length=16, default=new_member_key, editable=False,
        help_text="系统随机生成，用于链接和审计记录，不含个人信息。",
    )
    name = models.CharField("姓名", max_length=64)
    id_number = EncryptedIDNumberField("公民身份号码")
    id_number_index = BlindIndexField("身份证号检索码", source="id_number")
    gender = models.CharField("性别", max_length=2, choices=Gender.choices, editable=False)
    birth_date = models.DateField("出生日期", editable=False, null=True)
    phone = EncryptedPhoneField("手机号码", max_length=32, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name="所在企业", on_delete=models.PROTECT,
        related_name="members", db_index=False,  # the (enterprise, joined_on) index serves it
    )
    joined_on = models.DateField("入会日期")
    left_on = models.DateField("离会日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "会员"
        ordering = ["enterprise", "name"]
        # Every index slows each imported row down (benchmarks/README.md), so only these:
        # keys and hashes are unique or indexed by a constraint or Meta.indexes, not by
        # unique=True/db_index=True, which on PostgreSQL add a second, LIKE-ready index
        # (varchar_pattern_ops) that no query of a random key or a hash ever uses.
        constraints = [
            models.UniqueConstraint(fields=["public_key"], name="member_public_key_unique"),
            models.UniqueConstraint(
                fields=["id_number_index"], condition=Q(left_on__isnull=True),
                name="member_one_open_membership",
            ),
            # A row written around the model without its index would escape the rule above.
            models.CheckConstraint(condition=~Q(id_number_index=""), name="member_id_indexed"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gt=models.F("joined_on")),
                name="member_left_after_joined",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "joined_on"]),  # also the foreign key's index
            models.Index(fields=["id_number_index"], name="member_id_number_index"),
        ]

    def __str__(self) -> str:
        return self.name

    def organisation_on(self, on: dt.date) -> UnionOrganisation | None:
        if not (self.joined_on <= on and (self.left_on is None or self.left_on > on)):
            return None
        from jianhui.enterprises.models import Enterprise

        if not Enterprise.objects.in_scope(on).filter(pk=self.enterprise_id).exists():
            return None  # a deregistered enterprise's members belong to no organisation
        coverage = (
            Coverage.objects.active(on).filter(enterprise_id=self.enterprise_id)
            .select_related("organisation").first()
        )
        return coverage.organisation if coverage else None

    def derive_from_id(self) -> None:
        self.gender = id_gender(self.id_number)
        self.birth_date = id_birth_date(self.id_number)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.id_number = normalise_id_number(self.id_number)
        except CodeError as exc:
            raise ValidationError({"id_number": str(exc)}) from exc
        # Saving computes it too; the constraints checked after clean() need it now.
        self.id_number_index = _id_field().index_for(self.id_number)
        if self.phone:
            try:
                self.phone = normalise_mobile(self.phone)
            except CodeError as exc:
                errors["phone"] = str(exc)
        if self.left_on and self.left_on <= self.joined_on:
            errors["left_on"] = "离会日期必须晚于入会日期（离会日期是不再是会员的第一天）。"
        if errors:
            raise ValidationError(errors)
        self._check_one_membership_at_a_time()
        self._check_covered_when_joining()

    def _check_one_membership_at_a_time(self) -> None:
        clash = (
            Member.objects.by_id_number(self.id_number).exclude(pk=self.pk)
            .filter(_overlaps("joined_on", "left_on", self.joined_on, self.left_on))
            .select_related("enterprise").first()
        )
        if clash and not self._in_editors_scope(clash.enterprise_id):
            # The person's ID number is in the editor's hands; where else they are a member
            # is not: neither that enterprise's name nor the dates.
            raise ValidationError({"id_number": (
                "此人在您管辖范围以外的企业已有会籍；同一人同一时间只能是一个工会组织的会员。"
                "请核对身份证号；如确为此人，请联系县总工会办理原会籍的离会。"
            )})
        if clash:
            raise ValidationError({"id_number": (
                f"此人已是{clash.enterprise.name}的会员（{clash.joined_on:%Y-%m-%d} 入会"
                + (f"，{clash.left_on:%Y-%m-%d} 离会" if clash.left_on else "") +
                "）；同一人同一时间只能是一个工会组织的会员。请先办理原会籍的离会，离会日期不晚于新的入会日期。"
            )})

    def _in_editors_scope(self, enterprise_id: int) -> bool:
        """Is the enterprise visible to the user editing this member (`editor`, set by the
        edit form; no editor: a service or the command line, which see everything)?"""
        from jianhui.enterprises.models import Enterprise

        editor = getattr(self, "editor", None)
        return editor is None or Enterprise.objects.restrict(editor).filter(
            pk=enterprise_id).exists()

    def _check_covered_when_joining(self) -> None:
        from jianhui.enterprises.models import Enterprise

        on = self.joined_on
        enterprise = self.enterprise
        if not Enterprise.objects.in_scope(on).filter(pk=enterprise.pk).exists():
            raise ValidationError({"joined_on": (
                f"{enterprise.name}在入会日期 {on:%Y-%m-%d} 尚未成立或已注销，不能在该日入会。"
            )})
        if not Coverage.objects.active(on).filter(enterprise=enterprise).exists():
            raise ValidationError({"joined_on": (
                f"{enterprise.name}在入会日期 {on:%Y-%m-%d} 没有工会组织覆盖，"
                "请先建立工会或纳入联合会，或把入会日期改为覆盖开始之后。"
            )})

    def save(self, *args, **kwargs) -> None:
        self.derive_from_id()
        super().save(*args, **kwargs)
