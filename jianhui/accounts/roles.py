"""What each role may do: one table, read by the Scope (scope.py), the views, the exports and
the tests. Superusers (back office) hold every right."""

from __future__ import annotations

from django.db import models

from .models import Role


class Right(models.TextChoices):
    VIEW = "view", "查看辖区数据"
    EDIT = "edit", "维护辖区数据"
    IMPORT = "import", "导入数据"
    EXPORT = "export", "导出数据"
    REVEAL_PII = "reveal_pii", "查看完整身份证号和手机号（需说明理由）"
    MANAGE_USERS = "manage_users", "管理用户和角色"
    VIEW_AUDIT = "view_audit", "查看和导出审计日志"
    CONFIRM_ESCALATION = "confirm_escalation", "确认督办升级"
    LOCK_ASSESSMENT = "lock_assessment", "锁定年度考核"


ROLE_RIGHTS: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: frozenset({
        Right.VIEW, Right.EDIT, Right.IMPORT, Right.EXPORT, Right.REVEAL_PII, Right.MANAGE_USERS,
    }),
    Role.COUNTY_LEADER: frozenset({
        Right.VIEW, Right.EXPORT, Right.CONFIRM_ESCALATION, Right.LOCK_ASSESSMENT,
    }),
    Role.TASK_FORCE: frozenset({Right.VIEW, Right.EDIT, Right.IMPORT, Right.EXPORT}),
    Role.AREA_OFFICER: frozenset({
        Right.VIEW, Right.EDIT, Right.IMPORT, Right.EXPORT, Right.REVEAL_PII,
    }),
    # Own organisation's roster and reports only (the scope narrows to the organisation).
    Role.UNION_CHAIR: frozenset({Right.VIEW, Right.EDIT, Right.EXPORT, Right.REVEAL_PII}),
    Role.AUDITOR: frozenset({Right.VIEW_AUDIT}),
}


# Other ways people write a role's name.
ROLE_ALIASES = {"园区工会干部": Role.AREA_OFFICER, "乡镇工会干部": Role.AREA_OFFICER,
                "园区乡镇工会干部": Role.AREA_OFFICER, "工作专班": Role.TASK_FORCE,
                "工会主席": Role.UNION_CHAIR}


def role_named(text: str) -> str | None:
    """The role code for a code (`county_admin`) or a Chinese name (县总工会管理员); None when
    it names no role."""
    text = (text or "").strip()
    for code, label in Role.choices:
        if text in (code, label):
            return code
    return ROLE_ALIASES.get(text)


def role_names(sep: str = "、") -> str:
    """The roles as a user may type them, for help texts and error messages."""
    return sep.join(f"{label}（{code}）" for code, label in Role.choices)
