"""Roles as Django groups and permissions, derived from `rights.ROLE_RIGHTS`.

`rights.py` stays the one table. From it, after every migrate, each Right becomes a permission
(`accounts.<right>`, e.g. `accounts.manage_users`) and each Role a group (named by its Chinese
label) holding exactly its rights' permissions. A user's role groups follow their assignments
(signals in `signals.py`), so `user.has_perm("accounts.export")` and the back office agree with
`has_right`. `has_right` remains what views call: it also knows *where* a right holds.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, transaction

from .models import Profile, Role
from .rights import ROLE_RIGHTS, Right

APP_LABEL = "accounts"
_DEFAULT_CODENAMES = {f"{action}_profile" for action in ("add", "change", "delete", "view")}


def permission_name(right: str) -> str:
    return f"{APP_LABEL}.{right}"


@transaction.atomic
def sync_role_groups(using: str = DEFAULT_DB_ALIAS) -> dict[str, Group]:
    """Create or update the permissions and groups; remove permissions of retired rights."""
    content_type = ContentType.objects.db_manager(using).get_for_model(
        Profile, for_concrete_model=True)
    perms: dict[str, Permission] = {}
    for right in Right:
        perm, _ = Permission.objects.using(using).update_or_create(
            content_type=content_type, codename=right.value, defaults={"name": right.label})
        perms[right.value] = perm
    (Permission.objects.using(using).filter(content_type=content_type)
     .exclude(codename__in=[*perms, *_DEFAULT_CODENAMES]).delete())
    groups: dict[str, Group] = {}
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.label)
        group.permissions.set([perms[r] for r in ROLE_RIGHTS.get(role, ())])
        groups[role.value] = group
    return groups


def sync_user_groups(user_id: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """Put the user in the groups of the roles they hold, and out of the other role groups
    (groups that are not roles are left alone)."""
    User = get_user_model()
    user = User.objects.using(using).filter(pk=user_id).first()
    if user is None:
        return
    labels = {role.value: role.label for role in Role}
    groups = {g.name: g for g in Group.objects.using(using).filter(name__in=labels.values())}
    if len(groups) < len(labels):
        groups = {g.name: g for g in sync_role_groups(using).values()}
    held = {labels[r] for r in user.assignments.values_list("role", flat=True) if r in labels}
    current = set(user.groups.filter(name__in=labels.values()).values_list("name", flat=True))
    if remove := current - held:
        user.groups.remove(*(groups[n] for n in remove))
    if add := held - current:
        user.groups.add(*(groups[n] for n in add))


def sync_all(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: the groups, then every user who holds or held a role."""
    sync_role_groups(using)
    User = get_user_model()
    role_groups = [role.label for role in Role]
    ids = set(User.objects.using(using).filter(assignments__isnull=False).values_list("pk", flat=True))
    ids |= set(User.objects.using(using).filter(groups__name__in=role_groups)
               .values_list("pk", flat=True))
    for user_id in ids:
        sync_user_groups(user_id, using)
