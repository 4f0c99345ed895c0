"""Settings, read from the environment (and an optional `.env` file) as docs/contract.md §1 states.

Production-safe by default: `DEBUG` is off, `SECRET_KEY` and `FIELD_ENCRYPTION_KEYS` are required unless
`DEBUG` is on, and HTTPS hardening follows the scheme of `APP_URL`.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from integration_app.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():  # optional: without it django-environ would log "not found" at each start
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Fixed, public placeholders that only DEBUG accepts; production must set real values.
_DEBUG_SECRET_KEY = "django-insecure-debug-only-secret-key-not-for-production-use-00000000"  # noqa: S105
_DEBUG_FIELD_KEY = "ZGVidWctb25seS1maWVsZC1rZXktbm90LXNlY3JldCE="


def _required(name: str, debug_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return debug_default
    raise ImproperlyConfigured(f"Set the {name} environment variable (required unless DEBUG=true).")


SECRET_KEY = _required("SECRET_KEY", _DEBUG_SECRET_KEY)
FIELD_ENCRYPTION_KEYS = [
    key.strip() for key in _required("FIELD_ENCRYPTION_KEYS", _DEBUG_FIELD_KEY).split(",") if key.strip()
]

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

APP_URL = env.str("APP_URL", default="http://127.0.0.1:8000").rstrip("/")
APP_HOST = urlsplit(APP_URL).hostname or ""
# A Cin7 webhook burst is taken as over after this many quiet seconds; then its one run starts.
CIN7_WEBHOOK_SETTLE_SECONDS = env.float("CIN7_WEBHOOK_SETTLE_SECONDS", default=3.0)
if APP_HOST and "*" not in ALLOWED_HOSTS and APP_HOST not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(APP_HOST)

SHOPIFY_API_KEY = env.str("SHOPIFY_API_KEY", default="")
SHOPIFY_API_SECRET = env.str("SHOPIFY_API_SECRET", default="")
SHOPIFY_SCOPES = env.str(
    "SHOPIFY_SCOPES",
    # read/write_markets: B2B markets below Plus (shopify.dev `marketCreate`)
    default="read_customers,write_customers,read_products,write_products,read_markets,write_markets",
)
SHOPIFY_API_VERSION = env.str("SHOPIFY_API_VERSION", default="2026-10")
SHOPIFY_ADMIN_URL = env.str("SHOPIFY_ADMIN_URL", default="https://{shop}/admin")

CIN7_API_URL = env.str("CIN7_API_URL", default="https://inventory.dearsystems.com/ExternalApi/v2/")
CIN7_CALLS_PER_MINUTE = env.int("CIN7_CALLS_PER_MINUTE", default=50)

REDIS_URL = env.str("REDIS_URL", default="")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django_q",
    "integration_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "integration_app.middleware.RequestLogMiddleware",
]

ROOT_URLCONF = "integration_app.urls"
WSGI_APPLICATION = "integration_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Workers and the web process share one file: wait for locks instead of failing, and take the write
    # lock at BEGIN so two writers never deadlock upgrading a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "integration_app.storage.StaticFilesStorage"
    },
}
# Before `collectstatic` has run (no manifest yet) WhiteNoise serves the apps' own files.
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()

# Email: django-environ URL (consolemail://, smtp://user:pass@host:port, smtp+tls://...).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cin7 Sync <noreply@localhost>")
EMAIL_TIMEOUT = 20

# HTTPS hardening follows APP_URL's scheme (contract §1): behind a TLS-ending proxy in production,
# plain HTTP on loopback sandboxes and tests even when DEBUG is off.
SECURE = APP_URL.startswith("https://")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_SSL_REDIRECT = SECURE
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
# The app sets no session cookie; the OAuth state cookie is set per response (see install/oauth.py) with
# SameSite=Lax, because it only travels on the top-level redirect back from Shopify.
CSRF_TRUSTED_ORIGINS = [APP_URL] if APP_HOST else []
X_FRAME_OPTIONS = "DENY"

# django-q2: the database is the broker unless REDIS_URL is set.
Q_CLUSTER = {
    "name": "cin7sync",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=3 * 3600),
    "retry": env.int("Q_TIMEOUT", default=3 * 3600) + 600,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = logging_config(
    env.str("LOG_LEVEL", default="INFO"),
    env.str("LOG_FORMAT", default="plain"),
    {"django.db.backends": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
)
