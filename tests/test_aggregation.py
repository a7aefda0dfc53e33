"""Re-aggregating order lines into realised prices, checked by hand on six lines, on both engines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.aggregation import (
    TransactionScope,
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
        r.sku: (round(r.realised_price, 6), r.units, round(r.revenue, 6), r.lines, r.customers)
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
    france = TransactionScope(start=date(2025, 1, 1), end=date(2025, 6, 30), regions=("France",))
    assert _rows(realised_prices(transactions, france, engine=engine)) == {  # type: ignore[arg-type]
        "A": (90.0, 3, 270.0, 2, 2)
    }
    direct_garages = TransactionScope(channels=("direct",), customer_segments=("garage",))
    frame = realised_prices(transactions, direct_garages, engine=engine)  # type: ignore[arg-type]
    # A: 2 x 100 + 4 x 50 = 400 over 6 tyres; customers C1 and C3.
    assert _rows(frame) == {"A": (round(400 / 6, 6), 6, 400.0, 2, 2), "B": (20.0, 3, 60.0, 1, 1)}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scope_with_no_lines_gives_an_empty_frame(transactions: Path, engine: str) -> None:
    later = TransactionScope(start=date(2030, 1, 1), end=date(2030, 12, 31))
    frame = realised_prices(transactions, later, engine=engine)  # type: ignore[arg-type]
    assert frame.empty
    assert list(frame.columns) == [
        "sku",
        "realised_price",
        "units",
        "revenue",
        "lines",
        "customers",
    ]


def test_discount_depth_is_measured_against_the_list_price(transactions: Path) -> None:
    frame = realised_prices(transactions, FIRST_HALF_2025)
    depth = with_discount_depth(frame, pd.Series({"A": 100.0, "B": 25.0}))
    assert depth.set_index("sku")["discount_depth"].to_dict() == {"A": 0.1, "B": 0.2}
    unknown = with_discount_depth(frame, pd.Series({"A": 100.0, "B": 0.0}))
    assert unknown["discount_depth"].isna().tolist() == [False, True]


def test_scope_choices_and_data_end_come_from_the_file(transactions: Path) -> None:
    assert distinct_values(transactions, "region") == ("DACH", "France")
    assert distinct_values(transactions, "channel") == ("direct", "distributor", "e-commerce")
    assert data_end_date(transactions) == date(2025, 7, 1)
    assert transaction_lines(transactions) == 6
    with pytest.raises(ValueError):
        distinct_values(transactions, "net_price")
