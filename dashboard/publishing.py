"""Publishing a scored table as a run: the items, the column roles, the segments, the manifest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dashboard.runs import RunColumns, RunInfo, RunStore, build_items, segment_columns
from dashboard.scoring import ScoringConfig, ScoringResult


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
