"""A synthetic scored run with the shapes of a real one, for the Explorer's benchmark and tests.

It is not a demo (the demo generator plants known mispricings and scores them out of fold); it only
reproduces what the query layer sees: scoring columns that obey their invariants, a few segment
columns of each kind (categories with missing values, a yes/no column, a small-integer column),
and a name-like text column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.runs import Run, RunColumns, RunInfo

SYNTHETIC_RUN_ID = "20260101T000000000000Z-5e1f00"
SEGMENTS = ("brand", "season", "rim", "run_flat", "region")
FLAG_THRESHOLD = 0.5


def synthetic_run(
    n_items: int, *, seed: int = 0, n_brands: int = 40, run_id: str = SYNTHETIC_RUN_ID
) -> Run:
    """``n_items`` items with fair prices, intervals, scores and flags consistent with each other."""
    rng = np.random.default_rng(seed)
    fair = np.round(np.exp(rng.normal(4.6, 0.7, n_items)), 2)
    half_width = fair * rng.uniform(0.08, 0.25, n_items)
    lower, upper = fair - half_width, fair + half_width
    # Most prices sit inside their interval; a few percent are planted well outside it.
    noise = rng.normal(0.0, 0.45, n_items) * half_width
    planted = rng.random(n_items) < 0.04
    noise[planted] = rng.choice([-1.0, 1.0], planted.sum()) * rng.uniform(1.2, 4.0, planted.sum())
    noise[planted] *= half_width[planted]
    actual = np.round(np.maximum(fair + noise, 1.0), 2)
    distance = np.maximum(lower - actual, actual - upper)
    score = np.maximum(distance, 0.0) / half_width
    direction = np.where(actual < lower, "under", np.where(actual > upper, "over", "ok"))
    flagged = score > FLAG_THRESHOLD
    volume = rng.poisson(30, n_items).astype(np.float64)
    gap = np.where(actual < lower, lower - actual, np.where(actual > upper, actual - upper, 0.0))
    at_stake = np.where(flagged, gap * volume, 0.0)
    brands = [f"Brand {i:02d}" for i in range(n_brands)]
    brand = pd.Categorical.from_codes(_skewed_codes(rng, n_items, n_brands), pd.Index(brands))
    season_codes = rng.integers(-1, 3, n_items)  # -1: missing for about a quarter of the items
    items = pd.DataFrame(
        {
            "item_id": pd.array([f"SKU-{i:07d}" for i in range(n_items)], dtype="str"),
            "actual": actual,
            "fair_price": fair,
            "lower": lower,
            "upper": upper,
            "score": score,
            "direction": pd.Categorical(direction, categories=["under", "over", "ok"]),
            "flagged": flagged,
            "at_stake": at_stake,
            "volume": volume,
            "brand": brand,
            "season": pd.Categorical.from_codes(
                season_codes, pd.Index(["summer", "winter", "all-season"])
            ),
            "rim": rng.choice(np.arange(14, 22), n_items),
            "run_flat": rng.random(n_items) < 0.15,
            "region": pd.Categorical(
                rng.choice(["North", "South", "East", "West", "=Other"], n_items)
            ),
            "name": pd.array(
                [f"{b} tyre {r}" for b, r in zip(brand.astype(str), range(n_items), strict=True)],
                dtype="str",
            ),
        }
    )
    info = RunInfo(
        run_id=run_id,
        created_at="2026-01-01T00:00:00+00:00",
        label="synthetic",
        rows=n_items,
        columns=RunColumns(
            id="item_id",
            target="actual",
            volume="volume",
            group=None,
            segments=SEGMENTS,
            features=SEGMENTS,
        ),
    )
    return Run(info=info, items=items, model_card={"flag_threshold": FLAG_THRESHOLD})


def _skewed_codes(rng: np.random.Generator, n_items: int, n_values: int) -> np.ndarray:
    """A few big brands and a long tail, as in real catalogues."""
    weights = 1.0 / np.arange(1, n_values + 1)
    return rng.choice(n_values, size=n_items, p=weights / weights.sum())
