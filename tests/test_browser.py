"""End to end: `jianhui demo` on a fresh data dir, driven by Debian's Chromium via Playwright.

Without Chromium the test skips with the reason; CI sets JIANHUI_REQUIRE_BROWSER=1, which
turns that skip into a failure.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import uuid
from urllib.parse import urlparse

import pytest

from jianhui.lib.codes import make_credit_code

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("JIANHUI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-gpu", "--no-first-run"]
PASSWORD = "Demo-Pass-2023"


def _unavailable() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"未找到 Chromium（{CHROMIUM}）：浏览器测试跳过"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "未安装 playwright：浏览器测试跳过"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url():
    """SQLite in the data dir, or a throwaway database on the suite's PostgreSQL server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "", None
    import psycopg

    name = f"jianhui_e2e_{uuid.uuid4().hex[:8]}"
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlparse(url)._replace(path=f"/{name}").geturl(), drop


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, request):
    reason = _unavailable()
    if reason:
        if os.environ.get("JIANHUI_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "；JIANHUI_REQUIRE_BROWSER=1 要求必须运行浏览器测试")
        pytest.skip(reason)
    port = _free_port()
    db_url, drop = _database_url()
    data_dir = tmp_path_factory.mktemp("demo")
    if not db_url:  # `jianhui demo` finds the demo loaded and only migrates and serves
        request.getfixturevalue("demo_data_dir")(data_dir)
    env = {**os.environ, "JIANHUI_DATA_DIR": str(data_dir),
           "DATABASE_URL": db_url, "JIANHUI_DEMO_PASSWORD": PASSWORD,
           # Every upload runs as a background job, so the job page's progress polling shows.
           "JIANHUI_IMPORT_INLINE_MAX_KB": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "jianhui.cli", "demo", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail("jianhui demo 未能启动：\n" + (proc.stdout.read() or ""))
                time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if drop:
            drop()


@pytest.fixture(scope="module")
def browser(demo_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def login(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def headline(page) -> dict[str, str]:
    figs = page.locator("#headline .fig")
    return {figs.nth(i).get_attribute("data-key"): figs.nth(i).locator("b").inner_text()
            for i in range(figs.count())}


def test_admin_reads_the_seed_figures_off_the_dashboard(browser, demo_server):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: errors.append(f"请求失败 {r.url}"))
    login(page, demo_server, "admin")
    figures = headline(page)
    assert figures["enterprises"] == "164" and figures["unionized"] == "161"
    assert figures["establishment_rate"] == "98.2%" and figures["standalone"] == "96"
    assert figures["federations"] == "3" and figures["members"] == "15,028"
    # The charts drew (ECharts renders into a canvas), from our own static files.
    page.wait_for_selector("#chart-rate canvas")
    page.wait_for_selector("#chart-trend canvas")
    page.fill("input[name=as_of]", "2022-09-30")
    page.click("form.asof button")
    page.wait_for_load_state("networkidle")
    assert int(headline(page)["unionized"]) < 161
    # Drill down to an area and on to its enterprise list.
    page.goto(demo_server + "/?as_of=2023-09-29")
    page.click("#jurisdictions >> text=3")
    page.wait_for_load_state("networkidle")
    assert page.locator("#enterprises tbody tr").count() == 3
    assert errors == []
    page.close()


def test_area_officer_sees_only_their_area(browser, demo_server):
    page = browser.new_page()
    login(page, demo_server, "gaoxin")
    assert headline(page)["enterprises"] == "80"
    assert "中江高新技术产业园区" in page.inner_text("h1")
    page.goto(demo_server + "/enterprises/?all=1")
    areas = set(page.locator("#enterprises tbody tr td:nth-child(3)").all_inner_texts())
    assert areas == {"高新区"}
    response = page.goto(demo_server + "/?j=510623")
    assert response.status == 404
    page.close()


def _watch(page) -> list[str]:
    """Collect CSP violations (Chromium reports them on the console) and uncaught errors."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{page.url} {m.type}: {m.text}")
            if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"{page.url} 页面错误: {e}"))
    return problems


def _first_link(page, base: str, listing: str, table: str) -> str:
    page.goto(base + listing)
    return page.locator(f"#{table} tbody tr td a").first.get_attribute("href")


def test_htmx_posts_carry_the_csrf_token_from_body(browser, demo_server):
    page = browser.new_page()
    problems = _watch(page)
    login(page, demo_server, "xinglong")
    enterprise = _first_link(page, demo_server, "/enterprises/", "enterprises")
    page.goto(demo_server + enterprise + "edit/")
    post = """async (withHeaders) => {
        const body = document.body, saved = body.getAttribute("hx-headers");
        if (!withHeaders) body.removeAttribute("hx-headers");
        const data = Object.fromEntries(new FormData(document.getElementById("editform")));
        delete data.csrfmiddlewaretoken;
        data.industry = "经htmx保存";
        let status = 0;
        // This POST's answer only: the nav's 待办 bell loads by htmx too.
        const mine = e => {
            if (e.detail.requestConfig.verb !== "post") return;
            status = e.detail.xhr.status;
            body.removeEventListener("htmx:afterRequest", mine);
        };
        body.addEventListener("htmx:afterRequest", mine);
        await htmx.ajax("POST", location.pathname, {values: data, swap: "none"});
        body.setAttribute("hx-headers", saved);
        return status;
    }"""
    assert page.evaluate(post, False) == 403  # without the header: refused
    assert page.evaluate(post, True) == 200   # with it: saved, redirected to the detail page
    page.goto(demo_server + enterprise)
    assert "经htmx保存" in page.inner_text("dl.grid")
    assert problems == []
    page.close()


def test_second_editor_sees_the_conflict_and_reapplies(browser, demo_server, tmp_path):
    first = browser.new_context(viewport={"width": 1280, "height": 1000})
    second = browser.new_context()
    mine, theirs = first.new_page(), second.new_page()
    problems = _watch(mine)
    login(mine, demo_server, "jiqing")
    login(theirs, demo_server, "admin")
    enterprise = _first_link(mine, demo_server, "/enterprises/", "enterprises")
    edit = demo_server + enterprise + "edit/"
    mine.goto(edit)
    theirs.goto(edit)
    theirs.fill("#id_employees", "432")
    theirs.click("#editform button[type=submit]")
    theirs.wait_for_url(demo_server + enterprise)
    name = mine.input_value("#id_name") + "（更名）"
    mine.fill("#id_name", name)
    mine.click("#editform button[type=submit]")
    conflict = mine.locator("#conflict")
    conflict.wait_for()
    assert "职工人数" in conflict.inner_text() and "432" in conflict.inner_text()
    assert mine.input_value("#id_employees") == "432" and mine.input_value("#id_name") == name
    mine.screenshot(path=str(os.environ.get("JIANHUI_SCREENSHOT_DIR", tmp_path)) + "/conflict.png",
                    full_page=True)
    mine.click("#editform button[type=submit]")
    mine.wait_for_url(demo_server + enterprise)
    assert name in mine.inner_text("h1") and "432" in mine.inner_text(".headline")
    assert problems == []
    first.close()
    second.close()


# --- every main page, as the user who works on it ---------------------------------------------
#
# Each page must load (200, strict CSP header), log nothing to the console at error level, raise
# no page error, fail no request, and pass the accessibility basics: a <title>, one <h1>, a label
# for every form field. JIANHUI_SCREENSHOT_DIR=dir keeps a full-page screenshot of each.

ID_FULL = re.compile(r"\d{17}[\dX]")
ID_MASKED = re.compile(r"\d{6}\*{8}\d{3}[\dX]")
IMPORT_ROWS = 400
SHOTS = os.environ.get("JIANHUI_SCREENSHOT_DIR", "")
ACCESSIBILITY = """() => {
    const unlabelled = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
        if (["hidden", "submit", "button", "reset"].includes(el.type)) continue;
        if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")
            && !el.getAttribute("aria-labelledby") && !el.title) {
            unlabelled.push(el.name || el.id || el.outerHTML.slice(0, 80));
        }
    }
    return {title: document.title.trim(), h1: document.querySelectorAll("h1").length,
            unlabelled: unlabelled,
            overflow: document.documentElement.scrollWidth > window.innerWidth};
}"""


class Visitor:
    """One signed-in browser context that records every problem a page shows."""

    def __init__(self, browser, base: str, name: str, width: int = 1400) -> None:
        self.base, self.name = base, name
        phone = width < 600  # a phone: touch, and the mobile viewport meta tag honoured
        self.context = browser.new_context(viewport={"width": width, "height": 812 if phone else 900},
                                           is_mobile=phone, has_touch=phone,
                                           locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        page = self.page
        page.on("console", lambda m: self.problems.append(f"{page.url} 控制台{m.type}: {m.text}")
                if m.type == "error" or "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: self.problems.append(f"{page.url} 页面错误: {e}"))
        # (a request cut short by the next navigation, e.g. the favicon, is no fault)
        page.on("requestfailed", lambda r: self.problems.append(
            f"{page.url} 请求失败 {r.url} {r.failure}") if "ERR_ABORTED" not in r.failure else None)
        # Requests under way, for `settle` (what "networkidle" waits for, without its 500 ms).
        self.pending: set = set()
        page.on("request", lambda r: self.pending.add(r))
        page.on("requestfinished", lambda r: self.pending.discard(r))
        page.on("requestfailed", lambda r: self.pending.discard(r))

    def settle(self, quiet: float = 0.1, timeout: float = 15.0) -> None:
        """Wait for the page's load event, then until no request has been under way for
        `quiet` seconds: the htmx fragments a page loads (hx-trigger="load", sent as the page
        is set up) have come back, and their errors have been reported. Playwright's
        "networkidle" waits for the same but always 500 ms, which some sixty checks paid."""
        page = self.page
        page.wait_for_load_state("load")
        deadline, idle_since = time.monotonic() + timeout, None
        while True:
            now = time.monotonic()
            if self.pending:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= quiet:
                return
            assert now < deadline, (page.url, "请求迟迟未完成", [r.url for r in self.pending])
            page.wait_for_timeout(40)  # lets Playwright deliver the request events

    def login(self, username: str, password: str = PASSWORD, expect: str = "/") -> None:
        page = self.page
        self.visit("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(self.base + expect)

    def check(self, label: str) -> None:
        """The accessibility basics of the page now shown; a screenshot when asked for."""
        page = self.page
        self.settle()
        found = page.evaluate(ACCESSIBILITY)
        assert "建会" in found["title"], (label, found["title"])
        assert found["h1"] == 1, (label, "h1", found["h1"])
        if "/admin/" not in page.url:  # Django's tabular inlines label fields by column head
            assert found["unlabelled"] == [], (label, found["unlabelled"])
        assert not found["overflow"], (label, "页面横向溢出")
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/{self.name}-{label}.png", full_page=True)
        assert self.problems == [], label

    def visit(self, url: str, label: str | None = None) -> None:
        response = self.page.goto(self.base + url)
        assert response.status == 200, (url, response.status)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        self.check(label or url.strip("/").replace("/", "_") or "home")

    def close(self) -> None:
        self.context.close()
        assert self.problems == []


@pytest.fixture
def visitor(browser, demo_server):
    made: list[Visitor] = []

    def make(name: str, width: int = 1400) -> Visitor:
        made.append(Visitor(browser, demo_server, name, width))
        return made[-1]

    yield make
    for v in made:
        v.close()


def _hrefs(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.getAttribute('href'))")


def test_admin_pages_run_clean_under_the_csp(visitor):
    v = visitor("admin")
    response = v.page.goto(v.base + "/accounts/login/")
    assert "'nonce-" in response.headers["content-security-policy"]
    v.login("admin")
    v.check("dashboard")
    for chart in ("#chart-rate", "#chart-trend"):  # tooltips too: drawn without inline styles
        v.page.wait_for_selector(chart + " canvas")
        v.page.locator(chart).hover(position={"x": 200, "y": 160})
        v.page.wait_for_timeout(300)
    page = v.page
    v.visit("/enterprises/")
    enterprise = page.locator("#enterprises tbody tr td a").first.get_attribute("href")
    v.visit(enterprise, "enterprise")
    v.visit(enterprise + "edit/", "enterprise_edit")
    v.visit("/unions/")
    organisation = page.locator("#organisations tbody tr td a").first.get_attribute("href")
    v.visit(organisation, "union")
    v.visit(organisation + "edit/", "union_edit")
    v.visit("/members/")
    # The export form of a list (this user may export full numbers, with a reason).
    page.click("details.export summary")
    form = page.locator("form.export-form")
    assert form.is_visible() and form.locator("[name=reason]").is_visible()
    v.check("members_export")
    page.goto(v.base + enterprise)
    v.visit(_hrefs(page, "#members a[href$='/edit/']")[0], "member_edit")
    v.visit("/imports/")
    v.visit("/users/")
    v.visit("/users/gaoxin/", "user")
    v.visit("/users/add/")
    v.visit("/accounts/security/")
    v.visit("/accounts/password/")
    v.visit("/audit/")
    v.visit("/admin/")
    assert "Access" not in page.inner_text("#content-main")  # django-axes in our Chinese
    for url in ("/admin/axes/accessattempt/", "/admin/enterprises/enterprise/",
                "/admin/unions/unionorganisation/1/change/"):
        v.visit(url)
    # The admin's own widgets: calendar and the select2 autocomplete of the coverage inline.
    page.locator(".datetimeshortcuts a").nth(1).click()
    page.locator(".select2-selection").first.click()
    page.wait_for_timeout(300)
    # Members in the back office: masked in the list and on the change form.
    v.visit("/admin/unions/member/")
    text = page.inner_text("#result_list")
    assert ID_MASKED.search(text) and not ID_FULL.search(text)
    v.visit(_hrefs(page, "#result_list tbody th a")[0], "admin_member")
    assert ID_MASKED.search(page.inner_text("#member_form"))
    assert not ID_FULL.search(page.content())


def test_area_officer_reveals_one_member_in_place(visitor):
    v = visitor("gaoxin")
    v.login("gaoxin")
    v.check("dashboard")
    page = v.page
    v.visit("/members/")
    v.visit("/enterprises/")
    enterprise = next(h for h in _hrefs(page, "#enterprises tbody tr td:first-child a")
                      if page.goto(v.base + h) and page.locator("#members tbody tr").count() > 2)
    v.visit(enterprise, "enterprise")
    rows = page.locator("#members tbody tr")
    before = rows.all_inner_texts()
    row = rows.nth(1)
    masked = row.locator("td.mono").first.inner_text()
    row.get_by_text("查看完整信息").click()
    row.locator("input[name=reason]").fill("核实会员身份，办理困难帮扶")
    v.check("reveal_form")
    row.locator("button[type=submit]").click()
    row.locator(".reveal.revealed").wait_for()
    assert page.url == v.base + enterprise  # swapped in place by htmx, no navigation
    full = ID_FULL.search(row.locator(".reveal").inner_text()).group(0)
    assert full[:6] == masked[:6] and full[-4:] == masked[-4:]
    after = rows.all_inner_texts()
    assert after[:1] + after[2:] == before[:1] + before[2:]  # the other rows did not change
    assert row.locator("td.mono").first.inner_text() == masked  # the masked column stays
    assert sum(bool(ID_FULL.search(t)) for t in after) == 1
    v.check("revealed")


def _totp(secret: str, counter: int) -> str:
    """RFC 6238 code of a base32 secret for one 30-second step (what the phone app shows)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def test_a_new_auditor_signs_in_enrols_totp_and_reads_the_log(visitor):
    admin = visitor("admin-users")
    admin.login("admin")
    admin.visit("/users/add/")
    page = admin.page
    page.fill("input[name=username]", "shenji2")
    page.fill("input[name=name]", "审计员")
    page.select_option("select[name=role]", "auditor")
    page.select_option("select[name=jurisdiction]", "510623")
    page.click("form.stack button[type=submit]")
    initial = page.locator("#initial-password").inner_text()
    admin.check("user_added")

    v = visitor("auditor")
    v.login("shenji2", initial, expect="/accounts/password/")  # must change it first
    v.check("password_forced")
    page = v.page
    page.fill("input[name=old_password]", initial)
    page.fill("input[name=new_password1]", "Qiu-Shui-2023-Lv")
    page.fill("input[name=new_password2]", "Qiu-Shui-2023-Lv")
    page.click("main form button[type=submit]")
    page.wait_for_url(v.base + "/audit/")
    v.check("audit")
    assert page.locator("header nav a").all_inner_texts() == ["审计日志"]  # nothing else to open
    # The admin's creation of this account reads in Chinese.
    page.fill("input[name=user]", "admin")
    page.click("#audit-filters button[type=submit]")
    v.settle()
    created = page.locator("#audit-events tbody tr", has_text="shenji2").first.inner_text()
    assert "审计员" in created and "op" not in created and "role" not in created, created
    v.check("audit_filtered")

    # Two-step verification: the QR code (an inline SVG), the secret, a first code.
    v.visit("/accounts/security/")
    page.click("#totp button[type=submit]")
    page.locator(".qr svg").wait_for()
    assert page.locator(".qr svg path").count() > 0
    v.check("security_qr")
    secret = page.locator(".secret").inner_text().replace(" ", "")
    step = int(time.time()) // 30
    page.fill("input[name=otp_token]", _totp(secret, step))
    page.click("#totp form.filters button[type=submit]")
    page.locator("#totp .tag.green").wait_for()
    v.check("security_enabled")
    page.click("form.who button[type=submit]")
    page.wait_for_url("**/accounts/login/**")
    v.login("shenji2", "Qiu-Shui-2023-Lv", expect="/accounts/login/otp/")
    v.check("login_otp")
    page.fill("input[name=otp_token]", _totp(secret, step + 1))  # the next code: not reused
    page.click("main form button[type=submit]")
    page.wait_for_url(v.base + "/audit/")
    assert "审计日志" in page.inner_text("h1")


def test_import_through_the_pages_with_progress(visitor, tmp_path):
    """Upload → validated in the background (the page polls) → preview → confirm → result."""
    v = visitor("import")
    v.login("gaoxin")
    v.visit("/imports/")
    page = v.page
    path = tmp_path / "企业名录.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["企业名称", "统一社会信用代码", "所属辖区", "职工人数"])
        for n in range(1, IMPORT_ROWS + 1):
            out.writerow([f"浏览器测试企业{n}", make_credit_code(f"91510623MA9{n:06d}"), "高新区", 10 + n])
    page.select_option("select[name=kind]", "enterprises")
    page.set_input_files("input[name=file]", str(path))
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if r.url.endswith("/progress/") else None)
    page.click("form.upload button[type=submit]")
    page.wait_for_url("**/imports/jobs/*/")
    job = page.url
    page.locator("#confirm").wait_for(timeout=30_000)  # the page refreshes itself when done
    v.check("job_preview")
    assert page.url == job
    assert page.locator("#counts").inner_text().replace(",", "").count(str(IMPORT_ROWS)) >= 2
    page.click("#confirm button[type=submit]")
    page.locator("#result").wait_for(timeout=30_000)
    v.check("job_done")
    assert f"新增 {IMPORT_ROWS:,} 条" in page.inner_text("#result")
    assert polls, "任务页没有轮询进度"
    v.visit("/imports/", "imports_after")
    assert "已导入" in page.inner_text("#jobs")


