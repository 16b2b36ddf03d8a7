"""Domain changes in the audit log: one event per create, update and delete of a tracked row.

How it works
    pre_save loads the stored values of the row about to be updated (one query by primary key,
    only the tracked columns, only for updates); post_save compares them with what was saved
    and records the changed fields as ``{field name: [before, after]}``; post_delete records
    the last values of a deleted row. Nothing runs when rows are *read*: listing the demo's
    15,000 members costs exactly what it did before (no post_init snapshot).

What is kept
    Editable concrete fields only: derived and bookkeeping columns (materialised paths,
    pinyin initials, versions, created/updated stamps, gender and birth date derived from
    the ID number) are left out, so an event lists what a person changed. Values are stored
    readable: choices as their Chinese label, foreign keys as "name（public key）", dates
    as ISO strings. Personal data is masked before it is written: ID numbers through
    `mask_id_number`, phones through `mask_phone`; a password is never copied, the event
    says "密码已修改". A user's `last_login` is not a change (logins are their own events).

Object keys
    Each event names its object by the public key a cadre would recognise: jurisdiction
    code, credit code, organisation key, "<credit code>/<date>" for a survey,
    "<organisation key>/<credit code>/<start>" for a coverage, "<username>/<jurisdiction
    code>" for a role assignment, and "<masked ID> <name>" for a member.

Bulk writes are not seen here
    `QuerySet.update()`, `bulk_create()` and `bulk_update()` send no signals. Code that writes
    in bulk (the imports, the demo county) records one `Action.IMPORT` event itself, with
    the file, counts and user; row-by-row writers (services, admin, the jurisdiction import,
    which saves one node at a time) are recorded here row by row. Proxy models are not
    tracked (signals are connected to the concrete classes, so that fast deletes of untracked
    models are not slowed down).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from jianhui.lib.codes import mask_id_number
from jianhui.unions.personal import personal_fields

from .log import current_request, operator, record
from .models import Action

PASSWORD_CHANGED = "密码已修改"


PASSWORD_SET = "已设置密码"


def related_key(obj: models.Model, name: str) -> str:
    """The public key of obj.<name>, or its id if that row is gone."""
    try:
        related = getattr(obj, name)
    except ObjectDoesNotExist:
        return f"#{getattr(obj, name + '_id')}"
    return key_of(related) if related is not None else ""


@dataclass(frozen=True)
class Tracked:
    key: Callable[[Any], str]
    exclude: frozenset[str] = frozenset()


TRACKED: dict[str, Tracked] = {
    "regions.Jurisdiction": Tracked(key=lambda j: j.code),
    "enterprises.Enterprise": Tracked(key=lambda e: e.credit_code),
    "enterprises.EmployeeSurvey": Tracked(
        key=lambda s: f"{related_key(s, 'enterprise')}/{s.surveyed_on}"),
    "unions.UnionOrganisation": Tracked(key=lambda o: o.key),
    "unions.Coverage": Tracked(
        key=lambda c: f"{related_key(c, 'organisation')}/{related_key(c, 'enterprise')}"
                      f"/{c.start_on}"),
    "unions.Member": Tracked(key=lambda m: f"{mask_id_number(m.id_number or '')} {m.name}"),
    "accounts.Assignment": Tracked(
        key=lambda a: f"{related_key(a, 'user')}/{related_key(a, 'jurisdiction')}"),
    # last_login is a login, not a change; date_joined is the create event's own time.
    settings.AUTH_USER_MODEL: Tracked(key=lambda u: u.get_username(),
                                      exclude=frozenset({"last_login", "date_joined"})),
}


def tracked(model: type[models.Model]) -> Tracked | None:
    return TRACKED.get(model._meta.concrete_model._meta.label)


def key_of(obj: models.Model) -> str:
    """The public key of a tracked object (its id for anything else)."""
    spec = tracked(type(obj))
    return (spec.key(obj) if spec else str(obj.pk))[:100]


def describe(obj: models.Model) -> str:
    """How a foreign key value reads in the log: "高新区（510623400）"."""
    name, key = str(obj), key_of(obj)
    return name if name == key else f"{name}（{key}）"


def _fields(model: type[models.Model], update_fields) -> list[models.Field]:
    spec = tracked(model)
    if spec is None:
        return []
    out = [
        f for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in spec.exclude
    ]
    if update_fields is not None:
        out = [f for f in out if f.name in update_fields or f.attname in update_fields]
    return out


def masker(model: type[models.Model], f: models.Field | str) -> Callable[[str], str] | None:
    """How a field's values are masked wherever a person reads them (this log, the edit
    pages' conflict messages): the personal fields of unions/personal.py; None for others."""
    return personal_fields(model).get(f if isinstance(f, str) else f.name)


