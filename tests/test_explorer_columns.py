"""The ranked table's columns: what an analyst reads first is on the left and nothing empty shows."""

from __future__ import annotations

from dashboard.display import Display
from dashboard.filters import DEFAULT_TABLE_SORT
from dashboard.reviews.annotate import DECISION_FIELD, MARK_FIELD
from layouts.explorer_columns import (
    default_visible,
    remembered_choice,
    table_column_defs,
    visible_columns,
)
from testkit.synthetic_run import synthetic_run

RUN = synthetic_run(300, seed=4)
INFO = RUN.info


def shown_headers(defs: list[dict[str, object]]) -> list[object]:
    return [d["headerName"] for d in defs if not d["hide"]]


def test_the_default_columns_lead_with_the_ranking_and_end_with_segments() -> None:
    defs = table_column_defs(INFO, DEFAULT_TABLE_SORT, Display())
    assert shown_headers(defs) == [
        "Item",
        "Score",
        "Direction",
        "At stake",
        "Price",
        "Fair price",
        "Interval",
        "Decision",
        "Brand",
        "Season",
        "Rim",
    ]
    item = defs[0]
    assert item["field"] == "item_id" and item["pinned"] == "left"
    hidden = {d["field"] for d in defs if d["hide"]}
    # The flag history is empty for most items, so it waits in the chooser with the rest.
    assert {MARK_FIELD, "flagged", "run_flat", "region"} <= hidden
    assert "upper" not in {d["field"] for d in defs}  # inside the interval column


def test_money_columns_carry_the_runs_currency_and_the_interval_reads_as_one_range() -> None:
    defs = {d["field"]: d for d in table_column_defs(INFO, DEFAULT_TABLE_SORT, Display("SEK"))}
    assert "SEK" in defs["actual"]["valueFormatter"]["function"]
    interval = defs["lower"]["valueFormatter"]["function"]
    assert "params.data.lower" in interval and "params.data.upper" in interval
    assert "' – '" in interval
    # The interval sorts by its low end: a real column of the server's order.
    assert defs["at_stake"]["sort"] == "desc" and defs["at_stake"]["sortIndex"] == 1
    labelled = table_column_defs(INFO, DEFAULT_TABLE_SORT, Display(labels={"brand": "Make"}))
    assert "Make" in shown_headers(labelled)


def test_a_remembered_choice_shows_and_hides_columns_and_keeps_other_runs_choices() -> None:
    ticked = sorted((default_visible(INFO) - {"item_id", "score"}) | {MARK_FIELD})
    choice = remembered_choice(INFO, {"other_runs_column": True}, ticked)
    assert choice["score"] is False and choice[MARK_FIELD] is True
    assert choice["other_runs_column"] is True
    shown = visible_columns(INFO, choice)
    assert "score" not in shown and MARK_FIELD in shown and DECISION_FIELD in shown
    defs = table_column_defs(INFO, DEFAULT_TABLE_SORT, Display(), shown)
    assert "Score" not in shown_headers(defs)
    # The item id cannot be hidden, and a store's junk changes nothing.
    assert "item_id" in visible_columns(INFO, {"item_id": False})
    assert visible_columns(INFO, ["junk"]) == default_visible(INFO)
    assert visible_columns(INFO, {"score": "no"}) == default_visible(INFO)
