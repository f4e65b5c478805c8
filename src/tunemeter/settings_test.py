"""Configure the test suite: a throw-away data dir, and PostgreSQL when asked for."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TUNEMETER_DATA_DIR", tempfile.mkdtemp(prefix="tunemeter-test-"))
os.environ.setdefault(
    "TUNEMETER_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789"
)

from tunemeter.settings import *  # noqa: E402,F403
from tunemeter.settings import DATA_DIR, DATABASES  # noqa: E402

if _test_url := os.environ.get("TUNEMETER_TEST_DATABASE_URL"):
    import dj_database_url

    DATABASES["default"] = dj_database_url.parse(_test_url)

else:
    # A file, not SQLite's shared-cache memory database: concurrency tests need real locking.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

# Jobs run at once, in the caller, unless a test asks for a worker; no estimates of every
# format after each test import (tests of that job ask for it).
JOBS_MODE = os.environ.get("TUNEMETER_JOBS_MODE", "inline")
ESTIMATES_AFTER_IMPORT = False

# Fast hashing in tests, except where a test asks for Argon2 explicitly.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]

# The cache's free-space floor depends on the machine's disk: tests that need it set it.
CACHE_MIN_FREE_BYTES = 0
# Tax and card payments off unless a test turns them on (not from the developer's shell).
TAX_STORE_COUNTRY = ""
TAX_EU_OSS = False
STRIPE_SECRET_KEY = STRIPE_PUBLISHABLE_KEY = STRIPE_WEBHOOK_SECRET = ""
STRIPE_API_BASE = STRIPE_ACCOUNT_ID = ""
