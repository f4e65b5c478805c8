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

# Behind TLS (production): set these from the environment. TUNEMETER_HTTPS=1 turns on
# secure cookies, the HTTPS redirect and HSTS (a year unless TUNEMETER_HSTS_SECONDS says
# otherwise); TUNEMETER_PROXY_SSL_HEADER names the header a trusted proxy sets
# ("X-Forwarded-Proto").
HTTPS = _env_bool("TUNEMETER_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("TUNEMETER_SECURE_COOKIES", HTTPS)
SECURE_SSL_REDIRECT = _env_bool("TUNEMETER_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = _env_int("TUNEMETER_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("TUNEMETER_HSTS_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_bool("TUNEMETER_HSTS_PRELOAD")
if _proxy_header := os.environ.get("TUNEMETER_PROXY_SSL_HEADER", "").strip():
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
    "tunemeter.pricing",
    "tunemeter.shop",
    "tunemeter.customers",
    "tunemeter.api",
    "tunemeter.delivery",
    "tunemeter.rights",
    "tunemeter.royalties",
    "django_countries",
    "axes",
    "tunemeter.storefront",
    "tunemeter.portal",
    "tunemeter.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A CSP on every response; inline blocks allowed by hash, never 'unsafe-inline'.
    "tunemeter.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
# The store's DDEX party id (DPID) as DSR sender: register one with DDEX for real reports.
DDEX_PARTY_ID = os.environ.get("TUNEMETER_DDEX_PARTY_ID", "PADPIDA0000000000Z")
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

# Downloads: link lifetime, concurrent downloads per customer, nginx hand-off prefix.
LINK_TTL_SECONDS = _env_int("TUNEMETER_LINK_TTL_SECONDS", 24 * 3600)
MAX_DOWNLOADS_PER_CUSTOMER = _env_int("TUNEMETER_MAX_DOWNLOADS_PER_CUSTOMER", 4)
# Where those slots are counted: in this process by default (see delivery/limits.py).
DOWNLOAD_SLOTS_BACKEND = os.environ.get(
    "TUNEMETER_DOWNLOAD_SLOTS_BACKEND", "tunemeter.delivery.limits.LocalSlots"
)
ACCEL_REDIRECT = os.environ.get("TUNEMETER_ACCEL_REDIRECT", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Download tokens are cut to 8 characters in every log line.
    "filters": {"links": {"()": "tunemeter.delivery.logfilter.LinkRedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["links"]}
    },
    "loggers": {
        # Server errors with their tracebacks, whatever DEBUG says.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "tunemeter": {
            "handlers": ["console"],
            "level": os.environ.get("TUNEMETER_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
