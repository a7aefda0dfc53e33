"""CSV and Excel downloads of a table, safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
by a spreadsheet as a formula (CSV/formula injection), so such text gets a leading ``'``. Only text
is escaped: numbers stay numbers (a negative number is a number, the text "-1+1" is not) and yes/no
values stay booleans. Column names are escaped the same way.
"""

from __future__ import annotations

import io
import logging
import math

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dashboard.errors import InputError

logger = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel's sheet holds 1,048,576 rows, one of which is the header.
MAX_EXCEL_ROWS = 1_048_575
SHEET_TITLE = "PriceScope export"


def escape_text(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would otherwise run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel picks the right encoding), text escaped."""
    safe = _escaped_frame(frame)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame) -> bytes:
    """An .xlsx workbook with one sheet: header row, then the rows with their own cell types.

    Raises :class:`InputError` above Excel's row limit (the CSV export has none).
    """
    if len(frame) > MAX_EXCEL_ROWS:
        raise InputError(
            f"Excel holds at most {MAX_EXCEL_ROWS:,} rows and this export has {len(frame):,}; "
            "narrow the filters or download CSV instead."
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    sheet.append([_excel_text(str(name)) for name in frame.columns])
    columns = [_excel_column(frame.iloc[:, i]) for i in range(frame.shape[1])]
    for row in zip(*columns, strict=True):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    logger.info("Excel export: %s rows, %s columns", f"{len(frame):,}", frame.shape[1])
    return buffer.getvalue()


def _escaped_frame(frame: pd.DataFrame) -> pd.DataFrame:
    # By position: column names may repeat, and the escaped names are set afterwards.
    columns = {i: _escaped_column(frame.iloc[:, i]) for i in range(frame.shape[1])}
    safe = pd.DataFrame(columns, index=frame.index)
    safe.columns = [escape_text(str(name)) for name in frame.columns]
    return safe


def _escaped_column(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        if pd.api.types.is_string_dtype(categories) or categories.dtype == object:
            renamed = [escape_text(c) if isinstance(c, str) else c for c in categories]
            if len(set(renamed)) == len(renamed):
                return column.cat.rename_categories(renamed)
            return column.astype(object).map(_escape_value)
        return column
    if pd.api.types.is_string_dtype(column) or column.dtype == object:
        return column.map(_escape_value)
    return column


def _escape_value(value: object) -> object:
    return escape_text(value) if isinstance(value, str) else value


def _excel_column(column: pd.Series) -> list[object]:
    """Plain Python cell values: numbers, booleans, escaped text, and ``None`` for missing."""
    return [_excel_value(v) for v in column.astype(object).tolist()]


def _excel_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _excel_text(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    return _excel_text(str(value))


def _excel_text(text: str) -> str:
    # openpyxl refuses control characters a worksheet cannot hold; they carry no meaning here.
    return escape_text(ILLEGAL_CHARACTERS_RE.sub("", text))
