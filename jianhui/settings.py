"""Jianhui settings: one file, everything from environment variables.

JIANHUI_DATA_DIR     where the SQLite file, the generated secret key and uploads live (./var/)
DATABASE_URL         e.g. postgres://user:pass@host:5432/jianhui; empty means SQLite in the data dir
JIANHUI_SECRET_KEY   Django's secret key; if unset it is generated once into the data dir
JIANHUI_DEBUG        1/0, off by default
JIANHUI_ALLOWED_HOSTS  extra host names, comma separated (127.0.0.1 and localhost always allowed)
JIANHUI_HTTPS        1 when served behind HTTPS: secure cookies
JIANHUI_UPLOAD_MAX_MB  largest import upload (50); JIANHUI_IMPORT_INLINE_MAX_KB: larger files
                     are imported in the background (512; 0 = always); JIANHUI_UPLOAD_KEEP_HOURS:
                     uploaded files are deleted after this many hours (24)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    "jianhui.regions",
    "jianhui.enterprises",
    "jianhui.unions",
    "jianhui.accounts",
    "jianhui.dashboard",
    "jianhui.demo",
    "jianhui.imports",
    "jianhui.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jianhui.audit.log.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
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
                "jianhui.imports.context_processors.rights",
            ],
        },
    },
]

_db_url = os.environ.get("DATABASE_URL", "").strip()
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "jianhui.sqlite3",
            "OPTIONS": {
                # WAL lets the dashboard read while an import writes; the busy timeout
                # makes a second writer wait instead of failing at once.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
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

# Imports: the largest upload; files up to INLINE_MAX_KB are validated and imported within
# the request, larger ones in the background (0: always in the background); uploaded files
# (personal data) are deleted this many hours after upload.
JIANHUI_UPLOAD_MAX_MB = envint("JIANHUI_UPLOAD_MAX_MB", 50)
JIANHUI_IMPORT_INLINE_MAX_KB = envint("JIANHUI_IMPORT_INLINE_MAX_KB", 512)
JIANHUI_UPLOAD_KEEP_HOURS = envint("JIANHUI_UPLOAD_KEEP_HOURS", 24)
