"""Where the Overview leads and what it says about its run: Explorer links for a top item or a
segment bar, the review progress against the run, the run's heading and its model's facts.

Links are written with the Explorer's own URL writer (:func:`dashboard.filters.to_url_hash`), so the
Explorer reads them back exactly as it reads its own; the run on screen rides along as ``?run=``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from dashboard.datasets.store import DatasetStore
from dashboard.display import format_timestamp
from dashboard.errors import InputError
from dashboard.filters import to_url_hash
from dashboard.filters.state import FilterState
from dashboard.formatting import percent
from dashboard.query.overview import MISSING_SEGMENT, OTHER_SEGMENTS, at_stake_by_segment
from dashboard.reviews.store import ReviewStore
from dashboard.reviews.summary import decisions_frame, summarise
from dashboard.runs import Run
from dashboard.scoring.given import PredictionColumns

logger = logging.getLogger(__name__)

EXPLORER_PATH = "/explorer"


def explorer_link(run_id: str, state: FilterState) -> str:
    """The Explorer showing ``state`` on the run ``run_id``."""
    text = to_url_hash(state)
    return f"{EXPLORER_PATH}?run={quote(run_id, safe='')}" + (f"#{text}" if text else "")


def item_link(run: Run, item_id: object) -> str | None:
    """The Explorer with ``item_id``'s detail open, or None when the run has no such item."""
    if not isinstance(item_id, str) or not item_id:
        return None
    if not run.items["item_id"].astype("string").eq(item_id).any():
        return None
    return explorer_link(run.run_id, FilterState(item=item_id))


def segment_link(run: Run, column: object, segment: object) -> str | None:
    """The Explorer filtered to the items a bar of the Overview's money chart stands for: one value
    of ``column``, or for "(other)" every value the chart summed into it. None for a column or
    value the chart does not show."""
    if not isinstance(column, str) or column not in run.info.columns.segments:
        return None
    if not isinstance(segment, str):
        return None
    shown = at_stake_by_segment(run, column)["segment"].tolist()
    if segment not in shown:
        return None
    values: tuple[str, ...] = (segment,)
    if segment == OTHER_SEGMENTS:
        flagged = run.items.loc[run.items["flagged"], column].astype("string")
        named = set(shown) - {OTHER_SEGMENTS}
        values = tuple(sorted(set(flagged.fillna(MISSING_SEGMENT)) - named))
    return explorer_link(run.run_id, FilterState(segments=((column, values),)))


@dataclass(frozen=True)
class ReviewProgress:
    """How far the review of a run's flagged items has come."""

    flagged: int
    reviewed: int
    at_stake_flagged: float
    at_stake_covered: float

    @property
    def share_covered(self) -> float | None:
        return self.at_stake_covered / self.at_stake_flagged if self.at_stake_flagged else None


def review_progress(run: Run, decisions: ReviewStore) -> ReviewProgress:
    """The run's flagged items that carry a decision (made in any run of its dataset), and the share
    of the flagged money at stake those decisions cover."""
    frame = decisions_frame(decisions.decisions(run.info.dataset).values(), run)
    summary = summarise(frame, run)
    return ReviewProgress(
        flagged=summary.flagged_now,
        reviewed=summary.flagged_decided,
        at_stake_flagged=summary.at_stake_flagged,
        at_stake_covered=summary.at_stake_covered,
    )


def run_title(run: Run, datasets_dir: Path) -> str:
    """The run in words: its dataset's name and version ("Tyre catalogue v3"), else its label."""
    version = run.info.dataset_version
    if version is None:
        return run.info.label
    try:
        dataset = DatasetStore(datasets_dir).get(run.info.dataset)
        return f"{dataset.name} {dataset.version(version).label}"
    except (InputError, OSError, ValueError, KeyError) as error:
        logger.info("no dataset name for run %s: %s", run.run_id, error)
        return run.info.label


def run_subtitle(run: Run, datasets_dir: Path) -> str:
    """ "Tyre catalogue v3 · scored 29 Nov 2026, 08:45 UTC · 50,000 items"."""
    title = run_title(run, datasets_dir)
    parts = [title]
    if run.info.scope and run.info.label:
        parts.append(run.info.label)  # a recompute names its scope ("realised prices · North")
    parts.append(f"scored {format_timestamp(run.info.created_at)}")
    parts.append(f"{run.info.rows:,} items")
    return " · ".join(parts)


def model_facts(run: Run) -> list[tuple[str, str]]:
    """What the "Model" popover lists: how fair prices were made and how good they are."""
    card: Mapping[str, Any] = run.model_card
    given = PredictionColumns.from_card(dict(card))
    model = card.get("model", {})
    name = model.get("name", "model") if isinstance(model, dict) else str(model)
    metrics = card.get("metrics", {}) if isinstance(card.get("metrics"), dict) else {}
    coverage = card.get("coverage", {}) if isinstance(card.get("coverage"), dict) else {}
    facts = [
        ("Fair prices", f"predicted by {given.describe()}" if given is not None else name),
        ("Price column", run.info.columns.target),
    ]
    if given is None:
        folds = card.get("folds")
        grouping = card.get("fold_grouping")
        facts.append(
            (
                "Out-of-fold",
                f"{folds}-fold" + (f", grouped by {grouping}" if grouping else "")
                if folds
                else "–",
            )
        )
    for key, label in (("mape", "MAPE"), ("mae", "MAE"), ("r2", "R²")):
        value = metrics.get(key)
        if isinstance(value, int | float) and np.isfinite(value):
            shown = percent(float(value)) if key == "mape" else f"{float(value):,.3g}"
            facts.append((label, shown))
    overall, nominal = coverage.get("overall"), coverage.get("nominal")
    if isinstance(overall, int | float):
        target = f" (nominal {percent(float(nominal), digits=0)})" if nominal else ""
        facts.append(("Interval coverage", percent(float(overall)) + target))
    threshold = card.get("flag_threshold")
    if isinstance(threshold, int | float):
        facts.append(("Flagged at", f"score ≥ {threshold:g}"))
    if card.get("interval_method"):
        facts.append(("Interval", str(card["interval_method"]).split(":")[0]))
    facts.append(("Run id", run.run_id))
    return facts


def scoring_warnings(run: Run) -> list[str]:
    """The sentences the scoring left for its readers (the model card's ``warnings``)."""
    raw = run.model_card.get("warnings", [])
    if not isinstance(raw, list):
        return []
    return [str(sentence) for sentence in raw if str(sentence).strip()]
