"""`can_import` in every template (the nav shows 数据导入 only to users holding the right)."""

from __future__ import annotations

from jianhui.accounts.rights import Right, has_right


def rights(request) -> dict:
    # A callable: templates call it only where they ask, so other pages pay nothing.
    return {"can_import": lambda: has_right(getattr(request, "user", None), Right.IMPORT)}