# --- the campaign (jianhui/campaign) ----------------------------------------------------------

TOUCH_TARGETS = """() => [...document.querySelectorAll(
    "#phone-form input:not([type=hidden]):not([type=radio]):not([type=checkbox]),"
    + " #phone-form select, #phone-form textarea, #phone-form button, #phone-form .choices label")]
    .map(el => { const r = el.getBoundingClientRect();
                 return {name: el.name || el.textContent.trim(), height: r.height,
                         right: r.right}; })"""


def test_campaign_page_and_work_board(visitor):
    v = visitor("campaign")
    v.login("gaoxin")
    v.visit("/campaign/2023-zj/?as_of=2023-06-30", "campaign_lagging")
    page = v.page
    page.wait_for_selector("#chart-funnel canvas")
    assert page.locator("#targets tr.lagging").count() == 2  # 高新区's two targets, mid-year
    v.visit("/campaign/2023-zj/areas/510623400/?as_of=2023-09-29", "board")
    cards = page.locator("[data-stage=contacted] .case-card")
    assert cards.count() == 3
    # Move a card (htmx): the note is required by the browser, then the board is redrawn.
    card = cards.first
    name = card.locator("h3").inner_text()
    card.locator("summary").click()
    card.locator("select[name=stage]").select_option("agreed")
    card.locator("select[name=flag]").select_option("")
    card.locator("input[name=note]").fill("老板同意建会")
    card.locator("button[type=submit]").click()
    page.locator("[data-stage=agreed] .case-card.moved").wait_for()
    assert name in page.locator("[data-stage=agreed]").inner_text()
    v.check("board_moved")
    # The campaign's other pages, under the same checks (CSP, console, labels, one h1).
    for url in ("analysis/", "tasks/", "surveys/", "outreach/", "trainings/", "trainings/new/",
                "areas/510623400/unions/"):
        v.visit(f"/campaign/2023-zj/{url}?as_of=2023-09-29", "campaign_" + url.strip("/")
                .replace("/", "_"))
    admin = visitor("campaign_admin")
    admin.login("admin")
    for url in ("copy/", "areas/510623400/people/"):
        admin.visit(f"/campaign/2023-zj/{url}", "campaign_" + url.strip("/").replace("/", "_"))


