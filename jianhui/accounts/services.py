"""Managing accounts: create, grant and remove roles, disable, reset passwords.

The `jianhui users` command and the /users/ pages both call these, so both apply the same
rules (one role per jurisdiction; a county administrator grants only inside their own
subtree) and both write the same audit events (Action.USERS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jianhui.audit.log import operator, record
from jianhui.audit.models import Action
from jianhui.lib.scoping import paths_q
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import UnionOrganisation

from .models import Assignment, Profile, Role
from .passwords import generate_password
from .rights import ROLE_RIGHTS, Right, has_right, roles_of


class UserAdminError(ValueError):
    """A refusal with a Chinese message saying what to fix."""


@dataclass
class Added:
    user: Any
    assignment: Assignment
    created: bool
    password: str | None  # the generated initial password, shown once; None otherwise

    def as_json(self) -> dict[str, Any]:
        return {
            "username": self.user.username, "name": self.user.first_name,
            "created": self.created, "assignment": assignment_json(self.assignment),
            "password": self.password,
            "must_change_password": _must_change(self.user),
        }


def assignment_json(a: Assignment) -> dict[str, Any]:
    return {
        "role": a.role, "role_name": a.get_role_display(),
        "jurisdiction": a.jurisdiction.code, "jurisdiction_name": a.jurisdiction.name,
        "organisation": a.organisation.key if a.organisation_id else None,
        "organisation_name": a.organisation.name if a.organisation_id else None,
    }


def _must_change(user) -> bool:
    return Profile.objects.filter(user=user, must_change_password=True).exists()


def _audit(by, user, op: str, **detail) -> None:
    record(Action.USERS, user=by, username="" if by is not None else operator(),
           model="auth.User", object_key=user.username, object_repr=user.first_name or user.username,
           detail={"op": op, **detail})


# --- who may manage whom ------------------------------------------------------------------------

def manage_paths(admin) -> list[str] | None:
    """Subtrees where `admin` manages users: None for everywhere (superuser, or the CLI)."""
    if admin is None or admin.is_superuser:
        return None
    return sorted({path for role, path in roles_of(admin)
                   if Right.MANAGE_USERS in ROLE_RIGHTS.get(role, ())})


def check_can_grant(admin, jurisdiction: Jurisdiction) -> None:
    if admin is not None and not has_right(admin, Right.MANAGE_USERS, jurisdiction):
        raise UserAdminError(
            f"{jurisdiction.name}不在您管理的辖区范围内，您只能在自己的辖区内分配或移除角色。")


def can_manage(admin, target) -> bool:
    """May `admin` disable, enable or reset the password of `target`? Only when every role of
    the target lies in the admin's subtrees (a park's administrator must not lock out a
    county leader who also holds a role in the park), never a superuser or back-office
    (staff) account unless one, never themselves (for disabling: see `set_active`)."""
    paths = manage_paths(admin)
    if paths is None:
        return True
    if target.is_superuser or target.is_staff or not paths:
        return False  # back-office accounts are the superusers' to manage
    return all(any(p.startswith(m) for m in paths)
               for p in target.assignments.values_list("jurisdiction__path", flat=True))


def visible_users(admin):
    """Users an administrator's list shows: those with a role in their subtrees, and those
    without any role (so a new or stripped account can be found again)."""
    User = get_user_model()
    qs = User.objects.all()
    paths = manage_paths(admin)
    if paths is None:
        return qs
    if not paths:
        return qs.none()
    in_area = Assignment.objects.filter(paths_q("jurisdiction__path", paths)).values("user_id")
    return qs.filter(Q(pk__in=in_area) | Q(assignments__isnull=True)).distinct()


def grantable_jurisdictions(admin):
    return Jurisdiction.objects.filter(paths_q("path", manage_paths(admin)))


def grantable_organisations(admin):
    return UnionOrganisation.objects.filter(paths_q("jurisdiction__path", manage_paths(admin)))


# --- the acts ------------------------------------------------------------------------------------

def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def validate_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise UserAdminError("请填写用户名。")
    if len(username) > 150:
        raise UserAdminError("用户名不能超过 150 个字符。")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise UserAdminError(
            f"用户名“{username}”含有不允许的字符：只能使用字母、数字和 @ . + - _。") from exc
    return username


def _assignment(user, role: str, jurisdiction: Jurisdiction,
                organisation: UnionOrganisation | None) -> Assignment:
    if role not in Role.values:
        raise UserAdminError(
            f"没有角色“{role}”；可选：" + "、".join(f"{v}（{label}）" for v, label in Role.choices))
    held = (Assignment.objects.filter(user=user, jurisdiction=jurisdiction).first()
            if user.pk else None)
    if held is not None:
        raise UserAdminError(
            f"用户“{user.username}”在{jurisdiction.name}已担任{held.get_role_display()}；"
            "同一辖区只能担任一个角色。如需更换，请先移除原角色。")
    if role == Role.AUDITOR and jurisdiction.parent_id is not None:
        # The audit log is not divided by area: an auditor reads the whole county's, so only
        # whoever manages the whole county may appoint one.
        top_code = jurisdiction.path.strip("/").split("/")[0]
        top = Jurisdiction.objects.filter(code=top_code).first()
        raise UserAdminError(
            f"审计员查看的是全县的审计日志，只能在{top.name if top else '最高一级辖区'}授予，"
            f"不能在{jurisdiction.name}授予；请由县总工会管理员分配。")
    a = Assignment(user=user, role=role, jurisdiction=jurisdiction, organisation=organisation)
    try:
        a.clean()
    except ValidationError as exc:
        raise UserAdminError(_messages(exc)) from exc
    return a


@transaction.atomic
def add_user(username: str, *, role: str, jurisdiction: Jurisdiction,
             organisation: UnionOrganisation | None = None, name: str = "",
             password: str | None = None, by=None) -> Added:
    """Create the account with one role, or give an existing account one more role.

    A new account gets `password` or a generated one, and must change it at first login.
    """
    User = get_user_model()
    username = validate_username(username)
    check_can_grant(by, jurisdiction)
    user = User.objects.filter(username=username).first()
    created = user is None
    generated = None
    if not created:
        if password is not None:
            raise UserAdminError(
                f"用户“{username}”已存在；只能为其增加角色。如需更换密码，请使用“重置密码”。")
        if by is not None and not can_manage(by, user):
            raise UserAdminError(f"用户“{username}”在您管理的辖区之外也有角色，不能由您修改。")
        if name and name != user.first_name:
            user.first_name = name
            user.save(update_fields=["first_name"])
    else:
        user = User(username=username, first_name=name.strip())
    assignment = _assignment(user, role, jurisdiction, organisation)
    if created:
        if password is None:
            password = generated = _valid_generated(user)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise UserAdminError("密码不符合要求：" + _messages(exc)) from exc
        user.set_password(password)
        user.save()
        Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
        assignment.user = user
    assignment.save()
    _audit(by, user, "create" if created else "add_role", **assignment_json(assignment))
    return Added(user=user, assignment=assignment, created=created, password=generated)


def _valid_generated(user) -> str:
    while True:
        candidate = generate_password()
        try:
            password_validation.validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate


@transaction.atomic
def remove_assignment(assignment: Assignment, by=None) -> None:
    check_can_grant(by, assignment.jurisdiction)
    detail = assignment_json(assignment)
    user = assignment.user
    assignment.delete()
    _audit(by, user, "remove_role", **detail)


@transaction.atomic
def set_name(user, name: str, by=None) -> None:
    name = name.strip()
    if not name:
        raise UserAdminError("请填写姓名。")
    if by is not None and not can_manage(by, user):
        raise UserAdminError(f"用户“{user.username}”在您管理的辖区之外也有角色，不能由您修改。")
    old = user.first_name
    user.first_name = name[:150]
    user.save(update_fields=["first_name"])
    _audit(by, user, "rename", old=old, new=user.first_name)


@transaction.atomic
def set_active(user, active: bool, by=None) -> None:
    if by is not None and by.pk == user.pk and not active:
        raise UserAdminError("不能停用自己的账号。")
    if by is not None and not can_manage(by, user):
        raise UserAdminError(f"用户“{user.username}”在您管理的辖区之外也有角色，不能由您停用或启用。")
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit(by, user, "enable" if active else "disable")


@transaction.atomic
def reset_password(user, by=None) -> str:
    """A new generated password, shown once; the user must change it at the next login.
    Their open sessions end (Django ties a session to the password hash)."""
    if by is not None and not can_manage(by, user):
        raise UserAdminError(f"用户“{user.username}”在您管理的辖区之外也有角色，不能由您重置密码。")
    password = _valid_generated(user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    _audit(by, user, "reset_password")
    return password


def is_locked_out(user) -> bool:
    """Locked out from some address right now (django-axes' failures within the cool-off)."""
    from axes.models import AccessAttempt
    from django.conf import settings

    return AccessAttempt.objects.filter(
        username=user.username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).exists()


@transaction.atomic
def unlock(user, by=None) -> int:
    """Lift a lockout before the cool-off ends (the user called, the administrator checked)."""
    from axes.handlers.proxy import AxesProxyHandler

    if by is not None and not can_manage(by, user):
        raise UserAdminError(f"用户“{user.username}”在您管理的辖区之外也有角色，不能由您解除锁定。")
    count = AxesProxyHandler.reset_attempts(username=user.username)
    _audit(by, user, "unlock", attempts=count)
    return count


def password_changed(user) -> None:
    """The user chose their own password: the duty to change it is met."""
    Profile.objects.filter(user=user).update(must_change_password=False,
                                             password_changed_at=timezone.now())
