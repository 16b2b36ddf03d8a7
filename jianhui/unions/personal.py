"""Personal information (DOMAIN.md §7): the one list of personal fields and how each is masked.

Every field here is stored encrypted (crypto/fields.py), shown masked on pages, in the back
office, in exports unless revealed, in the audit log and in edit conflicts, and replaced (never
shown) on edit forms. A new personal field is added here and nowhere else; a test checks that
every encrypted field is listed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models

from jianhui.lib.codes import mask_id_number, mask_phone

Mask = Callable[[str], str]

PERSONAL_FIELDS: dict[str, dict[str, Mask]] = {
    "enterprises.Enterprise": {"phone": mask_phone},  # the contact person's phone
    "unions.UnionOrganisation": {"chair_phone": mask_phone},
    "unions.Member": {"id_number": mask_id_number, "phone": mask_phone},
}


def personal_fields(model: type[models.Model]) -> dict[str, Mask]:
    """{field name: mask} of a model's personal fields (empty for other models)."""
    return PERSONAL_FIELDS.get(model._meta.concrete_model._meta.label, {})


def personal_labels() -> set[str]:
    """The Chinese labels of every personal field (export and import column headers)."""
    from django.apps import apps

    return {str(apps.get_model(label)._meta.get_field(name).verbose_name)
            for label, names in PERSONAL_FIELDS.items() for name in names}
