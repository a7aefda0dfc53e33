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
        **flag_summary(items),
        "folds": int(config.n_folds),
        "fold_grouping": config.group_col,
        "fold_sizes": np.bincount(folds, minlength=config.n_folds).tolist(),
        "fit_seconds": _round(fit_seconds, 2),
        "interval_method": f"{config.interval_method}: {INTERVAL_METHODS[config.interval_method]}",
        "seed": int(config.seed),
        "warnings": list(warnings),
    }


def given_predictions_card(
    *,
    table: pd.DataFrame,
    items: pd.DataFrame,
    config: ScoringConfig,
    spec: FeatureSpec,
    folds: np.ndarray | None,
    predictions: dict[str, Any],
    model_name: str,
    fit_seconds: float,
) -> dict[str, Any]:
    """The card of a run whose fair prices the analyst's own model gave (``predictions`` says
    which columns): its accuracy and the coverage its intervals reached, and no features, since
    PriceScope learnt no price from them. ``folds`` is None when the bounds were given too; the
    nominal coverage is then unknown (the bounds are the analyst's) and left out as None."""
    conformal = folds is not None
    method = (
        f"normalised-cross-conformal: {INTERVAL_METHODS['normalised-cross-conformal']}, "
        "on the residuals of the given predictions (the difficulty model sees the features "
        "and the predicted price)"
        if conformal
        else f"given: the bounds in columns '{predictions['lower']}' and '{predictions['upper']}'"
    )
    return {
        "rows": len(items),
        "target": config.target,
        "predictions": dict(predictions),
        "features_used": [],
        "features_dropped": dict(spec.dropped),
        "comparable_features": list(spec.used),
        "model": {"name": model_name, "candidate": "given predictions"},
        "metrics": accuracy(items["actual"].to_numpy(), items["fair_price"].to_numpy()),
        "coverage": {
            "nominal": float(config.coverage) if conformal else None,
            "overall": _round(_inside(items).mean()),
            "by_segment": coverage_by_segment(table, items, spec),
        },
        "flag_threshold": float(config.flag_threshold),
        **flag_summary(items),
        "folds": int(config.n_folds) if conformal else None,
        "fold_grouping": config.group_col if conformal else None,
        "fold_sizes": (
            np.bincount(folds, minlength=config.n_folds).tolist() if folds is not None else []
        ),
        "fit_seconds": _round(fit_seconds, 2),
        "interval_method": method,
        "seed": int(config.seed),
        "warnings": [],
    }


def flag_summary(items: pd.DataFrame) -> dict[str, Any]:
    """How many items are flagged each way, and the money at stake on them."""
    flagged = items[items["flagged"]]
    under = flagged["direction"] == "under"
    return {
        "flagged": {"under": int(under.sum()), "over": int((~under).sum()), "total": len(flagged)},
        "at_stake": {
            "under": _round(flagged.loc[under, "at_stake"].sum(), 2),
            "over": _round(flagged.loc[~under, "at_stake"].sum(), 2),
        },
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
