"""``score_table``: out-of-fold fair prices, calibrated intervals, flags and money at stake."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from dashboard.features import FeatureSpec, feature_frame, infer_features
from dashboard.progress import ProgressHook, no_progress, scaled
from dashboard.scoring.card import model_card
from dashboard.scoring.config import ScoringConfig
from dashboard.scoring.folds import assign_folds
from dashboard.scoring.intervals import (
    LogInterval,
    cqr_interval,
    fit_tail_models,
    normalised_interval,
)
from dashboard.scoring.items import item_frame
from dashboard.scoring.model import MODEL_CANDIDATES, fit_fair_model
from dashboard.tables import clean_target, clean_volume, target_proxies

logger = logging.getLogger(__name__)

#: OpenMP threads for model fitting. One, on purpose: on a shared 2-core machine a second thread
#: made a 0.2 s HistGradientBoosting fit take over 60 s whenever other processes held the cores
#: (threads spin at every split barrier), while one thread is never worse than ~2x slower.
FIT_THREADS = 1

# Shares of the progress bar per stage: fitting dominates the time.
_FEATURES_END = 0.05
_FOLDS_END = 0.75
_INTERVALS_END = 0.95


@dataclass(frozen=True)
class FoldModels:
    """What produced each fair price, kept so a price can be explained later: the model of each
    fold (item ``i``'s fair price is ``models[folds[i]]`` on its features, in log price) and a
    small sample of each fold's training rows, the reference an explanation starts from."""

    models: tuple[Any, ...]
    folds: np.ndarray
    spec: FeatureSpec
    backgrounds: tuple[pd.DataFrame, ...]


@dataclass(frozen=True)
class ScoringResult:
    """``items``: one row per input row, same order, RangeIndex (see ``item_frame`` for columns);
    ``model_card``: JSON-serialisable summary; ``features``: what the model used and dropped;
    ``fold_models``: the fitted models behind the fair prices.
    """

    items: pd.DataFrame
    model_card: dict[str, Any]
    features: FeatureSpec
    fold_models: FoldModels | None = None


def score_table(
    table: pd.DataFrame, config: ScoringConfig, progress: ProgressHook = no_progress
) -> ScoringResult:
    """Score every row of ``table``: an out-of-fold fair price, an interval, a flag.

    Stages reported to ``progress``: "preparing features", "fitting fold k/K" (before each fold),
    "intervals", "summarising". A hook that raises :class:`~dashboard.progress.Cancelled` stops
    the job at the next report (at most one fold later) and nothing is returned.

    The fair price of an item comes from a model fitted on the other folds only, and folds are
    assigned by a seeded hash of ids (or groups), never by price: changing one item's price leaves
    its own fair price exactly unchanged. ``items.score`` is defined in :func:`item_frame`.
    """
    with threadpool_limits(limits=FIT_THREADS, user_api="openmp"):
        return _score(table, config, progress)


def _score(table: pd.DataFrame, config: ScoringConfig, progress: ProgressHook) -> ScoringResult:
    started = time.perf_counter()
    progress("preparing features", 0.0)
    config.check_table(table)
    table = table.reset_index(drop=True)
    prices = clean_target(table, config.target).to_numpy(dtype="float64")
    volume = clean_volume(table, config.volume_col).to_numpy() if config.volume_col else None
    spec = infer_features(table, target=config.target, exclude=role_reasons(config))
    features = feature_frame(table, spec)
    log_price = np.log(prices)
    item_ids = item_ids_of(table, config)
    groups = table[config.group_col] if config.group_col else None
    folds = assign_folds(item_ids, config.n_folds, seed=config.seed, groups=groups)
    progress("preparing features", _FEATURES_END)

    fair_log, tails, models = _out_of_fold_fits(
        features, log_price, folds, config, scaled(progress, _FEATURES_END, _FOLDS_END)
    )
    progress("intervals", _FOLDS_END)
    interval = _interval(features, log_price, fair_log, tails, folds, config, progress)

    progress("summarising", _INTERVALS_END)
    items = item_frame(item_ids, prices, fair_log, interval, volume, config.flag_threshold)
    card = model_card(
        table=table,
        items=items,
        config=config,
        spec=spec,
        folds=folds,
        fit_seconds=time.perf_counter() - started,
        warnings=proxy_warnings(table, config, spec),
    )
    progress("summarising", 1.0)
    logger.info(
        "scored %d rows in %.1f s: MAPE %.3f, coverage %.3f, %d flagged",
        len(items),
        card["fit_seconds"],
        card["metrics"]["mape"],
        card["coverage"]["overall"],
        card["flagged"]["total"],
    )
    fold_models = FoldModels(
        models=models,
        folds=folds.astype(np.int16),
        spec=spec,
        backgrounds=tuple(
            _background(features.iloc[np.flatnonzero(folds != fold)], config.seed)
            for fold in range(config.n_folds)
        ),
    )
    return ScoringResult(items=items, model_card=card, features=spec, fold_models=fold_models)


#: Training rows kept per fold as the reference point of explanations.
BACKGROUND_ROWS = 48


def _background(training: pd.DataFrame, seed: int) -> pd.DataFrame:
    rows = min(BACKGROUND_ROWS, len(training))
    return training.sample(n=rows, random_state=seed).reset_index(drop=True)


def role_reasons(config: ScoringConfig) -> dict[str, str]:
    reasons = {
        config.id_col: "id column",
        config.volume_col: "volume column (weighs money at stake; never a feature)",
        config.group_col: "group column (keeps related items in one fold; not a feature)",
    }
    return {column: why for column, why in reasons.items() if column is not None}


def item_ids_of(table: pd.DataFrame, config: ScoringConfig) -> pd.Series:
    if config.id_col is None:
        return pd.Series(np.arange(len(table)).astype(str), dtype="str")
    return table[config.id_col].astype("object").map(str).astype("str")


def _out_of_fold_fits(
    features: pd.DataFrame,
    log_price: np.ndarray,
    folds: np.ndarray,
    config: ScoringConfig,
    progress: ProgressHook,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None, tuple[Any, ...]]:
    """Out-of-fold log fair prices (and, for CQR, out-of-fold tail quantiles), and the models."""
    candidate = MODEL_CANDIDATES[config.model]
    fair_log = np.empty_like(log_price)
    tails = (np.empty_like(log_price), np.empty_like(log_price))
    with_tails = config.interval_method == "cqr"
    models: list[Any] = []
    for fold in range(config.n_folds):
        progress(f"fitting fold {fold + 1}/{config.n_folds}", fold / config.n_folds)
        held_out = np.flatnonzero(folds == fold)
        training = np.flatnonzero(folds != fold)
        train_x, held_x = features.iloc[training], features.iloc[held_out]
        model = fit_fair_model(train_x, log_price[training], candidate, config.seed)
        models.append(model)
        fair_log[held_out] = model.predict(held_x)
        if with_tails:
            low, high = fit_tail_models(train_x, log_price[training], config.coverage, config.seed)
            tails[0][held_out] = low.predict(held_x)
            tails[1][held_out] = high.predict(held_x)
    progress(f"fitting fold {config.n_folds}/{config.n_folds}", 1.0)
    return fair_log, tails if with_tails else None, tuple(models)


def _interval(
    features: pd.DataFrame,
    log_price: np.ndarray,
    fair_log: np.ndarray,
    tails: tuple[np.ndarray, np.ndarray] | None,
    folds: np.ndarray,
    config: ScoringConfig,
    progress: ProgressHook,
) -> LogInterval:
    if tails is not None:
        return cqr_interval(log_price, tails, folds, config.coverage)
    return normalised_interval(
        features,
        log_price,
        fair_log,
        folds,
        config.coverage,
        config.seed,
        scaled(progress, _FOLDS_END, _INTERVALS_END),
    )


def proxy_warnings(table: pd.DataFrame, config: ScoringConfig, spec: FeatureSpec) -> list[str]:
    """Warn about features that nearly restate the price: the model would echo the price."""
    proxies = target_proxies(
        table, config.target, ignore=(config.id_col, config.volume_col, config.group_col)
    )
    warnings = [
        f"'{name}' tracks the price closely (correlation {correlation:.2f}): if it is derived "
        "from the price, fair prices will echo it and mispricings go unflagged; exclude it then."
        for name, correlation in proxies.items()
        if name in spec.used
    ]
    for warning in warnings:
        logger.warning(warning)
    return warnings
