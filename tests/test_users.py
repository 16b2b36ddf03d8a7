"""Managing accounts: `jianhui users` and the /users/ pages, with the same rules (one role per
jurisdiction, grants only inside the administrator's subtree) and the same audit events."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client

from jianhui.accounts.models import Assignment, Profile, Role
from jianhui.audit.models import Action, AuditEvent
from jianhui.regions.models import Jurisdiction
from jianhui.unions.models import UnionOrganisation

User = get_user_model()
GAOXIN, KAIZHOU, COUNTY = "510623400", "510623401", "510623"


def users(*args: str, stdin: str | None = None, monkeypatch=None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("users", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def org_in(code: str) -> UnionOrganisation:
    return UnionOrganisation.objects.filter(jurisdiction__code=code).order_by("key").first()


# --- the command -----------------------------------------------------------------------------

def test_users_add_json_creates_the_account_with_a_one_time_password(demo):
    out, err = users("add", "liuyang", "--role", "area_officer", "--jurisdiction", GAOXIN,
                     "--name", "刘洋", "--json")
    data = json.loads(out)
    assert set(data) == {"username", "name", "created", "assignment", "password",
                         "must_change_password"}
    assert data["assignment"] == {
        "role": "area_officer", "role_name": "园区/乡镇工会干部", "jurisdiction": GAOXIN,
        "jurisdiction_name": "高新区", "organisation": None, "organisation_name": None}
    assert (data["username"], data["name"], data["created"], data["must_change_password"]) == (
        "liuyang", "刘洋", True, True)
    user = User.objects.get(username="liuyang")
    assert user.check_password(data["password"]) and len(data["password"]) >= 16
    validate_password(data["password"], user)
    assert data["password"] not in err and "已创建用户 liuyang" in err
    event = AuditEvent.objects.get(action=Action.USERS, object_key="liuyang")
    assert event.detail["op"] == "create" and event.detail["jurisdiction"] == GAOXIN
    assert event.username.startswith("命令行")
    assert data["password"] not in json.dumps(event.detail)


def test_users_add_prints_the_password_once_on_stderr(demo):
    out, err = users("add", "zhoumin", "--role", "task_force", "--jurisdiction", COUNTY)
    assert "已创建用户 zhoumin" in out and "工作专班成员" in out
    password = err.split("：", 1)[1].strip()
    assert password not in out and User.objects.get(username="zhoumin").check_password(password)


def test_users_add_reads_the_password_from_stdin_and_checks_it(demo, monkeypatch):
    with pytest.raises(CommandError, match="密码不符合要求.*至少需要 10 个字符"):
        users("add", "sunli", "--role", "auditor", "--jurisdiction", COUNTY,
              "--password-stdin", stdin="Ab1-\n", monkeypatch=monkeypatch)
    assert not User.objects.filter(username="sunli").exists()
    out, _ = users("add", "sunli", "--role", "auditor", "--jurisdiction", COUNTY,
                   "--password-stdin", "--json", stdin="Shen-Ji-2024\n", monkeypatch=monkeypatch)
    assert json.loads(out)["password"] is None  # not generated, so not echoed
    user = User.objects.get(username="sunli")
    assert user.check_password("Shen-Ji-2024") and user.profile.must_change_password


def test_one_role_per_jurisdiction_and_more_roles_elsewhere(demo):
    users("add", "hejun", "--role", "area_officer", "--jurisdiction", GAOXIN, "--json")
    with pytest.raises(CommandError, match="在高新区已担任园区/乡镇工会干部；同一辖区只能担任一个角色"):
        users("add", "hejun", "--role", "task_force", "--jurisdiction", GAOXIN)
    out, _ = users("add", "hejun", "--role", "area_officer", "--jurisdiction", KAIZHOU, "--json")
    data = json.loads(out)
    assert data["created"] is False and data["password"] is None
    assert sorted(Assignment.objects.filter(user__username="hejun")
                  .values_list("jurisdiction__code", flat=True)) == [GAOXIN, KAIZHOU]


@pytest.mark.parametrize("args, message", [
    (["--role", "area_officer", "--jurisdiction", "999999"], "没有辖区代码为“999999”"),
    (["--role", "union_chair", "--jurisdiction", GAOXIN], "企业工会主席须指定所在的工会组织"),
    (["--role", "union_chair", "--jurisdiction", GAOXIN, "--organisation", "nope"], "没有编号为“nope”"),
    (["--role", "area_officer", "--jurisdiction", GAOXIN, "--organisation", "ORG"], "只有企业工会主席需要指定工会组织"),
    (["--role", "union_chair", "--jurisdiction", GAOXIN, "--organisation", "KAIZHOU_ORG"], "不在高新区范围内"),
])
def test_users_add_errors_are_chinese_and_create_nothing(demo, args, message):
    args = [{"ORG": org_in(GAOXIN).key, "KAIZHOU_ORG": org_in(KAIZHOU).key}.get(a, a) for a in args]
    with pytest.raises(CommandError, match=message):
        users("add", "baduser", *args)
    assert not User.objects.filter(username="baduser").exists()


def test_users_add_refuses_a_bad_username(demo):
    with pytest.raises(CommandError, match="不允许的字符"):
        users("add", "张 三", "--role", "auditor", "--jurisdiction", COUNTY)


def test_a_chair_is_added_with_their_organisation(demo):
    org = org_in(GAOXIN)
    out, _ = users("add", "chair1", "--role", "union_chair", "--jurisdiction", GAOXIN,
                   "--organisation", org.key, "--json")
    assert json.loads(out)["assignment"]["organisation"] == org.key


def test_users_list_json_uses_public_keys(demo):
    out, err = users("list", "--json")
    rows = {r["username"]: r for r in json.loads(out)}
    assert set(rows) >= {"admin", "gaoxin", "kaizhou", "jiqing", "xinglong"}
    gaoxin = rows["gaoxin"]
    assert set(gaoxin) == {"username", "name", "active", "superuser", "must_change_password",
                           "totp", "last_login", "assignments"}
    assert [a["jurisdiction"] for a in gaoxin["assignments"]] == [GAOXIN]
    assert gaoxin["active"] and not gaoxin["must_change_password"]
    assert "id" not in json.dumps(gaoxin["assignments"])
    assert f"共 {len(rows)} 个用户" in err
    text, _ = users("list")
    assert "gaoxin\t高新区工会干部\t园区/乡镇工会干部 高新区" in text


def test_users_disable_stops_login(demo):
    users("disable", "jiqing")
    assert not User.objects.get(username="jiqing").is_active
    response = Client().post("/accounts/login/", {"username": "jiqing", "password": "Demo-Pass-2023"})
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action=Action.USERS, object_key="jiqing",
                                     detail__op="disable").exists()
    users("enable", "jiqing")
    assert User.objects.get(username="jiqing").is_active
    with pytest.raises(CommandError, match="没有用户名为“nobody”"):
        users("disable", "nobody")


# --- the pages -------------------------------------------------------------------------------

def test_only_user_administrators_open_users(admin_client, gaoxin_client):
    for url in ("/users/", "/users/add/", "/users/gaoxin/", "/users/gaoxin/disable/"):
        response = gaoxin_client.get(url)
        assert response.status_code == 403 and "没有权限" in response.content.decode(), url
    assert gaoxin_client.post("/users/kaizhou/disable/").status_code == 403
    assert User.objects.get(username="kaizhou").is_active
    assert "用户管理" not in gaoxin_client.get("/accounts/security/").content.decode()
    page = admin_client.get("/users/")
    html = page.content.decode()
    assert page.status_code == 200 and "用户管理" in html and "gaoxin" in html
    assert "高新区工会干部" in admin_client.get("/users/", {"q": "高新"}).content.decode()
    assert admin_client.get("/users/", {"q": "高新区工会"}).context["page"].paginator.count == 1


def test_an_administrator_adds_a_user_and_sees_the_password_once(admin_client):
    response = admin_client.post("/users/add/", {
        "username": "wanghong", "name": "王红", "role": "area_officer", "jurisdiction": KAIZHOU})
    html = response.content.decode()
    assert response.status_code == 200 and "只显示这一次" in html
    assert "no-store" in response["Cache-Control"]
    password = html.split('id="initial-password">')[1].split("<")[0]
    user = User.objects.get(username="wanghong")
    assert user.first_name == "王红" and user.check_password(password)
    assert user.profile.must_change_password
    assert password not in admin_client.get("/users/wanghong/").content.decode()
    event = AuditEvent.objects.get(action=Action.USERS, object_key="wanghong")
    assert event.username == "admin" and event.detail["op"] == "create"
    # The same username again is refused with a pointer to the existing account.
    again = admin_client.post("/users/add/", {
        "username": "wanghong", "name": "王红", "role": "task_force", "jurisdiction": GAOXIN})
    assert "已被使用" in again.content.decode()
    # A chair needs an organisation; the jurisdiction then follows from it.
    no_org = admin_client.post("/users/add/", {"username": "chair2", "name": "陈二",
                                               "role": "union_chair"})
    assert "须选择所在的工会组织" in no_org.content.decode()
    org = org_in(GAOXIN)
    admin_client.post("/users/add/", {"username": "chair2", "name": "陈二",
                                      "role": "union_chair", "organisation": org.key})
    a = Assignment.objects.get(user__username="chair2")
    assert (a.jurisdiction.code, a.organisation) == (org.jurisdiction.code, org)


@pytest.fixture
def park_admin(demo):
    """A county-administrator role held in 高新区 only."""
    user = User.objects.create_user("parkadmin", password=None, first_name="园区管理员")
    Assignment.objects.create(user=user, role=Role.COUNTY_ADMIN,
                              jurisdiction=Jurisdiction.objects.get(code=GAOXIN))
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_grants_only_inside_their_subtree(park_admin):
    form = park_admin.get("/users/add/").context["form"]
    codes = {j.code for j in form.fields["jurisdiction"].queryset}
    assert GAOXIN in codes and KAIZHOU not in codes and COUNTY not in codes
    refused = park_admin.post("/users/add/", {"username": "x1", "name": "某某",
                                              "role": "area_officer", "jurisdiction": KAIZHOU})
    assert refused.status_code == 200 and not User.objects.filter(username="x1").exists()
    assert "jurisdiction" in refused.context["form"].errors
    # Users with roles elsewhere are not listed; kaizhou's officer is not found.
    listed = {u.username for u in park_admin.get("/users/").context["page"].object_list}
    assert "gaoxin" in listed and "kaizhou" not in listed and "admin" not in listed
    assert park_admin.get("/users/kaizhou/").status_code == 404
    assert park_admin.post("/users/kaizhou/disable/").status_code == 404


def test_an_administrator_cannot_disable_someone_with_roles_outside(park_admin):
    gaoxin = User.objects.get(username="gaoxin")
    Assignment.objects.create(user=gaoxin, role=Role.AREA_OFFICER,
                              jurisdiction=Jurisdiction.objects.get(code=KAIZHOU))
    page = park_admin.get("/users/gaoxin/").content.decode()
    assert "只能由上级管理员" in page and "不在您的辖区" in page
    park_admin.post("/users/gaoxin/disable/")
    assert User.objects.get(username="gaoxin").is_active
    park_admin.post(f"/users/gaoxin/roles/{KAIZHOU}/remove/")
    assert Assignment.objects.filter(user=gaoxin, jurisdiction__code=KAIZHOU).exists()


def test_edit_roles_disable_enable_and_reset_with_confirmation(admin_client):
    detail = admin_client.get("/users/xinglong/").content.decode()
    assert "兴隆镇" in detail and "停用账号" in detail and "重置密码" in detail
    # Add a role; the same jurisdiction twice is refused in Chinese.
    admin_client.post("/users/xinglong/", {"action": "add_role", "role": "task_force",
                                           "jurisdiction": KAIZHOU})
    assert Assignment.objects.filter(user__username="xinglong").count() == 2
    twice = admin_client.post("/users/xinglong/", {"action": "add_role", "role": "auditor",
                                                   "jurisdiction": KAIZHOU})
    assert "同一辖区只能担任一个角色" in twice.content.decode()
    # Remove it: a confirmation page first, then the POST.
    confirm = admin_client.get(f"/users/xinglong/roles/{KAIZHOU}/remove/")
    assert "确认移除角色" in confirm.content.decode()
    assert Assignment.objects.filter(user__username="xinglong").count() == 2
    admin_client.post(f"/users/xinglong/roles/{KAIZHOU}/remove/")
    assert Assignment.objects.filter(user__username="xinglong").count() == 1
    # Disable: confirmation, then done; the user's session ends.
    xinglong = Client()
    xinglong.force_login(User.objects.get(username="xinglong"))
    assert "确认停用账号" in admin_client.get("/users/xinglong/disable/").content.decode()
    assert User.objects.get(username="xinglong").is_active
    admin_client.post("/users/xinglong/disable/")
    assert not User.objects.get(username="xinglong").is_active
    assert xinglong.get("/accounts/security/").status_code == 302
    admin_client.post("/users/xinglong/enable/")
    assert User.objects.get(username="xinglong").is_active
    # Reset password: shown once, must be changed.
    reset = admin_client.post("/users/xinglong/reset-password/")
    password = reset.content.decode().split('id="initial-password">')[1].split("<")[0]
    user = User.objects.get(username="xinglong")
    assert user.check_password(password) and Profile.objects.get(user=user).must_change_password
    ops = list(AuditEvent.objects.filter(action=Action.USERS, object_key="xinglong")
               .order_by("id").values_list("detail__op", flat=True))
    assert ops == ["add_role", "remove_role", "disable", "enable", "reset_password"]
    # An administrator cannot disable themselves.
    admin_client.post("/users/admin/disable/")
    assert User.objects.get(username="admin").is_active


def test_an_administrator_lifts_a_lockout(admin_client):
    locked = Client()
    for i in range(5):
        locked.post("/accounts/login/", {"username": "kaizhou", "password": f"Wrong-{i}"})
    assert locked.post("/accounts/login/", {"username": "kaizhou",
                                            "password": "Demo-Pass-2023"}).status_code == 429
    page = admin_client.get("/users/kaizhou/").content.decode()
    assert "已暂时锁定" in page and "解除锁定" in page
    assert "确认解除锁定" in admin_client.get("/users/kaizhou/unlock/").content.decode()
    admin_client.post("/users/kaizhou/unlock/")
    assert "已暂时锁定" not in admin_client.get("/users/kaizhou/").content.decode()
    assert locked.post("/accounts/login/", {"username": "kaizhou",
                                            "password": "Demo-Pass-2023"}).status_code == 302
    assert AuditEvent.objects.filter(action=Action.USERS, object_key="kaizhou",
                                     detail__op="unlock").exists()
