"""The one-screen report ``python -m dashboard score`` prints: fit, coverage, flags, top items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard.datasets.store import DatasetInfo, DatasetVersion
from dashboard.formatting import count, money, percent
from dashboard.runs import RunInfo
from dashboard.scoring import ScoringResult
from dashboard.scoring.given import PredictionColumns

_FEATURES_SHOWN = 8


def render_summary(
    result: ScoringResult,
    output: pd.DataFrame,
    source: Path,
    destination: Path | None,
    *,
    top: int,
) -> str:
    """The one-screen report printed after ``score``; its numbers are those of the output."""
    card = result.model_card
    metrics = card.get("metrics", {})
    coverage = card.get("coverage", {})
    flagged = card.get("flagged", {})
    at_stake = card.get("at_stake", {})
    used = list(card.get("features_used", []))
    given = PredictionColumns.from_card(card)
    lines = [
        f"Scored {count(len(output))} rows of {source.name} with {_feature_list(used)}.",
        f"Fit (out of fold):  MAE {_price(metrics.get('mae'))}  ·  "
        f"MAPE {percent(metrics.get('mape'))}  ·  R² {_decimal(metrics.get('r2'))}",
        f"Interval coverage:  {percent(coverage.get('overall'))} of prices inside their "
        f"interval (nominal {percent(coverage.get('nominal'))})",
        f"Flagged:            {count(flagged.get('under'))} under-priced "
        f"({money(at_stake.get('under'))} at stake), {count(flagged.get('over'))} over-priced "
        f"({money(at_stake.get('over'))} at stake), {count(flagged.get('total'))} in all",
    ]
    if given is not None:
        lines[:3] = _given_lines(given, card, len(output), source)
    lines += _top_flagged(output, top)
    if destination is not None:  # ``score --publish`` alone writes no file
        lines.append(f"Wrote {count(len(output))} rows to {destination}")
    return "\n".join(lines)


def _given_lines(
    given: PredictionColumns, card: dict[str, Any], rows: int, source: Path
) -> list[str]:
    """The report's head for predictions the user's model gave: whose, how good, how covered."""
    metrics, coverage = card.get("metrics", {}), card.get("coverage", {})
    if given.lower is not None:
        interval = f"given by columns '{given.lower}' and '{given.upper}'"
    else:
        interval = f"calibrated conformally (nominal {percent(coverage.get('nominal'))})"
    return [
        f"Scored {count(rows)} rows of {source.name} against the predictions given in column "
        f"'{given.prediction}' (your model; PriceScope fitted none).",
        f"Given predictions:  MAE {_price(metrics.get('mae'))}  ·  "
        f"MAPE {percent(metrics.get('mape'))}  ·  R² {_decimal(metrics.get('r2'))}",
        f"Interval coverage:  {percent(coverage.get('overall'))} of prices inside their "
        f"interval, {interval}",
    ]


def _feature_list(used: list[str]) -> str:
    shown = ", ".join(used[:_FEATURES_SHOWN])
    more = f" and {len(used) - _FEATURES_SHOWN} more" if len(used) > _FEATURES_SHOWN else ""
    return f"{len(used)} feature{'s' if len(used) != 1 else ''}: {shown}{more}"


def _price(value: float | None) -> str:
    """Compact money, but with cents for small amounts, where rounding to units hides the size."""
    if value is None or not np.isfinite(value) or abs(value) >= 100:
        return money(value)
    return f"{value:.2f}"


def _decimal(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.3f}"


def _top_flagged(output: pd.DataFrame, top: int) -> list[str]:
    flagged = output[output["flagged"]]
    if top == 0 or flagged.empty:
        return [] if top == 0 else ["No item is flagged."]
    best = flagged.sort_values("at_stake", ascending=False, kind="stable").head(top)
    id_name = str(output.columns[0])
    headers = [id_name, "actual", "fair", "score", "direction", "at_stake"]
    rows = [
        [
            str(row[id_name]),
            f"{row['actual']:,.2f}",
            f"{row['fair_price']:,.2f}",
            f"{row['score']:.2f}",
            str(row["direction"]),
            f"{row['at_stake']:,.2f}",
        ]
        for _, row in best.iterrows()
    ]
    title = f"Top {len(rows)} flagged by money at stake:"
    return [title, *aligned_table(headers, rows, text_columns={0, 4})]


def aligned_table(
    headers: list[str], rows: list[list[str]], *, text_columns: set[int]
) -> list[str]:
    """Lines of a plain text table: text columns left-aligned, numbers right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        padded = [
            cell.ljust(width) if index in text_columns else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  " + "  ".join(padded).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def datasets_table(
    datasets: Sequence[DatasetInfo], newest: Mapping[str, RunInfo], current: str | None
) -> list[str]:
    """``datasets list``: one line per dataset with its latest version and its newest run."""
    headers = ["name", "key", "versions", "rows", "updated", "transactions", "latest run"]
    rows = []
    for info in datasets:
        latest = info.latest
        scored = newest.get(info.slug)
        rows.append(
            [
                info.name,
                info.slug,
                str(len(info.versions)),
                f"{latest.rows:,}" if latest else "–",
                latest.created_at[:10] if latest else "–",
                _transactions_cell(latest),
                _run_cell(info, scored, current) if scored else "not scored",
            ]
        )
    return aligned_table(headers, rows, text_columns={0, 1, 4, 5, 6})


def _transactions_cell(version: DatasetVersion | None) -> str:
    if version is None or version.transactions is None:
        return "no"
    return f"{version.transaction_rows:,} lines"


def _run_cell(info: DatasetInfo, run: RunInfo, current: str | None) -> str:
    scored = run.dataset_version
    label = next((v.label for v in info.versions if v.version_id == scored), run.label)
    return f"{run.run_id} ({label}){' current' if run.run_id == current else ''}"
