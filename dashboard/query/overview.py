"""What the Overview page shows about a run: headline figures, money by segment, scores, top items."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.runs import Run

OTHER_SEGMENTS = "(other)"
MISSING_SEGMENT = "(missing)"


@dataclass(frozen=True)
class OverviewKpis:
    items: int
    flagged_under: int
    flagged_over: int
    at_stake_under: float
    at_stake_over: float
    mape: float | None
    r2: float | None
    coverage: float | None
    nominal_coverage: float | None

    @property
    def flagged(self) -> int:
        return self.flagged_under + self.flagged_over


@dataclass(frozen=True)
class ScoreHistogram:
    """Counts of items outside their interval, binned on a mirrored axis: under-priced items left of
    zero, over-priced right of it, at the position of their (non-negative) score.

    The outermost bin on each side is an overflow bin: it holds every score at or beyond
    ``clipped_at`` (a whole number), so the far tail is counted, not stretched across the axis.
    """

    edges: np.ndarray
    under: np.ndarray
    over: np.ndarray
    inside: int
    threshold: float
    clipped_at: float


def overview_kpis(run: Run) -> OverviewKpis:
    items = run.items
    flagged = items[items["flagged"]]
    under = flagged[flagged["direction"] == "under"]
    over = flagged[flagged["direction"] == "over"]
    metrics = run.model_card.get("metrics", {})
    coverage = run.model_card.get("coverage", {})
    return OverviewKpis(
        items=len(items),
        flagged_under=len(under),
        flagged_over=len(over),
        at_stake_under=float(under["at_stake"].sum()),
        at_stake_over=float(over["at_stake"].sum()),
        mape=_maybe_float(metrics.get("mape")),
        r2=_maybe_float(metrics.get("r2")),
        coverage=_maybe_float(coverage.get("overall")),
        nominal_coverage=_maybe_float(coverage.get("nominal")),
    )


def at_stake_by_segment(run: Run, column: str, *, limit: int = 12) -> pd.DataFrame:
    """Money at stake on flagged items per value of ``column``, largest first.

    Columns: ``segment`` (str), ``under``, ``over`` (money), ``items`` (flagged count). Values beyond
    ``limit`` are summed into one "(other)" row so the chart stays readable.
    """
    if column not in run.info.columns.segments:
        raise KeyError(column)
    flagged = run.items.loc[run.items["flagged"], [column, "direction", "at_stake"]]
    segment = flagged[column].astype("string").fillna(MISSING_SEGMENT)
    money = (
        flagged.assign(segment=segment)
        .pivot_table(
            index="segment", columns="direction", values="at_stake", aggfunc="sum", observed=True
        )
        .reindex(columns=["under", "over"], fill_value=0.0)
        .fillna(0.0)
    )
    money["items"] = segment.value_counts()
    money = money.assign(total=money["under"] + money["over"]).sort_values("total", ascending=False)
    if len(money) > limit:
        head, tail = money.iloc[: limit - 1], money.iloc[limit - 1 :]
        rest = pd.DataFrame(
            {
                "under": [tail["under"].sum()],
                "over": [tail["over"].sum()],
                "items": [tail["items"].sum()],
                "total": [tail["total"].sum()],
            },
            index=[OTHER_SEGMENTS],
        )
        money = pd.concat([head, rest])
    table = money.reset_index(names="segment")
    return table[["segment", "under", "over", "items"]].astype({"items": "int64"})


def score_clip(score: np.ndarray, threshold: float) -> float:
    """Where the score axis's overflow bins start: a whole number past the 99th percentile of the
    scores outside their interval and at least three flag thresholds, so "≥ 4" reads as a bound."""
    outside = score[score > 0]
    tail = float(np.quantile(outside, 0.99)) if len(outside) else 0.0
    return float(math.ceil(max(tail, 3 * threshold, 1.0)))


def score_bin_edges(clip: float, bins: int) -> np.ndarray:
    """``bins`` equal bins (an even number, at least 4) on the mirrored axis: ``bins - 2`` cover
    ``[-clip, clip]`` and one overflow bin each side lies beyond ``±clip``."""
    if bins < 4 or bins % 2:
        raise ValueError("the score histogram needs an even number of bins, at least 4")
    width = 2 * clip / (bins - 2)
    return np.linspace(-clip - width, clip + width, bins + 1)


def score_bin_positions(score: np.ndarray, is_under: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of each score (under-priced on the left); scores at or past the clip land in the
    overflow bins."""
    bins = len(edges) - 1
    clip, width = float(edges[-2]), float(edges[1] - edges[0])
    # A score at or past the clip sits mid-way into its overflow bin; the rest where they fall.
    placed = np.where(score >= clip, clip + width / 2, score)
    side = np.where(is_under, -1.0, 1.0)
    position = np.floor((side * placed - edges[0]) / width)
    return np.clip(position.astype(np.int64), 0, bins - 1)


def score_histogram(run: Run, *, bins: int = 60) -> ScoreHistogram:
    """Bins the score of items outside their interval, under-priced to the left, over-priced to the
    right; the far tail lands in labelled overflow bins."""
    items = run.items
    outside = items[items["score"] > 0]
    score = outside["score"].to_numpy(np.float64)
    is_under = (outside["direction"] == "under").to_numpy()
    threshold = float(run.model_card.get("flag_threshold", 1.0))
    clip = score_clip(items["score"].to_numpy(np.float64), threshold)
    edges = score_bin_edges(clip, bins)
    position = score_bin_positions(score, is_under, edges)
    return ScoreHistogram(
        edges=edges,
        under=np.bincount(position[is_under], minlength=bins),
        over=np.bincount(position[~is_under], minlength=bins),
        inside=int(len(items) - len(outside)),
        threshold=threshold,
        clipped_at=clip,
    )


def top_flagged(run: Run, *, limit: int = 20, segments: int = 2) -> pd.DataFrame:
    """The flagged items with the most money at stake, with a few segment columns for context."""
    context = [c for c in run.info.columns.segments if c != run.info.columns.group][:segments]
    columns = ["item_id", *context, "actual", "fair_price", "lower", "upper", "score", "direction"]
    flagged = run.items.loc[run.items["flagged"], [*columns, "at_stake"]]
    return flagged.nlargest(limit, "at_stake").reset_index(drop=True)


def _maybe_float(value: object) -> float | None:
    if isinstance(value, int | float) and np.isfinite(value):
        return float(value)
    return None
