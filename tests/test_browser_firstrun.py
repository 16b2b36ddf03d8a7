"""A new county from the first minute, in Chromium: what a county officer does with her own
spreadsheets on a fresh data dir, step by step as the README names them.

1. `jianhui init` → `jianhui serve` → sign in → download each template, fill it, upload,
   confirm (jurisdictions, enterprises, unions, coverage, members) → the dashboard of 旌阳区
   with figures computed by hand and a chart naming all six areas.
2. `jianhui serve` on an empty (migrated) database → the one-time 初始化 page → the import page.
3. `jianhui createsuperuser` on an empty database → the page says what to do, never "auditor".

Screenshots go to $JIANHUI_SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_browser import CHROMIUM, CHROMIUM_ARGS, _database_url, _free_port, _unavailable

from jianhui.lib.codes import make_credit_code, make_id_number

pytestmark = pytest.mark.browser
PASSWORD = "Jingyang-Pass-2024"
SHOTS = os.environ.get("JIANHUI_SCREENSHOT_DIR")

# A small county of its own: six areas, two enterprises in each.
AREAS = [("510603004", "八角井街道", "街道"), ("510603003", "旌东街道", "街道"),
         ("510603100", "孝泉镇", "乡镇"), ("510603101", "黄许镇", "乡镇"),
         ("510603102", "德新镇", "乡镇"), ("510603103", "双东镇", "乡镇")]
FOUNDED, UNIONS_FROM, MOVED_ON, JOINED = "2020-01-01", "2021-01-01", "2023-05-01", "2023-06-01"


def firm(area: int, n: int) -> str:
    return make_credit_code(f"91510603MA{area * 10 + n:07d}")


def firm_name(area: int, n: int) -> str:
    return f"{AREAS[area][1]}{'甲乙'[n - 1]}公司"


def person(k: int) -> str:
    return make_id_number("510603", dt.date(1985, 1, 1) + dt.timedelta(days=k), 2 * k + 1)


def county_rows() -> dict[str, list[dict[str, object]]]:
    """The five files. On any day from 2023-06-01: 12 enterprises, 11 unionized (6 by their
    own committee, 5 by the joint union or the federation), 双东镇乙公司 not; 23 members."""
    members, k = [], 0
    for a in range(6):
        for _ in range(3):
            k += 1
            members.append({"姓名": f"会员{k}", "公民身份号码": person(k), "所在企业信用代码": firm(a, 1),
                            "入会日期": JOINED})
    for a in range(5):  # the second enterprises covered by the joint union or the federation
        k += 1
        members.append({"姓名": f"会员{k}", "公民身份号码": person(k), "所在企业信用代码": firm(a, 2),
                        "入会日期": JOINED})
    return {
        "jurisdictions": [{"辖区名称": name, "辖区代码": code, "上级辖区": "510603", "类型": kind}
                          for code, name, kind in AREAS],
        "enterprises": [{"企业名称": firm_name(a, n), "统一社会信用代码": firm(a, n),
                         "所属辖区": AREAS[a][1], "职工人数": 40 if n == 1 else 10,
                         "成立日期": FOUNDED} for a in range(6) for n in (1, 2)],
        "unions": [
            *({"工会名称": f"{firm_name(a, 1)}工会委员会", "组织类型": "基层工会委员会",
               "所属辖区": AREAS[a][1], "成立日期": UNIONS_FROM, "覆盖企业信用代码": firm(a, 1)}
              for a in range(6)),
            {"工会名称": "孝泉镇联合基层工会", "组织类型": "联合基层工会", "所属辖区": "孝泉镇",
             "成立日期": UNIONS_FROM, "覆盖企业信用代码": f"{firm(2, 2)}、{firm(3, 2)}"},
            {"工会名称": "八角井街道工会联合会", "组织类型": "工会联合会", "所属辖区": "八角井街道",
             "成立日期": UNIONS_FROM, "覆盖企业信用代码": f"{firm(0, 2)}、{firm(1, 2)}"},
        ],
        "coverage": [{"工会名称": "孝泉镇联合基层工会", "企业信用代码": firm(4, 2),
                      "覆盖开始日期": MOVED_ON}],
        "members": members,
    }


IMPORTED_LIST = {"jurisdictions": "/", "enterprises": "/enterprises/", "unions": "/unions/",
                 "coverage": "/unions/", "members": "/members/"}


def cli(data_dir: Path, db_url: str, *args: str, stdin: str = "", env: dict | None = None):
    full = {**os.environ, "JIANHUI_DATA_DIR": str(data_dir), "DATABASE_URL": db_url, **(env or {})}
    result = subprocess.run([sys.executable, "-m", "jianhui.cli", *args], env=full, input=stdin,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return result


class Server:
    """`jianhui serve` on a data dir of its own (and a throwaway database on PostgreSQL)."""

    def __init__(self, tmp_path_factory, name: str, migrated_data_dir=None) -> None:
        reason = _unavailable()
        if reason:
            if os.environ.get("JIANHUI_REQUIRE_BROWSER") == "1":
                pytest.fail(reason + "；JIANHUI_REQUIRE_BROWSER=1 要求必须运行浏览器测试")
            pytest.skip(reason)
        self.data_dir = tmp_path_factory.mktemp(name)
        self.db_url, self.drop = _database_url()
        # On SQLite, a copy of the session's `jianhui migrate` on a fresh data dir (conftest);
        # migrating a brand-new data dir is tested in test_cli and test_firstrun.
        self.migrated = bool(migrated_data_dir and not self.db_url)
        if self.migrated:
            migrated_data_dir(self.data_dir)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def cli(self, *args: str, stdin: str = "", env: dict | None = None):
        return cli(self.data_dir, self.db_url, *args, stdin=stdin, env=env)

    def start(self) -> None:
        env = {**os.environ, "JIANHUI_DATA_DIR": str(self.data_dir), "DATABASE_URL": self.db_url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jianhui.cli", "serve", "--port", str(self.port)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(self.base + "/static/css/jianhui.css", timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    pytest.fail("jianhui serve 未能启动：\n" + (self.proc.stdout.read() or ""))
                time.sleep(0.5)

    def stop(self) -> str:
        printed = ""
        if self.proc is not None:
            self.proc.terminate()
            try:
                printed, _ = self.proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.drop:
            self.drop()
        return printed or ""


@pytest.fixture
def server(tmp_path_factory, request, migrated_data_dir):
    """A server on an empty database: migrated (by `jianhui migrate`), nothing else in it."""
    s = Server(tmp_path_factory, request.node.name[:20], migrated_data_dir)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def chromium():
    if _unavailable():
        pytest.skip(_unavailable())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fill_template(page, kind: str, rows: list[dict], folder: Path) -> Path:
    """Download the kind's template from the import page and fill it under its own headers."""
    with page.expect_download() as download:
        page.click(f"a[href='/imports/templates/{kind}/']")
    path = folder / f"{kind}.xlsx"
    download.value.save_as(path)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    headers = [str(c.value).rstrip("*").strip() for c in ws[1]]
    assert all(key in headers for row in rows for key in row), (kind, headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


def test_a_county_of_its_own_from_init_to_dashboard(server, chromium, tmp_path):
    done = server.cli("init", "--name", "旌阳区", "--code", "510603", "--parent-name", "德阳市",
                      "--admin", "officer", "--password-stdin", stdin=PASSWORD + "\n")
    assert "下一步" in done.stdout
    server.start()
    page, problems = new_page(chromium)
    sign_in(page, server.base, "officer")
    page.goto(server.base + "/imports/")
    for kind, rows in county_rows().items():
        path = fill_template(page, kind, rows, tmp_path)
        page.select_option("select[name=kind]", kind)
        page.set_input_files("input[name=file]", str(path))
        page.click("form.upload button[type=submit]")
        page.wait_for_url("**/imports/jobs/*/")
        page.locator("#confirm, #blocked").first.wait_for(timeout=60_000)
        assert page.locator("#blocked").count() == 0, page.inner_text("main")
        page.click("#confirm button[type=submit]")
        page.locator("#result").wait_for(timeout=60_000)
        assert f"新增 {len(rows)} 条" in page.inner_text("#result"), (kind, page.inner_text("main"))
        link = page.locator("#imported-list")
        assert link.get_attribute("href") == IMPORTED_LIST[kind]
        if kind == "members":  # the result page leads to what was imported
            link.click()
            page.wait_for_url(server.base + "/members/")
            assert "会员1" in page.inner_text("main")
        page.goto(server.base + "/imports/")

    page.goto(server.base + "/")
    assert "德阳市旌阳区建会入会情况" in page.inner_text("h1")
    figs = page.locator("#headline .fig")
    cards = {figs.nth(i).get_attribute("data-key"): figs.nth(i).locator("b").inner_text()
             for i in range(figs.count())}
    assert {k: cards[k] for k in ("enterprises", "unionized", "standalone", "committees",
                                  "joint_unions", "federations", "members")} == {
        "enterprises": "12", "unionized": "11", "standalone": "6", "committees": "6",
        "joint_unions": "1", "federations": "1", "members": "23"}
    assert cards["establishment_rate"] == "91.7%" and cards["membership_rate"] == "7.9%"
    rows = page.locator("#jurisdictions tbody th").all_inner_texts()
    assert rows == [name for _, name, _ in AREAS]
    # Every area's name on the chart: all six labels, none hidden for lack of room.
    page.wait_for_function("window.echarts && echarts.getInstanceByDom(document.getElementById('chart-rate'))")
    axis = page.evaluate("""() => {
        const o = echarts.getInstanceByDom(document.getElementById('chart-rate')).getOption();
        return {names: o.xAxis[0].data, interval: o.xAxis[0].axisLabel.interval,
                hide: o.xAxis[0].axisLabel.hideOverlap};
    }""")
    assert axis == {"names": [name for _, name, _ in AREAS], "interval": 0, "hide": False}
    page.locator("#chart-rate").scroll_into_view_if_needed()
    shot(page, "dashboard_six_areas")
    assert problems == []


def test_the_web_init_page_on_an_empty_database(server, chromium):
    server.start()
    page, problems = new_page(chromium)
    page.goto(server.base + "/")
    page.wait_for_url(server.base + "/accounts/init/")
    assert "初始化：建立本县和第一个管理员" in page.inner_text("h1")
    shot(page, "init_page")
    page.fill("input[name=name]", "旌阳区")
    page.fill("input[name=code]", "510603")
    page.fill("input[name=parent_name]", "德阳市")
    page.fill("input[name=admin]", "officer")
    page.fill("input[name=admin_name]", "王芳")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("#initform button[type=submit]")
    page.wait_for_url(server.base + "/imports/")
    assert "已建立德阳市旌阳区和管理员 officer" in page.inner_text("main")
    assert "王芳" in page.inner_text("header")
    # Once done, the page is gone, and the token `serve` printed is spent.
    page.goto(server.base + "/accounts/init/")
    assert page.url.startswith(server.base + "/accounts/login/")
    printed = server.stop()
    assert "/accounts/init/?token=" in printed
    assert not (server.data_dir / "init_token").exists()
    assert problems == []


def test_a_superuser_on_an_empty_database_is_told_what_to_do(server, chromium):
    if not server.migrated:
        server.cli("migrate", "--no-input")
    server.cli("createsuperuser", "--no-input", "--username", "root", "--email", "root@example.org",
               env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD})
    server.start()
    page, problems = new_page(chromium)
    sign_in(page, server.base, "root")
    text = page.inner_text("main")
    assert "系统中还没有辖区" in text and "jianhui init" in text
    assert "审计员" not in text and "审计员" not in page.title()
    shot(page, "no_role_superuser")
    # The page answers 403 (nothing to show), which Chromium logs; nothing else may fail.
    assert [p for p in problems if "status of 403" not in p] == []
