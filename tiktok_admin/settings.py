"""Settings read from the environment (django-environ); `.env.example` documents every variable."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# pytest >= 8.2 exports PYTEST_VERSION; the suite may use the development defaults below, and never reads a
# developer's .env (`make setup` writes one with DEBUG=1), so its results do not depend on that file.
TESTING = "PYTEST_VERSION" in os.environ
env = environ.Env()
if (BASE_DIR / ".env").exists() and not TESTING:
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# An empty `NAME=` (as in .env.example) means "not set": the default applies (production still refuses a
# required setting left empty, as missing).
env.ENVIRON = {k: v for k, v in os.environ.items() if v != ""}

DEBUG = env.bool("DEBUG", default=False)
DEV_DEFAULTS = DEBUG or TESTING

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEV_DEFAULTS else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEV_DEFAULTS and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("The development SECRET_KEY cannot be used when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "tiktok_admin",
    "core",
    "store",
    "integration",
    "catalog_sync",
    "pixel",
    "tiktok_shop",
    "tiktok_ads",
]

# What hears of the store's changes (store.changes.publish): one callable per channel, called in this order
# inside the transaction of the change. The store imports none of them.
STORE_CHANGE_SUBSCRIBERS = [
    "integration.subscribers.on_store_change",
    "catalog_sync.subscribers.on_store_change",
    "pixel.subscribers.on_store_change",
]

# What hears of the TikTok connection (integration.events.publish: connected, disconnected, pixel settings):
# one callable per channel, called in this order. Integration imports none of them.
INTEGRATION_EVENT_SUBSCRIBERS = [
    "catalog_sync.subscribers.on_integration_event",
    "pixel.subscribers.on_integration_event",
]

# What the Marketplace > TikTok page (integration) shows of the channel apps, which it does not import:
# the catalog numbers (a callable taking the active connection, returning available / pending /
# needs_details / rejected / urls) and the templates each page slot includes ("tabs" above the page while
# the store is eligible, "catalog" inside the Catalog section while connected; context: connection,
# can_act, current_store, request).
TIKTOK_PAGE_CATALOG_COUNTS = "catalog_sync.selectors.catalog_counts"
TIKTOK_PAGE_SECTIONS = {
    "tabs": "tiktok_shop/_tabs.html",
    "catalog": "catalog_sync/_tiktok_page_panel.html",
    # Earlier catalogs that still hold our products after a reconnect to another one.
    "old_catalog": "catalog_sync/_old_catalogs.html",
    # The Ads section (campaigns, their switch, spend and the store's sales from TikTok clicks).
    "ads": "tiktok_ads/_section.html",
}
# Orders and revenue attributed to TikTok ad clicks, for the Ads section (tiktok_ads does not import pixel):
# a callable (store_id, {window: since}) -> {window: {orders, revenue, currency}}.
TIKTOK_ADS_ATTRIBUTION_SOURCE = "pixel.selectors.attribution_totals"
# Last click within this many days attributes an order (pixel.services.attribution).
TIKTOK_ATTRIBUTION_WINDOW_DAYS = 7

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Below CSP (its response hook runs first and reads the nonce before the header is written) and
    # below any GZip/ConditionalGet added later (the body must be final before compression/ETag).
    "pixel.middleware.PixelMiddleware",
]

ROOT_URLCONF = "tiktok_admin.urls"
WSGI_APPLICATION = "tiktok_admin.wsgi.application"

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
                "csp.context_processors.nonce",
                "tiktok_admin.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; the busy timeout absorbs short write locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="tta"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
# Redis re-delivers unacknowledged messages only after the visibility timeout, so it must exceed the
# longest hard time limit or a slow task would run twice concurrently.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT * 3)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT.")

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # kombu's Redis transport with the fix that keeps a worker alive through a Redis restart (celery 5.7.0
    # otherwise ends the worker: tiktok_admin/broker.py, docs/operations.md).
    CELERY_BROKER_TRANSPORT = "tiktok_admin.broker:RedisTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    # A broker that needs no server: messages are files under var/ (embedded default, for trying it).
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", "Português (Brasil)"), ("es", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language on every page, pt-BR months in lower case (tiktok_admin/formats/).
FORMAT_MODULE_PATH = "tiktok_admin.formats"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "America/Sao_Paulo"
LANGUAGE_COOKIE_NAME = "tta_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Catalog image uploads (store.services.images): refused above this size, next to the field. Uploads above
# FILE_UPLOAD_MAX_MEMORY_SIZE are streamed to a temporary file, never held in memory.
STORE_IMAGE_MAX_BYTES = env.int("STORE_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEV_DEFAULTS
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Auth and sessions ---------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "shell-home"
LOGOUT_REDIRECT_URL = "login"
# Login throttling (tiktok_admin.throttle, every login form): failures per (username, client address) and
# per client address within the window.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# Reverse proxies in front of the app that each append to X-Forwarded-For: 0 = the client is REMOTE_ADDR
# (the header is ignored), N = the Nth entry from the right. Never more than the proxies really there.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security (production) -------------------------------------------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not TESTING)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not TESTING)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- TikTok ----------------------------------------------------------------------------------
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
TIKTOK_API_BASE_URL = env.str(
    "TIKTOK_API_BASE_URL",
    default="http://127.0.0.1:8765" if DEV_DEFAULTS else "https://business-api.tiktok.com",
).rstrip("/")
TIKTOK_ONBOARDING_URL = env.str(
    "TIKTOK_ONBOARDING_URL",
    default="http://127.0.0.1:8765/business-extension/auth"
    if DEV_DEFAULTS
    else "https://ads.tiktok.com/business-extension/auth",
)
TIKTOK_APP_ID = env.str("TIKTOK_APP_ID", default="7400000000000000001")
TIKTOK_APP_SECRET = env.str("TIKTOK_APP_SECRET", default="sandbox-app-secret" if DEV_DEFAULTS else "")
TIKTOK_EXTERNAL_DATA_KEY = env.str(
    "TIKTOK_EXTERNAL_DATA_KEY", default="sandbox-external-data-key" if DEV_DEFAULTS else ""
)
TIKTOK_BUSINESS_PLATFORM = env.str("TIKTOK_BUSINESS_PLATFORM", default="VTEX")
TIKTOK_HTTP_TIMEOUT = env.float("TIKTOK_HTTP_TIMEOUT", default=15.0)
TIKTOK_CONNECT_TIMEOUT = env.float("TIKTOK_CONNECT_TIMEOUT", default=5.0)
TIKTOK_APP_QPS = env.int("TIKTOK_APP_QPS", default=10)
# Where the "Manage" destinations live: TikTok's web apps in production, the sandbox in development.
TIKTOK_WEB_BASE_URL = env.str(
    "TIKTOK_WEB_BASE_URL", default="http://127.0.0.1:8765" if DEV_DEFAULTS else "https://ads.tiktok.com"
).rstrip("/")
# Per-button path templates (JSON object) overriding the sandbox-shaped defaults in
# integration/destinations.py, e.g. {"business-center": "https://business.tiktok.com/manage/overview?org_id={bc_id}"}.
TIKTOK_MANAGE_PATHS: dict[str, str] = env.json("TIKTOK_MANAGE_PATHS", default={})
# TikTok's help article for a suspended ad account (linked when a connect finds the account suspended).
TIKTOK_ACCOUNT_SUSPENDED_HELP_URL = env.str(
    "TIKTOK_ACCOUNT_SUSPENDED_HELP_URL", default="https://ads.tiktok.com/help/article/account-suspension-faq"
)
# Hosts the Manage / Create an ad buttons may redirect to (never an open redirect). In development the
# sandbox's host:port is allowed too, so a bare `runserver` keeps every button working.
_TIKTOK_HOSTS = ["ads.tiktok.com", "business.tiktok.com", "seller.tiktok.com", "seller-br.tiktok.com"]
TIKTOK_REDIRECT_HOSTS = env.list(
    "TIKTOK_REDIRECT_HOSTS",
    default=_TIKTOK_HOSTS + ([urlparse(TIKTOK_WEB_BASE_URL).netloc] if DEV_DEFAULTS else []),
)
TIKTOK_PIXEL_SDK_URL = env.str(
    "TIKTOK_PIXEL_SDK_URL", default="https://analytics.tiktok.com/i18n/pixel/events.js"
)
TIKTOK_SELLER_CENTER_URL = env.str("TIKTOK_SELLER_CENTER_URL", default="https://seller-br.tiktok.com/")
# TikTok Shop order import: orders per page asked from TikTok, and how long one poll may hold its
# connection's lease before a dead worker's lease counts as expired.
TIKTOK_SHOP_ORDER_PAGE_SIZE = env.int("TIKTOK_SHOP_ORDER_PAGE_SIZE", default=50)
TIKTOK_SHOP_IMPORT_LEASE_SECONDS = env.int("TIKTOK_SHOP_IMPORT_LEASE_SECONDS", default=120)

FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    # A fixed development key so a local database stays readable across restarts; never for production.
    default=["ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMDA="] if DEV_DEFAULTS else [],
)

if not DEV_DEFAULTS:
    if urlparse(TIKTOK_API_BASE_URL).scheme != "https":
        raise ImproperlyConfigured("TIKTOK_API_BASE_URL must use https when DEBUG is off.")
    for _name in ("TIKTOK_APP_SECRET", "TIKTOK_EXTERNAL_DATA_KEY", "FIELD_ENCRYPTION_KEYS"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"{_name} must be set when DEBUG is off.")

# --- Content Security Policy (django-csp) --------------------------------------------------------
_pixel_origin = "{0.scheme}://{0.netloc}".format(urlparse(TIKTOK_PIXEL_SDK_URL))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # django-csp 4 only recognises its NONCE sentinel; the string "'nonce'" would be sent literally.
        "script-src": ["'self'", _pixel_origin, NONCE],
        "connect-src": ["'self'", _pixel_origin, "https://*.tiktok.com", "https://*.tiktokw.us"],
        "img-src": ["'self'", "data:", _pixel_origin, "https://*.tiktok.com"],
        "style-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Only 'self' site-wide; the two pages whose POST redirects to TikTok (connect, shop connect)
        # widen it for themselves with django-csp's per-response update.
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEV_DEFAULTS
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # integration: OAuth callback query strings (auth_code, state, also URL-encoded inside a `next=` or a
    # referrer) and other secrets never reach a log line. The filter is on the only handler, and every
    # logger below ends in it (tests/foundation/test_log_redaction.py checks each one).
    "filters": {"redact_secrets": {"()": "integration.log_redaction.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Without handlers of its own, so Django's defaults (an unfiltered console under DEBUG, mail_admins)
        # are dropped and its records (django.request, django.security...) go to the root's console.
        "django": {"level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        # runserver's request lines (the web log of `make run`).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # gunicorn's request lines, off unless gunicorn runs with --access-logfile (Dockerfile and compose
        # do not); when on, they come here instead of gunicorn's own handler, through the filter.
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Catalog sync (catalog_sync) ---------------------------------------------------------------
CATALOG_SYNC_UPLOAD_BATCH = env.int("CATALOG_SYNC_UPLOAD_BATCH", default=5000)  # TikTok's max per upload
CATALOG_SYNC_DELETE_BATCH = env.int("CATALOG_SYNC_DELETE_BATCH", default=1000)  # TikTok's max per delete
# A first full sync with more SKUs than this goes as one product file (catalog/product/file/); 0: never.
CATALOG_SYNC_FILE_ROUTE_MIN = env.int("CATALOG_SYNC_FILE_ROUTE_MIN", default=50_000)
# Short, because a heartbeat renews the leases of live holders (catalog_sync.leases): a dead worker's lease
# lapses within this many seconds.
CATALOG_SYNC_LEASE_SECONDS = env.float("CATALOG_SYNC_LEASE_SECONDS", default=30.0)
CATALOG_SYNC_POLL_SECONDS = env.float("CATALOG_SYNC_POLL_SECONDS", default=2.0)
# SKU states checked per sweep transaction (each chunk is claimed and classified in one transaction).
CATALOG_SYNC_SWEEP_CHUNK = env.int("CATALOG_SYNC_SWEEP_CHUNK", default=2000)
CATALOG_SYNC_REVIEW_POLL_SECONDS = env.float("CATALOG_SYNC_REVIEW_POLL_SECONDS", default=30.0)
# Retry countdowns stay below the Redis visibility timeout (a longer countdown would be redelivered).
CATALOG_SYNC_MAX_BACKOFF_SECONDS = env.float(
    "CATALOG_SYNC_MAX_BACKOFF_SECONDS", default=min(300.0, CELERY_VISIBILITY_TIMEOUT / 2)
)
CATALOG_SYNC_NOW_INTERVAL_SECONDS = env.int("CATALOG_SYNC_NOW_INTERVAL_SECONDS", default=60)
CATALOG_SYNC_RETENTION_DAYS = env.int("CATALOG_SYNC_RETENTION_DAYS", default=30)
