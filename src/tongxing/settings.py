"""Django settings for Tongxing.

Every value an operator may change is read from the environment here, through the small
typed helpers below; a bad value stops the process with a message naming the variable.
Defaults are for a developer's machine: SQLite under ``var/``, DEBUG on.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("TONGXING_VAR_DIR", PROJECT_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, default: str | None = None) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", "true")
SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "tongxing.core",
    "tongxing.areas",
    "tongxing.accounts",
    "tongxing.registry",
    "tongxing.benefits",
    "tongxing.exchange",
    "tongxing.surveys",
    "tongxing.employment",
    "tongxing.reconcile",
    "ninja",  # serves the API docs page's own static files, no CDN
    "tongxing.api",
    "tongxing.services",
    "tongxing.portal",
    "tongxing.devices",
    "tongxing.rehab",
    "tongxing.indicators",
    "tongxing.monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tongxing.urls"
WSGI_APPLICATION = "tongxing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongxing.core.context_processors.display_preferences",
                "tongxing.core.context_processors.capabilities",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tongxing.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a background job writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
if os.environ.get("TONGXING_TEST_DB_TEMPLATE"):
    # The PostgreSQL test lane copies a template with a Chinese ICU collation, as a
    # production database in China is usually created, so collation bugs show up in CI.
    DATABASES["default"]["TEST"] = {"TEMPLATE": os.environ["TONGXING_TEST_DB_TEMPLATE"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
# No LOGIN_REDIRECT_URL: where an account lands is its role's (accounts.start_page).
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Citizens may sign in with their mobile number; axes (first) still counts and locks.
    "tongxing.portal.backends.CitizenPhoneBackend",
]

# Lock an account+address pair after repeated failures; an officer unlocks it in the admin.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_HOURS", "1")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Log staff out after inactivity: the session is renewed on every request.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_SECONDS", "1800")
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false" if DEBUG else "true")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", "false") else None
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The master key that wraps the data keys: from TONGXING_MASTER_KEY (hex) or this file.
# Keep it outside the database and its backups (in production: a KMS/HSM-fed secret).
TONGXING_MASTER_KEY_FILE = Path(
    os.environ.get("TONGXING_MASTER_KEY_FILE", VAR_DIR / "keys" / "master.key")
)

TONGXING_REGION = os.environ.get("TONGXING_REGION", "sichuan-bazhong")
TONGXING_REGIONS_DIR = Path(os.environ.get("TONGXING_REGIONS_DIR", PROJECT_DIR / "regions"))
TONGXING_PAGE_SIZE = envint("TONGXING_PAGE_SIZE", "25")
# Who confirms a citizen's real name when an account is linked (portal/identity.py). The
# demo check does not contact any real-name service; a deployment names its own class.
TONGXING_IDENTITY_CHECK = os.environ.get(
    "TONGXING_IDENTITY_CHECK", "tongxing.portal.identity.DemoIdentityCheck"
)
# Uploaded import files are kept here, outside the web root, with their checksum.
TONGXING_IMPORT_DIR = Path(os.environ.get("TONGXING_IMPORT_DIR", VAR_DIR / "imports"))
# Applicants' documents: outside the web root, served only by an access-checked view.
TONGXING_DOCUMENTS_DIR = Path(os.environ.get("TONGXING_DOCUMENTS_DIR", VAR_DIR / "documents"))
# Columnar copies of the department lists' rows for the reconciliation (rebuilt from the
# database when missing; see reconcile/store.py).
TONGXING_LIST_ROWS_DIR = Path(os.environ.get("TONGXING_LIST_ROWS_DIR", VAR_DIR / "lists"))
# Files larger than this (about 2,000 rows) are checked and applied as background jobs with
# a progress bar; smaller ones answer on the page at once.
TONGXING_IMPORT_INLINE_BYTES = int(os.environ.get("TONGXING_IMPORT_INLINE_BYTES", 256 * 1024))
TONGXING_IMPORT_MAX_BYTES = envint("TONGXING_IMPORT_MAX_BYTES", str(200 * 1024 * 1024))
# SQLite only: the page cache of a connection while it writes in bulk (core.bulk).
TONGXING_SQLITE_BULK_CACHE_MB = envint("TONGXING_SQLITE_BULK_CACHE_MB", "1024")

# Background jobs (core/jobs.py): queued in this database, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running job that has not reported progress for this long is shown as interrupted
# (its worker was killed or lost), and may be started again.
TONGXING_JOB_STALE_SECONDS = envint("TONGXING_JOB_STALE_SECONDS", "120")
# Department API calls (api.ApiCall) older than this many days are deleted by
# `manage.py prune_api_calls`. How long to keep them is the operator's choice under PIPL and
# their MLPS (等保) level; the log holds no payload, only who called what and how it ended.
TONGXING_API_CALL_RETENTION_DAYS = envint("TONGXING_API_CALL_RETENTION_DAYS", "180")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
