"""Reading and writing table files: CSV (optionally gzipped), TSV and Parquet, by extension."""

from __future__ import annotations

import gzip
import logging
import os
import re
import uuid
import zlib
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.errors import InputError
from dashboard.tables.validation import MAX_ROWS, duplicate_column_names

logger = logging.getLogger(__name__)

TableFormat = Literal["csv", "tsv", "parquet"]
_SUFFIXES: dict[str, TableFormat] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "tsv",
    ".tsv.gz": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def table_format(path: Path) -> TableFormat:
    """The file format implied by ``path``'s extension, or InputError naming the ones we read."""
    name = path.name.lower()
    for suffix, fmt in _SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    known = ", ".join(_SUFFIXES)
    raise InputError(f"'{path}' has an extension we cannot read or write; use one of {known}.")


# ------------------------------------------------------------------------------- reading files

_PEEK_BYTES = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")
# Numbers written with a decimal comma (12,50 or 1.234,50) and with a decimal point (12.50, 1,234.50).
_DECIMAL_COMMA = re.compile(r"(?<![\d,.])\d+(?:\.\d{3})*,\d+(?![\d,.])")
_DECIMAL_POINT = re.compile(r"(?<![\d,.])\d+(?:,\d{3})*\.\d+(?![\d,.])")


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``, ``.tsv``) or Parquet (``.parquet``, ``.pq``) table.

    Raises InputError for anything a user can fix: a missing, unreadable, empty or corrupt file, an
    unknown extension, text in no encoding we know, duplicate or absent column names. A leading
    unnamed column that just counts rows (the index that pandas and R write) is dropped.
    """
    if not path.exists():
        raise InputError(f"There is no file at '{path}'.")
    if path.is_dir():
        raise InputError(f"'{path}' is a folder, not a table file.")
    fmt = table_format(path)
    head = _peek(path)
    if fmt == "parquet":
        table = _read_parquet(path)
    else:
        table = _read_text_table(path, head, "\t" if fmt == "tsv" else None)
    if len(table.columns) == 0:
        raise InputError(f"'{path}' has no columns.")
    return table


def _peek(path: Path) -> bytes:
    """The first bytes of the (decompressed) file: proof that it can be read and is not empty."""
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as stream:
                head = stream.read(_PEEK_BYTES)
        else:
            with path.open("rb") as stream:
                head = stream.read(_PEEK_BYTES)
    except PermissionError as error:
        raise InputError(f"'{path}' cannot be read: permission denied.") from error
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise _gzip_problem(path, error) from error
    except OSError as error:
        raise InputError(f"'{path}' cannot be read: {error.strerror or error}.") from error
    if not head:
        raise InputError(f"'{path}' is empty.")
    return head


def _gzip_problem(path: Path, error: Exception) -> InputError:
    if isinstance(error, gzip.BadGzipFile):
        return InputError(f"'{path}' is not a valid gzip file, though its name ends in .gz.")
    return InputError(f"'{path}' is a truncated or damaged gzip file.")


def _encodings(head: bytes) -> list[str]:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ["utf-16"]
    # utf-8-sig also reads plain UTF-8; cp1252 is what spreadsheets on Windows save; latin-1
    # decodes any byte, so it comes last and we say so when we fall back to it.
    return ["utf-8-sig", "cp1252", "latin-1"]


def _sniff_delimiter(head: bytes, encoding: str) -> str:
    first_line = head.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0]
    counts = {sep: first_line.count(sep) for sep in _DELIMITERS}
    if counts[","]:
        return ","
    best = max(_DELIMITERS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read_text_table(path: Path, head: bytes, sep: str | None) -> pd.DataFrame:
    encodings = _encodings(head)
    if b"\x00" in head and encodings != ["utf-16"]:
        raise InputError(f"'{path}' is not a text table: it contains binary data.")
    for encoding in encodings:
        delimiter = sep or _sniff_delimiter(head, encoding)
        try:
            table = _parse_text(
                path,
                delimiter,
                encoding,
                decimal_mark(head.decode(encoding, errors="replace"), delimiter),
            )
        except UnicodeDecodeError:
            continue
        if encoding == "latin-1":
            logger.warning("'%s' is not UTF-8; read it as Latin-1.", path)
        return _drop_row_counter(table, path)
    raise InputError(f"'{path}' is in a text encoding we cannot read; save it as UTF-8.")


def decimal_mark(body: str, delimiter: str) -> str:
    """``","`` for a European price list (``;``-separated, prices like ``12,50`` or ``1.234,50``).

    Only a table not separated by commas can use the comma as its decimal mark, and only when its
    numbers show it: digits on both sides of a comma, more often than digits around a point.
    """
    if delimiter == ",":
        return "."
    commas = len(_DECIMAL_COMMA.findall(body))
    points = len(_DECIMAL_POINT.findall(body))
    return "," if commas > points else "."


def _parse_text(path: Path, sep: str, encoding: str, decimal: str = ".") -> pd.DataFrame:
    try:
        header = pd.read_csv(path, sep=sep, encoding=encoding, header=None, nrows=1, dtype=str)
        table = pd.read_csv(
            path,
            sep=sep,
            encoding=encoding,
            decimal=decimal,
            # 1.234,50: with a decimal comma, a point groups thousands.
            thousands="." if decimal == "," else None,
            low_memory=False,
        )
    except pd.errors.EmptyDataError as error:
        raise InputError(f"'{path}' has no columns.") from error
    except pd.errors.ParserError as error:
        reason = str(error).strip().splitlines()[-1].removeprefix("Error tokenizing data. ")
        raise InputError(f"'{path}' cannot be parsed as a table ({reason}).") from error
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise _gzip_problem(path, error) from error
    except OSError as error:
        raise InputError(f"'{path}' cannot be read: {error.strerror or error}.") from error
    names = [str(name) for name in header.iloc[0].dropna()] if len(header) else []
    repeated = duplicate_column_names(names)
    if repeated:
        raise InputError(f"'{path}' has more than one column named '{repeated[0]}'.")
    return table


def is_row_counter(values: pd.Series) -> bool:
    if not pd.api.types.is_integer_dtype(values.dtype) or values.empty:
        return False
    numbers = values.to_numpy()
    start = int(numbers[0])
    return start in (0, 1) and bool(np.array_equal(numbers, np.arange(start, start + len(numbers))))


def _drop_row_counter(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Drop a leading unnamed 0..n-1 or 1..n column: a saved index, not a property of the item."""
    if len(table.columns) < 2:
        return table
    first = str(table.columns[0])
    if first.startswith("Unnamed: 0") and is_row_counter(table.iloc[:, 0]):
        logger.warning("ignoring the unnamed first column of '%s': it only counts rows", path.name)
        return table.drop(columns=table.columns[0])
    return table


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        logger.debug("pyarrow could not open %s: %s", path, error)
        raise InputError(
            f"'{path}' is not a readable Parquet file; "
            "it may be damaged, truncated or in another format."
        ) from error
    repeated = duplicate_column_names(parquet.schema_arrow.names)
    if repeated:
        raise InputError(f"'{path}' has more than one column named '{repeated[0]}'.")
    rows = parquet.metadata.num_rows
    if rows > MAX_ROWS:  # refuse before loading a table that could exhaust memory
        raise InputError(
            f"'{path}' has {rows:,} rows, more than the limit of {MAX_ROWS:,}; "
            "split it or score a sample."
        )
    try:
        table = pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise InputError(f"'{path}' has a Parquet layout we cannot load ({error}).") from error
    return _index_to_columns(table)


