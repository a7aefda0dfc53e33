"""The Overview: its query layer on a real scored demo run, its page, and its callback over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.display import format_timestamp, humanize
from dashboard.filters import FilterState
from dashboard.filters.url import from_url_hash
from dashboard.ids import Overview
from dashboard.query import explorer
from dashboard.query.overview import (
    OTHER_SEGMENTS,
    at_stake_by_segment,
    overview_kpis,
    score_histogram,
    top_flagged,
)
from dashboard.query.overview_links import item_link, review_progress, run_subtitle, segment_link
from dashboard.reviews.model import parse_decision
from dashboard.reviews.service import save_review
from dashboard.runs import Run, RunStore
from testkit.services import in_memory_services


@pytest.fixture(scope="module")
def run(demo_root: Path) -> Run:
    loaded = RunStore(demo_root / "runs").load_current()
    assert loaded is not None
    return loaded


@pytest.fixture
def client(demo_settings: Settings) -> FlaskClient:
    app = create_app(demo_settings)
    client = app.server.test_client()
    assert client.get("/").status_code == 200  # the page answers
    return client


def test_kpis_add_up_to_the_items(run: Run) -> None:
    kpis = overview_kpis(run)
    items = run.items
    assert kpis.items == len(items)
    assert kpis.flagged == int(items["flagged"].sum()) > 0
    assert kpis.flagged_under > 0 and kpis.flagged_over > 0
    flagged_under = items[items["flagged"] & (items["direction"] == "under")]
    assert kpis.at_stake_under == pytest.approx(flagged_under["at_stake"].sum())
    assert kpis.coverage is not None and 0.8 < kpis.coverage < 0.97
    assert kpis.mape is not None and 0 < kpis.mape < 0.2


def test_money_by_segment_sums_to_the_flagged_total(run: Run) -> None:
    column = run.info.columns.segments[0]
    table = at_stake_by_segment(run, column, limit=4)
    kpis = overview_kpis(run)
    assert len(table) <= 4
    assert table["under"].sum() == pytest.approx(kpis.at_stake_under)
    assert table["over"].sum() == pytest.approx(kpis.at_stake_over)
    assert table["items"].sum() == kpis.flagged
    totals = (table["under"] + table["over"]).tolist()
    named = totals[:-1] if table["segment"].iloc[-1] == OTHER_SEGMENTS else totals
    assert named == sorted(named, reverse=True)
    with pytest.raises(KeyError):
        at_stake_by_segment(run, "item_id")


def test_score_histogram_counts_every_item_once(run: Run) -> None:
    histogram = score_histogram(run)
    outside = int((run.items["score"] > 0).sum())
    assert histogram.inside + int(histogram.under.sum() + histogram.over.sum()) == len(run.items)
    assert int(histogram.under.sum() + histogram.over.sum()) == outside
    # Under-priced items sit left of zero, over-priced right of it.
    centres = (histogram.edges[:-1] + histogram.edges[1:]) / 2
    assert (centres[histogram.under > 0] < 0).all()
    assert (centres[histogram.over > 0] > 0).all()


def test_top_flagged_is_ranked_by_money_at_stake(run: Run) -> None:
    top = top_flagged(run, limit=20)
    assert len(top) == 20
    assert top["at_stake"].is_monotonic_decreasing
    assert top["at_stake"].iloc[0] == run.items.loc[run.items["flagged"], "at_stake"].max()
    assert set(top["direction"]) <= {"under", "over"}


def overview_payload(column: Any, run_id: Any) -> dict[str, Any]:
    return {
        "output": f"{Overview.SEGMENT_CHART}.figure",
        "outputs": {"id": str(Overview.SEGMENT_CHART), "property": "figure"},
        "inputs": [{"id": str(Overview.SEGMENT_COLUMN), "property": "value", "value": column}],
        "state": [{"id": str(Overview.RUN_ID), "property": "data", "value": run_id}],
        "changedPropIds": [f"{Overview.SEGMENT_COLUMN}.value"],
    }


def figure_from(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.data[:300]
    body = json.loads(response.data)
    return body["response"][str(Overview.SEGMENT_CHART)]["figure"]


def test_segment_picker_redraws_money_by_that_segment(
    client: FlaskClient, demo_settings: Settings
) -> None:
    run_id = RunStore(demo_settings.runs_dir).current_id()
    run = RunStore(demo_settings.runs_dir).load(run_id or "")
    column = run.info.columns.segments[1]
    figure = figure_from(
        client.post("/_dash-update-component", json=overview_payload(column, run_id))
    )
    assert figure["layout"]["title"]["text"] == f"Money at stake by {humanize(column)}"
    expected = at_stake_by_segment(run, column)
    bars = {trace["name"]: trace for trace in figure["data"]}
    assert sorted(bars["Under-priced"]["y"]) == sorted(expected["segment"].tolist())


@pytest.mark.parametrize(
    ("column", "run_id", "message"),
    [
        ("no_such_column", "CURRENT", "is not a segment column"),
        (["brand"], "CURRENT", "Choose a segment column"),
        ({"$gt": ""}, "CURRENT", "Choose a segment column"),
        ("brand", "../../etc/passwd", "is not a run id"),
        ("brand", "20261121T193000123456Z-3f9a2c", "There is no run"),
        ("brand", None, "Choose a segment column"),
    ],
)
def test_crafted_segment_requests_get_a_message_not_an_error(
    client: FlaskClient, demo_settings: Settings, column: Any, run_id: Any, message: str
) -> None:
    if run_id == "CURRENT":
        run_id = RunStore(demo_settings.runs_dir).current_id()
    figure = figure_from(
        client.post("/_dash-update-component", json=overview_payload(column, run_id))
    )
    texts = [a["text"] for a in figure["layout"].get("annotations", [])]
    assert any(message in text for text in texts), texts


def test_overview_page_renders_the_run(client: FlaskClient, demo_settings: Settings) -> None:
    from layouts.overview import layout

    page = json.dumps(layout(in_memory_services(demo_settings)).to_plotly_json(), default=str)
    for component in (
        Overview.KPI_ITEMS,
        Overview.SEGMENT_CHART,
        Overview.SCORE_CHART,
        Overview.TOP_TABLE,
    ):
        assert str(component) in page
    assert "4,000" in page  # the item count, formatted


def test_overview_without_a_run_says_how_to_make_one(tmp_path: Path) -> None:
    from layouts.overview import layout

    empty = Settings(data_dir=tmp_path, auto_demo=False)
    page = json.dumps(layout(in_memory_services(empty)).to_plotly_json(), default=str)
    assert "No scoring run yet" in page
    assert "python -m dashboard bootstrap" in page
    hostile = json.dumps(
        layout(in_memory_services(empty), run="../x").to_plotly_json(), default=str
    )
    assert "is not a run id" in hostile


# -- Where the Overview leads, and what it says about its run -----------------------------------


def explorer_state_of(href: str, run: Run) -> FilterState:
    """What the Explorer makes of a link: its own reader on the hash, and the ``?run=`` it opens."""
    path, _, fragment = href.partition("#")
    assert urlsplit(path).path == "/explorer"
    assert parse_qs(urlsplit(path).query) == {"run": [run.run_id]}
    parsed = from_url_hash(fragment, run.info, explorer.segment_categories(run))
    assert parsed.problems == ()
    return parsed.state


def test_a_top_item_link_opens_that_item_in_the_explorer(run: Run) -> None:
    item = str(top_flagged(run, limit=1)["item_id"].iat[0])
    href = item_link(run, item)
    assert href is not None
    assert explorer_state_of(href, run) == FilterState(item=item)
    assert item_link(run, "NO-SUCH-ITEM") is None
    assert item_link(run, ["list"]) is None


def test_a_bar_link_filters_the_explorer_to_that_segment(run: Run) -> None:
    column = run.info.columns.segments[0]
    table = at_stake_by_segment(run, column, limit=4)
    top = str(table["segment"].iat[0])
    href = segment_link(run, column, top)
    assert href is not None
    assert explorer_state_of(href, run).segments == ((column, (top,)),)
    assert segment_link(run, column, "no such brand") is None
    assert segment_link(run, "item_id", top) is None


def test_the_other_bar_opens_every_value_it_sums(run: Run) -> None:
    column = max(run.info.columns.segments, key=lambda c: run.items[c].nunique())
    shown = at_stake_by_segment(run, column)
    assert shown["segment"].iat[-1] == OTHER_SEGMENTS
    href = segment_link(run, column, OTHER_SEGMENTS)
    assert href is not None
    [(name, values)] = explorer_state_of(href, run).segments
    flagged = set(run.items.loc[run.items["flagged"], column].astype("string").dropna())
    assert name == column and set(values) == flagged - set(shown["segment"])


def test_review_progress_counts_decided_flagged_items_and_their_money(
    demo_settings: Settings,
) -> None:
    services = in_memory_services(demo_settings)
    loaded = services.runs.load_current()
    assert loaded is not None
    before = review_progress(loaded, services.reviewing.decisions)
    flagged = loaded.items[loaded.items["flagged"]]
    assert (before.reviewed, before.flagged) == (0, len(flagged))
    assert before.share_covered == 0
    top_two = flagged.nlargest(2, "at_stake")
    targets = {str(item): 0 for item in top_two["item_id"]}
    decision = parse_decision("accepted", "price_correct", "checked with the buyer")
    save_review(services.reviewing, loaded, targets, decision, "ana")
    after = review_progress(loaded, services.reviewing.decisions)
    assert (after.reviewed, after.flagged) == (2, len(flagged))
    assert after.at_stake_covered == pytest.approx(top_two["at_stake"].sum())
    assert after.share_covered == pytest.approx(
        top_two["at_stake"].sum() / flagged["at_stake"].sum()
    )
    page = json.dumps(layout_of(services), default=str)
    assert f"2 of {len(flagged):,}" in page


def layout_of(services: Any) -> Any:
    from layouts.overview import layout

    return layout(services).to_plotly_json()


def test_the_subtitle_reads_in_words_and_the_model_sits_behind_a_popover(
    demo_settings: Settings,
) -> None:
    services = in_memory_services(demo_settings)
    loaded = services.runs.load_current()
    assert loaded is not None
    subtitle = run_subtitle(loaded, demo_settings.datasets_dir)
    assert subtitle.endswith(f"scored {format_timestamp(loaded.info.created_at)} · 4,000 items")
    assert loaded.info.created_at not in subtitle
    page = json.dumps(layout_of(services), default=str)
    assert str(Overview.MODEL_POPOVER) in page and "MAPE" in page
    assert "-fold out-of-fold" not in subtitle


def test_scoring_warnings_show_on_the_overview(demo_settings: Settings) -> None:
    # A published run never changes (its manifest holds each file's checksum): runs with and
    # without a warning are published as scoring would publish them.
    store = RunStore(demo_settings.runs_dir)
    run = store.load_current()
    assert run is not None
    card = dict(run.model_card)

    def publish_current(model_card: dict[str, object]) -> None:
        store.publish(
            run.items, model_card, columns=run.info.columns, label="again", make_current=True
        )

    card["warnings"] = [
        "'cost' tracks the price closely (correlation 0.96): mispricings go unflagged."
    ]
    publish_current(card)
    page = json.dumps(layout_of(in_memory_services(demo_settings)), default=str)
    assert str(Overview.WARNINGS) in page and "correlation 0.96" in page
    del card["warnings"]
    publish_current(card)
    quiet = json.dumps(layout_of(in_memory_services(demo_settings)), default=str)
    assert str(Overview.WARNINGS) not in quiet
