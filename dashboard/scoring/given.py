"""Scoring against a model the analyst brings: the table carries its own predicted fair prices.

PriceScope then fits no price model. It checks the predictions like prices (positive, finite,
present), and judges every price against them with the same score, flag and money at stake as its
own model's. The interval around each prediction comes either from the table (given lower and upper
bounds) or, without bounds, from the table's own residuals: normalised cross-conformal, exactly as
for PriceScope's model (:func:`~dashboard.scoring.intervals.normalised_interval`), with the
difficulty model learning from the features *and* the predicted price, so a table without usable
features still gets intervals that widen where the predictions are typically less sure.

A run of given predictions keeps no fold models, so there is nothing to explain a price by; its
model card says whose predictions they are (``predictions`` in the card, read back with
:meth:`PredictionColumns.from_card`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from dashboard.errors import InputError
from dashboard.features import FeatureSpec, feature_frame, infer_features
from dashboard.progress import ProgressHook, no_progress, scaled
from dashboard.scoring.card import given_predictions_card
from dashboard.scoring.config import ScoringConfig
from dashboard.scoring.folds import assign_folds
from dashboard.scoring.intervals import LogInterval, normalised_interval
from dashboard.scoring.items import item_frame
from dashboard.scoring.score import FIT_THREADS, ScoringResult, item_ids_of, role_reasons
from dashboard.tables.validation import (
    clean_prices,
    clean_target,
    clean_volume,
)

logger = logging.getLogger(__name__)

#: The model card's key for where the fair prices came from.
CARD_KEY = "predictions"
#: The difficulty model's extra feature: where the predicted price lies (log scale).
PREDICTED_FEATURE = "predicted price (log)"
#: Rows named in a sentence about bounds that do not enclose the prediction.
_EXAMPLES = 3

_INTERVALS_START = 0.1
_INTERVALS_END = 0.9


@dataclass(frozen=True)
class PredictionColumns:
    """The columns holding the analyst's model's predicted fair price and, optionally, its bounds."""

    prediction: str
    lower: str | None = None
    upper: str | None = None

    def __post_init__(self) -> None:
        if (self.lower is None) != (self.upper is None):
            raise InputError(
                "Give both the lower and the upper bound of the predictions, or neither."
            )
        named = [c for c in (self.prediction, self.lower, self.upper) if c is not None]
        if len(set(named)) != len(named):
            raise InputError(
                "The predicted fair price and its lower and upper bounds need three different columns."
            )

    @property
    def has_bounds(self) -> bool:
        return self.lower is not None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c for c in (self.prediction, self.lower, self.upper) if c is not None)

    def describe(self) -> str:
        """Who priced the items, as the pages and the CLI say it."""
        return f"your model (column '{self.prediction}')"

    def to_card(self) -> dict[str, Any]:
        return {
            "source": "given",
            "column": self.prediction,
            "lower": self.lower,
            "upper": self.upper,
        }

    @classmethod
    def from_card(cls, card: Mapping[str, Any]) -> PredictionColumns | None:
        """The given prediction columns of a run's model card; None when PriceScope's model priced it."""
        given = card.get(CARD_KEY)
        if not isinstance(given, Mapping) or given.get("source") != "given":
            return None
        lower, upper = given.get("lower"), given.get("upper")
        return cls(
            prediction=str(given.get("column")),
            lower=str(lower) if lower is not None else None,
            upper=str(upper) if upper is not None else None,
        )


def score_given_predictions(
    table: pd.DataFrame,
    config: ScoringConfig,
    columns: PredictionColumns,
    progress: ProgressHook = no_progress,
) -> ScoringResult:
    """Score every row of ``table`` against the predicted fair price in ``columns.prediction``.

    Returns the same :class:`ScoringResult` as :func:`~dashboard.scoring.score_table` (items in
    input order, a model card), with ``fold_models=None``. ``config`` gives the column roles, the
    flag threshold and, without bounds, the nominal coverage, folds and seed of the conformal
    calibration; ``config.model`` and ``config.interval_method`` play no part. Bad input raises
    :class:`InputError` naming every problem with the prediction columns at once.
    Stages reported to ``progress``: "checking the predictions", "intervals", "summarising".
    """
    with threadpool_limits(limits=FIT_THREADS, user_api="openmp"):
        return _score(table, config, columns, progress)


def prediction_problems(table: pd.DataFrame, columns: PredictionColumns) -> list[str]:
    """Every problem with the prediction columns of ``table``, one sentence each (none if usable)."""
    return _read_predictions(table, columns)[1]


def _read_predictions(
    table: pd.DataFrame, columns: PredictionColumns
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The prediction columns as positive finite numbers, read like prices, and the problems."""
    problems: list[str] = []
    values: dict[str, np.ndarray] = {}
    roles = {
        columns.prediction: "predicted fair price",
        columns.lower: "prediction lower bound",
        columns.upper: "prediction upper bound",
    }
    for column, role in roles.items():
        if column is None:
            continue
        if column not in {str(c) for c in table.columns}:
            problems.append(f"There is no column '{column}' for the {role}.")
            continue
        try:
            prices = clean_prices(table, column, role, "every item needs one")
        except InputError as problem:
            problems.append(str(problem))
            continue
        values[column] = prices.to_numpy(dtype="float64")
    if columns.lower is None or columns.upper is None or len(values) < 3:
        return values, problems
    predicted = values[columns.prediction]
    problems += _bound_problems(predicted, values[columns.lower], columns.lower, "lower", "above")
    problems += _bound_problems(predicted, values[columns.upper], columns.upper, "upper", "below")
    return values, problems


