"""The house style is checked with the tests: ruff (lint and format) and mypy must be clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE = ["app.py", "dashboard", "callbacks", "layouts", "bench", "testkit", "tests"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_ruff_lint_is_clean() -> None:
    result = run(sys.executable, "-m", "ruff", "check", *CODE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run(sys.executable, "-m", "ruff", "format", "--check", *CODE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    # The gate is mypy *with* pandas' stubs: without them every pandas call is Any and passes.
    try:
        metadata.version("pandas-stubs")
    except metadata.PackageNotFoundError:
        pytest.fail("pandas-stubs is missing: pip install -r requirements-dev.txt")
    result = run(
        sys.executable,
        "-m",
        "mypy",
        "app.py",
        "dashboard",
        "callbacks",
        "layouts",
        "bench",
        "testkit",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def imported_packages(folder: str) -> dict[str, set[str]]:
    """The top-level package of every import in each module under ``folder`` (path → packages)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_benchmarks_and_the_app_do_not_import_the_tests() -> None:
    # The shared builders live in testkit/; the app itself needs neither tests nor testkit.
    offenders = {
        module: sorted(names & {"tests"})
        for folder in ("bench", "testkit")
        for module, names in imported_packages(folder).items()
        if "tests" in names
    }
    offenders |= {
        module: sorted(names & {"tests", "testkit"})
        for folder in ("dashboard", "callbacks", "layouts")
        for module, names in imported_packages(folder).items()
        if names & {"tests", "testkit"}
    }
    assert offenders == {}
