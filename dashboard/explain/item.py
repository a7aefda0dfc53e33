"""Why the model priced one item of a published run as it did, from the run's stored fold models."""

from __future__ import annotations

from dashboard.explain.contributions import Explanation, explain_item
from dashboard.query.explorer import ExplorerIndexes, item_row
from dashboard.runs import Run, RunStore
from dashboard.scoring.given import PredictionColumns


def explain(
    runs: RunStore, run: Run, item_id: str, *, indexes: ExplorerIndexes | None = None
) -> Explanation | None:
    """The item's explanation; ``None`` for runs published without their models (such as runs of
    the analyst's own predictions, which PriceScope cannot look inside), or an item the run does
    not have."""
    if PredictionColumns.from_card(run.model_card) is not None:
        return None
    models = runs.load_models(run.run_id)
    row = item_row(run, item_id, indexes=indexes)
    if models is None or row is None:
        return None
    return explain_item(run.items, row, models)
