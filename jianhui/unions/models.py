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
from django.db.models import Exists, Q

from jianhui.crypto.fields import BlindIndexField, EncryptedPhoneField
from jianhui.enterprises import rules as enterprise_rules
from jianhui.lib.codefields import CreditCodeField
from jianhui.lib.codes import (
    CodeError,
    id_birth_date,
    id_gender,
    normalise_credit_code,
    normalise_id_number,
    normalise_mobile,
)
from jianhui.lib.periods import overlaps_q
from jianhui.lib.scoping import ScopedQuerySet
from jianhui.lib.versioning import VersionedModel

from . import rules
from .choices import JOINT_KINDS, Gender, OrganisationKind
from .fields import EncryptedIDNumberField

__all__ = ["JOINT_KINDS", "Coverage", "Gender", "Member", "OrganisationKind", "UnionOrganisation"]


class OrganisationQuerySet(ScopedQuerySet):
    scope_path = "jurisdiction__path"

    def organisations_q(self, organisations):
        return Q(pk__in=organisations)

    def alive(self, on: dt.date) -> OrganisationQuerySet:
        return self.filter(rules.alive_q(on))


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
        return rules.alive(self.founded_on, self.dissolved_on, on)

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
            for held, new, _ in rules.coverage_clashes(self.periods()):
                if held.enterprise_id != new.enterprise_id:
                    errors["kind"] = (
                        f"基层工会委员会同一时间只能覆盖一家企业，而该组织自 {new.start:%Y-%m-%d} 起"
                        "同时覆盖了多家企业。如需改为基层工会委员会，请先结束多余的覆盖关系。"
                    )
                    break
        if errors:
            raise ValidationError(errors)

    def periods(self) -> list[rules.Period]:
        """This organisation's coverages as the overlap rules see them, under its kind now."""
        return [rules.Period(e, name, self.pk, self.name, self.kind, start, end, pk=pk)
                for pk, e, name, start, end in self.coverages.order_by("start_on").values_list(
                    "pk", "enterprise_id", "enterprise__name", "start_on", "end_on")]

    def coverage_warnings(self, on: dt.date) -> list[str]:
        """Doubtful but legal states, shown on the organisation's page."""
        if not self.is_alive(on):
            return []
        count = self.coverages.active(on).count()
        if self.kind == OrganisationKind.STANDALONE and count == 0:
            return ["该基层工会委员会目前未覆盖任何企业。"]
        warning = rules.joint_union_warning(self.name, self.kind, count)
        return [warning] if warning else []


class CoverageQuerySet(ScopedQuerySet):
    scope_path = "enterprise__jurisdiction__path"

    def organisations_q(self, organisations):
        return Q(organisation__in=organisations)

    def active(self, on: dt.date) -> CoverageQuerySet:
        """Coverage in force on `on`: begun, not ended, and its organisation alive."""
        return self.filter(rules.covers_q(on))

    def reached_by(self, organisations):
        """Ids of the enterprises these organisations cover or have covered (a union chair's
        reach, unions/rules.py)."""
        return rules.reached_enterprises(self, organisations)


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
        org = self.organisation
        return rules.covers(self.start_on, self.end_on, org.founded_on, org.dissolved_on, on)

    def period(self) -> rules.Period:
        org, e = self.organisation, self.enterprise
        return rules.Period(e.pk, e.name, org.pk, org.name, org.kind, self.start_on, self.end_on,
                            pk=self.pk)

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
        others = (Coverage.objects.exclude(pk=self.pk)
                  .filter(rules.overlapping_q(self.start_on, self.end_on))
                  .filter(Q(enterprise_id=self.enterprise_id) | Q(organisation_id=org.pk)))
        for _held, _new, message in rules.coverage_clashes(
                [self.period(), *(c.period() for c in others.select_related(
                    "organisation", "enterprise"))]):
            field = "enterprise" if _held.enterprise_id == _new.enterprise_id else "organisation"
            raise ValidationError({field: message})


class MemberQuerySet(ScopedQuerySet):
    scope_path = "enterprise__jurisdiction__path"

    def organisations_q(self, organisations) -> Q:
        """A union chair's members (unions/rules.py)."""
        return rules.reached_members_q(Coverage._base_manager, organisations)

    def active(self, on: dt.date) -> MemberQuerySet:
        """Joined on or before `on` and not left on or before it (unionization not checked)."""
        return self.filter(rules.membership_q(on))

    def counted(self, on: dt.date) -> MemberQuerySet:
        """Members who count on `on`: active, enterprise in scope and covered (DOMAIN.md §2)."""
        return self.filter(rules.counted_q(on, Coverage._base_manager))

    def of_organisation(self, organisation: UnionOrganisation, on: dt.date) -> MemberQuerySet:
        covered = rules.covering(Coverage._base_manager, on, "enterprise").filter(
            organisation=organisation)
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
        if not rules.membership_holds(self.joined_on, self.left_on, on):
            return None
        if not self.enterprise.in_scope(on):
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
            errors["left_on"] = rules.left_before_joined_message()
        if errors:
            raise ValidationError(errors)
        self._check_one_membership_at_a_time()
        self._check_covered_when_joining()

    def _check_one_membership_at_a_time(self) -> None:
        clash = (
            Member.objects.by_id_number(self.id_number).exclude(pk=self.pk)
            .filter(overlaps_q("joined_on", "left_on", self.joined_on, self.left_on))
            .select_related("enterprise").first()
        )
        if clash is None:
            return
        # The person's ID number is in the editor's hands; where else they are a member is not
        # (neither that enterprise's name nor the dates) unless the editor may see it.
        visible = self.editor_scope is None or type(clash.enterprise).objects.within(
            self.editor_scope).filter(pk=clash.enterprise_id).exists()
        raise ValidationError({"id_number": rules.membership_clash_message(
            clash.enterprise.name if visible else None, clash.joined_on, clash.left_on)})

    # The scope of the person editing this member (set by the edit form): a clash outside it
    # is reported without naming where. None: a service or the command line, which see all.
    editor_scope = None

    def _check_covered_when_joining(self) -> None:
        on = self.joined_on
        enterprise = self.enterprise
        if not enterprise.in_scope(on):
            raise ValidationError({"joined_on": enterprise_rules.not_in_scope_message(
                enterprise.name, on, enterprise.founded_on, enterprise.deregistered_on,
                enterprise.revoked_on)})
        if not Coverage.objects.active(on).filter(enterprise=enterprise).exists():
            raise ValidationError({"joined_on": rules.not_covered_message(enterprise.name, on)})

    def save(self, *args, **kwargs) -> None:
        self.derive_from_id()
        super().save(*args, **kwargs)
