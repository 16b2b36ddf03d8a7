"""Writes that touch several rows, each in one transaction with the model rules checked."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from jianhui.enterprises.models import Enterprise
from jianhui.regions.models import Jurisdiction

from . import rules
from .models import Coverage, Member, OrganisationKind, UnionOrganisation


def next_organisation_key(jurisdiction: Jurisdiction) -> str:
    """A stable public key: the jurisdiction code and a sequence, e.g. 510623400-017."""
    prefix = f"{jurisdiction.code}-"
    taken = UnionOrganisation.objects.filter(key__startswith=prefix).values_list("key", flat=True)
    numbers = [int(k[len(prefix):]) for k in taken if k[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@transaction.atomic
def found_organisation(
    *, name: str, kind: str, jurisdiction: Jurisdiction, founded_on: dt.date,
    enterprises: list[Enterprise] = (), **extra,
) -> UnionOrganisation:
    """Found a union organisation and start its coverage of `enterprises` on the founding day.

    An enterprise currently covered by another organisation moves: its old coverage ends on
    the founding day, so it is unionized on every day and its members move with it.
    """
    org = UnionOrganisation(
        key=next_organisation_key(jurisdiction), name=name, kind=kind,
        jurisdiction=jurisdiction, founded_on=founded_on, **extra,
    )
    org.full_clean()
    org.save()
    for enterprise in enterprises:
        cover(org, enterprise, founded_on)
    return org


@transaction.atomic
def cover(organisation: UnionOrganisation, enterprise: Enterprise, start_on: dt.date,
          end_on: dt.date | None = None) -> Coverage:
    """Start `organisation`'s coverage of `enterprise`, ending any open coverage that day."""
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).exists()
    current = Coverage.objects.filter(
        enterprise=enterprise, end_on__isnull=True, start_on__lt=start_on
    ).first()
    if current is not None:
        if current.organisation_id == organisation.pk:
            raise ValidationError(f"{enterprise.name}已由{organisation.name}覆盖。")
        current.end_on = rules.coverage_end_on_move(start_on)
        current.full_clean()
        current.save(update_fields=["end_on"])
    coverage = Coverage(organisation=organisation, enterprise=enterprise,
                        start_on=start_on, end_on=end_on)
    coverage.full_clean()
    coverage.save()
    return coverage


@transaction.atomic
def end_coverage(coverage: Coverage, end_on: dt.date) -> Coverage:
    coverage.end_on = end_on
    coverage.full_clean()
    coverage.save(update_fields=["end_on"])
    return coverage


@transaction.atomic
def dissolve(organisation: UnionOrganisation, dissolved_on: dt.date) -> UnionOrganisation:
    """Dissolve an organisation; its open coverage ends the same day."""
    organisation.dissolved_on = dissolved_on
    organisation.full_clean()
    organisation.save(update_fields=["dissolved_on", "updated_at"])
    for coverage in organisation.coverages.filter(end_on__isnull=True):
        end_coverage(coverage, rules.coverage_end_on_dissolution(dissolved_on, coverage.start_on))
    return organisation


@transaction.atomic
def enrol(*, name: str, id_number: str, enterprise: Enterprise, joined_on: dt.date,
          phone: str = "") -> Member:
    """A person joins the union organisation covering `enterprise` on `joined_on`."""
    member = Member(name=name, id_number=id_number, enterprise=enterprise,
                    joined_on=joined_on, phone=phone)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def leave(member: Member, left_on: dt.date) -> Member:
    member.left_on = left_on
    member.full_clean()
    member.save(update_fields=["left_on", "updated_at"])
    return member


def kind_label(kind: str) -> str:
    return OrganisationKind(kind).label