def test_phone_forms_at_375px(visitor):
    v = visitor("phone", width=375)
    v.login("gaoxin")
    page = v.page

    def fits() -> None:  # a phone zooms out to show overflowing content: ask the document
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, page.url

    v.visit("/campaign/2023-zj/areas/510623400/", "phone_board")
    case = page.locator("[data-stage=contacted] .case-card h3 a").first.get_attribute("href")
    case = case.split("?")[0]
    fits()
    v.visit(case + "survey/", "phone_survey")
    fits()
    targets = page.evaluate(TOUCH_TARGETS)
    assert len(targets) > 15
    small = [t for t in targets if t["height"] < 44 or t["right"] > 375]
    assert small == [], small
    page.fill("#id_employees", "88")
    page.fill("#id_female_employees", "30")
    page.locator("label", has_text="观望").tap()
    page.locator("label", has_text="单独建会").tap()
    page.locator("#phone-form button[type=submit]").tap()
    page.wait_for_url(v.base + case)
    v.check("phone_case")
    fits()
    assert "已记录" in page.inner_text(".msg") and "88" in page.inner_text("#surveys")
    v.visit(case + "outreach/", "phone_outreach")
    fits()
    page.locator("label", has_text="电话联系").tap()
    page.fill("#id_outcome", "老板答应月底前回复")
    page.fill("#id_next_step", "月底再次电话联系")
    page.fill("#id_next_due", "2099-01-31")
    page.locator("#phone-form button[type=submit]").tap()
    page.wait_for_url(v.base + case)
    assert "月底再次电话联系" in page.inner_text("#outreach")
    v.visit("/campaign/2023-zj/tasks/", "phone_tasks")
    fits()
    assert "月底再次电话联系" in page.inner_text("#my-tasks")


