"""Where the command line reads a dataset's table from: a file (CSV, TSV, Parquet, ``.xlsx``) or a
SQL query, always within the upload limits of the settings.

The Data page reads uploads through ``dashboard.datasets.uploads``; the command line reads local
files and databases, with the same limits, so a table the CLI accepts the page would accept too.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from dashboard.config import Settings
from dashboard.datasets.readers import read_upload
from dashboard.datasets.sink import UploadLimits
from dashboard.datasets.sql import parse_database_url, query_to_parquet, source_label
from dashboard.errors import InputError
from dashboard.progress import ProgressHook, no_progress
from dashboard.tables import read_table


def check_limits(table: pd.DataFrame, settings: Settings, what: str) -> None:
    """InputError when ``table`` has more rows or columns than an upload may have."""
    rows, columns = table.shape
    if rows > settings.max_upload_rows:
        raise InputError(
            f"{what} has {rows:,} rows, more than the limit of {settings.max_upload_rows:,} "
            "(PRICESCOPE_MAX_UPLOAD_ROWS)."
        )
    if columns > settings.max_upload_columns:
        raise InputError(
            f"{what} has {columns:,} columns, more than the limit of "
            f"{settings.max_upload_columns:,} (PRICESCOPE_MAX_UPLOAD_COLUMNS)."
        )


def read_table_file(path: Path, settings: Settings, *, sheet: str | None = None) -> pd.DataFrame:
    """A CSV (``,`` or ``;`` with decimal commas), TSV, Parquet or ``.xlsx`` table, within limits.

    A workbook is read exactly as the Data page reads an upload (``dashboard.datasets.readers``:
    the zip directory checked before parsing, read-only mode, formulas kept as text).
    """
    if path.name.lower().endswith(".xlsx"):
        if not path.is_file():
            raise InputError(f"There is no file at '{path}'.")
        limits = UploadLimits(settings.max_upload_rows, settings.max_upload_columns)
        with tempfile.TemporaryDirectory(prefix="pricescope-read-") as scratch:
            converted = Path(scratch) / "table.parquet"
            read_upload(path, converted, limits, sheet=sheet)
            return pd.read_parquet(converted)
    if sheet is not None:
        raise InputError(f"'{path.name}' is not an Excel workbook, so it has no sheets.")
    table = read_table(path)
    check_limits(table, settings, f"'{path.name}'")
    return table


def read_query(
    query: str,
    database_url: str,
    settings: Settings,
    destination: Path,
    *,
    progress: ProgressHook = no_progress,
) -> tuple[pd.DataFrame, str]:
    """Run a read-only SELECT into ``destination`` (Parquet); the table and the source to store,
    which names the database without its password."""
    url = parse_database_url(database_url)
    query_to_parquet(
        query,
        url,
        destination,
        max_rows=settings.max_upload_rows,
        max_columns=settings.max_upload_columns,
        progress=progress,
    )
    return pd.read_parquet(destination), source_label(url)
