"""Optimistic locking as a person meets it: the edit forms of `VersionedModel`s (the model side,
the conditional UPDATE, is lib/versioning.py).

`VersionedForm` carries the version it was loaded at and a signed snapshot of the values it
showed. When the row moved on meanwhile, the form becomes invalid with a `Conflict`: what the
other editor changed (their value against yours), with their changes merged into the form
wherever you left the field alone, so saving again re-applies only your own edits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from jianhui.audit.models import Action, AuditEvent
from jianhui.audit.tracking import key_of, masker
from jianhui.lib.versioning import ConcurrentEdit

__all__ = ["ConcurrentEdit", "Conflict", "VersionedForm", "canonical"]

EMPTY = "（空）"


# Values compared as canonical strings: what the form would post for them.

def canonical(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _digest(value: str) -> str:
    return "#" + salted_hmac("jianhui.locking.snapshot", value).hexdigest()[:32]


@dataclass
class Change:
    name: str
    label: str
    theirs: str
    yours: str
    you_changed: bool  # you edited this field too (and differently): yours is what the form keeps


@dataclass
class Conflict:
    current: models.Model
    changes: list[Change] = field(default_factory=list)

    @property
    def clashes(self) -> list[Change]:
        return [c for c in self.changes if c.you_changed]

    def summary(self) -> list[str]:
        return [f"{c.label}：对方改为“{c.theirs}”，" + (
                    f"您填写的是“{c.yours}”（表单保留您的值）" if c.you_changed
                    else "您未修改此项（表单已采用对方的值）") for c in self.changes]


class VersionedForm(forms.ModelForm):
    """Base for the edit forms (pages and admin) of `VersionedModel`s.

    `tracked` names the model attributes compared for conflicts (default: the form's model
    fields). A subclass whose form field for a tracked attribute is not a plain model field
    (a replace-only input for an ID number, say) overrides `submitted()`.
    """

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    lock_snapshot = forms.CharField(widget=forms.HiddenInput, required=False)
    tracked: tuple[str, ...] = ()
    # Inputs left blank to keep the stored value (ID numbers, phones: never shown in clear).
    replace_only: frozenset[str] = frozenset()
    conflict: Conflict | None = None
    summary_in_errors = False  # the admin lists the changes as errors; pages show a table
    conflict_message = ("您打开此页面后，{who}保存了这条记录的新版本，您的修改尚未保存。"
                        "下面列出了对方修改的内容；对方修改而您未改动的项目已采用对方的值，"
                        "您改动的项目仍为您填写的值。请核对后再次保存。")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["lock_version"] = self.instance.version
            self.initial["lock_snapshot"] = self.sign(self.instance)
        # As read, for the audit log's before/after.
        self.before = self.values(self.instance) if self.instance.pk is not None else {}

    # --- what is compared -----------------------------------------------------------------

    def tracked_names(self) -> list[str]:
        if self.tracked:
            return list(self.tracked)
        names = {f.name for f in self.instance._meta.concrete_fields}
        return [n for n in self.fields if n in names and not self.fields[n].disabled]

    def mask_for(self, name: str):
        """The mask of a personal field (the audit log's rule), else None. Personal data never
        travels in clear in a page: the snapshot keeps a keyed digest of it, and conflict
        messages show it masked."""
        return masker(type(self.instance), name)

    def stored(self, obj: models.Model, name: str) -> str:
        f = obj._meta.get_field(name)
        return canonical(getattr(obj, f.attname))

    def snapshot(self, obj: models.Model) -> dict[str, str]:
        out = {}
        for name in self.tracked_names():
            value = self.stored(obj, name)
            out[name] = _digest(value) if self.mask_for(name) else value
        return out

    def sign(self, obj: models.Model) -> str:
        return signing.dumps(self.snapshot(obj), salt="jianhui.locking")

    def submitted(self, name: str) -> str | None:
        """The canonical value the user wants for `name`, None when they left it alone."""
        if name not in self.fields:
            return None
        bound = self[name]
        value = self.cleaned_data.get(name) if name in self.cleaned_data else bound.data
        if name not in self.cleaned_data:
            try:
                value = bound.field.clean(value)
            except ValidationError:
                pass
        return canonical(value)

    def display(self, obj: models.Model | None, name: str, value: str) -> str:
        """`value` (canonical) as a person reads it: labels for choices, masked PII."""
        if value == "":
            return EMPTY
        if mask := self.mask_for(name):
            return mask(value) or EMPTY
        f = self.instance._meta.get_field(name)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if f.is_relation:
            if obj is not None and canonical(getattr(obj, f.attname)) == value:
                return str(getattr(obj, name))
            return str(f.related_model._default_manager.filter(pk=value).first() or value)
        return value

    # --- detecting and reporting a conflict -------------------------------------------------

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        version = cleaned.get("lock_version")
        if version is None:
            raise ValidationError("表单缺少版本信息，请刷新页面后重新填写。")
        # Lock the row until this request's transaction ends (PostgreSQL), so that nobody can
        # save between this check and our own conditional UPDATE.
        rows = type(self.instance)._base_manager
        if connection.in_atomic_block:
            rows = rows.select_for_update()
        current = rows.get(pk=self.instance.pk)
        if current.version != version:
            self.mark_conflict(current)
        else:
            self.instance.version = version
        return cleaned

    def _post_clean(self) -> None:
        if self.conflict is None:  # on a conflict, validate the merged form when it comes back
            super()._post_clean()

    def original(self) -> dict[str, str] | None:
        try:
            return signing.loads(self.data.get(self.add_prefix("lock_snapshot"), ""),
                                 salt="jianhui.locking")
        except signing.BadSignature:
            return None

    def mark_conflict(self, current: models.Model) -> Conflict:
        """Record a conflict with `current` (the row as saved now) and turn the form into one
        that, saved again, applies the user's own edits on top of it."""
        original = self.original() or {}
        conflict = Conflict(current=current)
        data = self.data.copy()
        for name in self.tracked_names():
            theirs = self.stored(current, name)
            secret = self.mask_for(name) is not None
            theirs_kept = _digest(theirs) if secret else theirs
            was = original.get(name, theirs_kept)
            if was == theirs_kept:
                continue  # the other editor did not touch it
            mine = self.submitted(name)
            mine_kept = None if mine is None else (_digest(mine) if secret else mine)
            you_changed = mine_kept is not None and mine_kept != was
            if you_changed and mine_kept == theirs_kept:
                continue  # you both made the same change
            if not you_changed and name in self.fields and name not in self.replace_only \
                    and not self.fields[name].disabled:
                data[self.add_prefix(name)] = theirs  # take theirs where you left it alone
            if you_changed:
                yours = self.display(None, name, mine)
            else:
                yours = "未修改" if secret else f"{self.display(None, name, was)}（未修改）"
            conflict.changes.append(Change(
                name=name, label=str(current._meta.get_field(name).verbose_name),
                theirs=self.display(current, name, theirs), yours=yours, you_changed=you_changed,
            ))
        data[self.add_prefix("lock_version")] = str(current.version)
        data[self.add_prefix("lock_snapshot")] = self.sign(current)
        self.data = data
        self.conflict = conflict
        self.add_error(None, ValidationError(
            self.conflict_message.format(who=self.other_editor(current)), code="conflict"))
        if self.summary_in_errors:
            self.add_error(None, [ValidationError(line, code="conflict")
                                  for line in conflict.summary()])
        return conflict

    def other_editor(self, current: models.Model) -> str:
        """“张三（zhangsan）于 2024-05-01 10:32” from the audit log's last change of the row,
        else from its updated_at (an import, say)."""
        key = key_of(current)
        event = (AuditEvent.objects.filter(model=current._meta.label, object_key=key,
                                           action=Action.UPDATE).order_by("-at", "-id").first())
        who, when = "其他用户", getattr(current, "updated_at", None)
        if event is not None and (when is None or event.at >= when - dt.timedelta(seconds=5)):
            user = get_user_model().objects.filter(pk=event.user_id).first()
            name = getattr(user, "first_name", "") if user else ""
            who = f"{name}（{event.username}）" if name else (event.username or who)
            when = event.at
        return f"{who}于 {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else who

    # --- for the audit log ---------------------------------------------------------------------

    def changes_between(self, before: dict[str, str], after: models.Model) -> dict:
        """{field: [before, after]} of the fields that changed, PII masked."""
        out = {}
        for name, old in before.items():
            new = self.stored(after, name)
            if new != old:
                out[name] = [self.display(None, name, old), self.display(after, name, new)]
        return out

    def values(self, obj: models.Model) -> dict[str, str]:
        return {name: self.stored(obj, name) for name in self.tracked_names()}