def _index_to_columns(table: pd.DataFrame) -> pd.DataFrame:
    """Bring a named index back as columns; drop an unnamed one that only numbers the rows."""
    if isinstance(table.index, pd.RangeIndex):
        return table.reset_index(drop=True)
    if all(name is not None for name in table.index.names):
        return table.reset_index()
    labels = pd.Series(table.index.to_numpy())
    return table.reset_index(drop=is_row_counter(labels) or table.index.nlevels > 1)


# ------------------------------------------------------------------------------- writing files


def check_output_path(path: Path) -> TableFormat:
    """The format ``path`` will be written in, or InputError if it cannot be written there.

    Cheap, so callers run it before minutes of work whose result would have nowhere to go.
    """
    fmt = table_format(path)
    if not path.parent.is_dir():
        raise InputError(f"Cannot write '{path}': the folder '{path.parent}' does not exist.")
    if path.is_dir():
        raise InputError(f"Cannot write '{path}': it is a folder.")
    return fmt


def write_table(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` in the format of ``path``'s extension, atomically.

    The data goes to a hidden temporary file beside ``path`` which then replaces it, so a failure
    (disk full, bad value, interrupt) leaves the old file, or no file, never a half-written one.
    """
    fmt = check_output_path(path)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        _write_format(table, temporary, fmt, gzipped=path.name.lower().endswith(".gz"))
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        temporary.replace(path)
    except OSError as error:
        raise InputError(f"Cannot write '{path}': {error.strerror or error}.") from error
    finally:
        temporary.unlink(missing_ok=True)


def _write_format(table: pd.DataFrame, path: Path, fmt: TableFormat, *, gzipped: bool) -> None:
    if fmt == "parquet":
        table.to_parquet(path, index=False)
        return
    compression: Literal["gzip"] | None = "gzip" if gzipped else None
    sep = "\t" if fmt == "tsv" else ","
    table.to_csv(path, sep=sep, index=False, compression=compression)
