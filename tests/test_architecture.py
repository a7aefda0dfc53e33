"""The import architecture, checked on every test run: layers, a Dash-free core, no circles.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``); ``lint-imports`` checks them the
way a developer would run it by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    command = [str(linter)] if linter.exists() else ["lint-imports"]
    result = subprocess.run(
        [*command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_the_contracts_cover_every_layer_and_package() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for contract in ('type = "layers"', 'type = "forbidden"', 'type = "acyclic_siblings"'):
        assert contract in text


def test_nothing_below_the_app_imports_it() -> None:
    """``app.py`` is the top layer; a module is no package, so import-linter cannot list it."""
    graph = grimp.build_graph(
        "callbacks", "layouts", "dashboard", include_external_packages=True, cache_dir=None
    )
    # Anything imported from outside the packages is in the graph as one module per package.
    assert "app" not in graph.modules, graph.find_modules_that_directly_import("app")
