"""Calibrated prediction intervals around out-of-fold fair prices, on the log-price scale.

Two methods were measured (``bench/detection.py --interval NAME``):

``normalised-cross-conformal``
    K-fold cross-conformal with a difficulty estimate. Each fold gets a small model of how wrong the
    fair price tends to be (``log |residual|``), trained on the *other* folds' out-of-fold
    residuals; an item's normalised error is ``|residual| / difficulty``. The half-width multiplier
    for fold k is the conformal quantile of the normalised errors of the other folds, so an item's
    own residual never calibrates its own interval and the reported coverage is out-of-sample.
``cqr``
    Conformalised quantile regression: per fold, quantile models at the two tails, corrected by
    the conformal quantile of the other folds' out-of-fold tail errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

from dashboard.progress import ProgressHook

INTERVAL_METHODS = {
    "normalised-cross-conformal": (
        "K-fold cross-conformal on |log residual| normalised by an out-of-fold difficulty model"
    ),
    "cqr": "cross-conformalised quantile regression (HistGradientBoosting quantile loss)",
}
DEFAULT_INTERVAL_METHOD = "normalised-cross-conformal"

#: Residuals beyond this many robust standard deviations are treated as likely mispricings: they
#: neither teach the difficulty model nor calibrate the width, so the interval describes correctly
#: priced items (the flagged ones are what we are looking for) and 1–2 % of mispriced items, or
#: a brand-wide cluster of them, cannot widen everybody's interval.
EXTREME_SIGMAS = 5.0
#: Median of |z| for a standard normal z: turns a median absolute error into a sigma.
_MEDIAN_ABS_Z = 0.6745

#: Difficulty estimates are kept within this factor of their median: a sensible width varies with
#: the item, but never collapses to nothing or balloons because of a few noisy neighbours.
DIFFICULTY_RANGE = 4.0

_DIFFICULTY_PARAMS = {
    "max_iter": 150,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 50,
    "categorical_features": "from_dtype",
    "early_stopping": False,
}
_QUANTILE_PARAMS = {
    "max_iter": 300,
    "learning_rate": 0.08,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 20,
    "categorical_features": "from_dtype",
    "early_stopping": False,
}


@dataclass(frozen=True)
class LogInterval:
    """Interval bounds on the log-price scale, one per item."""

    lower: np.ndarray
    upper: np.ndarray


def conformal_level(n_calibration: int, coverage: float) -> float:
    """The empirical quantile level with the finite-sample correction ceil((n+1)·c)/n."""
    return min(math.ceil((n_calibration + 1) * coverage) / n_calibration, 1.0)


def calibrated_quantile(errors: np.ndarray, coverage: float) -> float:
    return float(np.quantile(errors, conformal_level(len(errors), coverage), method="higher"))


def fit_tail_models(
    features: pd.DataFrame, log_price: np.ndarray, coverage: float, seed: int
) -> tuple[HistGradientBoostingRegressor, HistGradientBoostingRegressor]:
    """The two quantile models CQR needs for one fold's training rows."""
    alpha = (1.0 - coverage) / 2.0
    models = []
    for quantile in (alpha, 1.0 - alpha):
        model = HistGradientBoostingRegressor(
            loss="quantile", quantile=quantile, random_state=seed, **_QUANTILE_PARAMS
        )
        models.append(model.fit(features, log_price))
    return models[0], models[1]


def cqr_interval(
    log_price: np.ndarray,
    tails: tuple[np.ndarray, np.ndarray],
    folds: np.ndarray,
    coverage: float,
) -> LogInterval:
    """CQR bounds from out-of-fold tail predictions, each fold calibrated on the others."""
    low, high = np.minimum(*tails), np.maximum(*tails)
    errors = np.maximum(low - log_price, log_price - high)
    lower, upper = np.empty_like(low), np.empty_like(high)
    for fold in np.unique(folds):
        inside = folds == fold
        margin = calibrated_quantile(errors[~inside], coverage)
        lower[inside] = low[inside] - margin
        upper[inside] = high[inside] + margin
    return LogInterval(lower, upper)


def normalised_interval(
    features: pd.DataFrame,
    log_price: np.ndarray,
    fair_log: np.ndarray,
    folds: np.ndarray,
    coverage: float,
    seed: int,
    progress: ProgressHook,
) -> LogInterval:
    """Bounds ``fair ± q_k · difficulty`` (see the module docstring)."""
    residual = log_price - fair_log
    difficulty = _out_of_fold_difficulty(features, residual, folds, seed, progress)
    normalised = np.abs(residual) / difficulty
    half_width = np.empty_like(fair_log)
    for fold in np.unique(folds):
        inside = folds == fold
        calibration = normalised[~inside]
        calibration = calibration[~is_extreme(calibration)]
        half_width[inside] = calibrated_quantile(calibration, coverage) * difficulty[inside]
    return LogInterval(fair_log - half_width, fair_log + half_width)


def is_extreme(magnitude: np.ndarray) -> np.ndarray:
    """Which absolute errors lie beyond ``EXTREME_SIGMAS`` robust standard deviations."""
    sigma = float(np.median(magnitude)) / _MEDIAN_ABS_Z
    return magnitude > EXTREME_SIGMAS * sigma if sigma > 0 else np.zeros(len(magnitude), bool)


def _out_of_fold_difficulty(
    features: pd.DataFrame,
    residual: np.ndarray,
    folds: np.ndarray,
    seed: int,
    progress: ProgressHook,
) -> np.ndarray:
    """Expected size of each item's residual, predicted by a model that never saw that item.

    The model learns ``log(|r| + floor)`` from the other folds' items that are not extreme: the
    log and the exclusion keep mispriced items from inflating their neighbours' widths, and the
    floor keeps near-zero residuals from dominating the fit.
    """
    magnitude = np.abs(residual)
    floor = 0.1 * float(np.median(magnitude)) + 1e-9
    target = np.log(magnitude + floor)
    plausible = ~is_extreme(magnitude)
    estimate = np.empty_like(residual)
    fold_ids = np.unique(folds)
    for step, fold in enumerate(fold_ids):
        progress("intervals", step / len(fold_ids))
        inside = folds == fold
        training = np.flatnonzero(~inside & plausible)
        model = HistGradientBoostingRegressor(random_state=seed, **_DIFFICULTY_PARAMS)
        model.fit(features.iloc[training], target[training])
        estimate[inside] = model.predict(features.iloc[np.flatnonzero(inside)])
    difficulty = np.exp(estimate)
    centre = float(np.median(difficulty))
    return np.clip(difficulty, centre / DIFFICULTY_RANGE, centre * DIFFICULTY_RANGE)
