"""Test that the documented production environment passes `tunemeter check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PRODUCTION_ENV = {
    "TUNEMETER_HTTPS": "1",
    "TUNEMETER_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "TUNEMETER_HSTS_SUBDOMAINS": "1",
    "TUNEMETER_HSTS_PRELOAD": "1",
    "TUNEMETER_SECRET_KEY": "k" * 10 + "-a-long-random-secret-from-the-environment-0123456789",
    "TUNEMETER_ALLOWED_HOSTS": "store.example.org",
}


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    """Django's deployment checklist (HSTS, secure cookies, SSL redirect) finds nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUNEMETER_", "DJANGO_"))}
    env.update(PRODUCTION_ENV, TUNEMETER_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("tunemeter")),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_https_the_store_runs_plain_for_local_use(settings):
    assert settings.SECURE_SSL_REDIRECT is False and settings.SESSION_COOKIE_SECURE is False
