"""Scoring a dataset version and publishing it as a run labelled with the dataset and version."""

from __future__ import annotations

import logging

import pandas as pd

from dashboard.config import Settings
from dashboard.datasets.mapping import ColumnMapping
from dashboard.datasets.store import DatasetInfo, DatasetStore, DatasetVersion
from dashboard.errors import InputError
from dashboard.progress import ProgressHook, no_progress, scaled
from dashboard.publishing import publish_scored
from dashboard.runs import RunInfo, run_store
from dashboard.scoring import ScoringConfig, ScoringResult, score_table
from dashboard.scoring.given import PredictionColumns, score_given_predictions

logger = logging.getLogger(__name__)


def scoring_config(mapping: ColumnMapping) -> ScoringConfig:
    return ScoringConfig(
        target=mapping.target,
        id_col=mapping.id,
        volume_col=mapping.volume,
        group_col=mapping.group,
    )


def model_table(table: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """The columns scoring sees: everything but the excluded columns and the given predictions."""
    dropped = [
        c
        for c in (*mapping.excluded, mapping.prediction, mapping.lower, mapping.upper)
        if c is not None and c in table.columns
    ]
    return table.drop(columns=dropped)


def prediction_columns(mapping: ColumnMapping) -> PredictionColumns | None:
    """The columns of the analyst's own model's predictions, when the mapping names them."""
    if mapping.prediction is None:
        return None
    return PredictionColumns(mapping.prediction, mapping.lower, mapping.upper)


def run_label(info: DatasetInfo, version: DatasetVersion) -> str:
    return f"{info.name} · {version.label}"


def score_version(
    settings: Settings,
    slug: str,
    version_id: str | None = None,
    *,
    progress: ProgressHook = no_progress,
    make_current: bool = False,
) -> RunInfo:
    """Score one version of a dataset (its latest by default) and publish the run."""
    datasets = DatasetStore(settings.datasets_dir)
    info = datasets.get(slug)
    version = info.version(version_id) if version_id else info.latest
    if version is None:
        raise InputError(f"The dataset '{info.name}' has no data yet: upload a table first.")
    progress("reading the table", 0.0)
    table = datasets.load_items(slug, version.version_id)
    mapping = version.mapping
    config = scoring_config(mapping)
    shown = model_table(table, mapping)
    stages = scaled(progress, 0.02, 0.95)
    given = prediction_columns(mapping)
    if given is None:
        result = score_table(shown, config, progress=stages)
    else:
        # The analyst's model priced the items: its columns are read, the rest only describe.
        kept = table.drop(columns=[c for c in mapping.excluded if c in table.columns])
        result = score_given_predictions(kept, config, given, progress=stages)
    progress("publishing", 0.96)
    run = publish_version_run(
        settings, info, version, shown, result, config, make_current=make_current
    )
    progress("ready", 1.0)
    return run


def publish_version_run(
    settings: Settings,
    info: DatasetInfo,
    version: DatasetVersion,
    shown: pd.DataFrame,
    result: ScoringResult,
    config: ScoringConfig,
    *,
    make_current: bool = False,
) -> RunInfo:
    """Publish the scores of a dataset version as a run labelled and sourced by that version."""
    return publish_scored(
        run_store(settings),
        shown,
        result,
        config,
        label=run_label(info, version),
        source={
            "kind": "dataset",
            "dataset": info.slug,
            "version": version.version_id,
            "version_number": version.number,
            "rows": version.rows,
        },
        segments=version.mapping.segments,
        make_current=make_current,
    )