def test_supervision_pages_run_clean_and_a_bulletin_is_issued(visitor):
    """The supervision pages under the CSP (the demo server here has the campaign without its
    supervision records): issue a bulletin from the form, read it, file a daily report."""
    v = visitor("supervision")
    v.login("admin")
    v.visit("/supervision/", "supervision_overview")
    base = "/supervision/2023-zj/"
    for url in ("inspections/?as_of=2023-08-10", "meetings/", "escalations/?as_of=2023-08-17",
                "bulletins/?as_of=2023-08-10", "reports/510623117/2023-08-10/"):
        v.visit(base + url, "supervision_" + url.split("/")[0])
    v.visit("/supervision/bell/?as_of=2023-08-10", "supervision_bell")
    v.visit(base + "bulletins/?as_of=2023-08-10")
    v.page.click("#issue button[type=submit]")
    v.page.wait_for_url("**/bulletins/1/")
    v.check("supervision_bulletin")
    assert "第1期" in v.page.inner_text("#bulletin")
    assert v.page.locator("#ranking tbody tr").count() == 4
    v.visit(base + "reports/510623117/2023-08-10/")
    v.page.fill("textarea[name=problems]", "两家企业负责人外出。")
    v.page.click("form.editform button[type=submit]")
    v.page.wait_for_url("**/supervision/2023-zj/")
    v.check("supervision_after_report")


