"""Starting with one's own county: `jianhui init`, the web 初始化 page, the no-role page and the
command line in Chinese.

The test database holds the demo county, so what needs an empty database runs the real
command in a fresh data directory (SQLite), as a new user would.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.test import Client

from jianhui.accounts import firstrun
from jianhui.accounts.models import Assignment, Profile, Role
from jianhui.accounts.roles import role_named
from jianhui.cli import main
from jianhui.regions.models import Jurisdiction

PASSWORD = "Jingyang-Pass-2024"


def run(args: list[str], data_dir, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "JIANHUI_DATA_DIR": str(data_dir), "DATABASE_URL": ""}
    return subprocess.run([sys.executable, "-m", "jianhui.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=180)


# --- jianhui init ------------------------------------------------------------------------------

def test_init_on_a_fresh_data_dir_then_refuses_a_second_run(tmp_path):
    args = ["init", "--name", "旌阳区", "--code", "510603", "--parent-name", "德阳市",
            "--admin", "officer", "--password-stdin"]
    first = run(args, tmp_path, PASSWORD + "\n")
    assert first.returncode == 0, first.stderr
    assert "已初始化：德阳市旌阳区（区，代码 510603）" in first.stdout
    assert "下一步" in first.stdout and "jianhui import jurisdictions" in first.stdout
    # The administrator logs in with the chosen password, without a forced change, and holds
    # the county administrator's role on the new top jurisdiction.
    with sqlite3.connect(tmp_path / "jianhui.sqlite3") as con:
        rows = con.execute(
            "select u.username, a.role, j.code, p.must_change_password from auth_user u "
            "join accounts_assignment a on a.user_id = u.id "
            "join regions_jurisdiction j on j.id = a.jurisdiction_id "
            "join accounts_profile p on p.user_id = u.id").fetchall()
    assert rows == [("officer", "county_admin", "510603", 0)]
    second = run(args, tmp_path, PASSWORD + "\n")
    assert second.returncode != 0
    assert "已经初始化过" in second.stderr and "旌阳区" in second.stderr
    assert "CommandError" not in second.stderr


def test_init_refuses_a_database_that_has_a_top_jurisdiction(demo, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(CommandError, match="已经初始化过.*中江县"):
        call_command("init", "--name", "旌阳区", "--code", "510603", "--admin", "x",
                     "--password-stdin", stdout=io.StringIO())
    assert not Jurisdiction.objects.filter(code="510603").exists()
    assert not get_user_model().objects.filter(username="x").exists()


def test_init_without_a_terminal_asks_for_the_flags(tmp_path):
    result = run(["init", "--name", "旌阳区"], tmp_path)
    assert result.returncode != 0 and "缺少 --code" in result.stderr


# --- the web 初始化 page ------------------------------------------------------------------------

@pytest.fixture
def empty(db, monkeypatch, fresh_data_dir):
    """Pretend the database is empty (the demo stays underneath)."""
    monkeypatch.setattr(firstrun, "is_empty", lambda: True)
    return fresh_data_dir


def test_the_init_page_is_for_the_machine_itself_or_the_token_holder(empty):
    local = Client()
    assert local.get("/accounts/login/").url == "/accounts/init/"
    page = local.get("/accounts/init/")
    assert page.status_code == 200 and "初始化：建立本县和第一个管理员" in page.text
    remote = Client(REMOTE_ADDR="10.1.2.3")
    refused = remote.get("/accounts/init/")
    assert refused.status_code == 403 and "只能在服务器本机" in refused.text
    # A proxy on the machine itself does not make its clients local.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert proxied.get("/accounts/init/").status_code == 403
    token = firstrun.issue_token()
    assert (empty / firstrun.TOKEN_FILE).stat().st_mode & 0o777 == 0o600
    assert remote.get("/accounts/init/?token=wrong").status_code == 403
    assert remote.get(f"/accounts/init/?token={token}").status_code == 200
    assert remote.get("/accounts/init/").status_code == 200  # the session remembers it


def test_the_init_page_refuses_when_a_top_jurisdiction_exists(empty):
    """Posted on a database that is not empty after all: refused with the reason, nothing made."""
    response = Client().post("/accounts/init/", {
        "name": "旌阳区", "code": "510603", "admin": "officer2", "password": PASSWORD,
        "password2": PASSWORD})
    assert response.status_code == 400 and "已经初始化过" in response.text
    assert not get_user_model().objects.filter(username="officer2").exists()


def test_the_init_page_checks_its_fields(empty):
    response = Client().post("/accounts/init/", {
        "name": "旌阳区", "code": "510603", "admin": "officer2", "password": PASSWORD,
        "password2": PASSWORD + "x"})
    assert response.status_code == 400 and "两次输入的密码不一致" in response.text


def test_the_init_page_is_gone_once_there_is_data(db):
    response = Client().get("/accounts/init/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert Client().get("/accounts/login/").status_code == 200


# --- the no-role page ----------------------------------------------------------------------

def test_a_user_without_a_role_is_told_how_to_get_one(db):
    user = get_user_model().objects.create_user("norole", password=None)
    client = Client()
    client.force_login(user)
    page = client.get("/")
    assert page.status_code == 403
    assert "您的账号还没有角色" in page.text and "审计员" not in page.text
    assert "jianhui users add norole --role 县总工会管理员 --jurisdiction 510623" in page.text


def test_a_superuser_without_a_role_is_never_shown_as_an_auditor(db, monkeypatch):
    """Before any jurisdiction exists, a superuser made by `createsuperuser` sees what to do;
    even holding an auditor's role a superuser is no auditor."""
    user = get_user_model().objects.create_superuser("root", password=None)
    Assignment.objects.create(user=user, role=Role.AUDITOR,
                              jurisdiction=Jurisdiction.objects.get(code="510623"))
    monkeypatch.setattr(Jurisdiction.objects, "tops", lambda: Jurisdiction.objects.none())
    client = Client()
    client.force_login(user)
    page = client.get("/")
    assert "系统中还没有辖区" in page.text and "jianhui init" in page.text
    assert "审计员账号不查看业务数据" not in page.text and "<title>审计员" not in page.text