def _bound_problems(
    predicted: np.ndarray, bound: np.ndarray, column: str, which: str, side: str
) -> list[str]:
    broken = bound > predicted if which == "lower" else bound < predicted
    rows = np.flatnonzero(broken)
    if not len(rows):
        return []
    examples = ", ".join(
        f"row {row} ({bound[row]:,.2f} against {predicted[row]:,.2f})" for row in rows[:_EXAMPLES]
    )
    count = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
    return [
        f"The {which} bound column '{column}' is {side} the predicted fair price in {count}, "
        f"e.g. {examples}; each interval must contain its prediction."
    ]


def _score(
    table: pd.DataFrame, config: ScoringConfig, columns: PredictionColumns, progress: ProgressHook
) -> ScoringResult:
    started = time.perf_counter()
    progress("checking the predictions", 0.0)
    _check_roles(config, columns)
    config.check_table(table)
    table = table.reset_index(drop=True)
    predicted, problems = _read_predictions(table, columns)
    if problems:
        raise InputError(" ".join(problems))
    prices = clean_target(table, config.target).to_numpy(dtype="float64")
    fair_log = np.log(predicted[columns.prediction])
    volume = clean_volume(table, config.volume_col).to_numpy() if config.volume_col else None
    spec = _features(table, config, columns)
    item_ids = item_ids_of(table, config)
    progress("checking the predictions", _INTERVALS_START)

    folds: np.ndarray | None = None
    if columns.lower is not None and columns.upper is not None:
        interval = LogInterval(np.log(predicted[columns.lower]), np.log(predicted[columns.upper]))
    else:
        groups = table[config.group_col] if config.group_col else None
        folds = assign_folds(item_ids, config.n_folds, seed=config.seed, groups=groups)
        interval = normalised_interval(
            _difficulty_frame(table, spec, fair_log),
            np.log(prices),
            fair_log,
            folds,
            config.coverage,
            config.seed,
            scaled(progress, _INTERVALS_START, _INTERVALS_END),
        )

    progress("summarising", _INTERVALS_END)
    items = item_frame(
        item_ids,
        prices,
        fair_log,
        interval,
        volume,
        config.flag_threshold,
    )
    card = given_predictions_card(
        table=table,
        items=items,
        config=config,
        spec=spec,
        folds=folds,
        predictions=columns.to_card(),
        model_name=columns.describe(),
        fit_seconds=time.perf_counter() - started,
    )
    progress("summarising", 1.0)
    logger.info(
        "scored %d rows against the predictions in '%s': MAPE %.3f, coverage %.3f, %d flagged",
        len(items),
        columns.prediction,
        card["metrics"]["mape"],
        card["coverage"]["overall"],
        card["flagged"]["total"],
    )
    return ScoringResult(items=items, model_card=card, features=spec, fold_models=None)


def _check_roles(config: ScoringConfig, columns: PredictionColumns) -> None:
    roles = {config.target, config.id_col, config.volume_col, config.group_col} - {None}
    for name in columns.names:
        if name in roles:
            raise InputError(
                f"The column '{name}' cannot hold predictions: it is given another role "
                "(price, id, volume or group)."
            )


def _features(
    table: pd.DataFrame, config: ScoringConfig, columns: PredictionColumns
) -> FeatureSpec:
    """The columns that describe an item: for comparables, coverage by segment and the difficulty
    model. A table of prices and predictions alone has none, and that is fine here."""
    reasons = {
        **role_reasons(config),
        **dict.fromkeys(columns.names, "a given prediction (never a feature)"),
    }
    try:
        return infer_features(table, target=config.target, exclude=reasons)
    except InputError:
        return FeatureSpec(numeric=(), categorical=(), boolean=(), dates=(), dropped=reasons)


def _difficulty_frame(table: pd.DataFrame, spec: FeatureSpec, fair_log: np.ndarray) -> pd.DataFrame:
    frame = feature_frame(table, spec) if spec.used else pd.DataFrame(index=table.index)
    return frame.assign(**{PREDICTED_FEATURE: fair_log})
