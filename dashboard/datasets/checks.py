"""Every problem with a table and its mapping, as sentences, before anything runs.

The rules are scoring's own (``dashboard.tables.validation``, ``dashboard.features``), applied
one role at a time so the analyst sees all of them at once rather than the first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard.datasets.mapping import ColumnMapping
from dashboard.datasets.profile import PROFILE_ROWS
from dashboard.datasets.sink import parquet_head
from dashboard.errors import InputError
from dashboard.features import infer_features
from dashboard.runs import MAX_SEGMENT_VALUES
from dashboard.scoring.given import PredictionColumns, prediction_problems
from dashboard.tables import clean_volume, validate_price_table
from dashboard.tables.validation import check_ids


def mapping_problems(table: pd.DataFrame | Path, mapping: ColumnMapping) -> list[str]:
    """Why ``table`` cannot be scored with ``mapping``: one sentence per problem, none if it can.

    ``table`` may be a Parquet file (an upload's ``table.parquet``): then only the columns the
    mapping names are read, whole, for the row-by-row checks (prices, ids, volumes, segments),
    and the question "is any feature usable?" is answered from the first rows, so a 2M-row upload
    is checked in seconds without loading every column.
    """
    if isinstance(table, Path):
        return _parquet_problems(table, mapping)
    problems = mapping.problems([str(c) for c in table.columns])
    if problems:
        return problems
    return _problems(_TableColumns(table), table, mapping)


class _TableColumns:
    """The mapped columns of an in-memory table."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table

    def frame(self, name: str) -> pd.DataFrame:
        return self.table

    def distinct(self, name: str) -> int:
        return int(self.table[name].nunique(dropna=True))

    def ids_surely_fine(self, name: str) -> bool:
        return False


class _ParquetColumns:
    """The mapped columns of a Parquet file, read one at a time so memory holds one column.

    Distinct values are counted by sorting, not hashing: for two million ids a hash table took
    ~180 MB more than the column itself, the sort almost nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def arrow(self, name: str) -> pa.ChunkedArray:
        # One thread, no pre-buffering: reading all row groups at once cost ~200 MB of buffers.
        table = pq.read_table(self.path, columns=[name], use_threads=False, pre_buffer=False)
        return table.column(0)

    def frame(self, name: str) -> pd.DataFrame:
        return pa.table({name: self.arrow(name)}).to_pandas()

    def distinct(self, name: str) -> int:
        return _count_distinct(self.arrow(name).drop_null())

    def ids_surely_fine(self, name: str) -> bool:
        """Present, not blank and unique, checked in Arrow; only a failing column is loaded into
        pandas, to find the example the sentence names."""
        ids = self.arrow(name)
        if ids.null_count or _count_distinct(ids) != len(ids):
            return False
        if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
            return not pc.any(pc.match_substring_regex(ids, r"^\s*$")).as_py()
        return True


def _count_distinct(values: pa.ChunkedArray) -> int:
    if len(values) == 0:
        return 0
    ordered = pc.take(values, pc.sort_indices(values))
    changes = pc.not_equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
    return 1 + int(pc.sum(changes).as_py() or 0)


def _parquet_problems(path: Path, mapping: ColumnMapping) -> list[str]:
    names = pq.ParquetFile(path).schema_arrow.names
    problems = mapping.problems(names)
    if problems:
        return problems
    features = parquet_head(path, PROFILE_ROWS, [c for c in names if c not in mapping.excluded])
    return _problems(_ParquetColumns(path), features, mapping)


def _problems(
    columns: _TableColumns | _ParquetColumns, features: pd.DataFrame, mapping: ColumnMapping
) -> list[str]:
    """The checks on every row of the mapped columns, and whether any feature is usable in
    ``features`` (the columns scoring would learn from: whole, or their first rows)."""
    problems: list[str] = []
    target = mapping.target
    checks: list[Callable[[], object]] = [
        lambda: validate_price_table(columns.frame(target), target=target)
    ]
    if mapping.id and not columns.ids_surely_fine(mapping.id):
        id_column = mapping.id
        checks.append(lambda: check_ids(columns.frame(id_column), id_column))
    if mapping.volume:
        volume = mapping.volume
        checks.append(lambda: clean_volume(columns.frame(volume), volume))
    for check in checks:
        try:
            check()
        except InputError as problem:
            problems.append(str(problem))
    if mapping.prediction is not None:
        given = PredictionColumns(mapping.prediction, mapping.lower, mapping.upper)
        named = [c for c in (given.prediction, given.lower, given.upper) if c is not None]
        frame = pd.concat([columns.frame(name)[[name]] for name in named], axis=1)
        problems.extend(prediction_problems(frame, given))
    for column in mapping.segments:
        distinct = columns.distinct(column)
        if distinct > MAX_SEGMENT_VALUES:
            problems.append(
                f"The segment column '{column}' has {distinct:,} distinct values, more than "
                f"the {MAX_SEGMENT_VALUES} a filter can offer; make it a feature instead."
            )
    if mapping.prediction is None and not problems:
        try:
            infer_features(
                features.drop(columns=[c for c in mapping.excluded if c in features.columns]),
                target=mapping.target,
                exclude=[c for c in (mapping.id, mapping.volume, mapping.group) if c],
            )
        except InputError as problem:
            problems.append(str(problem))
    return problems
