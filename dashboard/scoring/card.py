"""The model card: what was fitted, how well it predicts, and how honest its intervals are."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dashboard.features import FeatureSpec
from dashboard.scoring.config import ScoringConfig
from dashboard.scoring.intervals import INTERVAL_METHODS
from dashboard.scoring.model import MODEL_CANDIDATES

#: Coverage is broken down by at most this many categorical columns ...
SEGMENT_COLUMNS = 4
#: ... each with at most this many values, so the card stays readable.
SEGMENT_VALUES = 30


def model_card(
    *,
    table: pd.DataFrame,
    items: pd.DataFrame,
    config: ScoringConfig,
    spec: FeatureSpec,
    folds: np.ndarray,
    fit_seconds: float,
    warnings: list[str],
) -> dict[str, Any]:
    """A JSON-serialisable summary of one scoring run (plain floats, ints, strings, lists)."""
    flagged = items[items["flagged"]]
    under = flagged["direction"] == "under"
    return {
        "rows": len(items),
        "target": config.target,
        "features_used": list(spec.used),
        "features_dropped": dict(spec.dropped),
        "model": MODEL_CANDIDATES[config.model].describe(_typical_training_rows(folds)),
        "metrics": accuracy(items["actual"].to_numpy(), items["fair_price"].to_numpy()),
        "coverage": {
            "nominal": float(config.coverage),
            "overall": _round(_inside(items).mean()),
            "by_segment": coverage_by_segment(table, items, spec),
        },
        "flag_threshold": float(config.flag_threshold),
        "flagged": {"under": int(under.sum()), "over": int((~under).sum()), "total": len(flagged)},
        "at_stake": {
            "under": _round(flagged.loc[under, "at_stake"].sum(), 2),
            "over": _round(flagged.loc[~under, "at_stake"].sum(), 2),
        },
        "folds": int(config.n_folds),
        "fold_grouping": config.group_col,
        "fold_sizes": np.bincount(folds, minlength=config.n_folds).tolist(),
        "fit_seconds": _round(fit_seconds, 2),
        "interval_method": f"{config.interval_method}: {INTERVAL_METHODS[config.interval_method]}",
        "seed": int(config.seed),
        "warnings": list(warnings),
    }


def accuracy(actual: np.ndarray, fair_price: np.ndarray) -> dict[str, float]:
    """Out-of-fold MAE, MAPE (a fraction) and R² on the price scale."""
    error = actual - fair_price
    spread = float(np.sum((actual - actual.mean()) ** 2))
    r2 = 1.0 - float(np.sum(error**2)) / spread if spread > 0 else 0.0
    return {
        "mae": _round(np.mean(np.abs(error)), 4),
        "mape": _round(np.mean(np.abs(error) / actual)),
        "r2": _round(r2),
    }


def coverage_by_segment(
    table: pd.DataFrame, items: pd.DataFrame, spec: FeatureSpec
) -> dict[str, dict[str, float]]:
    """Interval coverage per value of the first few low-cardinality categorical columns."""
    inside = _inside(items).to_numpy()
    breakdown: dict[str, dict[str, float]] = {}
    lookup = {str(column): column for column in table.columns}
    for name in (*spec.categorical, *spec.boolean):
        values = (
            table[lookup[name]]
            .astype("object")
            .map(lambda v: "(missing)" if pd.isna(v) else str(v))
        )
        if not 2 <= values.nunique() <= SEGMENT_VALUES:
            continue
        shares = pd.Series(inside, index=values.index).groupby(values.to_numpy()).mean()
        breakdown[name] = {str(value): _round(share) for value, share in shares.items()}
        if len(breakdown) == SEGMENT_COLUMNS:
            break
    return breakdown


def _typical_training_rows(folds: np.ndarray) -> int:
    sizes = np.bincount(folds)
    return int(np.median(len(folds) - sizes))


def _inside(items: pd.DataFrame) -> pd.Series:
    return (items["actual"] >= items["lower"]) & (items["actual"] <= items["upper"])


def _round(value: Any, digits: int = 4) -> float:
    return round(float(value), digits)
