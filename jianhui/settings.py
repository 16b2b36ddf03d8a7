"""Jianhui settings: one file, everything from environment variables.

JIANHUI_DATA_DIR     where the SQLite file, the generated secret key and uploads live (./var/)
DATABASE_URL         e.g. postgres://user:pass@host:5432/jianhui; empty means SQLite in the data dir
JIANHUI_SECRET_KEY   Django's secret key; if unset it is generated once into the data dir
JIANHUI_DEBUG        1/0, off by default
JIANHUI_ALLOWED_HOSTS  extra host names, comma separated (127.0.0.1 and localhost always allowed)
JIANHUI_HTTPS        1 when served behind HTTPS: secure cookies
JIANHUI_AUDIT_RETENTION_DAYS  days the audit log is kept before `audit-purge` may delete (≥ 180)
JIANHUI_SESSION_IDLE_MINUTES  a session ends after this many idle minutes (30); also at browser close
JIANHUI_ADMIN_TOTP   1: county administrators must use a TOTP second factor (off by default)
JIANHUI_LOCKOUT_FAILURES / JIANHUI_LOCKOUT_MINUTES  failed logins per username+IP before a
                     lockout (5), and how long it lasts (15)
JIANHUI_FIELD_KEY    base64 of the 32-byte key encrypting ID numbers and phones (comma separated
                     during a rotation, the new key first); unset: a keyring file field.key in
                     the data dir, created with mode 0600 on first use (see jianhui/crypto/keyring.py)
JIANHUI_FIELD_CIPHER aes (AES-256-GCM, HMAC-SHA256 index; default) or sm4 (SM4-GCM, HMAC-SM3 index)
JIANHUI_KEEP_PAGES   0: compute every page afresh instead of keeping it until the next write (1)
JIANHUI_UPLOAD_MAX_MB  largest import upload (50); JIANHUI_IMPORT_INLINE_MAX_KB: larger files
                     are imported in the background (512; 0 = always); JIANHUI_UPLOAD_KEEP_HOURS:
                     uploaded files are deleted after this many hours (24)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from jianhui.lib.files import NotPrivate, keep_private, secure_data_dir

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0/true/false, got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def envlist(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


DATA_DIR = Path(os.environ.get("JIANHUI_DATA_DIR") or "var").resolve()
# Only the account running Jianhui may read its data dir: the database holds live session keys
# (a copy of it is a county administrator's login), the keys decrypt the ID numbers. Files are
# created 0600 whatever the umask; an existing dir or file that others may read is tightened at
# start, or refused with a message naming it (issue 14, point 1).
PRIVATE_FILES = ("jianhui.sqlite3", "jianhui.sqlite3-wal", "jianhui.sqlite3-shm", "secret_key",
                 "field.key", "demo_password", "uploads")
keep_private()
try:
    _tightened = secure_data_dir(DATA_DIR, PRIVATE_FILES)
except NotPrivate as _exc:
    raise ImproperlyConfigured(str(_exc)) from None
if _tightened:
    sys.stderr.write("注意：以下文件本机其他用户可以读取，已收紧为仅本账户可读写（目录 0700、文件 0600）："
                     + "、".join(str(p) for p in _tightened) + "\n")


def _secret_key() -> str:
    key = os.environ.get("JIANHUI_SECRET_KEY", "").strip()
    if key:
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not write different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("JIANHUI_DEBUG")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *envlist("JIANHUI_ALLOWED_HOSTS")]
CSRF_TRUSTED_ORIGINS = envlist("JIANHUI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Bottom to top (docs/architecture.md): crypto, the domain, statistics, accounts and the
    # audit log, then the feature apps.
    "jianhui.crypto",
    "jianhui.regions",
    "jianhui.enterprises",
    "jianhui.unions",
    "jianhui.statistics",
    "jianhui.audit",
    "jianhui.accounts",
    "jianhui.useradmin",
    "jianhui.registry",
    "jianhui.dashboard",
    "jianhui.imports",
    "jianhui.auditlog",
    "jianhui.ops",
    "jianhui.campaign",
    "jianhui.supervision",
    "jianhui.assessment",
    "jianhui.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jianhui.audit.log.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout pushed on at most once a minute, never waiting for a writer.
    "jianhui.accounts.sessions.IdleTimeoutMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.scope: what the user may reach, built once per request (accounts/scope.py).
    "jianhui.accounts.scope.ScopeMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After login-required: sends a signed-in user to the TOTP step, the forced password
    # change or the TOTP enrolment before anything else.
    "jianhui.accounts.middleware.AccountGateMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jianhui.urls"
WSGI_APPLICATION = "jianhui.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jianhui.accounts.context.account",
            ],
        },
    },
]

_db_url = os.environ.get("DATABASE_URL", "").strip()
if _db_url:
    # Persistent connections: each server thread keeps one (serve.py: workers × threads).
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=600,
                                                  conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "jianhui.sqlite3",
            "OPTIONS": {
                # WAL lets the dashboard read while an import writes; the busy timeout
                # makes a second writer wait instead of failing at once. secure_delete
                # overwrites deleted content, so old clear values do not linger in free pages.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                # A writer waits this long for another's write lock (a big import's write
                # phase holds it): logins wait, they do not fail (issue 14, point 5).
                "timeout": envint("JIANHUI_SQLITE_BUSY_SECONDS", 300),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first; older hashes still verify and are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Length >= 10, three of four character classes, not like the username or name, not common;
# every message in Chinese (jianhui/accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jianhui.accounts.passwords.NotLikeUserValidator"},
    {"NAME": "jianhui.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "jianhui.accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "jianhui.accounts.passwords.CommonPasswordValidator"},
]

# django-axes first: a locked-out username+IP is refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("JIANHUI_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("JIANHUI_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "jianhui.accounts.views.locked_out"  # a Chinese page, HTTP 429
# Lockout lasts AXES_COOLOFF_TIME from the failure that caused it; tries during it do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = "登录失败次数过多，账号已暂时锁定，请稍后再试。"
AXES_PERMALOCK_MESSAGE = "登录失败次数过多，账号已锁定，请联系县总工会管理员解锁。"
AXES_VERBOSE = False
# Sign-ins are recorded in our own audit log; no second, unpruned copy in django-axes.
AXES_DISABLE_ACCESS_LOG = True
# Mask the TOTP code (as the password is) in the attempts django-axes stores.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]

OTP_TOTP_ISSUER = "建会"
JIANHUI_ADMIN_TOTP = envbool("JIANHUI_ADMIN_TOTP")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Our Chinese for third-party apps without it (django-axes' back office pages).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from the app directories: `jianhui serve` works on a fresh data dir
# without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a page view pushes the expiry on (at most once a minute, and never waiting for
# a writer: accounts/sessions.py); the cookie itself dies with the browser.
SESSION_COOKIE_AGE = 60 * envint("JIANHUI_SESSION_IDLE_MINUTES", 30)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("JIANHUI_HTTPS")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JIANHUI_LOG_LEVEL", "WARNING")},
}

JIANHUI_PAGE_SIZE = envint("JIANHUI_PAGE_SIZE", 50)
# Figures and rendered page parts are kept per process until the next write (statistics/
# generation.py, web/fragments.py); JIANHUI_KEEP_PAGES=0 computes every request afresh (to
# measure the cost of a first visit, or to rule the keeping out when looking for a fault).
JIANHUI_KEEP_PAGES = envbool("JIANHUI_KEEP_PAGES", True)
# The demo's concentrated action under supervision (43 bulletins, reports, inspections): on by
# default; the test suite's own `load-demo` runs switch it off (tests/conftest.py).
JIANHUI_DEMO_SUPERVISION = envbool("JIANHUI_DEMO_SUPERVISION", True)

# The audit log is kept at least 180 days (the database trigger's fixed floor); a deployment
# may keep it longer, never shorter.
JIANHUI_AUDIT_RETENTION_DAYS = envint("JIANHUI_AUDIT_RETENTION_DAYS", 180)
if JIANHUI_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        f"JIANHUI_AUDIT_RETENTION_DAYS must be at least 180, got {JIANHUI_AUDIT_RETENTION_DAYS}"
    )
# --- Web hardening (issue #5 part 6) ------------------------------------------------------------
# Everything below is one block so it can be merged as a unit. Environment:
#   JIANHUI_HTTPS=1            served behind an HTTPS reverse proxy (set above: secure cookies);
#                              here: HSTS and trusting the proxy's X-Forwarded-Proto
#   JIANHUI_HSTS_SECONDS       HSTS max-age when JIANHUI_HTTPS=1 (default one year)
#   JIANHUI_TRUSTED_PROXY      the reverse proxy's address; `jianhui serve` lets waitress take
#                              the client IP and scheme from its X-Forwarded-* headers
#   JIANHUI_MAX_REQUEST_MB     largest request body, uploads included (default: the import
#                              upload limit JIANHUI_UPLOAD_MAX_MB + 1); larger: 413
#   JIANHUI_MAX_FORM_KB        largest non-file form body (default 2560, Django's 2.5 MB)
#   JIANHUI_MAX_FORM_FIELDS    most fields in one form post (default 2000)
#   JIANHUI_UPLOAD_MEMORY_KB   uploads larger than this are spooled to a temporary file (2560)
from csp.constants import NONCE, NONE, SELF  # noqa: E402

INSTALLED_APPS.append("csp")  # its system checks catch settings in the pre-4.0 format
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "jianhui.web.security.SecurityHeadersMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("jianhui.web.security.SecurityHeadersMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")

# Scripts only from our own static files or carrying this response's nonce; no inline
# scripts, event handler attributes, style attributes or eval anywhere (ECharts draws its
# tooltips on the canvas, htmx's indicator styles live in jianhui.css). The Django admin has
# no inline scripts or styles either and runs under the same policy, without exemption.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the platform never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), display-capture=(), geolocation=(), "
                      "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()")
# htmx sends the token from <body hx-headers>, so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "jianhui.web.security.csrf_failure"
if envbool("JIANHUI_HTTPS"):
    # The proxy terminates TLS and must set X-Forwarded-Proto (and strip a client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("JIANHUI_HSTS_SECONDS", 365 * 24 * 3600)
JIANHUI_TRUSTED_PROXY = os.environ.get("JIANHUI_TRUSTED_PROXY", "").strip()
JIANHUI_MAX_REQUEST_BYTES = envint("JIANHUI_MAX_REQUEST_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("JIANHUI_MAX_FORM_KB", 2560) * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = envint("JIANHUI_MAX_FORM_FIELDS", 2000)
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("JIANHUI_UPLOAD_MEMORY_KB", 2560) * 1024
# --- end of web hardening -----------------------------------------------------------------------
# Personal data at rest (jianhui/crypto): the key never sits in the database or the code.
JIANHUI_FIELD_KEY = os.environ.get("JIANHUI_FIELD_KEY", "").strip()
JIANHUI_FIELD_CIPHER = os.environ.get("JIANHUI_FIELD_CIPHER", "aes").strip().lower() or "aes"
if JIANHUI_FIELD_CIPHER not in {"aes", "sm4"}:
    raise ImproperlyConfigured(
        f"JIANHUI_FIELD_CIPHER must be aes or sm4, got {JIANHUI_FIELD_CIPHER!r}")
# Imports: the largest upload; files up to INLINE_MAX_KB are validated and imported within
# the request, larger ones in the background (0: always in the background); uploaded files
# (personal data) are deleted this many hours after upload.
JIANHUI_UPLOAD_MAX_MB = envint("JIANHUI_UPLOAD_MAX_MB", 50)
JIANHUI_IMPORT_INLINE_MAX_KB = envint("JIANHUI_IMPORT_INLINE_MAX_KB", 512)
JIANHUI_UPLOAD_KEEP_HOURS = envint("JIANHUI_UPLOAD_KEEP_HOURS", 24)
# Unless set explicitly, the request-body cap (web hardening above) fits the largest import
# upload plus its form.
if not os.environ.get("JIANHUI_MAX_REQUEST_MB", "").strip():
    JIANHUI_MAX_REQUEST_BYTES = (JIANHUI_UPLOAD_MAX_MB + 1) * 1024 * 1024