def _submit(page, form: str) -> None:
    """Submit `form` and wait for the page it redirects to (often the same URL)."""
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_assessment_from_last_year_to_a_locked_ranking(visitor):
    """The assessment under the CSP: the demo's locked 2023 ranking (both charts drawn) and a
    breakdown; then the county copies it for 2024, runs it, scores 党建带工建 for each area
    with a file attached and publishes; 高新区's officer sees only the others' totals and
    objects; the county upholds the objection; the county leader locks."""
    admin = visitor("assessment")
    admin.login("admin")
    page = admin.page
    admin.visit("/assessment/", "assessment_list")
    admin.visit("/assessment/2023/", "assessment_ranking")
    assert page.locator("#chart-areas canvas").count() == 1
    assert page.locator("#chart-grades canvas").count() == 1
    assert page.locator("#area-ranking tbody tr").count() == 4
    admin.visit("/assessment/2023/area/510623117/", "assessment_breakdown")
    assert "异议成立，已更正" in page.inner_text("#objections")
    assert page.locator("#breakdown a[href*='/enterprises/']").count() >= 2  # rows behind inputs
    admin.visit("/assessment/2023/step/copy/", "assessment_copy")
    _submit(page, "form.stack")
    assert page.url.endswith("/assessment/2024/")
    admin.check("assessment_draft")
    admin.visit("/assessment/2024/edit/", "assessment_edit")  # every field labelled
    assert page.locator("#indicators fieldset.indicator").count() == 12  # 11 and a new one
    admin.visit("/assessment/2024/step/run/")
    _submit(page, "form.stack")
    areas = {"510623400": "13", "510623401": "13.5", "510623117": "14", "510623118": "12.5"}
    for code, points in areas.items():
        admin.visit(f"/assessment/2024/area/{code}/", f"assessment_score_{code}")
        row = "#score-party"
        page.fill(f"{row} input[name=points]", points)
        page.fill(f"{row} input[name=assessor]", "陈建国")
        page.fill(f"{row} textarea[name=reason]", "查阅联席会议纪要和包联台账。")
        page.set_input_files(f"{row} input[name=evidence]", files=[
            {"name": "联席会议纪要.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
        _submit(page, row)
        assert f"已录入 {points} 分" in page.inner_text(row)
        assert "联席会议纪要.pdf" in page.inner_text(row)
    admin.visit("/assessment/2024/step/publish/")
    _submit(page, "form.stack")
    admin.check("assessment_published")
    assert "公示中" in page.inner_text("main")

    officer = visitor("assessment_officer")
    officer.login("gaoxin")
    officer.visit("/assessment/2024/", "assessment_officer_ranking")
    rows = officer.page.locator("#area-ranking tbody tr")
    own = [rows.nth(i).inner_text() for i in range(4) if "高新区" in rows.nth(i).inner_text()]
    assert len(own) == 1 and "只公布" not in own[0]
    assert sum("只公布总分、名次和等级" in rows.nth(i).inner_text() for i in range(4)) == 3
    officer.visit("/assessment/2024/area/510623400/", "assessment_officer_breakdown")
    officer.page.select_option("#object-form select[name=indicator]", "party")
    officer.page.fill("#object-form textarea[name=reason]", "第四季度联席会议纪要已补交，请复核。")
    _submit(officer.page, "#object-form")
    assert "待答复" in officer.page.inner_text("#objections")

    admin.visit("/assessment/2024/area/510623400/")
    page.select_option("#objections select[name=outcome]", "upheld")
    page.fill("#objections input[name=corrected_points]", "14")
    page.fill("#objections input[name=assessor]", "陈建国")
    page.fill("#objections textarea[name=reply]", "经复核纪要属实，更正为 14 分。")
    _submit(page, "#objections")
    admin.check("assessment_answered")
    assert "异议成立，已更正" in page.inner_text("#objections")
    assert page.inner_text("#score-party td.num b") == "14.00"

    leader = visitor("assessment_leader")
    leader.login("leader")
    leader.visit("/assessment/2024/step/lock/", "assessment_lock")
    _submit(leader.page, "form.stack")
    leader.check("assessment_locked")
    assert "已锁定" in leader.page.inner_text("h1")
