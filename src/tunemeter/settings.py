"""Configure Django from the environment, with embedded defaults that need nothing running."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DATA_DIR = Path(os.environ.get("TUNEMETER_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Return the configured secret key, or one generated once into the data dir."""
    if key := os.environ.get("TUNEMETER_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(50)
    # O_EXCL: when two processes start at once, one key wins and both read it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("TUNEMETER_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("TUNEMETER_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("TUNEMETER_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# Behind TLS (production, docs/deploy.md): set these from the environment.
# TUNEMETER_HTTPS=1 turns on secure cookies, the HTTPS redirect and HSTS (a year unless
# TUNEMETER_HSTS_SECONDS says otherwise), and trusts the header a proxy terminating TLS
# sets, TUNEMETER_PROXY_SSL_HEADER (X-Forwarded-Proto by default, behind HTTPS): without
# it the redirect would loop. /healthz and /metrics stay reachable over plain HTTP for probes.
HTTPS = _env_bool("TUNEMETER_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("TUNEMETER_SECURE_COOKIES", HTTPS)
SECURE_SSL_REDIRECT = _env_bool("TUNEMETER_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = _env_int("TUNEMETER_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("TUNEMETER_HSTS_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_bool("TUNEMETER_HSTS_PRELOAD")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
_proxy_default = "X-Forwarded-Proto" if HTTPS else ""
if _proxy_header := os.environ.get("TUNEMETER_PROXY_SSL_HEADER", _proxy_default).strip():
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tunemeter.catalog",
    "tunemeter.transcoding",
    "tunemeter.ledger",
    "tunemeter.library",
    "tunemeter.tax",
    "tunemeter.pricing",
    "tunemeter.shop",
    "tunemeter.customers",
    "tunemeter.api",
    "tunemeter.delivery",
    "tunemeter.rights",
    "tunemeter.royalties",
    "django_countries",
    "axes",
    # django-ninja's bundled Swagger UI files: the API docs load nothing from a CDN.
    "ninja",
    "tunemeter.storefront",
    "tunemeter.portal",
    "tunemeter.ops",
]

MIDDLEWARE = [
    "tunemeter.observability.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A CSP on every response; inline blocks allowed by hash, never 'unsafe-inline'.
    "tunemeter.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and the database: a flood or an oversized body under /api/v1/ costs nothing.
    "tunemeter.api.v1.middleware.ApiGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Database busy or full: 503 + Retry-After (JSON on the API), never an HTML 500.
    "tunemeter.overload.OverloadMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "tunemeter.customers.signin.SigninSlowdownBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # Argon2id
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Sign-in throttling (see customers/signin.py and the README's "Sign-in throttling"):
# 5 failures lock that username from that address for 15 minutes; past 10 failures
# from anywhere, each attempt on that account waits 1, 2, 4… up to 300 s after the
# last failure. No address-wide lock (one NAT = many people); only the account's own
# success clears its failures.
AXES_FAILURE_LIMIT = _env_int("TUNEMETER_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
SIGNIN_SLOWDOWN_AFTER = _env_int("TUNEMETER_SIGNIN_SLOWDOWN_AFTER", 10)
REGISTRATION_PER_HOUR = _env_int("TUNEMETER_REGISTRATION_PER_HOUR", 20)
SIGNIN_SLOWDOWN_MAX_SECONDS = _env_int("TUNEMETER_SIGNIN_SLOWDOWN_MAX_SECONDS", 300)
AXES_LOCKOUT_TEMPLATE = "customers/locked.html"
AXES_VERBOSE = False
LOGIN_URL = "customers:login"
LOGIN_REDIRECT_URL = "storefront:home"
LOGOUT_REDIRECT_URL = "storefront:home"

# Email: printed to the console unless an SMTP host is configured.
if os.environ.get("TUNEMETER_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["TUNEMETER_SMTP_HOST"]
    EMAIL_PORT = _env_int("TUNEMETER_SMTP_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("TUNEMETER_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("TUNEMETER_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("TUNEMETER_SMTP_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("TUNEMETER_FROM_EMAIL", "store@localhost")

# Request bodies: the JSON API and forms need a few kilobytes; refused past this with 413
# at the ASGI edge (tunemeter/bodylimit.py) and by Django for what it parses.
MAX_REQUEST_BODY_BYTES = _env_int("TUNEMETER_MAX_REQUEST_BODY_BYTES", 1_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

ROOT_URLCONF = "tunemeter.urls"
ASGI_APPLICATION = "tunemeter.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "tunemeter.sqlite3"
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    # Under ASGI each request runs in its own thread, so persistent per-thread
    # connections would pile up; PostgreSQL gets psycopg's connection pool instead.
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": _env_int("TUNEMETER_DB_POOL_SIZE", 20),
            "timeout": 30,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on
                # busy_timeout instead of failing with "database is locked" on upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # Reports read a million rows in index order: map the file and keep a
                # 64 MB page cache so each page is not a read() system call.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON;"
                    "PRAGMA mmap_size=1073741824;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
# Compiled catalogs (.mo) are committed beside their .po: no gettext tools needed to run.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve app static files straight from the apps when collectstatic has not run.
WHITENOISE_USE_FINDERS = True

STORAGE_DIR = Path(os.environ.get("TUNEMETER_STORAGE_DIR", DATA_DIR / "storage")).resolve()
# Stored files and folders: modes (octal) and an optional group, so that nginx (another
# user) can read cached renditions it is handed. 0o640 with a group nginx is in is tighter.
STORAGE_FILE_MODE = int(os.environ.get("TUNEMETER_STORAGE_FILE_MODE", "644"), 8)
STORAGE_DIR_MODE = int(os.environ.get("TUNEMETER_STORAGE_DIR_MODE", "755"), 8)
STORAGE_GROUP = os.environ.get("TUNEMETER_STORAGE_GROUP", "")
# Object storage: an S3-compatible bucket holds the objects when TUNEMETER_S3_BUCKET is
# set; STORAGE_DIR is then this node's read-through cache and write staging area.
S3 = (
    {
        "bucket": os.environ["TUNEMETER_S3_BUCKET"],
        "endpoint_url": os.environ.get("TUNEMETER_S3_ENDPOINT_URL", ""),
        "access_key_id": os.environ.get("TUNEMETER_S3_ACCESS_KEY_ID", ""),
        "secret_access_key": os.environ.get("TUNEMETER_S3_SECRET_ACCESS_KEY", ""),
        "region": os.environ.get("TUNEMETER_S3_REGION", ""),
        "prefix": os.environ.get("TUNEMETER_S3_PREFIX", ""),
        "presign_seconds": _env_int("TUNEMETER_S3_PRESIGN_SECONDS", 300),
    }
    if os.environ.get("TUNEMETER_S3_BUCKET")
    else None
)
# Downloads of renditions kept in S3: "store" (the store or nginx sends this node's
# cached copy, with the store's sha256 ETag) or "presigned" (a redirect to the bucket).
S3_DOWNLOADS = os.environ.get("TUNEMETER_S3_DOWNLOADS", "store")

# Redis: cross-node download/encoder slots and single-flight locks when REDIS_URL is set
# (in-process otherwise). Celery's broker: CELERY_BROKER_URL, else REDIS_URL; with
# neither, jobs run in-process in a background thread, so `make run` needs nothing.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
# A cross-node encode lock lapses this long after its node died (renewed while alive).
ENCODE_LOCK_TTL_SECONDS = _env_int("TUNEMETER_ENCODE_LOCK_TTL_SECONDS", 30)
# Jobs are acknowledged after they ran: a worker killed mid-job leaves the job queued.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep the store's log format (plain or JSON)
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A job a dead worker took is handed to another after this long (longer than any job:
# a slower one runs twice, which jobs tolerate); unacked jobs are looked for every 10 s.
_JOB_VISIBILITY_SECONDS = _env_int("TUNEMETER_JOB_VISIBILITY_SECONDS", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _JOB_VISIBILITY_SECONDS,
    "unacked_restore_interval": min(10, _JOB_VISIBILITY_SECONDS),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("TUNEMETER_JOB_QUEUE", "tunemeter")
# "" picks: celery with a broker, else a background thread; "inline" runs jobs at once.
JOBS_MODE = os.environ.get("TUNEMETER_JOBS_MODE", "")
# After an import, size every new track in every format in the background (buyers never
# wait for an estimate at quote time).
ESTIMATES_AFTER_IMPORT = _env_bool("TUNEMETER_ESTIMATES_AFTER_IMPORT", True)

# Import limits: a file past any of these is refused at probe, before decoding.
IMPORT_MAX_SECONDS = _env_int("TUNEMETER_IMPORT_MAX_SECONDS", 4 * 3600)
IMPORT_MAX_SAMPLE_RATE = _env_int("TUNEMETER_IMPORT_MAX_SAMPLE_RATE", 384_000)
IMPORT_MAX_CHANNELS = _env_int("TUNEMETER_IMPORT_MAX_CHANNELS", 8)
IMPORT_WORKERS = _env_int("TUNEMETER_IMPORT_WORKERS", os.cpu_count() or 1)
# Covers embedded in renditions are JPEGs at most this many pixels on the longer side.
COVER_EMBED_MAX_PX = _env_int("TUNEMETER_COVER_EMBED_MAX_PX", 1000)

# Rendition cache: size budget (least recently used files go first) and encoder slots.
CACHE_MAX_BYTES = _env_int("TUNEMETER_CACHE_MAX_BYTES", 20 * 1000**3)
# …and the free space the cache leaves on its disk (renditions are evicted to keep it).
CACHE_MIN_FREE_BYTES = _env_int("TUNEMETER_CACHE_MIN_FREE_BYTES", 1000**3)
MAX_ENCODES = _env_int("TUNEMETER_MAX_ENCODES", os.cpu_count() or 1)

# Money: the store currency (ISO 4217) and prices, in its minor units.
STORE_CURRENCY = os.environ.get("TUNEMETER_CURRENCY", "USD")
STORE_NAME = os.environ.get("TUNEMETER_STORE_NAME", "Tunemeter")
# The store's DDEX party id (DPID): the DSR sender, and the MessageRecipient an ERN must name
# to be imported. The default is a placeholder that passes the DPID check character (ISO 7064
# MOD 37,36) but belongs to no one: register one with DDEX for real reports.
DDEX_PARTY_ID = os.environ.get("TUNEMETER_DDEX_PARTY_ID", "PADPIDA0000000000Q")
DDEX_SERVICE_DESCRIPTION = os.environ.get("TUNEMETER_DDEX_SERVICE", "Tunemeter")
MIN_TRACK_PRICE_MINOR = _env_int("TUNEMETER_MIN_TRACK_PRICE_MINOR", 5)
# Bounds on one quote (and the cart): items, and tracks once releases are expanded.
QUOTE_MAX_ITEMS = _env_int("TUNEMETER_QUOTE_MAX_ITEMS", 200)
QUOTE_MAX_TRACKS = _env_int("TUNEMETER_QUOTE_MAX_TRACKS", 2000)
QUOTE_TTL_SECONDS = _env_int("TUNEMETER_QUOTE_TTL_SECONDS", 15 * 60)
# Another format of a track the buyer already paid for: "difference" (pay the new price
# less what was paid, never below zero), "full" (pay the new price) or "free".
UPGRADE_POLICY = os.environ.get("TUNEMETER_UPGRADE_POLICY", "difference")
if UPGRADE_POLICY not in ("difference", "full", "free"):
    raise ImproperlyConfigured("TUNEMETER_UPGRADE_POLICY must be difference, full or free")
SALE_GATE = os.environ.get("TUNEMETER_SALE_GATE", "tunemeter.rights.selectors.sale_licence")
# Instant demo top-ups: only in debug or an explicit demo store.
DEMO_PAYMENTS = DEBUG or _env_bool("TUNEMETER_DEMO_PAYMENTS")
DEMO_MAX_DEPOSIT_MINOR = _env_int("TUNEMETER_DEMO_MAX_DEPOSIT_MINOR", 100_00)

# Tax: the store's own country (ISO 3166-1; empty: no tax is collected) and whether it is
# registered for the EU One-Stop Shop (then EU buyers pay their own country's VAT).
TAX_STORE_COUNTRY = os.environ.get("TUNEMETER_STORE_COUNTRY", "").strip().upper()
TAX_EU_OSS = _env_bool("TUNEMETER_EU_OSS")

# Card top-ups through Stripe: offered only when both keys are set. STRIPE_API_BASE points
# the library elsewhere (a local fake in tests and `make run`); STRIPE_ACCOUNT_ID, when set,
# refuses events of any other (connected) account.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_ACCOUNT_ID = os.environ.get("STRIPE_ACCOUNT_ID", "")
# Stripe's own libraries accept a signature for 300 s; so does the store.
STRIPE_WEBHOOK_TOLERANCE_SECONDS = _env_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
STRIPE_MIN_TOPUP_MINOR = _env_int("TUNEMETER_STRIPE_MIN_TOPUP_MINOR", 5_00)
STRIPE_MAX_TOPUP_MINOR = _env_int("TUNEMETER_STRIPE_MAX_TOPUP_MINOR", 500_00)

# Downloads: link lifetime, concurrent downloads per customer, nginx hand-off prefix.
LINK_TTL_SECONDS = _env_int("TUNEMETER_LINK_TTL_SECONDS", 24 * 3600)
MAX_DOWNLOADS_PER_CUSTOMER = _env_int("TUNEMETER_MAX_DOWNLOADS_PER_CUSTOMER", 4)
# Where those slots are counted: in this process by default (see delivery/limits.py).
DOWNLOAD_SLOTS_BACKEND = os.environ.get(
    "TUNEMETER_DOWNLOAD_SLOTS_BACKEND", "tunemeter.delivery.limits.CoordinatedSlots"
)
ACCEL_REDIRECT = os.environ.get("TUNEMETER_ACCEL_REDIRECT", "")

# /metrics: a bearer token Prometheus sends; without one, only direct loopback clients.
METRICS_TOKEN = os.environ.get("TUNEMETER_METRICS_TOKEN", "")

# Logs: "plain" lines or "json" lines (one object per record, with the request id);
# download tokens in logged URLs are shortened either way.
LOG_FORMAT = os.environ.get("TUNEMETER_LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Request ids on every line; download and bearer tokens cut short in every log line.
    "filters": {"context": {"()": "tunemeter.observability.logs.ContextFilter"}},
    "formatters": {
        "plain": {
            "()": "tunemeter.observability.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "tunemeter.observability.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT if LOG_FORMAT in {"plain", "json"} else "plain",
            "filters": ["context"],
        }
    },
    "loggers": {
        # Server errors with their tracebacks, whatever DEBUG says.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "celery": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "tunemeter": {
            "handlers": ["console"],
            "level": os.environ.get("TUNEMETER_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

# /api/v1: requests per window per client address and per token (429 with Retry-After
# beyond), and the largest request body accepted (413 beyond). Counters live in Django's
# cache: per process unless CACHES points at a shared cache.
API_RATE_WINDOW_SECONDS = _env_int("TUNEMETER_API_RATE_WINDOW_SECONDS", 60)
API_RATE_PER_ADDRESS = _env_int("TUNEMETER_API_RATE_PER_ADDRESS", 600)
API_RATE_PER_TOKEN = _env_int("TUNEMETER_API_RATE_PER_TOKEN", 300)
API_MAX_BODY_BYTES = _env_int("TUNEMETER_API_MAX_BODY_BYTES", 64 * 1024)
