"""Web hardening: CSP with nonces, security headers, HTTPS settings, CSRF (htmx included),
request size limits and Chinese error pages that never show a stack trace."""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import path
from htmlforms import form_data

from jianhui.enterprises.models import Enterprise
from jianhui.urls import handler400, handler403, handler404, handler500  # noqa: F401
from jianhui.urls import urlpatterns as _site

GAOXIN = "510623400"


def _boom(request):
    raise RuntimeError("secret-detail: connection string postgres://u:p@db/x")


# This module doubles as a URLconf (settings.ROOT_URLCONF = "test_hardening"): the site plus a
# view that fails, with the site's error handlers imported above.
urlpatterns = [*_site, path("boom/", _boom)]


def _enterprise(area: str = GAOXIN) -> Enterprise:
    return Enterprise.objects.filter(jurisdiction__code=area).order_by("name").first()


def _login(username: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


# --- Content-Security-Policy ----------------------------------------------------------------

@pytest.mark.parametrize("username,url", [
    (None, "/accounts/login/"), ("admin", "/"), ("admin", "/enterprises/"),
    ("gaoxin", "/unions/"), ("gaoxin", "ENTERPRISE_EDIT"), ("admin", "/admin/"),
])
def test_html_pages_carry_a_strict_csp(db, request, username, url):
    if url == "/":
        request.getfixturevalue("few_members")  # the dashboard's figures are not the point
    client = _login(username) if username else Client()
    if url == "ENTERPRISE_EDIT":
        url = f"/enterprises/{_enterprise().credit_code}/edit/"
    response = client.get(url)
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["script-src"][0] == "'self'"
    if not url.startswith("/admin/"):  # our pages use the nonce (the admin has no inline code)
        nonce = re.fullmatch(r"'nonce-(.+)'", csp["script-src"][1]).group(1)
        assert f'nonce="{nonce}"' in response.content.decode()
        assert nonce not in _csp(client.get(url))["script-src"][1]  # fresh for each response


TEMPLATE_DIRS = [Path(django_settings.BASE_DIR) / "templates",
                 *Path(django_settings.BASE_DIR).glob("*/templates")]
FORBIDDEN = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_style_or_handlers():
    found = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            found += [f"{template.name}: {what}" for rx, what in FORBIDDEN if rx.search(text)]
    assert found == []


def test_htmx_is_configured_for_the_csp(few_members, admin_client):
    html = admin_client.get("/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1)
    assert json.loads(config) == {"includeIndicatorStyles": False, "allowEval": False}
    css = (Path(django_settings.BASE_DIR) / "static/css/jianhui.css").read_text()
    assert ".htmx-indicator" in css


# --- other headers and HTTPS ----------------------------------------------------------------

def test_security_headers(admin_client):
    response = admin_client.get("/enterprises/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


def _settings_with(monkeypatch, tmp_path, **env) -> dict:
    monkeypatch.setenv("JIANHUI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JIANHUI_SECRET_KEY", "x" * 50)
    for name in ("JIANHUI_HTTPS", "JIANHUI_MAX_FORM_KB", "JIANHUI_MAX_FORM_FIELDS",
                 "JIANHUI_MAX_REQUEST_MB", "JIANHUI_UPLOAD_MEMORY_KB", "JIANHUI_DEBUG",
                 "JIANHUI_UPLOAD_MAX_MB"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(django_settings.BASE_DIR) / "settings.py"))


def test_https_setting_turns_on_secure_cookies_hsts_and_the_proxy_header(monkeypatch, tmp_path):
    plain = _settings_with(monkeypatch, tmp_path)
    assert plain["DEBUG"] is False
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["CSRF_COOKIE_SECURE"]
    assert "SECURE_HSTS_SECONDS" not in plain and "SECURE_PROXY_SSL_HEADER" not in plain
    https = _settings_with(monkeypatch, tmp_path, JIANHUI_HTTPS="1")
    assert https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"]
    assert https["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert https["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert plain["CSRF_COOKIE_HTTPONLY"] and plain["SESSION_COOKIE_HTTPONLY"]


def test_behind_an_https_proxy(db, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    response = client.post("/accounts/login/", {"username": "admin",
                                                "password": "Demo-Pass-2023"},
                           HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 302
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True


def test_waitress_trusts_only_the_configured_proxy(settings):
    from jianhui.dashboard.management.commands.serve import waitress_options

    settings.JIANHUI_TRUSTED_PROXY = ""
    assert waitress_options() == {"max_request_body_size": settings.JIANHUI_MAX_REQUEST_BYTES}
    settings.JIANHUI_TRUSTED_PROXY = "10.0.0.5"
    options = waitress_options()
    assert options["trusted_proxy"] == "10.0.0.5" and options["trusted_proxy_count"] == 1
    assert options["trusted_proxy_headers"] == {"x-forwarded-for", "x-forwarded-proto"}


# --- CSRF -------------------------------------------------------------------------------------

def test_post_without_csrf_token_is_refused_in_chinese(db):
    client = _login("gaoxin", enforce_csrf_checks=True)
    e = _enterprise()
    url = f"/enterprises/{e.credit_code}/edit/"
    data = form_data(client.get(url).content.decode(), id="editform")
    data.pop("csrfmiddlewaretoken")
    data["name"] = "伪造的请求"
    response = client.post(url, data)
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期，提交未成功" in html and "token missing" not in html
    assert Enterprise.objects.get(pk=e.pk).name == e.name


def test_htmx_requests_send_the_token_from_body_hx_headers(db):
    client = _login("gaoxin", enforce_csrf_checks=True)
    e = _enterprise()
    url = f"/enterprises/{e.credit_code}/edit/"
    page = client.get(url)
    assert page.cookies["csrftoken"]["httponly"] is True  # no script reads the cookie
    html = page.content.decode()
    headers = json.loads(re.search(r"<body hx-headers='([^']+)'>", html).group(1))
    data = form_data(html, id="editform")
    data.pop("csrfmiddlewaretoken")
    data["industry"] = "经htmx提交"
    response = client.post(url, data, headers={"X-CSRFToken": headers["X-CSRFToken"],
                                               "HX-Request": "true"})
    assert response.status_code == 302
    assert Enterprise.objects.get(pk=e.pk).industry == "经htmx提交"


# --- size limits ------------------------------------------------------------------------------

def test_upload_limits_come_from_the_environment(monkeypatch, tmp_path):
    defaults = _settings_with(monkeypatch, tmp_path)
    assert defaults["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 2560 * 1024
    assert defaults["DATA_UPLOAD_MAX_NUMBER_FIELDS"] == 2000
    # By default an import upload of the largest allowed size (50 MB) and its form fit.
    assert defaults["JIANHUI_MAX_REQUEST_BYTES"] == 51 * 1024 * 1024
    custom = _settings_with(monkeypatch, tmp_path, JIANHUI_MAX_FORM_KB="64",
                            JIANHUI_MAX_FORM_FIELDS="300", JIANHUI_MAX_REQUEST_MB="5",
                            JIANHUI_UPLOAD_MEMORY_KB="512")
    assert custom["DATA_UPLOAD_MAX_MEMORY_SIZE"] == 64 * 1024
    assert custom["DATA_UPLOAD_MAX_NUMBER_FIELDS"] == 300
    assert custom["JIANHUI_MAX_REQUEST_BYTES"] == 5 * 1024 * 1024
    assert custom["FILE_UPLOAD_MAX_MEMORY_SIZE"] == 512 * 1024


def test_oversized_posts_are_refused(db, settings):
    client = _login("gaoxin")
    url = f"/enterprises/{_enterprise().credit_code}/edit/"
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    response = client.post(url, {f"f{i}": "x" for i in range(30)})
    assert response.status_code == 400 and "请求无法处理" in response.content.decode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    response = client.post(url, {"name": "长" * 5000})
    assert response.status_code == 400
    settings.JIANHUI_MAX_REQUEST_BYTES = 1024 * 1024
    big = SimpleUploadedFile("members.xlsx", b"0" * (1024 * 1024 + 1))
    response = client.post(url, {"file": big})
    assert response.status_code == 413
    assert "单次提交（含上传文件）不能超过 1 MB" in response.content.decode()
    small = SimpleUploadedFile("members.xlsx", b"0" * 1000)
    assert client.post(url, {"file": small}).status_code == 200  # reaches the form


# --- error pages ------------------------------------------------------------------------------

def test_a_failing_view_shows_the_chinese_500_page_without_traceback(db, settings, caplog):
    settings.ROOT_URLCONF = "test_hardening"
    assert settings.DEBUG is False
    client = _login("gaoxin", raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "抱歉，系统处理时出错了" in html
    assert response["X-Request-ID"] in html  # the id the administrator looks up in the log
    for leak in ("Traceback", "secret-detail", "RuntimeError", "postgres://", 'File "'):
        assert leak not in html
    assert any(response["X-Request-ID"] in r.getMessage() for r in caplog.records)


def test_404_and_403_pages_are_chinese(gaoxin_client, client, demo, user_in):
    response = gaoxin_client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到该页面或数据" in html and "Resolver404" not in html and "tried" not in html
    response = gaoxin_client.get("/enterprises/91510623MA6XXXXXX1/")
    assert "未找到该企业，或不在您的辖区范围内" in response.content.decode()
    from jianhui.accounts.models import Role

    client.force_login(user_in(demo, Role.COUNTY_LEADER))
    response = client.get(f"/enterprises/{_enterprise().credit_code}/edit/")
    assert response.status_code == 403 and "没有权限" in response.content.decode()
