from django import template

register = template.Library()


@register.filter
def who(user, fallback: str = "") -> str:
    """A user as people call them (name, else login), or the fallback (a stored name)."""
    if user is None:
        return fallback or "—"
    return user.first_name or user.username
