"""Writing an upload's rows to Parquet chunk by chunk, with one type per column and the limits kept.

A reader hands over pandas chunks of ~100k rows; the whole table is never in memory. Each chunk's
types are inferred on their own, so they can disagree with the rows before them: a column of whole
numbers meets a missing value (float), or a code column meets a letter (text). The column then
takes the wider type (whole numbers → decimals → text) and the chunks written so far are converted
to it once at the end, so the finished ``table.parquet`` has one schema and every value as read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.errors import InputError

logger = logging.getLogger(__name__)

#: Rows per chunk read and per Parquet row group: ~10-30 MB of pandas memory for a typical table.
CHUNK_ROWS = 100_000
#: LZ4 writes about twice as fast as Snappy here, at the same size: the upload is waiting on it.
COMPRESSION = "lz4"


@dataclass(frozen=True)
class UploadLimits:
    """What an upload may hold (``Settings.max_upload_*``)."""

    max_rows: int = 2_000_000
    max_columns: int = 300

    def check_columns(self, count: int) -> None:
        if count > self.max_columns:
            raise InputError(
                f"The table has {count:,} columns, more than the limit of {self.max_columns:,} "
                "(PRICESCOPE_MAX_UPLOAD_COLUMNS); drop the columns you do not need."
            )

    def check_rows(self, count: int) -> None:
        if count > self.max_rows:
            raise InputError(
                f"The table has more than {self.max_rows:,} rows, the limit "
                "(PRICESCOPE_MAX_UPLOAD_ROWS); split it or upload a sample."
            )


def check_header(names: Sequence[object], where: str = "header row") -> list[str]:
    """The column names as text, or InputError for a blank or repeated name.

    Duplicates are refused rather than renamed ("price" and "price.1"): a mapping made on a renamed
    column would silently pick one of two prices, and the analyst knows which one they meant.
    """
    texts = ["" if _blank(name) else str(name).strip() for name in names]
    for position, text in enumerate(texts, start=1):
        if not text:
            raise InputError(
                f"Column {position} has no name in the {where}; give every column a name."
            )
    seen: dict[str, int] = {}
    for position, text in enumerate(texts, start=1):
        if text in seen:
            raise InputError(
                f"Two columns are named '{text}' (columns {seen[text]} and {position}); "
                "rename one and upload again."
            )
        seen[text] = position
    return texts


def _blank(name: object) -> bool:
    return name is None or (isinstance(name, float) and np.isnan(name)) or not str(name).strip()


def wider_type(current: pa.DataType, incoming: pa.DataType) -> pa.DataType:
    """The narrowest type holding values of both: null < whole numbers < decimals < text."""
    if current == incoming or pa.types.is_null(incoming):
        return current
    if pa.types.is_null(current):
        return incoming
    numeric = (pa.types.is_integer, pa.types.is_floating)
    if any(test(current) for test in numeric) and any(test(incoming) for test in numeric):
        return pa.float64()
    return pa.string()


class ParquetSink:
    """Chunks in, one Parquet file out. ``close()`` finishes it; ``abort()`` removes everything."""

    def __init__(self, path: Path, limits: UploadLimits) -> None:
        self.path = path
        self.limits = limits
        self.rows = 0
        self.schema: pa.Schema | None = None
        self._parts: list[Path] = []
        self._writer: pq.ParquetWriter | None = None

    def write(self, chunk: pd.DataFrame | pa.Table) -> None:
        self.rows += len(chunk)
        self.limits.check_rows(self.rows)
        table = _normalised(chunk if isinstance(chunk, pa.Table) else _to_arrow(chunk))
        if self.schema is None:
            self.schema = table.schema
        else:
            merged = pa.schema(
                [
                    pa.field(field.name, wider_type(field.type, table.schema.field(i).type))
                    for i, field in enumerate(self.schema)
                ]
            )
            if not merged.equals(self.schema):
                logger.info("an upload column widened from %s to %s", self.schema, merged)
                self._close_part()
                self.schema = merged
        if self._writer is None:
            part = self.path.with_name(f".{self.path.name}.part{len(self._parts)}")
            self._parts.append(part)
            self._writer = pq.ParquetWriter(part, self.schema, compression=COMPRESSION)
        self._writer.write_table(table.cast(self.schema), row_group_size=CHUNK_ROWS)

    def close(self) -> pa.Schema:
        """Finish the file (converting earlier parts to the final types) and return its schema."""
        self._close_part()
        if self.schema is None or self.rows == 0:
            raise InputError("The table has a header but no rows.")
        if len(self._parts) == 1:
            self._parts[0].replace(self.path)
        else:
            with pq.ParquetWriter(self.path, self.schema, compression=COMPRESSION) as writer:
                for part in self._parts:
                    source = pq.ParquetFile(part)
                    for group in range(source.num_row_groups):
                        writer.write_table(source.read_row_group(group).cast(self.schema))
                    part.unlink()
        self._parts.clear()
        return self.schema

    def abort(self) -> None:
        """Remove what was written; the sink can then start again from the first row."""
        self._close_part()
        for part in self._parts:
            part.unlink(missing_ok=True)
        self._parts.clear()
        self.path.unlink(missing_ok=True)
        self.rows, self.schema = 0, None

    def _close_part(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def parquet_head(path: Path, rows: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The first ``rows`` rows of a Parquet file (only ``columns``, if given), read batch by batch."""
    # No pre-buffering and one thread: buffering whole row groups ahead cost ~100 MB here.
    parquet = pq.ParquetFile(path, pre_buffer=False)
    names = list(columns) if columns is not None else parquet.schema_arrow.names
    batches = []
    taken = 0
    chunks = parquet.iter_batches(
        batch_size=min(rows, CHUNK_ROWS), columns=names, use_threads=False
    )
    for batch in chunks:
        batches.append(batch.slice(0, rows - taken))
        taken += batches[-1].num_rows
        if taken >= rows:
            break
    if not batches:
        return parquet.schema_arrow.empty_table().select(names).to_pandas()
    return pa.Table.from_batches(batches).to_pandas()


def _to_arrow(chunk: pd.DataFrame) -> pa.Table:
    arrays = []
    for name in chunk.columns:
        values = chunk[name]
        try:
            arrays.append(pa.array(values, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # Mixed cells (numbers and words in one spreadsheet column): keep each as its text.
            arrays.append(pa.array(values.map(_text_or_none), type=pa.string(), from_pandas=True))
    return pa.Table.from_arrays(arrays, names=[str(name) for name in chunk.columns])


def _text_or_none(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):  # type: ignore[call-overload]
        return None
    return str(value)


def _normalised(table: pa.Table) -> pa.Table:
    """One spelling per type: plain strings, plain values instead of dictionaries."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        fields.append(pa.field(field.name, kind))
    schema = pa.schema(fields)
    return table if schema.equals(table.schema) else table.cast(schema)
