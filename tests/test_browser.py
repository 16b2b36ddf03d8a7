"""End to end: `jianhui demo` on a fresh data dir, driven by Debian's Chromium via Playwright.

Without Chromium the test skips with the reason; CI sets JIANHUI_REQUIRE_BROWSER=1, which
turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from urllib.parse import urlparse

import pytest

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
def demo_server(tmp_path_factory):
    reason = _unavailable()
    if reason:
        if os.environ.get("JIANHUI_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "；JIANHUI_REQUIRE_BROWSER=1 要求必须运行浏览器测试")
        pytest.skip(reason)
    port = _free_port()
    db_url, drop = _database_url()
    env = {**os.environ, "JIANHUI_DATA_DIR": str(tmp_path_factory.mktemp("demo")),
           "DATABASE_URL": db_url, "JIANHUI_DEMO_PASSWORD": PASSWORD}
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


def test_main_pages_run_under_the_csp_without_violations(browser, demo_server):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = _watch(page)
    response = page.goto(demo_server + "/accounts/login/")
    assert "'nonce-" in response.headers["content-security-policy"]
    login(page, demo_server, "admin")
    for chart in ("#chart-rate", "#chart-trend"):  # tooltips too: drawn without inline styles
        page.wait_for_selector(chart + " canvas")
        page.locator(chart).hover(position={"x": 200, "y": 160})
        page.wait_for_timeout(300)
    enterprise = _first_link(page, demo_server, "/enterprises/", "enterprises")
    organisation = _first_link(page, demo_server, "/unions/", "organisations")
    pages = ["/enterprises/", enterprise, enterprise + "edit/", "/unions/", organisation,
             organisation + "edit/", "/admin/", "/admin/enterprises/enterprise/",
             "/admin/unions/unionorganisation/1/change/"]
    for url in pages:
        response = page.goto(demo_server + url)
        assert response.status == 200, url
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        page.wait_for_load_state("networkidle")
    # The admin's own widgets: calendar and the select2 autocomplete of the coverage inline.
    page.locator(".datetimeshortcuts a").nth(1).click()
    page.locator(".select2-selection").first.click()
    page.wait_for_timeout(300)
    assert problems == []
    page.close()


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
        body.addEventListener("htmx:afterRequest", e => { status = e.detail.xhr.status; },
                              {once: true});
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
