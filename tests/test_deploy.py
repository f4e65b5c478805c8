"""Test that docs/deploy.md's production environment passes `tunemeter check --deploy`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"


def deploy_env(tmp_path: Path) -> dict[str, str]:
    """Return the documented environment, its folders moved under tmp_path."""
    block = re.search(r"<!-- deploy-env:start -->\s*```ini\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/deploy.md lost its environment block"
    env = dict(line.split("=", 1) for line in block.group(1).splitlines() if "=" in line)
    env["TUNEMETER_DATA_DIR"] = str(tmp_path / "var")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    (tmp_path / "metrics").mkdir()
    return env


def test_the_documented_production_settings_pass_check_deploy(tmp_path):
    env = deploy_env(tmp_path)
    env["TUNEMETER_SECRET_KEY"] = os.urandom(40).hex()  # the doc's placeholder is too short
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "tunemeter"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_https_check_deploy_names_what_is_missing(tmp_path):
    env = deploy_env(tmp_path)
    env["TUNEMETER_SECRET_KEY"] = os.urandom(40).hex()
    del env["TUNEMETER_HTTPS"]
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "tunemeter"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr + result.stdout
