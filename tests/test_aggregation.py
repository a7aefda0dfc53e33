"""Re-aggregating order lines into realised prices, checked by hand on six lines, on both engines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.aggregation import (
    TransactionColumns,
    TransactionScope,
    customer_column,
    data_end_date,
    distinct_values,
    realised_prices,
    transaction_lines,
    with_discount_depth,
)

ENGINES = ("duckdb", "pandas")
LINES = [
    # date, sku, customer, segment, region, channel, quantity, net price
    (date(2025, 1, 10), "A", "C1", "garage", "France", "direct", 2, 100.0),
    (date(2025, 2, 10), "A", "C2", "garage", "France", "e-commerce", 1, 70.0),
    (date(2025, 3, 10), "A", "C1", "fleet", "DACH", "direct", 1, 90.0),
    (date(2024, 12, 31), "A", "C3", "garage", "France", "direct", 4, 50.0),
    (date(2025, 6, 30), "B", "C1", "garage", "DACH", "direct", 3, 20.0),
    (date(2025, 7, 1), "B", "C2", "fleet", "DACH", "distributor", 1, 40.0),
]
FIRST_HALF_2025 = TransactionScope(start=date(2025, 1, 1), end=date(2025, 6, 30))


@pytest.fixture
def transactions(tmp_path: Path) -> Path:
    """The six lines above, stored like the demo's: dictionary-encoded text, date32, zstd."""
    columns = list(zip(*LINES, strict=True))
    names = ["date", "sku", "customer_id", "customer_segment", "region", "channel"]
    arrays = {"date": pa.array(columns[0], pa.date32())}
    for i, name in enumerate(names[1:], start=1):
        arrays[name] = pa.array(columns[i]).dictionary_encode()
    arrays["quantity"] = pa.array(columns[6], pa.int32())
    arrays["net_price"] = pa.array(columns[7], pa.float64())
    path = tmp_path / "transactions.parquet"
    pq.write_table(pa.table(arrays), path, compression="zstd")
    return path


def _rows(frame: pd.DataFrame) -> dict[str, tuple[float, int, float, int, int]]:
    return {
        r.item: (round(r.realised_price, 6), r.units, round(r.revenue, 6), r.lines, r.customers)
        for r in frame.itertuples()
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_a_period_weights_net_prices_by_quantity(transactions: Path, engine: str) -> None:
    frame = realised_prices(transactions, FIRST_HALF_2025, engine=engine)  # type: ignore[arg-type]
    # A: 2 x 100 + 1 x 70 + 1 x 90 = 360 over 4 tyres = 90, two customers; the 2024 line is out.
    # B: only the June line; July is out.
    assert _rows(frame) == {"A": (90.0, 4, 360.0, 3, 2), "B": (20.0, 3, 60.0, 1, 1)}


@pytest.mark.parametrize("engine", ENGINES)
def test_filters_combine_and_unsold_skus_disappear(transactions: Path, engine: str) -> None:
    france = TransactionScope(
        start=date(2025, 1, 1), end=date(2025, 6, 30), filters=(("region", ("France",)),)
    )
    assert _rows(realised_prices(transactions, france, engine=engine)) == {  # type: ignore[arg-type]
        "A": (90.0, 3, 270.0, 2, 2)
    }
    direct_garages = TransactionScope(
        filters=(("channel", ("direct",)), ("customer_segment", ("garage",)))
    )
    frame = realised_prices(transactions, direct_garages, engine=engine)  # type: ignore[arg-type]
    # A: 2 x 100 + 4 x 50 = 400 over 6 tyres; customers C1 and C3.
    assert _rows(frame) == {"A": (round(400 / 6, 6), 6, 400.0, 2, 2), "B": (20.0, 3, 60.0, 1, 1)}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scope_with_no_lines_gives_an_empty_frame(transactions: Path, engine: str) -> None:
    later = TransactionScope(start=date(2030, 1, 1), end=date(2030, 12, 31))
    frame = realised_prices(transactions, later, engine=engine)  # type: ignore[arg-type]
    assert frame.empty
    assert list(frame.columns) == [
        "item",
        "realised_price",
        "units",
        "revenue",
        "lines",
        "customers",
    ]


def test_discount_depth_is_measured_against_the_list_price(transactions: Path) -> None:
    frame = realised_prices(transactions, FIRST_HALF_2025)
    depth = with_discount_depth(frame, pd.Series({"A": 100.0, "B": 25.0}))
    assert depth.set_index("item")["discount_depth"].to_dict() == {"A": 0.1, "B": 0.2}
    unknown = with_discount_depth(frame, pd.Series({"A": 100.0, "B": 0.0}))
    assert unknown["discount_depth"].isna().tolist() == [False, True]


def test_scope_choices_and_data_end_come_from_the_file(transactions: Path) -> None:
    assert distinct_values(transactions, "region") == ("DACH", "France")
    assert distinct_values(transactions, "channel") == ("direct", "distributor", "e-commerce")
    assert data_end_date(transactions) == date(2025, 7, 1)
    assert transaction_lines(transactions) == 6
    with pytest.raises(ValueError):
        distinct_values(transactions, "no_such_column")


@pytest.fixture
def own_naming(tmp_path: Path) -> Path:
    """The same six lines as a customer's export names and types them: a numeric store code,
    dates as text, no customer column."""
    frame = pd.DataFrame(
        {
            "item_code": [line[1] for line in LINES],
            "sold_on": [line[0].isoformat() for line in LINES],
            "qty": [float(line[6]) for line in LINES],
            "unit_net": [line[7] for line in LINES],
            "store": [1, 1, 2, 1, 2, 3],
            "country": [line[4] for line in LINES],
        }
    )
    path = tmp_path / "own.parquet"
    frame.to_parquet(path, index=False)
    return path


OWN = TransactionColumns(item="item_code", date="sold_on", quantity="qty", net_price="unit_net")


@pytest.mark.parametrize("engine", ENGINES)
def test_any_column_names_and_types_aggregate_alike(own_naming: Path, engine: str) -> None:
    scope = TransactionScope(
        start=date(2025, 1, 1), end=date(2025, 6, 30), filters=(("store", ("1",)),)
    )
    frame = realised_prices(own_naming, scope, columns=OWN, engine=engine)  # type: ignore[arg-type]
    # Store 1 in the first half of 2025: A's January and February lines (2 x 100 + 1 x 70).
    assert "customers" not in frame.columns
    assert frame.to_dict("records") == [
        {"item": "A", "realised_price": 90.0, "units": 3, "revenue": 270.0, "lines": 2}
    ]
    by_country = TransactionScope(filters=(("country", ("DACH",)),))
    rows = realised_prices(own_naming, by_country, columns=OWN, engine=engine)  # type: ignore[arg-type]
    assert rows.set_index("item")["units"].to_dict() == {"A": 1, "B": 4}


def test_choices_and_data_end_of_any_naming(own_naming: Path) -> None:
    assert distinct_values(own_naming, "store") == ("1", "2", "3")
    assert data_end_date(own_naming, "sold_on") == date(2025, 7, 1)
    assert customer_column(["sku", "Customer ID"]) == "Customer ID"
    assert customer_column(["sku", "customer_segment"]) is None
