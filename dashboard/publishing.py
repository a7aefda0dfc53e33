"""Publishing a scored table as a run: the items, the column roles, the segments, the manifest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dashboard.runs import MAX_SEGMENT_VALUES, SCORING_COLUMNS, RunColumns, RunInfo, RunStore
from dashboard.scoring import ScoringConfig, ScoringResult


def build_items(table: pd.DataFrame, scored: pd.DataFrame, *, id_col: str | None) -> pd.DataFrame:
    """Join the input's columns to the scoring columns, one row per item, scoring columns first.

    Input columns whose names clash with a scoring column are left out: the scoring column is what
    the product shows under that name.
    """
    if len(table) != len(scored):
        raise ValueError(f"scored rows ({len(scored)}) do not match input rows ({len(table)})")
    kept = [c for c in table.columns if c not in SCORING_COLUMNS and c != "volume" and c != id_col]
    extra = [c for c in scored.columns if c not in SCORING_COLUMNS]
    items = pd.concat(
        [
            scored[list(SCORING_COLUMNS) + extra].reset_index(drop=True),
            table[kept].reset_index(drop=True),
        ],
        axis=1,
    )
    return items


def segment_columns(items: pd.DataFrame, candidates: tuple[str, ...]) -> tuple[str, ...]:
    """Columns an analyst can slice by: categorical or yes/no, with a manageable number of values."""
    segments = []
    for name in candidates:
        if name not in items.columns:
            continue
        column = items[name]
        is_text = isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
            column
        )
        is_flag = pd.api.types.is_bool_dtype(column)
        few_values = column.nunique(dropna=True) <= MAX_SEGMENT_VALUES
        small_integers = pd.api.types.is_integer_dtype(column) and column.nunique(dropna=True) <= 40
        if (is_text and few_values) or is_flag or small_integers:
            segments.append(name)
    return tuple(segments)


def publish_scored(
    store: RunStore,
    table: pd.DataFrame,
    result: ScoringResult,
    config: ScoringConfig,
    *,
    label: str,
    source: Mapping[str, Any],
    scope: Mapping[str, Any] | None = None,
    segments: tuple[str, ...] = (),
    make_current: bool = False,
) -> RunInfo:
    """Publishes a scored table as a run: items, column roles, segments, manifest. The run is not
    current unless ``make_current`` (or unless no run is current yet: see ``RunStore.publish``).

    ``table`` is what the items show beside the scoring columns; it may hold more columns than the
    model saw (a recompute adds list price and discount depth for display only). ``segments``
    names columns the analyst chose as segment filters; without them they are inferred.
    """
    items = build_items(table, result.items, id_col=config.id_col)
    candidates = segments or tuple(
        c
        for c in (
            *result.features.categorical,
            *result.features.boolean,
            config.group_col,
            *result.features.numeric,
        )
        if c
    )
    columns = RunColumns(
        id=config.id_col,
        target=config.target,
        volume=config.volume_col,
        group=config.group_col,
        segments=segment_columns(items, candidates),
        features=result.features.used,
    )
    return store.publish(
        items,
        result.model_card,
        columns=columns,
        label=label,
        source=source,
        scope=scope,
        fold_models=result.fold_models,
        make_current=make_current,
    )
