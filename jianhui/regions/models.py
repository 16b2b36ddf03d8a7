"""The jurisdiction tree: county → park/town → 片区.

Each node keeps a materialised `path` ("/510623/510623400/") so that a subtree is one
`path__startswith` filter: scoping and roll-ups never walk the tree row by row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import models

from jianhui.lib.scoping import ScopedQuerySet


class JurisdictionKind(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"
    DISTRICT = "district", "区"
    PARK = "park", "园区"
    TOWN = "town", "乡镇"
    STREET = "street", "街道"
    AREA = "area", "片区"


# What a top jurisdiction (no parent) may be: the platform runs for a county, a city or a province.
TOP_KINDS = (JurisdictionKind.PROVINCE, JurisdictionKind.CITY, JurisdictionKind.COUNTY,
             JurisdictionKind.DISTRICT)


def kind_from_name(name: str) -> str:
    """The top jurisdiction's kind guessed from its name's last character (旌阳区 → 区)."""
    last = {"省": JurisdictionKind.PROVINCE, "市": JurisdictionKind.CITY,
            "县": JurisdictionKind.COUNTY, "区": JurisdictionKind.DISTRICT}
    return last.get(name.strip()[-1:], JurisdictionKind.COUNTY)


class Option(NamedTuple):
    code: str
    name: str
    depth: int
    path: str
    order: int


class JurisdictionQuerySet(ScopedQuerySet):
    scope_path = "path"

    def subtree(self, node: Jurisdiction) -> JurisdictionQuerySet:
        return self.filter(path__startswith=node.path)

    def options(self) -> list[Option]:
        """Code, name and depth of each, in tree order, for a filter's <select>: plain tuples,
        as a province's list pages name hundreds of jurisdictions on every request."""
        return tree_order(Option(*row) for row in self.order_by().values_list(*Option._fields))

    def tops(self) -> JurisdictionQuerySet:
        """The top jurisdictions (a county, a city or a province: no parent)."""
        return self.filter(parent__isnull=True).order_by("order", "code")


class Jurisdiction(models.Model):
    code = models.CharField("辖区代码", max_length=32, unique=True)
    name = models.CharField("辖区名称", max_length=64)
    full_name = models.CharField("全称", max_length=128, blank=True)
    kind = models.CharField("类型", max_length=16, choices=JurisdictionKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级辖区", null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    order = models.PositiveIntegerField("排序", default=0)
    path = models.CharField(max_length=512, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "辖区"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="jurisdiction_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if "/" in self.code:
            raise ValidationError({"code": "辖区代码不能包含“/”。"})
        node = self.parent
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "上级辖区不能是它自己或它的下级。"})
            node = node.parent

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        self.path = (self.parent.path if self.parent else "/") + self.code + "/"
        self.depth = self.parent.depth + 1 if self.parent else 0
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            self._repath_descendants(old_path)

    def _repath_descendants(self, old_path: str) -> None:
        moved = Jurisdiction.objects.filter(path__startswith=old_path).exclude(pk=self.pk)
        for pk, path in list(moved.values_list("pk", "path")):
            new_path = self.path + path[len(old_path):]
            Jurisdiction.objects.filter(pk=pk).update(path=new_path, depth=new_path.count("/") - 2)

    def ancestors(self) -> list[Jurisdiction]:
        codes = [c for c in self.path.strip("/").split("/")][:-1]
        by_code = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


def tree_order(jurisdictions: Iterable[Jurisdiction]) -> list[Jurisdiction]:
    """Depth first, siblings by their `order` then code (not by code alone)."""
    nodes = list(jurisdictions)
    sort_key = {n.code: (n.order, n.code) for n in nodes}

    def key(n: Jurisdiction) -> tuple:
        return tuple(sort_key.get(c, (0, c)) for c in n.path.strip("/").split("/"))

    return sorted(nodes, key=key)
