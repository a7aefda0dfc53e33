"""Re-aggregating order lines into a realised (pocket) price per item for one scope.

A transactions file has one row per order line: an item id, a date, a quantity and a net price,
plus any scope columns (region, channel, customer segment…) under whatever names the dataset uses
(:class:`TransactionColumns`). For a scope (a date range and optional value lists per scope
column) every item sold in scope gets:

- ``realised_price``: the volume-weighted net price, sum(quantity x net_price) / sum(quantity);
- ``units``: units sold; ``revenue``: money taken; ``lines``: order lines; ``customers``: distinct
  customers, only when the transactions have a customer column;
- ``discount_depth`` (added by :func:`with_discount_depth`): 1 - realised price / list price.

Two engines compute the same frame: pandas (pyarrow reads with the filters pushed down, then a
groupby on the item's categorical codes) and DuckDB (SQL over the Parquet file). Measured on the
2M-line demo (``bench/aggregation.py``, 2 shared cores): pandas 0.36 s against DuckDB 0.48 s for
all 24 months (DuckDB 1.3x slower) and 0.16 s against 0.25 s for 12 months, while DuckDB wins on
narrow scopes (0.06 s against 0.10 s for 6 months, 2 regions, one channel), where both are
instant. The broad scopes are the slow ones, so pandas is the default; its distinct-customer
count on categorical codes is what DuckDB's string hashing loses to.

Filters are pushed down into the Parquet read only where that is exact: text columns for value
lists and date columns for the period. Other types (numbers as store codes, dates stored as text
or timestamps) are read and compared in pandas, as text and as parsed dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ITEM = "item"
REALISED_COLUMNS = (ITEM, "realised_price", "units", "revenue", "lines", "customers")
Engine = Literal["duckdb", "pandas"]
DEFAULT_ENGINE: Engine = "pandas"
#: DuckDB threads: one core stays free for the web process on a small machine (two measured no
#: faster on 2 shared cores).
DUCKDB_THREADS = 1
#: Column names taken for the customer id of an order line (compared without case, spaces, _-).
_CUSTOMER_NAME = re.compile(r"^(customer|client)(id|no|number|code|key)?$")


@dataclass(frozen=True)
class TransactionColumns:
    """Which column of a transactions file holds what."""

    item: str = "sku"
    date: str = "date"
    quantity: str = "quantity"
    net_price: str = "net_price"
    customer: str | None = None  # counted as distinct customers when there is one


#: The demo generator's column names.
DEMO_COLUMNS = TransactionColumns(customer="customer_id")


def customer_column(columns: list[str] | tuple[str, ...]) -> str | None:
    """The column that names an order line's customer (``customer_id``, ``Client No``…), if any."""
    for name in columns:
        if _CUSTOMER_NAME.match(re.sub(r"[\s_\-.]", "", name.lower())):
            return name
    return None


