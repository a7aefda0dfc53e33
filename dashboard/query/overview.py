"""What the Overview page shows about a run: headline figures, money by segment, scores, top items."""

from __future__ import annotations

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
    """Counts of items outside their interval by signed score (under negative, over positive)."""

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


def score_histogram(run: Run, *, bins: int = 60) -> ScoreHistogram:
    """Bins the signed score of items outside their interval; the far tail lands in the end bins."""
    items = run.items
    outside = items[items["score"] > 0]
    signed = np.where(outside["direction"] == "under", -1.0, 1.0) * outside["score"].to_numpy()
    threshold = float(run.model_card.get("flag_threshold", 1.0))
    clip = float(max(np.quantile(np.abs(signed), 0.99) if len(signed) else 0.0, 3 * threshold, 1.0))
    edges = np.linspace(-clip, clip, bins + 1)
    clipped = np.clip(signed, -clip, clip)
    is_under = signed < 0
    under, _ = np.histogram(clipped[is_under], bins=edges)
    over, _ = np.histogram(clipped[~is_under], bins=edges)
    return ScoreHistogram(
        edges=edges,
        under=under,
        over=over,
        inside=int(len(items) - len(outside)),
        threshold=threshold,
        clipped_at=clip,
    )


def top_flagged(run: Run, *, limit: int = 20, segments: int = 3) -> pd.DataFrame:
    """The flagged items with the most money at stake, with a few segment columns for context."""
    context = [c for c in run.info.columns.segments if c != run.info.columns.group][:segments]
    columns = ["item_id", *context, "actual", "fair_price", "lower", "upper", "score", "direction"]
    flagged = run.items.loc[run.items["flagged"], [*columns, "at_stake"]]
    return flagged.nlargest(limit, "at_stake").reset_index(drop=True)


def _maybe_float(value: object) -> float | None:
    if isinstance(value, int | float) and np.isfinite(value):
        return float(value)
    return None