def test_a_superuser_without_a_role_sees_the_no_role_page(db):
    """Once the county exists, a superuser without a role lands on the no-role page (how to get
    a role, the back office, the county's figures), not on a dashboard nor an auditor's page;
    given a role, the same account sees its dashboard."""
    user = get_user_model().objects.create_superuser("root", password=None)
    client = Client()
    client.force_login(user)
    page = client.get("/")
    assert page.status_code == 403
    assert "您的账号还没有业务角色" in page.text and "审计员" not in page.text
    assert "jianhui users add root --role 县总工会管理员 --jurisdiction 510623" in page.text
    assert 'href="/?j=510623"' in page.text
    assert client.get("/", {"j": "510623"}).status_code == 200
    Assignment.objects.create(user=user, role=Role.COUNTY_ADMIN,
                              jurisdiction=Jurisdiction.objects.get(code="510623"))
    assert client.get("/").status_code == 200


# --- the command line in Chinese -----------------------------------------------------------

OUR_COMMANDS = sorted(name for name, app in get_commands().items() if app.startswith("jianhui"))


def _actions(parser):
    for action in parser._actions:
        yield action
        if isinstance(action.choices, dict):  # subcommands
            for sub in action.choices.values():
                yield from _actions(sub)


@pytest.mark.parametrize("name", OUR_COMMANDS)
def test_every_option_of_our_commands_has_chinese_help(name):
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("jianhui", name)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in command.help), name
    for action in _actions(parser):
        if action.help == "==SUPPRESS==" or action.dest == "action":
            continue
        assert action.help and any("\u4e00" <= ch <= "\u9fff" for ch in action.help), (
            name, action.option_strings or action.dest)


def test_usage_shows_the_command_as_typed(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["jianhui", "load-demo", "--help"])
    with pytest.raises(SystemExit):
        main(["load-demo", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：jianhui load-demo") and "load_demo" not in out
    assert "显示本帮助并退出" in out and "输出详细程度" in out and "Verbosity" not in out


def test_jianhui_alone_lists_the_commands_in_chinese(capsys):
    main([])
    out = capsys.readouterr().out
    assert "本系统的命令" in out and "  init " in out and "  load-demo " in out
    assert out.index("  import ") < out.index("  stats ") and "migrate" in out


def test_argparse_errors_are_chinese(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["jianhui", "stats", "--bogus"])
    with pytest.raises(SystemExit) as exit_:
        main(["stats", "--bogus"])
    assert exit_.value.code == 2
    assert "无法识别的参数：--bogus" in capsys.readouterr().err


@pytest.mark.parametrize("text, code", [
    ("county_admin", Role.COUNTY_ADMIN), ("县总工会管理员", Role.COUNTY_ADMIN),
    ("园区/乡镇工会干部", Role.AREA_OFFICER), ("乡镇工会干部", Role.AREA_OFFICER),
    ("审计员", Role.AUDITOR), ("管理员", None),
])
def test_roles_are_named_in_chinese_or_by_code(text, code):
    assert role_named(text) == code


def test_users_add_takes_a_chinese_role_name(demo):
    out, err = io.StringIO(), io.StringIO()
    call_command("users", "add", "zhangsan", "--role", "园区/乡镇工会干部", "--jurisdiction",
                 "510623400", stdout=out, stderr=err)
    a = Assignment.objects.get(user__username="zhangsan")
    assert a.role == Role.AREA_OFFICER and a.jurisdiction.code == "510623400"
    assert Profile.objects.get(user=a.user).must_change_password


def test_users_add_on_an_empty_database_points_to_init(db, monkeypatch):
    monkeypatch.setattr(Jurisdiction.objects, "tops", lambda: Jurisdiction.objects.none())
    with pytest.raises(CommandError, match="还没有任何辖区.*jianhui init"):
        call_command("users", "add", "officer", "--role", "县总工会管理员", "--jurisdiction",
                     "510603", stdout=io.StringIO())


def test_users_add_on_an_unknown_jurisdiction_names_a_real_code(demo):
    with pytest.raises(CommandError, match="如中江县 510623"):
        call_command("users", "add", "lisi", "--role", "审计员", "--jurisdiction", "999",
                     stdout=io.StringIO())
