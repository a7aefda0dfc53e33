"""Where the command line reads a dataset's table from: a file (CSV, TSV, Parquet, ``.xlsx``) or a
SQL query, always within the upload limits of the settings.

The Data page reads uploads through ``dashboard.datasets.uploads``; the command line reads local
files and databases, with the same limits, so a table the CLI accepts the page would accept too.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.config import Settings
from dashboard.datasets.sql import parse_database_url, query_to_parquet, source_label
from dashboard.errors import InputError
from dashboard.progress import ProgressHook, no_progress
from dashboard.tables import read_table
from dashboard.tables.validation import duplicate_column_names

#: An .xlsx unpacks to this many times the size limit at most: real workbooks compress about
#: 5-10 times, a zip bomb thousands of times.
UNPACKED_FACTOR = 20


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
    """A CSV (``,`` or ``;`` with decimal commas), TSV, Parquet or ``.xlsx`` table, within limits."""
    if path.name.lower().endswith(".xlsx"):
        table = read_workbook(
            path,
            sheet,
            max_rows=settings.max_upload_rows,
            max_unpacked_bytes=settings.max_upload_mb * 2**20 * UNPACKED_FACTOR,
        )
    else:
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


def read_workbook(
    path: Path, sheet: str | None, *, max_rows: int, max_unpacked_bytes: int
) -> pd.DataFrame:
    """One sheet of an ``.xlsx`` workbook, its first row the header, read in openpyxl's read-only
    mode (rows streamed, cached values rather than formulas)."""
    from openpyxl import load_workbook

    if not path.is_file():
        raise InputError(f"There is no file at '{path}'.")
    _check_unpacked_size(path, max_unpacked_bytes)
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        names = list(workbook.sheetnames)
        chosen = sheet if sheet is not None else names[0]
        if chosen not in names:
            listed = ", ".join(f"'{n}'" for n in names)
            raise InputError(f"'{path.name}' has no sheet '{chosen}'; its sheets are {listed}.")
        rows = workbook[chosen].iter_rows(values_only=True)
        header = _header(next(rows, None), path.name, chosen)
        records = list(_records(rows, len(header), max_rows, path.name))
    finally:
        workbook.close()
    if not records:
        raise InputError(f"The sheet '{chosen}' of '{path.name}' has a header but no rows.")
    return pd.DataFrame(records, columns=header).infer_objects()


def _check_unpacked_size(path: Path, limit: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise InputError(f"'{path.name}' is not an Excel workbook (.xlsx).") from None
    if unpacked > limit:
        raise InputError(
            f"'{path.name}' unpacks to {unpacked / 2**20:,.0f} MB, more than the limit of "
            f"{limit / 2**20:,.0f} MB; save the sheet as CSV instead."
        )


def _header(row: tuple[Any, ...] | None, file_name: str, sheet: str) -> list[str]:
    cells = list(row or ())
    while cells and cells[-1] is None:  # formatting often reaches past the last named column
        cells.pop()
    if not cells:
        raise InputError(f"The sheet '{sheet}' of '{file_name}' is empty.")
    if None in cells:
        raise InputError(
            f"The header row of the sheet '{sheet}' has no name in column {cells.index(None) + 1}; "
            "name every column."
        )
    names = [str(cell).strip() for cell in cells]
    repeated = duplicate_column_names(names)
    if repeated:
        raise InputError(f"The sheet '{sheet}' has more than one column named '{repeated[0]}'.")
    return names


def _records(
    rows: Iterator[tuple[Any, ...]], width: int, max_rows: int, file_name: str
) -> Iterator[tuple[Any, ...]]:
    count = 0
    for row in rows:
        record = tuple(row[:width]) + (None,) * (width - len(row))
        if all(cell is None for cell in record):
            continue  # blank rows a spreadsheet keeps below or between the data
        count += 1
        if count > max_rows:
            raise InputError(
                f"'{file_name}' has more than {max_rows:,} rows, the limit "
                "(PRICESCOPE_MAX_UPLOAD_ROWS)."
            )
        yield record
