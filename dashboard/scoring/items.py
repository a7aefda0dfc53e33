"""Turn fair prices and intervals into what an analyst reads: score, direction, flag, money."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.scoring.intervals import LogInterval

#: What scoring says about each item, in this order (the id comes first in ``ITEM_COLUMNS``).
SCORE_COLUMNS = (
    "actual",
    "fair_price",
    "lower",
    "upper",
    "score",
    "direction",
    "flagged",
    "at_stake",
)
ITEM_COLUMNS = ("item_id", *SCORE_COLUMNS)
#: The narrowest interval width used in a score (log scale), so an exact model cannot divide by 0.
MIN_LOG_WIDTH = 1e-6


def item_frame(
    item_ids: pd.Series,
    actual: np.ndarray,
    fair_log: np.ndarray,
    interval: LogInterval,
    volume: np.ndarray | None,
    flag_threshold: float,
) -> pd.DataFrame:
    """One row per item, in input order, with the columns in ``ITEM_COLUMNS`` (+ ``volume``).

    ``score`` is the distance outside the interval in interval widths, on the log scale::

        score = max(log(lower / actual), log(actual / upper), 0) / log(upper / lower)

    so 0 inside the interval, 1 when the price is a whole interval width beyond the nearer edge,
    and a price twice too high scores the same as one half too low. ``at_stake`` is the money
    between the price and the nearer edge, ``|actual - edge|`` (times volume when given); 0 inside.
    """
    fair = np.exp(fair_log)
    lower = np.minimum(np.exp(interval.lower), fair)
    upper = np.maximum(np.exp(interval.upper), fair)
    under = actual < lower
    over = actual > upper
    width = np.maximum(np.log(upper) - np.log(lower), MIN_LOG_WIDTH)
    gap_log = np.where(under, np.log(lower) - np.log(actual), 0.0)
    gap_log = np.where(over, np.log(actual) - np.log(upper), gap_log)
    score = gap_log / width
    gap_money = np.where(under, lower - actual, np.where(over, actual - upper, 0.0))
    at_stake = gap_money * volume if volume is not None else gap_money
    direction = np.where(under, "under", np.where(over, "over", "ok"))
    items = pd.DataFrame(
        {
            "item_id": pd.Series(item_ids.to_numpy(dtype=object), dtype="str"),
            "actual": actual.astype("float64"),
            "fair_price": fair,
            "lower": lower,
            "upper": upper,
            "score": score,
            "direction": pd.Series(direction, dtype="str"),
            "flagged": score >= flag_threshold,
            "at_stake": at_stake.astype("float64"),
        }
    )
    if volume is not None:
        items["volume"] = volume.astype("float64")
    return items
