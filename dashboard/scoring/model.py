"""The fair-price model: gradient-boosted trees on log price, fitted robustly.

Candidates were measured on the demo catalogue with ``bench/detection.py --model NAME``; the
numbers are in the scoring report. All use scikit-learn's HistGradientBoostingRegressor, whose
native categorical support and NaN handling suit arbitrary price tables without one-hot encoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

#: Training rows whose screening residual exceeds this many robust standard deviations are left
#: out of the final fit, so mispriced items do not pull their neighbours' fair prices along.
TRIM_SIGMAS = 3.5
#: Training sets smaller than this get gentler boosting (see ``sized_params``).
SMALL_TABLE_ROWS = 2_000
#: A robust standard deviation from the median absolute deviation of normal data.
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class ModelCandidate:
    """One measured model setting.

    With ``screen`` parameters the fit is robust: a quick screening model finds the training rows
    it cannot explain (beyond ``TRIM_SIGMAS``), and the real model is fitted without them.
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    screen: Mapping[str, Any] | None = None

    def describe(self, training_rows: int) -> dict[str, Any]:
        """Name and the parameters used for ``training_rows`` (JSON-serialisable), for the card."""
        return {
            "name": "HistGradientBoostingRegressor on log price",
            "candidate": self.name,
            "params": sized_params(self.params, training_rows),
            "robust_refit": (
                f"refit without training rows beyond {TRIM_SIGMAS} robust sigmas of a screening fit"
                if self.screen is not None
                else "none"
            ),
        }


_BASE: dict[str, Any] = {"categorical_features": "from_dtype", "early_stopping": False}
_SMALL_TREES: dict[str, Any] = {
    **_BASE,
    "max_iter": 1000,
    "learning_rate": 0.2,
    "max_leaf_nodes": 7,
}
# The screening fit only has to tell 15 %-off prices from 4 % noise: a short, coarse model does.
_SCREEN: dict[str, Any] = {**_BASE, "max_iter": 300, "learning_rate": 0.2, "max_leaf_nodes": 15}

MODEL_CANDIDATES: dict[str, ModelCandidate] = {
    candidate.name: candidate
    for candidate in (
        ModelCandidate("hgb-default", {**_BASE, "max_iter": 100, "learning_rate": 0.1}),
        ModelCandidate("hgb-wide", {**_BASE, "max_iter": 400, "learning_rate": 0.08}),
        ModelCandidate(
            "hgb-l1",
            {**_BASE, "loss": "absolute_error", "max_iter": 400, "learning_rate": 0.08},
        ),
        ModelCandidate("hgb-small-trees", _SMALL_TREES),
        ModelCandidate("hgb-small-trees-robust", _SMALL_TREES, screen=_SCREEN),
    )
}
#: Small trees, many rounds: prices are mostly a product of separate effects (size, brand,
#: season...), which shallow trees add up better than deep ones; the screening refit keeps
#: mispriced training rows from dragging their neighbours' fair prices along.
DEFAULT_MODEL = "hgb-small-trees-robust"


def make_regressor(
    params: Mapping[str, Any], seed: int, n_rows: int
) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(**sized_params(params, n_rows), random_state=seed)


def sized_params(params: Mapping[str, Any], n_rows: int) -> dict[str, Any]:
    """Adapt the tree settings to the number of training rows.

    Leaves hold at least 1 % of the rows (3 to 20): with 20 a 93-row table could barely split.
    Below ``SMALL_TABLE_ROWS`` boosting is slower and shorter, which measured better on small
    real tables (Housing, 546 rows: log RMSE 0.230 against 0.256).
    """
    sized = {**params, "min_samples_leaf": int(np.clip(n_rows // 100, 3, 20))}
    if n_rows < SMALL_TABLE_ROWS:
        sized["learning_rate"] = min(float(params.get("learning_rate", 0.1)), 0.05)
        sized["max_iter"] = min(int(params.get("max_iter", 100)), 300)
    return sized


def fit_fair_model(
    features: pd.DataFrame, log_price: np.ndarray, candidate: ModelCandidate, seed: int
) -> HistGradientBoostingRegressor:
    """Fit ``candidate`` on log price, robustly when it has a screening step."""
    if candidate.screen is None:
        return make_regressor(candidate.params, seed, len(log_price)).fit(features, log_price)
    screen = make_regressor(candidate.screen, seed, len(log_price)).fit(features, log_price)
    residual = log_price - screen.predict(features)
    keep = np.abs(residual - np.median(residual)) <= TRIM_SIGMAS * robust_sigma(residual)
    # Trimming more than a quarter would no longer be about outliers: the screen is just poor.
    if keep.mean() < 0.75:
        keep[:] = True
    rows = np.flatnonzero(keep)
    final = make_regressor(candidate.params, seed, len(rows))
    return final.fit(features.iloc[rows], log_price[rows])


def robust_sigma(values: np.ndarray) -> float:
    """Standard deviation estimated from the median absolute deviation, immune to a few outliers."""
    centred = np.abs(values - np.median(values))
    sigma = float(MAD_TO_SIGMA * np.median(centred))
    return sigma if sigma > 0 else float(np.std(values)) or 1e-12
