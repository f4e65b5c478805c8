"""Keep the benches runnable: every name they import exists, and the README matches results.

A bench is run by hand, not by the suite, so a move of code between apps can break
one silently (the delivery bench once stopped when the licence check landed). This
test reads each bench's imports of the store's code and resolves them.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _store_imports(path: Path) -> list[tuple[str, str]]:
    """Return (module, name) for every `from tunemeter… import name` in a bench file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tunemeter"):
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_bench_imports_resolve(path: Path) -> None:
    """Each name a bench imports from the store exists where the bench looks for it."""
    for module, name in _store_imports(path):
        imported = importlib.import_module(module)
        assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}"), (
            f"{path.name}: {module} has no {name}"
        )


def test_readme_table_matches_saved_results() -> None:
    """The README's performance table is what bench/report.py makes of bench/results."""
    done = subprocess.run(
        [sys.executable, str(BENCH / "report.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