@dataclass(frozen=True)
class TransactionScope:
    """Which order lines count: inclusive dates (``None`` = open) and value lists per scope column
    (a column not named, or named with no values, is not filtered)."""

    start: date | None = None
    end: date | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def active_filters(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((column, values) for column, values in self.filters if values)


def transaction_lines(path: Path) -> int:
    """How many order lines the file holds (from the Parquet footer, without reading the data)."""
    return int(pq.ParquetFile(path).metadata.num_rows)


def realised_prices(
    path: Path,
    scope: TransactionScope,
    *,
    columns: TransactionColumns = DEMO_COLUMNS,
    engine: Engine = DEFAULT_ENGINE,
) -> pd.DataFrame:
    """One row per item sold in scope, sorted by item id (as text), with
    :data:`REALISED_COLUMNS` (``customers`` only when ``columns.customer`` is set)."""
    if engine == "duckdb":
        return realised_prices_duckdb(path, scope, columns=columns, threads=DUCKDB_THREADS)
    if engine == "pandas":
        return realised_prices_pandas(path, scope, columns=columns)
    raise ValueError(f"unknown aggregation engine {engine!r}")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def realised_prices_duckdb(
    path: Path,
    scope: TransactionScope,
    *,
    columns: TransactionColumns = DEMO_COLUMNS,
    threads: int = DUCKDB_THREADS,
) -> pd.DataFrame:
    import duckdb  # only needed for this engine: a development dependency (the benchmark)

    where, params = _sql_filters(scope, columns)
    qty = f"TRY_CAST({_quoted(columns.quantity)} AS DOUBLE)"
    price = f"TRY_CAST({_quoted(columns.net_price)} AS DOUBLE)"
    customers = (
        f", COUNT(DISTINCT {_quoted(columns.customer)})::BIGINT AS customers"
        if columns.customer
        else ""
    )
    query = f"""
        SELECT CAST({_quoted(columns.item)} AS VARCHAR) AS item,
               SUM({qty} * {price}) / SUM({qty}) AS realised_price,
               SUM({qty}) AS units,
               SUM({qty} * {price}) AS revenue,
               COUNT(*)::BIGINT AS lines
               {customers}
        FROM read_parquet(?)
        WHERE {qty} IS NOT NULL AND {price} IS NOT NULL
              AND {_quoted(columns.item)} IS NOT NULL {where}
        GROUP BY 1
        HAVING SUM({qty}) > 0
        ORDER BY 1
    """
    with duckdb.connect(config={"threads": threads}) as con:
        frame = con.execute(query, [str(path), *params]).df()
    return _typed(frame, with_customers=columns.customer is not None)


def _sql_filters(scope: TransactionScope, columns: TransactionColumns) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    day = f"TRY_CAST({_quoted(columns.date)} AS DATE)"
    if scope.start is not None:
        clauses.append(f"{day} >= ?")
        params.append(scope.start)
    if scope.end is not None:
        clauses.append(f"{day} <= ?")
        params.append(scope.end)
    for column, values in scope.active_filters:
        marks = ", ".join("?" for _ in values)
        clauses.append(f"CAST({_quoted(column)} AS VARCHAR) IN ({marks})")
        params.extend(values)
    return "".join(f" AND {clause}" for clause in clauses), params


def realised_prices_pandas(
    path: Path, scope: TransactionScope, *, columns: TransactionColumns = DEMO_COLUMNS
) -> pd.DataFrame:
    schema = pq.read_schema(path)
    pushed, later = _arrow_filters(scope, columns, schema)
    wanted = [columns.item, columns.quantity, columns.net_price]
    if columns.customer:
        wanted.append(columns.customer)
    wanted += [c for c in later if c not in wanted]
    lines = pd.read_parquet(path, columns=wanted, filters=pushed or None)
    lines = _filtered_in_pandas(lines, scope, columns, later)
    quantity = pd.to_numeric(lines[columns.quantity], errors="coerce")
    price = pd.to_numeric(lines[columns.net_price], errors="coerce")
    usable = quantity.notna() & price.notna() & lines[columns.item].notna()
    lines = pd.DataFrame(
        {
            ITEM: lines[columns.item],
            "quantity": quantity,
            "revenue": quantity * price,
            **({"customer": lines[columns.customer]} if columns.customer else {}),
        }
    )
    if not usable.all():  # the demo's lines are all usable: no copy for them
        lines = lines[usable]
    # Grouping on the categorical codes (observed only) is much faster than on strings.
    grouped = lines.groupby(ITEM, sort=True, observed=True)
    parts = {
        "units": grouped["quantity"].sum(),
        "revenue": grouped["revenue"].sum(),
        "lines": grouped.size(),
    }
    if columns.customer:
        parts["customers"] = grouped["customer"].nunique()
    frame = pd.DataFrame(parts).reset_index()
    frame = frame[frame["units"] > 0]
    frame["realised_price"] = frame["revenue"] / frame["units"]
    return _typed(frame, with_customers=columns.customer is not None)


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _arrow_filters(
    scope: TransactionScope, columns: TransactionColumns, schema: pa.Schema
) -> tuple[list[tuple[str, str, object]], list[str]]:
    """The filters pyarrow can apply exactly while reading, and the columns left for pandas."""
    pushed: list[tuple[str, str, object]] = []
    later: list[str] = []
    if scope.start is not None or scope.end is not None:
        if pa.types.is_date(schema.field(columns.date).type):
            if scope.start is not None:
                pushed.append((columns.date, ">=", scope.start))
            if scope.end is not None:
                pushed.append((columns.date, "<=", scope.end))
        else:
            later.append(columns.date)
    for column, values in scope.active_filters:
        if _is_text(schema.field(column).type):
            pushed.append((column, "in", list(values)))
        else:
            later.append(column)
    return pushed, later


def _filtered_in_pandas(
    lines: pd.DataFrame, scope: TransactionScope, columns: TransactionColumns, later: list[str]
) -> pd.DataFrame:
    if not later:
        return lines
    keep = pd.Series(True, index=lines.index)
    if columns.date in later:
        days = parsed_dates(lines[columns.date])
        if scope.start is not None:
            keep &= days >= pd.Timestamp(scope.start)
        if scope.end is not None:
            keep &= days < pd.Timestamp(scope.end) + pd.Timedelta(days=1)
    for column, values in scope.active_filters:
        if column in later:
            keep &= lines[column].astype("string").isin(values).fillna(False).astype(bool)
    return lines[keep]


def parsed_dates(values: pd.Series) -> pd.Series:
    """Dates of any stored form as naive timestamps; NaT where a value is not a date."""
    days = pd.to_datetime(values, errors="coerce", utc=False, format="mixed")
    if isinstance(days.dtype, pd.DatetimeTZDtype):
        days = days.dt.tz_localize(None)
    return days


def _typed(frame: pd.DataFrame, *, with_customers: bool) -> pd.DataFrame:
    """The same dtypes and order from either engine, so results compare exactly."""
    units = frame["units"].astype("float64")
    whole = bool(np.all(np.mod(units.to_numpy(), 1) == 0))
    out = pd.DataFrame(
        {
            ITEM: frame[ITEM].astype("str"),
            "realised_price": frame["realised_price"].astype("float64"),
            "units": units.astype("int64") if whole else units,
            "revenue": frame["revenue"].astype("float64"),
            "lines": frame["lines"].astype("int64"),
        }
    )
    if with_customers:
        out["customers"] = frame["customers"].astype("int64")
    return out.sort_values(ITEM, kind="stable").reset_index(drop=True)


def with_discount_depth(realised: pd.DataFrame, list_price: pd.Series) -> pd.DataFrame:
    """Adds ``discount_depth`` = 1 - realised / list price; ``list_price`` is indexed by item id
    (as text). An item without a positive list price gets no discount depth (NaN), not a made-up
    one."""
    listed = pd.to_numeric(realised[ITEM].map(list_price), errors="coerce").astype("float64")
    listed = listed.where(listed > 0)
    depth = 1.0 - realised["realised_price"].to_numpy() / listed.to_numpy()
    return realised.assign(discount_depth=np.round(depth, 6))


def distinct_values(path: Path, column: str) -> tuple[str, ...]:
    """The values a scope can pick for ``column``, as text, sorted; ValueError if there is no
    such column."""
    if column not in pq.read_schema(path).names:
        raise ValueError(f"{column!r} is not a column of the transactions")
    # Dictionary-encoded columns: read just that column; it is a few MB even at 2M lines.
    values = pq.read_table(path, columns=[column]).column(column).unique().to_pylist()
    return tuple(sorted({str(v) for v in values if v is not None and v == v}))


def data_end_date(path: Path, column: str = "date") -> date | None:
    """The last day with an order line, from the Parquet statistics when they are there; None
    when the column holds no date at all."""
    metadata = pq.ParquetFile(path).metadata
    schema = metadata.schema.to_arrow_schema()
    index = schema.get_field_index(column)
    if index < 0:
        raise ValueError(f"{column!r} is not a column of the transactions")
    latest: date | None = None
    if pa.types.is_date(schema.field(index).type):
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(index).statistics
            if stats is None or not stats.has_min_max:
                latest = None
                break
            value = stats.max
            latest = value if latest is None or value > latest else latest
        if latest is not None:
            return latest
    days = parsed_dates(pq.read_table(path, columns=[column]).column(column).to_pandas())
    last = days.max()
    return None if pd.isna(last) else last.date()
