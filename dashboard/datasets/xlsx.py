"""Reading one sheet of an ``.xlsx`` workbook, row by row, after checking it is not a zip bomb.

An ``.xlsx`` is a zip of XML files. Before anything is parsed, the zip's directory is checked: the
sum of the uncompressed sizes and each member's compression ratio, so a small file that would
inflate to gigabytes is refused with a sentence (``zipfile`` never inflates a member past the size
its directory entry declares, so a lying directory cannot get around the check). The workbook is
opened read-only (rows streamed, never the whole sheet in memory) and without evaluating anything:
a formula cell gives its formula text (``=1+1`` stays ``"=1+1"``), never a computed value.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from dashboard.datasets.sink import CHUNK_ROWS, ParquetSink, UploadLimits, check_header
from dashboard.errors import InputError

logger = logging.getLogger(__name__)

#: The most XML a workbook may inflate to, and the most any one member may be compressed by.
#: Real sheets compress 5-30x; a zip bomb compresses thousands of times.
MAX_UNCOMPRESSED_BYTES = 1024 * 2**20
MAX_COMPRESSION_RATIO = 100
_RATIO_FLOOR_BYTES = 2**20  # tiny members (styles, a one-cell sheet) may compress as they like
_DAMAGED = (
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    OSError,
    zipfile.BadZipFile,
    ParseError,
    InvalidFileException,
)


def check_zip_directory(path: Path, max_bytes: int | None = None) -> None:
    """InputError if the workbook would inflate beyond the cap (from the zip directory alone)."""
    cap = MAX_UNCOMPRESSED_BYTES if max_bytes is None else max(MAX_UNCOMPRESSED_BYTES, max_bytes)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise InputError("The .xlsx file is damaged or truncated; save it again.") from error
    total = sum(member.file_size for member in members)
    if total > cap:
        raise InputError(
            f"The .xlsx file would unpack to {total / 2**20:,.0f} MB, more than the "
            f"{cap / 2**20:,.0f} MB we read; it may be a zip bomb, or save it as CSV instead."
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise InputError(
                f"The .xlsx file is compressed {ratio:,.0f} times over in '{member.filename}', "
                f"more than the {MAX_COMPRESSION_RATIO} a real workbook needs; it looks like a "
                "zip bomb and was not opened."
            )


def read_xlsx(
    path: Path,
    sink: ParquetSink,
    limits: UploadLimits,
    *,
    sheet: str | None = None,
    max_bytes: int | None = None,
) -> dict[str, Any]:
    """Stream one sheet into ``sink``; the details name the sheet read and every sheet there is."""
    check_zip_directory(path, max_bytes)
    # A file object, because openpyxl judges a path by its extension and the upload has none.
    with path.open("rb") as stream:
        return _read_workbook(stream, sink, limits, sheet)


def _read_workbook(
    stream: IO[bytes], sink: ParquetSink, limits: UploadLimits, sheet: str | None
) -> dict[str, Any]:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=False)
    except _DAMAGED as error:
        logger.debug("openpyxl could not open an upload: %s", error)
        raise InputError(
            "The .xlsx file is damaged and cannot be opened; save it again."
        ) from error
    try:
        names = [worksheet.title for worksheet in workbook.worksheets]
        chosen = _choose_sheet(workbook, names, sheet)
        try:
            _stream_sheet(workbook, chosen, sink, limits)
        except InputError:
            raise
        except _DAMAGED as error:
            logger.debug("openpyxl failed part-way through an upload: %s", error)
            raise InputError(
                f"The sheet '{chosen}' is damaged part-way through; save the workbook again."
            ) from error
    finally:
        workbook.close()
    return {"sheet": chosen, "sheets": names}


def _choose_sheet(workbook: Workbook, names: list[str], sheet: str | None) -> str:
    if not names:
        raise InputError("The workbook has no sheets with cells (only charts).")
    if sheet is not None:
        if sheet not in names:
            listing = ", ".join(f"'{name}'" for name in names)
            raise InputError(f"The workbook has no sheet '{sheet}'; its sheets are {listing}.")
        return sheet
    for name in names:  # the first sheet holding anything
        if next(_rows(workbook, name), None) is not None:
            return name
    raise InputError("Every sheet of the workbook is empty.")


def _rows(workbook: Workbook, name: str) -> Iterator[tuple[Any, ...]]:
    """The sheet's non-blank rows, cells as stored (formula text, not its value)."""
    for row in workbook[name].iter_rows(values_only=True):
        if any(_present(cell) for cell in row):
            yield tuple(_cell(cell) for cell in row)


def _present(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float | datetime | date | time):
        return value
    # An array formula or a rich-text cell: keep the text it shows in the formula bar.
    return str(getattr(value, "text", value))


def _stream_sheet(workbook: Workbook, name: str, sink: ParquetSink, limits: UploadLimits) -> None:
    rows = _rows(workbook, name)
    header = list(next(rows, ()))
    while header and not _present(header[-1]):
        header.pop()  # formatted but empty cells to the right of the table
    limits.check_columns(len(header))
    columns = check_header(header, where=f"first row of the sheet '{name}'")
    width = len(columns)
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        if any(_present(cell) for cell in row[width:]):
            raise InputError(
                f"The sheet '{name}' has values in column {width + 1}, which has no name in its "
                "first row; give every column a name."
            )
        chunk.append(row[:width] + (None,) * (width - len(row)))
        if len(chunk) == CHUNK_ROWS:
            sink.write(_frame(chunk, columns))
            chunk = []
    if chunk:
        sink.write(_frame(chunk, columns))


def _frame(rows: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=range(len(columns)))
    frame.columns = pd.Index(columns)
    return frame
