"""Why an item's fair price is what it is: each feature's share of it, faithful to the model.

The explanation is of the very model that priced the item out of fold (its fold's model), in the
space that model works in (log price). Each feature's contribution is its Shapley value, estimated
by walking features from a reference item to this item in random orders (antithetic pairs of
permutations, over a sample of the fold's training rows as references) and crediting each step's
change in prediction to the feature switched. Every walk ends at the item's own prediction, so the
contributions add up *exactly* to ``log(fair price) - log(reference price)``: nothing is left
unexplained, which :func:`explain_item` checks before returning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dashboard.features import feature_frame
from dashboard.scoring import FoldModels

PERMUTATION_PAIRS = 3
# The sum of contributions must reproduce the model's own output this closely (log units).
FAITHFULNESS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Reason:
    feature: str
    value: str
    # The feature's contribution as a factor on the price: +0.12 means it raises the fair price
    # by 12 % relative to the reference, -0.05 lowers it by 5 %.
    effect: float
    log_effect: float

    def as_row(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": self.value, "effect": self.effect}


@dataclass(frozen=True)
class Explanation:
    reasons: tuple[Reason, ...]  # largest effect first
    reference_price: float  # the typical price the walk starts from (geometric mean)
    fair_price: float  # the model's price for the item; the reasons lead from one to the other

    def top(self, count: int) -> list[Reason]:
        return list(self.reasons[:count])


class UnfaithfulExplanationError(RuntimeError):
    """The contributions did not add up to the model's output: never shown."""


def explain_item(
    run_items: pd.DataFrame, row: int, models: FoldModels, seed: int = 0
) -> Explanation:
    """Explains the fair price of the item at ``row`` of ``run_items`` (a run's items frame)."""
    features = feature_frame(run_items.iloc[[row]].reset_index(drop=True), models.spec)
    fold = int(models.folds[row])
    model = models.models[fold]
    background = models.backgrounds[fold]
    contributions, reference, prediction = shapley(model, features, background, seed=seed)
    if abs(contributions.sum() - (prediction - reference)) > FAITHFULNESS_TOLERANCE:
        raise UnfaithfulExplanationError("contributions do not add up to the model's prediction")
    reasons = [
        Reason(
            feature=name,
            value=_shown(run_items, name, row),
            effect=math.expm1(float(phi)),
            log_effect=float(phi),
        )
        for name, phi in zip(features.columns, contributions, strict=True)
    ]
    reasons.sort(key=lambda reason: abs(reason.log_effect), reverse=True)
    return Explanation(
        reasons=tuple(reasons),
        reference_price=math.exp(reference),
        fair_price=math.exp(prediction),
    )


def shapley(
    model: Any, item: pd.DataFrame, background: pd.DataFrame, *, seed: int = 0
) -> tuple[np.ndarray, float, float]:
    """Permutation Shapley values of ``model`` at the one-row frame ``item``.

    Returns (contributions per column, mean prediction over ``background``, prediction at
    ``item``); the contributions sum to the difference of the two exactly.
    """
    columns = list(item.columns)
    n_features, n_refs = len(columns), len(background)
    rng = np.random.default_rng(seed)
    orders = []
    for _ in range(PERMUTATION_PAIRS):
        order = rng.permutation(n_features)
        orders.extend([order, order[::-1]])
    # switched[w, s, j]: in walk w, after s steps, is feature j taken from the item?
    n_walks = len(orders) * n_refs
    switched = np.zeros((n_walks, n_features + 1, n_features), dtype=bool)
    for o, order in enumerate(orders):
        for step, feature in enumerate(order, start=1):
            switched[o * n_refs : (o + 1) * n_refs, step:, feature] = True
    reference_rows = np.tile(np.arange(n_refs), len(orders))
    batch = _hybrid_rows(item, background, reference_rows, switched.reshape(-1, n_features))
    predictions = model.predict(batch).reshape(n_walks, n_features + 1)
    gains = np.diff(predictions, axis=1)  # change at each step
    contributions = np.zeros(n_features)
    for o, order in enumerate(orders):
        walk_gains = gains[o * n_refs : (o + 1) * n_refs]
        contributions[order] += walk_gains.sum(axis=0)
    contributions /= n_walks
    reference = float(predictions[:, 0].mean())
    prediction = float(predictions[:, -1].mean())
    return contributions, reference, prediction


def _hybrid_rows(
    item: pd.DataFrame, background: pd.DataFrame, references: np.ndarray, from_item: np.ndarray
) -> pd.DataFrame:
    """Rows mixing the item's values (where ``from_item``) with reference rows' values."""
    steps = from_item.shape[0] // len(references)
    reference_index = np.repeat(references, steps)
    parts: dict[str, Any] = {}
    for j, name in enumerate(item.columns):
        take_item = from_item[:, j]
        column = background[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy()[reference_index]
            item_code = item[name].cat.codes.to_numpy()[0]
            parts[name] = pd.Categorical.from_codes(
                np.where(take_item, item_code, codes), categories=column.cat.categories
            )
        else:
            values = column.to_numpy(dtype=np.float64)[reference_index]
            parts[name] = np.where(take_item, item[name].to_numpy(dtype=np.float64)[0], values)
    return pd.DataFrame(parts)


def _shown(items: pd.DataFrame, feature: str, row: int) -> str:
    """The item's value of a feature as the analyst knows it (date parts name their column)."""
    source = feature if feature in items.columns else feature.split("[", 1)[0]
    if source not in items.columns:
        return ""
    value = items[source].iat[row]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(missing)"
    return f"{value:g}" if isinstance(value, float) else str(value)
