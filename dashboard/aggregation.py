"""Re-aggregating order lines into a realised (pocket) price per SKU for one scope.

The transactions file has one row per order line (date, sku, customer_id, customer_segment, region,
channel, quantity, net_price). For a scope (a date range and optional region / customer-segment /
channel lists) every SKU sold in scope gets:

- ``realised_price``: the volume-weighted net price, sum(quantity x net_price) / sum(quantity);
- ``units``: tyres sold; ``revenue``: money taken; ``lines``: order lines; ``customers``: distinct
  customers;
- ``discount_depth`` (added by :func:`with_discount_depth`): 1 - realised price / list price.

Two engines compute the same frame: pandas (pyarrow reads with the filters pushed down, then a
groupby on the SKU's categorical codes) and DuckDB (SQL over the Parquet file). Measured on the
2M-line demo (``bench/aggregation.py``, 2 shared cores): pandas 0.36 s against DuckDB 0.48 s for
all 24 months (DuckDB 1.3x slower) and 0.16 s against 0.25 s for 12 months, while DuckDB wins on
narrow scopes (0.06 s against 0.10 s for 6 months, 2 regions, one channel), where both are
instant. The broad scopes are the slow ones, so pandas is the default; its distinct-customer
count on categorical codes is what DuckDB's string hashing loses to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

REALISED_COLUMNS = ("sku", "realised_price", "units", "revenue", "lines", "customers")
Engine = Literal["duckdb", "pandas"]
DEFAULT_ENGINE: Engine = "pandas"
#: DuckDB threads: one core stays free for the web process on a small machine (two measured no
#: faster on 2 shared cores).
DUCKDB_THREADS = 1


@dataclass(frozen=True)
class TransactionScope:
    """Which order lines count: inclusive dates (``None`` = open) and value lists (empty = all)."""

    start: date | None = None
    end: date | None = None
    regions: tuple[str, ...] = ()
    customer_segments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


def transaction_lines(path: Path) -> int:
    """How many order lines the file holds (from the Parquet footer, without reading the data)."""
    return int(pq.ParquetFile(path).metadata.num_rows)


def realised_prices(
    path: Path, scope: TransactionScope, *, engine: Engine = DEFAULT_ENGINE
) -> pd.DataFrame:
    """One row per SKU sold in scope, sorted by SKU, with :data:`REALISED_COLUMNS`."""
    if engine == "duckdb":
        return realised_prices_duckdb(path, scope, threads=DUCKDB_THREADS)
    if engine == "pandas":
        return realised_prices_pandas(path, scope)
    raise ValueError(f"unknown aggregation engine {engine!r}")


def realised_prices_duckdb(
    path: Path, scope: TransactionScope, *, threads: int = DUCKDB_THREADS
) -> pd.DataFrame:
    import duckdb  # only needed for this engine: a development dependency (the benchmark)

    where, params = _sql_filters(scope)
    query = f"""
        SELECT CAST(sku AS VARCHAR) AS sku,
               SUM(quantity * net_price) / SUM(quantity) AS realised_price,
               SUM(quantity)::BIGINT AS units,
               SUM(quantity * net_price) AS revenue,
               COUNT(*)::BIGINT AS lines,
               COUNT(DISTINCT customer_id)::BIGINT AS customers
        FROM read_parquet(?)
        {where}
        GROUP BY 1
        HAVING SUM(quantity) > 0
        ORDER BY 1
    """
    with duckdb.connect(config={"threads": threads}) as con:
        frame = con.execute(query, [str(path), *params]).df()
    return _typed(frame)


def _sql_filters(scope: TransactionScope) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if scope.start is not None:
        clauses.append("date >= ?")
        params.append(scope.start)
    if scope.end is not None:
        clauses.append("date <= ?")
        params.append(scope.end)
    for column, values in (
        ("region", scope.regions),
        ("customer_segment", scope.customer_segments),
        ("channel", scope.channels),
    ):
        if values:
            marks = ", ".join("?" for _ in values)
            clauses.append(f"CAST({column} AS VARCHAR) IN ({marks})")
            params.extend(values)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def realised_prices_pandas(path: Path, scope: TransactionScope) -> pd.DataFrame:
    lines = pd.read_parquet(
        path,
        columns=["sku", "customer_id", "quantity", "net_price"],
        filters=_arrow_filters(scope) or None,
    )
    # Grouping on the categorical codes (observed only) is much faster than on strings.
    lines = lines.assign(revenue=lines["quantity"] * lines["net_price"])
    grouped = lines.groupby("sku", sort=True, observed=True)
    frame = pd.DataFrame(
        {
            "units": grouped["quantity"].sum(),
            "revenue": grouped["revenue"].sum(),
            "lines": grouped.size(),
            "customers": grouped["customer_id"].nunique(),
        }
    ).reset_index()
    frame = frame[frame["units"] > 0]
    frame["realised_price"] = frame["revenue"] / frame["units"]
    return _typed(frame)


def _arrow_filters(scope: TransactionScope) -> list[tuple[str, str, object]]:
    filters: list[tuple[str, str, object]] = []
    if scope.start is not None:
        filters.append(("date", ">=", scope.start))
    if scope.end is not None:
        filters.append(("date", "<=", scope.end))
    for column, values in (
        ("region", scope.regions),
        ("customer_segment", scope.customer_segments),
        ("channel", scope.channels),
    ):
        if values:
            filters.append((column, "in", list(values)))
    return filters


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The same dtypes and order from either engine, so results compare exactly."""
    out = pd.DataFrame(
        {
            "sku": frame["sku"].astype("str"),
            "realised_price": frame["realised_price"].astype("float64"),
            "units": frame["units"].astype("int64"),
            "revenue": frame["revenue"].astype("float64"),
            "lines": frame["lines"].astype("int64"),
            "customers": frame["customers"].astype("int64"),
        }
    )
    return out.sort_values("sku", kind="stable").reset_index(drop=True)


def with_discount_depth(realised: pd.DataFrame, list_price: pd.Series) -> pd.DataFrame:
    """Adds ``discount_depth`` = 1 - realised / list price; ``list_price`` is indexed by SKU.

    A SKU without a positive list price gets no discount depth (NaN) rather than a made-up one.
    """
    listed = realised["sku"].map(list_price).astype("float64")
    listed = listed.where(listed > 0)
    depth = 1.0 - realised["realised_price"].to_numpy() / listed.to_numpy()
    return realised.assign(discount_depth=np.round(depth, 6))


def distinct_values(path: Path, column: str) -> tuple[str, ...]:
    """The values a scope can pick for ``column`` (region, customer_segment, channel), sorted."""
    if column not in {"region", "customer_segment", "channel"}:
        raise ValueError(f"{column!r} is not a scope column")
    # Dictionary-encoded columns: read just that column; it is a few MB even at 2M lines.
    values = pq.read_table(path, columns=[column]).column(column).unique().to_pylist()
    return tuple(sorted(str(v) for v in values if v is not None))


def data_end_date(path: Path) -> date:
    """The last day with an order line, from the Parquet statistics when they are there."""
    metadata = pq.ParquetFile(path).metadata
    index = metadata.schema.to_arrow_schema().get_field_index("date")
    latest: date | None = None
    for group in range(metadata.num_row_groups):
        stats = metadata.row_group(group).column(index).statistics
        if stats is None or not stats.has_min_max:
            latest = None
            break
        value = stats.max
        latest = value if latest is None or value > latest else latest
    if latest is None:
        column = pq.read_table(path, columns=["date"]).column("date")
        latest = max(v for v in column.to_pylist() if v is not None)
    return latest