def _comparable(f: models.Field, value: Any) -> Any:
    try:
        return f.to_python(value)
    except ValidationError:
        return value


def _shown(instance: models.Model, f: models.Field, value: Any) -> Any:
    """A stored value as the log keeps it: readable, JSON-safe, masked where personal."""
    if value is None:
        return None
    if f.is_relation:
        cached = f.get_cached_value(instance, None) if f.is_cached(instance) else None
        if cached is None or cached.pk != value:
            cached = f.related_model._base_manager.filter(pk=value).first()
        return describe(cached) if cached is not None else f"#{value}"
    mask = masker(type(instance), f)
    if mask is not None:
        return mask(str(value)) if value != "" else ""
    if f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") \
            if timezone.is_aware(value) else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _who() -> str:
    # In a request, record() takes the request's user; outside one, name the command line.
    return "" if current_request() is not None else operator()


_untracked: contextvars.ContextVar[bool] = contextvars.ContextVar("jianhui_untracked",
                                                                   default=False)


@contextlib.contextmanager
def untracked():
    """Row-by-row events off for a bulk load (the demo's campaign): its caller records one
    event for the whole load instead, as the imports do."""
    token = _untracked.set(True)
    try:
        yield
    finally:
        _untracked.reset(token)


def _before_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs) -> None:
    if _untracked.get():
        return
    fields = _fields(sender, update_fields)
    before = None
    if fields and not instance._state.adding and instance.pk is not None:
        # order_by(): no model ordering, which for members would join the enterprise table.
        rows = (sender._base_manager.using(using).filter(pk=instance.pk).order_by()
                .values(*[f.attname for f in fields]))
        before = next(iter(rows), None)
    instance._audit_pending = (fields, before)


def _after_save(sender, instance, created=False, raw=False, using=None, update_fields=None,
                **kwargs) -> None:
    if _untracked.get():
        return
    fields, before = instance.__dict__.pop("_audit_pending", (None, None))
    if fields is None:
        fields = _fields(sender, update_fields)
    if not fields:
        return
    changes: dict[str, list[Any]] = {}
    for f in fields:
        after = getattr(instance, f.attname)
        if f.name == "password":
            if created or before is None:
                if instance.has_usable_password():
                    changes["password"] = [None, PASSWORD_SET]
            elif before[f.attname] != after:
                changes["password"] = [None, PASSWORD_CHANGED]
            continue
        if created or before is None:
            if not _empty(after) and after is not False:  # a new row's "no" flags say nothing
                changes[f.name] = [None, _shown(instance, f, after)]
        else:
            old = before[f.attname]
            if _comparable(f, old) != _comparable(f, after):
                changes[f.name] = [_shown(instance, f, old), _shown(instance, f, after)]
    if not changes and not created:
        return
    record(Action.CREATE if created or before is None else Action.UPDATE,
           model=sender._meta.label, object_key=key_of(instance),
           object_repr=str(instance), changes=changes, username=_who())


def _after_delete(sender, instance, using=None, **kwargs) -> None:
    if _untracked.get():
        return
    changes = {}
    for f in _fields(sender, None):
        value = getattr(instance, f.attname)
        if f.name != "password" and not _empty(value):
            changes[f.name] = [_shown(instance, f, value), None]
    record(Action.DELETE, model=sender._meta.label, object_key=key_of(instance),
           object_repr=str(instance), changes=changes, username=_who())


def connect() -> None:
    """Connect the handlers to each tracked model (called from AuditConfig.ready)."""
    for label in TRACKED:
        _connect(label)


def track(label: str, spec: Tracked) -> None:
    """Track one more model (a feature app's, from its AppConfig.ready): the audit log sits
    below the features and does not know their models."""
    TRACKED[label] = spec
    _connect(label)


def _connect(label: str) -> None:
    model = apps.get_model(label)
    uid = f"jianhui.audit.{label}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
    post_save.connect(_after_save, sender=model, dispatch_uid=uid)
    post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)
