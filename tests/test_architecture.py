"""The floors are a checked contract: lint-imports fails on an upward import, naming it."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture_graph import DOC, app_imports, diagram, document_with, floors

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    """Run lint-imports with the project's contract over a copy of the package at tree."""
    return subprocess.run(
        [str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Return a scratch copy of src/tunemeter and pyproject.toml to break on purpose."""
    shutil.copytree(
        ROOT / "src" / "tunemeter",
        tmp_path / "src" / "tunemeter",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(tree: Path, module: str, line: str) -> None:
    path = tree / "src" / Path(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_contract_holds_on_the_code(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_floors_and_is_named(tree):
    # royalties sits below shop: checkout calls down into accrual, never the reverse.
    _add_import(tree, "tunemeter.royalties.services", "from tunemeter.shop import models")
    result = _lint(tree)
    assert result.returncode != 0
    assert "Floors: an app imports only the apps below it BROKEN" in result.stdout
    assert "tunemeter.royalties.services -> tunemeter.shop.models" in result.stdout


def test_importing_ops_is_forbidden_even_from_outside_the_floors(tree):
    _add_import(tree, "tunemeter.urls", "import tunemeter.ops.audit")
    result = _lint(tree)
    assert result.returncode != 0
    assert "Nothing imports ops (the top floor) BROKEN" in result.stdout
    assert "tunemeter.urls -> tunemeter.ops.audit" in result.stdout


def test_no_function_local_import_crosses_apps():
    """A function-local import of another app's module only ever hid a cycle: none is left.

    AppConfig.ready() is the exception Django documents (models load after app configs).
    """
    found = []
    for path in (ROOT / "src" / "tunemeter").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        app = path.relative_to(ROOT / "src").parts[1].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name == "ready":
                continue
            for inner in ast.walk(node):
                names = (
                    [inner.module or ""]
                    if isinstance(inner, ast.ImportFrom)
                    else [a.name for a in inner.names]
                    if isinstance(inner, ast.Import)
                    else []
                )
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "tunemeter" and len(parts) > 1 and parts[1] != app:
                        found.append(f"{path.name}:{inner.lineno} {name}")
    assert found == []


def test_the_committed_diagram_is_the_one_the_code_draws():
    """docs/architecture.md shows the contract's floors and today's imports between apps."""
    text = DOC.read_text()
    assert document_with(text, diagram()) == text, (
        "docs/architecture.md is stale: run python -m tests.architecture_graph --write"
    )


def test_every_arrow_in_the_diagram_points_down():
    level = {app: -n for n, floor in enumerate(floors()) for app in floor}
    up = [(a, b) for a, b in app_imports() if a in level and b in level and level[a] <= level[b]]
    assert up == []
