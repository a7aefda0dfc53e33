"""Reading an uploaded file, whatever its format, into ``table.parquet`` in bounded memory.

CSV is parsed by pandas in chunks (the same parser, decimal and thousands rules as the CLI's
``read_table``) and written chunk by chunk; Parquet is copied row group by row group; ``.xlsx``
is read row by row (``dashboard.datasets.xlsx``). Cells are kept as read: a cell like ``=1+1`` or
``@SUM(A1)`` stays that text, nothing is ever evaluated.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.datasets.sink import CHUNK_ROWS, ParquetSink, UploadLimits, check_header
from dashboard.datasets.sniff import TextLayout, UploadFormat, sniff_format, sniff_text
from dashboard.datasets.xlsx import read_xlsx
from dashboard.errors import InputError
from dashboard.tables.files import is_row_counter

logger = logging.getLogger(__name__)

#: The most a Parquet upload may decompress to (its row groups' own sizes, from the footer).
PARQUET_MAX_UNPACKED_BYTES = 4 * 2**30
#: A text file falls back through these when a byte deep in it is not valid in the sniffed one.
_FALLBACK_ENCODINGS = {"utf-8": "cp1252", "utf-8-sig": "cp1252", "cp1252": "latin-1"}


@dataclass(frozen=True)
class ReadResult:
    format: UploadFormat
    rows: int
    columns: tuple[str, ...]
    details: dict[str, Any] = field(default_factory=dict)


def read_upload(
    original: Path,
    table: Path,
    limits: UploadLimits,
    *,
    sheet: str | None = None,
    max_bytes: int | None = None,
) -> ReadResult:
    """Read ``original`` into the Parquet file ``table``; InputError (and no ``table``) if it
    cannot be read or breaks a limit."""
    fmt = sniff_format(original)
    sink = ParquetSink(table, limits)
    try:
        if fmt == "parquet":
            details = _copy_parquet(original, sink, limits)
        elif fmt == "xlsx":
            details = read_xlsx(original, sink, limits, sheet=sheet, max_bytes=max_bytes)
        else:
            details = _read_csv(original, sink, limits)
        schema = sink.close()
    except InputError:
        sink.abort()
        raise
    except (ValueError, TypeError, OverflowError, pa.ArrowException) as error:
        # A hostile file can trip a parser in ways no check above names; it still gets a sentence.
        sink.abort()
        logger.warning("an upload could not be read: %r", error)
        raise InputError(_unexpected_sentence(fmt, error)) from error
    except BaseException:
        sink.abort()
        raise
    columns = tuple(schema.names)
    if len(columns) < 2:
        table.unlink(missing_ok=True)
        raise InputError(_one_column_sentence(columns[0] if columns else "", fmt, details))
    return ReadResult(format=fmt, rows=sink.rows, columns=columns, details=details)


def _unexpected_sentence(fmt: UploadFormat, error: Exception) -> str:
    kind = ".xlsx" if fmt == "xlsx" else fmt.upper()
    lines = str(error).strip().splitlines()
    reason = lines[0][:160] if lines else type(error).__name__
    return f"The file could not be read as a {kind} table ({reason.rstrip('.')})."


def _one_column_sentence(name: str, fmt: UploadFormat, details: dict[str, Any]) -> str:
    sentence = (
        f"The table has only one column ('{name}'); a price table needs the price and at least "
        "one column describing the item."
    )
    if fmt == "csv":
        sentence += (
            " If the file has more, its columns are separated by something other than a comma, "
            "semicolon, tab or pipe; save it again as CSV."
        )
    return sentence


# ---------------------------------------------------------------------------------------- CSV


def _read_csv(path: Path, sink: ParquetSink, limits: UploadLimits) -> dict[str, Any]:
    layout = sniff_text(path)
    while True:
        try:
            notes = _stream_csv(path, layout, sink, limits)
        except UnicodeDecodeError as error:
            fallback = _FALLBACK_ENCODINGS.get(layout.encoding)
            if fallback is None:
                raise InputError(
                    "The file is in a text encoding we cannot read; save it as UTF-8 CSV."
                ) from error
            # A byte deep in the file is not in the sniffed encoding: start again in the next one.
            logger.info("re-reading an upload as %s: %s", fallback, error)
            sink.abort()
            layout = TextLayout(fallback, layout.delimiter, layout.decimal, layout.thousands)
            continue
        return {**layout.details(), **({"notes": notes} if notes else {})}


def _stream_csv(
    path: Path, layout: TextLayout, sink: ParquetSink, limits: UploadLimits
) -> list[str]:
    """Stream the rows into ``sink``; returns notes on columns left out."""
    names = _csv_header(path, layout)
    limits.check_columns(len(names))
    probe = _csv_chunks(path, layout, names, nrows=CHUNK_ROWS)
    first = next(probe, None)
    probe.close()
    if first is None or first.empty:
        raise InputError("The table has a header but no rows.")
    dropped, notes = _unnamed_to_leave_out(names, first)
    kept = [i for i in range(len(names)) if i not in dropped]
    columns = check_header([names[i] for i in kept])
    # A text column holding codes made of digits ("00123") is read as text in every chunk, so a
    # chunk of digits only cannot turn it into numbers and drop its zeros. Only such columns are
    # forced: forcing every text column makes pandas' parser several times slower.
    text_columns = {str(name): "str" for name in first.columns if _holds_digit_codes(first[name])}
    for chunk in _csv_chunks(path, layout, names, dtype=text_columns):
        if dropped:
            chunk = chunk.iloc[:, kept]
        chunk.columns = columns
        sink.write(chunk)
    return notes


def _unnamed_to_leave_out(names: list[str], first: pd.DataFrame) -> tuple[set[int], list[str]]:
    """Unnamed columns that hold nothing of the item: the row index pandas and R write first, and
    empty columns after a trailing delimiter. Any other unnamed column is refused by name."""
    blank = [i for i, name in enumerate(names) if not name.strip()]
    dropped: set[int] = set()
    notes: list[str] = []
    if blank and blank[0] == 0 and len(names) > 1 and is_row_counter(first.iloc[:, 0]):
        dropped.add(0)
        notes.append("The unnamed first column only numbered the rows; it was left out.")
    empty = [i for i in blank if i not in dropped and first.iloc[:, i].isna().all()]
    if empty:
        dropped.update(empty)
        notes.append(f"{len(empty):,} unnamed empty column(s) were left out.")
    return dropped, notes


def _csv_header(path: Path, layout: TextLayout) -> list[str]:
    try:
        header = pd.read_csv(
            path,
            sep=layout.delimiter,
            encoding=layout.encoding,
            header=None,
            nrows=1,
            dtype=str,
            keep_default_na=False,
        )
    except pd.errors.EmptyDataError:
        raise InputError("The file has no header row; there is no table in it.") from None
    except pd.errors.ParserError as error:
        raise InputError(_parser_sentence(error)) from error
    return [str(name) for name in header.iloc[0]]


def _csv_chunks(
    path: Path,
    layout: TextLayout,
    names: list[str],
    *,
    nrows: int | None = None,
    dtype: dict[str, str] | None = None,
) -> Generator[pd.DataFrame, None, None]:
    # Positional names (0, 1, …) so blank or repeated header cells cannot be mangled by pandas.
    positions = [str(i) for i in range(len(names))]
    try:
        reader = pd.read_csv(
            path,
            sep=layout.delimiter,
            encoding=layout.encoding,
            decimal=layout.decimal,
            thousands=layout.thousands,
            header=0,
            names=positions,
            dtype=dtype,
            chunksize=CHUNK_ROWS,
            nrows=nrows,
            low_memory=False,
        )
        with reader:
            yield from reader
    except pd.errors.EmptyDataError:
        return
    except pd.errors.ParserError as error:
        raise InputError(_parser_sentence(error)) from error


def _parser_sentence(error: Exception) -> str:
    reason = str(error).strip().splitlines()[-1].removeprefix("Error tokenizing data. C error: ")
    if reason.startswith("Expected"):
        # "Expected 4 fields in line 7, saw 5": a row with more cells than the header.
        return (
            f"A row has more cells than the header: {reason.rstrip('.')}. Quote values that "
            "contain the delimiter, or remove the extra cells."
        )
    return f"The file cannot be read as a table ({reason.rstrip('.')})."


def _holds_digit_codes(values: pd.Series) -> bool:
    """Text in which some values are digits only: codes that must not become numbers."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return False
    present = values.dropna().astype(str)
    return bool(present.str.fullmatch(r"[+-]?\d+").any())


