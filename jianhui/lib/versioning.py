"""Optimistic locking for rows edited by people: enterprises, organisations, members.

Every save of a `VersionedModel` is `UPDATE … SET version = N + 1 WHERE pk = … AND version = N`,
N being the version the writer read. If someone saved in between, no row matches and
`ConcurrentEdit` is raised instead of silently overwriting their change, so two simultaneous
saves cannot both win, whatever code path they come from (forms, admin, services). Bulk
writers (imports) bump `version` themselves. The forms that carry a version through a page
and show a conflict are in web/locking.py.
"""

from __future__ import annotations

from django.db import models


class ConcurrentEdit(Exception):
    """The row was saved by someone else since this copy of it was read."""

    def __init__(self, obj: models.Model) -> None:
        self.obj = obj
        super().__init__(f"{obj._meta.verbose_name}“{obj}”已被他人修改，本次保存未生效。")


class VersionedModel(models.Model):
    """Mixin for a model with a `version` field: saves are conditional on it."""

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        version = self._meta.get_field("version")
        expected = self.version
        # Always bump, also for save(update_fields=[...]) that does not name the version.
        values = [v for v in values if v[0] is not version] + [(version, None, expected + 1)]
        updated = super()._do_update(base_qs.filter(version=expected), using, pk_val, values,
                                     update_fields, forced_update)
        if not updated:
            if base_qs.filter(pk=pk_val).exists():
                raise ConcurrentEdit(self)
            return False  # the row is gone: Django's usual path (insert, or an error)
        self.version = expected + 1
        return True
