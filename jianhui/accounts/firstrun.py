"""Starting with one's own county: the top jurisdiction and its first administrator.

`jianhui init` and the web 初始化 page both call `initialise`. It runs once: a database that
already has a top jurisdiction is refused. The web page is offered only while the database is
empty (no user, no jurisdiction), and only to the machine itself or to whoever holds the one-time
token that `jianhui serve` prints (kept in the data directory, removed once used).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from jianhui.regions.models import TOP_KINDS, Jurisdiction, JurisdictionKind, kind_from_name

from .models import Profile, Role
from .services import UserAdminError, add_user

TOKEN_FILE = "init_token"


class InitRefused(UserAdminError):
    """Initialisation is not possible (already done, or bad input): a Chinese message."""


@dataclass
class Initialised:
    jurisdiction: Jurisdiction
    user: Any


def is_empty() -> bool:
    """No user and no jurisdiction: a fresh installation."""
    return not (get_user_model().objects.exists() or Jurisdiction.objects.exists())


def already_initialised_message(top: Jurisdiction) -> str:
    return (f"已经初始化过：数据库中已有顶级辖区「{top.name}」（代码 {top.code}）。"
            "初始化只能运行一次；如需增加管理员，请用 jianhui users add 或「用户管理」页面。")


def check_code(code: str) -> str:
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise InitRefused("请填写辖区代码，即行政区划代码（如旌阳区 510603）。")
    if "/" in code or len(code) > 32:
        raise InitRefused(f"辖区代码「{code}」无效：请填写行政区划代码（数字，如 510603）。")
    return code


@transaction.atomic
def initialise(*, name: str, code: str, admin: str, password: str, parent_name: str = "",
               kind: str = "", admin_name: str = "") -> Initialised:
    """Create the top jurisdiction (a county, a city or a province) and its first county
    administrator, who has chosen their own password (no forced change at first login)."""
    top = Jurisdiction.objects.tops().first()
    if top is not None:
        raise InitRefused(already_initialised_message(top))
    name = (name or "").strip()
    if not name:
        raise InitRefused("请填写本县（区、市、省）的名称，如「旌阳区」。")
    code = check_code(code)
    kind = kind or kind_from_name(name)
    if kind not in TOP_KINDS:
        raise InitRefused("顶级辖区的类型只能是省、市、县或区。")
    parent_name = (parent_name or "").strip()
    jurisdiction = Jurisdiction(code=code, name=name, kind=kind,
                                full_name=f"{parent_name}{name}" if parent_name else "")
    jurisdiction.save()
    added = add_user(admin, role=Role.COUNTY_ADMIN, jurisdiction=jurisdiction,
                     name=admin_name, password=password)
    Profile.objects.filter(user=added.user).update(must_change_password=False)
    return Initialised(jurisdiction=jurisdiction, user=added.user)


def kind_label(kind: str) -> str:
    return JurisdictionKind(kind).label


# --- the one-time token of the web page -----------------------------------------------------

def _token_path() -> Path:
    return Path(settings.DATA_DIR) / TOKEN_FILE


def issue_token() -> str:
    """A new one-time token for the 初始化 page (printed by `jianhui serve` on an empty
    database), readable only by the data directory's owner."""
    path = _token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(token, encoding="utf-8")
    return token


def token_matches(given: str | None) -> bool:
    path = _token_path()
    if not given or not path.exists():
        return False
    return hmac.compare_digest(path.read_text(encoding="utf-8").strip(), given)


def discard_token() -> None:
    _token_path().unlink(missing_ok=True)


NEXT_STEPS = """下一步：
  1. 启动服务：uv run jianhui serve，用浏览器打开 http://127.0.0.1:8000/ ，用 {admin} 登录。
  2. 进入「数据导入」页面，下载各类导入模板，按模板的列填好本县的数据。
  3. 按顺序导入：辖区 → 企业 → 工会组织 → 覆盖关系（如有）→ 会员；也可以用命令行，如
     uv run jianhui import jurisdictions 辖区.xlsx --user {admin}
  导入完成后，「工作台」显示{name}的建会率、入会率等统计。"""
