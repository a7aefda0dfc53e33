"""First start: ``bootstrap`` makes exactly one demo run however many processes start at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.runs import RunStore

ROOT = Path(__file__).resolve().parent.parent


def small_demo_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PRICESCOPE_DATA_DIR": str(data_dir),
        "PRICESCOPE_DEMO_SKUS": "1500",
        "PRICESCOPE_DEMO_TRANSACTIONS": "20000",
    }


@pytest.mark.slow
def test_concurrent_first_starts_publish_one_run_and_later_starts_reuse_it(tmp_path: Path) -> None:
    env = small_demo_env(tmp_path / "data")
    command = [sys.executable, "-m", "dashboard", "bootstrap"]
    starts = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=600) for process in starts]
    assert [process.returncode for process in starts] == [0, 0, 0], outputs

    store = RunStore(tmp_path / "data" / "runs")
    runs = store.list_runs()
    assert len(runs) == 1
    assert runs[0].rows == 1500
    for stdout, _ in outputs:
        assert f"Current run {runs[0].run_id}" in stdout

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0
    assert len(store.list_runs()) == 1  # reused, not re-scored


def test_runs_lists_runs_and_marks_the_current_one(
    demo_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRICESCOPE_DATA_DIR", str(demo_root))
    assert main(["runs"]) == 0
    current = RunStore(demo_root / "runs").current_id()
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"* {current}") for line in lines), lines


def test_demo_command_rejects_impossible_sizes_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path / "demo"), "--skus", "3"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error:") and "500" in error
    assert not (tmp_path / "demo").exists()


def test_bad_environment_stops_with_the_variable_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRICESCOPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PRICESCOPE_DEMO_SKUS", "lots")
    assert main(["bootstrap"]) == 2
    assert "PRICESCOPE_DEMO_SKUS must be a whole number" in capsys.readouterr().err