# ------------------------------------------------------------------------------------ Parquet


def _copy_parquet(path: Path, sink: ParquetSink, limits: UploadLimits) -> dict[str, Any]:
    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        logger.debug("pyarrow could not open an upload: %s", error)
        raise InputError(
            "The file starts like Parquet but cannot be opened; it is truncated or damaged."
        ) from error
    schema = source.schema_arrow
    names = [name for name in schema.names if not name.startswith("__index_level_")]
    limits.check_columns(len(names))
    check_header(names, where="Parquet schema")
    for name in names:
        kind = schema.field(name).type
        if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            raise InputError(
                f"The column '{name}' holds {kind} values; a price table needs one number, text "
                "or date per cell."
            )
    limits.check_rows(source.metadata.num_rows)
    metadata = source.metadata
    unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if unpacked > PARQUET_MAX_UNPACKED_BYTES:
        # The Parquet kind of zip bomb: a small file whose pages decompress to gigabytes.
        raise InputError(
            f"The Parquet file would unpack to {unpacked / 2**30:,.1f} GB, more than the "
            f"{PARQUET_MAX_UNPACKED_BYTES / 2**30:,.0f} GB we read; it may be a decompression "
            "bomb, or split it."
        )
    try:
        for batch in source.iter_batches(batch_size=CHUNK_ROWS, columns=names):
            sink.write(pa.Table.from_batches([batch]))
    except (pa.ArrowException, OSError) as error:
        raise InputError(
            "The Parquet file is damaged part-way through; export it again."
        ) from error
    return {"row_groups": source.num_row_groups}
