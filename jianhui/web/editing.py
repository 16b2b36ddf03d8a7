"""Edit pages: who may edit where, the form base with replace-only personal data, and the one
view function behind /enterprises/<code>/edit/, /unions/<key>/edit/ and /members/<pk>/edit/.

Scope first (an object outside the user's subtree is a 404, as everywhere), then the right:
a role without Right.EDIT there (county leader, auditor) gets a 403. Saving goes through
optimistic locking (lib/versioning.py, web/locking.py): a stale form is a 409 with what the other editor changed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jianhui.accounts.rights import Right, has_right, right_paths
from jianhui.accounts.scope import scope_of
from jianhui.lib.scoping import paths_q
from jianhui.lib.text import invisible_message
from jianhui.lib.versioning import ConcurrentEdit
from jianhui.regions.models import Jurisdiction

from .locking import VersionedForm, canonical


def editable_jurisdictions(user: Any, current: Any = None):
    """The jurisdictions an object may be placed in: those in which `user` holds Right.EDIT
    through an area role (whole subtrees), and the object's `current` one, in tree order.
    A union chair edits their organisation's data but does not move it elsewhere."""
    qs = Jurisdiction.objects.all()
    paths = right_paths(user, Right.EDIT)
    if paths is not None:
        q = paths_q("path", paths)
        if current is not None:
            q |= Q(pk=current.pk)
        qs = qs.filter(q)
    return qs.order_by("path")


def require_edit(user: Any, jurisdiction: Any, **target: Any) -> None:
    """403 unless `user` may edit in `jurisdiction` (and, for a union chair, the object
    `target` names: organisation= or enterprise=, see `has_right`)."""
    if not has_right(user, Right.EDIT, jurisdiction, **target):
        raise PermissionDenied(
            f"您的角色在“{jurisdiction.name}”只能查看，不能修改数据。如需修改，请联系县总工会管理员。"
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class EditForm(VersionedForm):
    """A page's edit form: takes the user; ID numbers and phones are replace-only inputs.

    They are never filled in with the stored value (that would show personal data in clear
    to whoever opens the form): the current value is shown masked, a blank input keeps it, a
    full new value replaces it, and for phones a box clears it.
    """

    clearable: frozenset[str] = frozenset()
    # Names a person reads: no character a reader cannot see (the rule: lib/text.py).
    visible: frozenset[str] = frozenset()
    required_css_class = "required"

    def __init__(self, *args, user: Any, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        for name in sorted(self.replace_only):
            self._add_replace_field(name)

    def may_replace(self, name: str) -> bool:
        return True

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in sorted(self.visible):
            value = cleaned.get(name)
            if isinstance(value, str) and not value.isprintable():
                self.add_error(name, invisible_message(str(self.fields[name].label), value))
        return cleaned

    def _add_replace_field(self, name: str) -> None:
        model_field = self.instance._meta.get_field(name)
        current = getattr(self.instance, name) or ""
        masked = self.mask_for(name)(current) if current else ""
        label = str(model_field.verbose_name)
        if not self.may_replace(name):
            self.fields[name] = forms.CharField(
                label=label, required=False, disabled=True, initial=masked or "未填写",
                help_text="您没有查看完整个人信息的权限，不能更正此项；如需更正，请联系辖区工会干部。",
            )
            return
        self.fields[name] = forms.CharField(
            label=label, required=False, max_length=model_field.max_length,
            help_text=(f"当前为 {masked}。" if masked else "当前未填写。")
            + "留空则保持不变；需要更正时填写完整的新号码。",
            widget=forms.TextInput(attrs={"placeholder": masked or "未填写",
                                          "autocomplete": "off", "class": "mono"}),
        )
        if name in self.clearable and current:
            box = forms.BooleanField(label=f"删除{label}", required=False)
            box.is_clear_box = True  # rendered inside the replace field's block
            self.fields[f"{name}_clear"] = box
            self.fields[name].clear_box = f"{name}_clear"

    def replacement(self, name: str) -> str | None:
        """What the user put in a replace-only input: None to keep, "" to clear, or the new
        value (normalised the way the model field stores it)."""
        field = self.fields.get(name)
        if field is None or field.disabled or not hasattr(self, "cleaned_data"):
            return None
        if self.cleaned_data.get(f"{name}_clear"):
            return ""
        value = (self.cleaned_data.get(name) or self[name].data or "").strip()
        if not value:
            return None
        return canonical(self.instance._meta.get_field(name).to_python(value))

    def submitted(self, name: str) -> str | None:
        if name in self.replace_only:
            return self.replacement(name)
        return super().submitted(name)

    def tracked_names(self) -> list[str]:
        names = super().tracked_names()
        return names + [n for n in sorted(self.replace_only) if n not in names]

    def _post_clean(self) -> None:
        if self.conflict is None:
            for name in self.replace_only:
                value = self.replacement(name)
                if value is not None:
                    setattr(self.instance, name, value)
        super()._post_clean()


def edit_page(request: HttpRequest, obj: models.Model, form_class: type[EditForm],
              template: str, *, jurisdiction: Any, success_url: str,
              context: dict | None = None, target: dict | None = None) -> HttpResponse:
    require_edit(request.user, jurisdiction, **(target or {}))
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, instance=obj, user=request.user)
        try:
            with transaction.atomic():
                if form.is_valid():
                    before = form.before
                    saved = form.save()
                    # The form only offers places the user may edit; check anyway, and undo.
                    model = type(saved)
                    if not model.objects.within(scope_of(request.user)).filter(pk=saved.pk).exists():
                        raise PermissionDenied("保存后该记录将不在您的辖区范围内，未保存。")
                    changes = form.changes_between(before, saved)
                    if changes:
                        # The audit log records the update itself (audit/tracking.py).
                        messages.success(request, f"已保存对“{saved}”的修改。")
                    else:
                        messages.info(request, "没有修改任何内容。")
                    return redirect(success_url)
        except ConcurrentEdit:
            # Someone saved between our check and our UPDATE (only possible without row locks).
            form.mark_conflict(type(obj)._base_manager.get(pk=obj.pk))
        if form.conflict is not None:
            status = 409
    else:
        form = form_class(instance=obj, user=request.user)
    return render(request, template, {
        "form": form, "obj": obj, "conflict": form.conflict, "cancel_url": success_url,
        **(context or {}),
    }, status=status)
