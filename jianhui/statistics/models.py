"""The precomputed facts behind the fast path (facts.py computes them, sync.py keeps them in step
with every write, sums.py reads them).

Per enterprise: the pieces of its in-scope time over which what the figures see of it is
constant (covered by which kind, the employee figure, the 25-member warning), and each person's
counted time there (join/leave ∩ in scope ∩ covered). Per organisation: its alive time. From
these, per jurisdiction and day, the change of every figure (`DailyDelta`, already rolled up:
a row of a county holds the changes of its whole subtree), so a figure on day D is the sum of
the rows up to D: `Checkpoint` keeps those sums at the end of each month that has rows, so that a
date costs one checkpoint and at most half a month of rows.

Dates: a piece's `start` is its first day (date.min when the enterprise's founding date is
unknown: in scope since always); `end` is the first day it no longer holds (None: still holds),
as everywhere in Jianhui (lib/periods.py).
"""

from __future__ import annotations

from django.db import models

# The figures a delta row carries (unionized = standalone + covered, the rest derived).
DELTA_FIELDS = (
    "enterprises", "standalone", "covered", "standalone_unions", "joint_unions", "federations",
    "employees", "employees_unionized", "members", "rule25_warnings",
)


class EnterpriseInterval(models.Model):
    """A piece of an enterprise's in-scope time with constant cover kind, employees, warning."""

    enterprise_id = models.BigIntegerField()
    jurisdiction_id = models.BigIntegerField()
    start = models.DateField()
    end = models.DateField(null=True)
    kind = models.CharField(max_length=16, blank=True)  # covering organisation's kind, "" none
    employees = models.BigIntegerField()
    rule25 = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["enterprise_id"], name="stat_ei_enterprise"),
                   models.Index(fields=["jurisdiction_id", "start"], name="stat_ei_jur_start",
                                condition=models.Q(rule25=True))]

    def __str__(self) -> str:
        return f"企业 {self.enterprise_id} {self.start}–{self.end or '今'}"


class MemberInterval(models.Model):
    """A person's counted time in one enterprise (their memberships there merged)."""

    enterprise_id = models.BigIntegerField()
    jurisdiction_id = models.BigIntegerField()
    person = models.CharField(max_length=64)  # the ID number's blind index
    start = models.DateField()
    end = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["enterprise_id"], name="stat_mi_enterprise"),
                   models.Index(fields=["person"], name="stat_mi_person")]

    def __str__(self) -> str:
        return f"会员 {self.person[:8]}… {self.start}–{self.end or '今'}"


class OrganisationInterval(models.Model):
    """An organisation's alive time, of its kind, in its own jurisdiction."""

    organisation_id = models.BigIntegerField(unique=True)
    jurisdiction_id = models.BigIntegerField()
    kind = models.CharField(max_length=16)
    start = models.DateField()
    end = models.DateField(null=True)

    def __str__(self) -> str:
        return f"工会 {self.organisation_id} {self.start}–{self.end or '今'}"


class _Figures(models.Model):
    jurisdiction_id = models.BigIntegerField()
    enterprises = models.BigIntegerField(default=0)
    standalone = models.BigIntegerField(default=0)
    covered = models.BigIntegerField(default=0)
    standalone_unions = models.BigIntegerField(default=0)
    joint_unions = models.BigIntegerField(default=0)
    federations = models.BigIntegerField(default=0)
    employees = models.BigIntegerField(default=0)
    employees_unionized = models.BigIntegerField(default=0)
    members = models.BigIntegerField(default=0)
    rule25_warnings = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class DailyDelta(_Figures):
    """The change of every figure of a jurisdiction's subtree on `day`."""

    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction_id", "day"],
                                               name="stat_delta_unique")]

    def __str__(self) -> str:
        return f"辖区 {self.jurisdiction_id} {self.day}"


class Checkpoint(_Figures):
    """Every figure of a jurisdiction's subtree on the last day of `month` (its first day), for
    the months in which it has DailyDelta rows: the sum of its rows up to that day."""

    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["jurisdiction_id", "month"],
                                               name="stat_checkpoint_unique")]

    def __str__(self) -> str:
        return f"辖区 {self.jurisdiction_id} {self.month:%Y-%m}"


class Generation(models.Model):
    """One row: a random token replaced by every write the figures could see (generation.py)."""

    token = models.BigIntegerField()

    def __str__(self) -> str:
        return f"统计版本 {self.token}"
