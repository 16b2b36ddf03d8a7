"""`{% load audit %}{% if user|can_view_audit %}`: the nav link to the audit log."""

from __future__ import annotations

from django import template

from jianhui.accounts.rights import Right, has_right

register = template.Library()


@register.filter
def can_view_audit(user) -> bool:
    return has_right(user, Right.VIEW_AUDIT)
