"""`jianhui users add|list|disable|enable`: accounts and roles from the command line.

    jianhui users add USERNAME --role ROLE --jurisdiction CODE [--organisation KEY]
                      [--name 姓名] [--password-stdin] [--json]
    jianhui users list [--json]
    jianhui users disable USERNAME   /   jianhui users enable USERNAME

`add` creates the account (or gives an existing one another role: one role per
jurisdiction). Without --password-stdin a strong initial password is generated and printed
once: on stderr, or in the JSON. Either way the user must change it at first login.
"""

from __future__ import annotations

import argparse
import json
import sys

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch
from django_otp.plugins.otp_totp.models import TOTPDevice

from jianhui.accounts import services
from jianhui.accounts.models import Assignment, Profile
from jianhui.accounts.roles import role_named, role_names
from jianhui.lib.commands import BaseCommand, CommandError
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import UnionOrganisation


def missing_jurisdiction(code: str) -> str:
    """No such jurisdiction: name a real code as the example, or say how to begin."""
    top = Jurisdiction.objects.tops().first()
    if top is None:
        return (f"没有辖区代码为“{code}”的辖区：数据库中还没有任何辖区。请先运行 jianhui init "
                "建立本县（区、市、省）和第一个管理员，再导入下级辖区。")
    return f"没有辖区代码为“{code}”的辖区，请填写辖区代码（如{top.name} {top.code}）。"


def role_argument(text: str) -> str:
    code = role_named(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"没有角色“{text}”，可选：{role_names()}")
    return code


class Command(BaseCommand):
    help = "管理用户账号和角色：add 新增用户或角色，list 列出用户，disable/enable 停用或启用账号。"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,list,disable,enable}")
        add = sub.add_parser("add", help="新增用户，或为已有用户增加一个角色")
        add.add_argument("username", help="用户名（登录时输入）")
        add.add_argument("--role", required=True, type=role_argument, metavar="ROLE",
                         help="角色，中文名称或代码均可： " + role_names(" "))
        add.add_argument("--jurisdiction", required=True, metavar="CODE", help="辖区代码")
        add.add_argument("--organisation", metavar="KEY", help="工会组织编号（企业工会主席必填）")
        add.add_argument("--name", default="", help="中文姓名")
        add.add_argument("--password-stdin", action="store_true",
                         help="从标准输入读取初始密码（第一行）；不给则自动生成")
        add.add_argument("--json", action="store_true", help="以 JSON 输出结果（含生成的初始密码）")
        lst = sub.add_parser("list", help="列出用户及其角色")
        lst.add_argument("--json", action="store_true", help="以 JSON 输出到标准输出")
        for name, text in (("disable", "停用账号（不能再登录）"), ("enable", "重新启用账号")):
            p = sub.add_parser(name, help=text)
            p.add_argument("username", help="用户名")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        try:
            getattr(self, f"_{action}")(options)
        except services.UserAdminError as exc:
            raise CommandError(str(exc)) from exc

    def _add(self, options) -> None:
        code = options["jurisdiction"].strip()
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            raise CommandError(missing_jurisdiction(code))
        organisation = None
        if key := (options.get("organisation") or "").strip():
            organisation = UnionOrganisation.objects.filter(key=key).first()
            if organisation is None:
                raise CommandError(f"没有编号为“{key}”的工会组织，请核对组织编号（如 510623400-001）。")
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("标准输入中没有读到密码。")
        added = services.add_user(options["username"], role=options["role"],
                                  jurisdiction=jurisdiction, organisation=organisation,
                                  name=options["name"].strip(), password=password)
        a = added.assignment
        what = "已创建用户" if added.created else "已为用户增加角色"
        summary = (f"{what} {added.user.username}"
                   f"（{a.get_role_display()}，{a.jurisdiction.name}"
                   + (f"，{a.organisation.name}" if a.organisation_id else "") + "）")
        if options["json"]:
            self.stdout.write(json.dumps(added.as_json(), ensure_ascii=False))
            self.stderr.write(summary)
            return
        if added.password:
            self.stderr.write(f"初始密码（只显示这一次，首次登录须修改）：{added.password}")
        self.stdout.write(summary, style_func=self.style.SUCCESS)

    def _list(self, options) -> None:
        users = (
            get_user_model().objects.order_by("username")
            .annotate(
                must_change=Exists(Profile.objects.filter(user=OuterRef("pk"),
                                                          must_change_password=True)),
                totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            )
            .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related(
                "jurisdiction", "organisation").order_by("jurisdiction__path")))
        )
        rows = [{
            "username": u.username, "name": u.first_name, "active": u.is_active,
            "superuser": u.is_superuser, "must_change_password": u.must_change,
            "totp": u.totp,
            "last_login": u.last_login.isoformat() if u.last_login else None,
            "assignments": [services.assignment_json(a) for a in u.assignments.all()],
        } for u in users]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
        else:
            for r in rows:
                roles = "；".join(
                    f"{a['role_name']} {a['jurisdiction_name']}"
                    + (f" {a['organisation_name']}" if a["organisation"] else "")
                    for a in r["assignments"]) or "（未分配角色）"
                state = "" if r["active"] else " [已停用]"
                self.stdout.write(f"{r['username']}\t{r['name'] or '—'}\t{roles}{state}")
        self.stderr.write(f"共 {len(rows)} 个用户。")

    def _set_active(self, options, active: bool) -> None:
        username = options["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为“{username}”的用户。")
        services.set_active(user, active)
        self.stderr.write(f"已{'启用' if active else '停用'}用户 {username}。",
                          style_func=self.style.SUCCESS)

    def _disable(self, options) -> None:
        self._set_active(options, False)

    def _enable(self, options) -> None:
        self._set_active(options, True)
