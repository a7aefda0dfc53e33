"""Explorer callbacks over HTTP, as any client can call them: real payloads, hostile ones too.

Every request below is what the browser would POST to ``/_dash-update-component`` (built from the
app's own ``/_dash-dependencies``), with values a user could type or an attacker could craft. None
may produce a 5xx; the bad ones must come back with a message a person can read.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.figures.explorer import scatter_trace_codes
from dashboard.filters import FilterState, from_url_hash
from dashboard.filters.events import views_of
from dashboard.filters.fields import FEEDBACK_FIELDS
from dashboard.ids import Explorer, Reviews
from dashboard.query import explorer as q
from dashboard.runs import Run, RunStore
from layouts.explorer_review import ITEM, field_id
from testkit.callback_requests import callback_payload, find_callback, id_key

ALL_SEGMENTS = '{"column":["ALL"],"type":"explorer-segment"}'
ALL_CHIPS = '{"key":["ALL"],"type":"explorer-chip"}'
ALL_FEEDBACK = '{"field":["ALL"],"type":"explorer-filter-feedback"}'
FEEDBACK_LINES = [{"type": str(Explorer.FILTER_FEEDBACK), "field": f} for f in FEEDBACK_FIELDS]


@pytest.fixture(scope="module")
def app_client(demo_root: Path) -> tuple[FlaskClient, Run, list[dict[str, Any]]]:
    settings = Settings(data_dir=demo_root)
    app = create_app(settings)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    run = RunStore(demo_root / "runs").load_current()
    assert run is not None
    return client, run, dependencies


def post(
    app_client: tuple[FlaskClient, Run, list[dict[str, Any]]],
    output_part: str,
    values: dict[str, Any],
    changed: list[str],
) -> Any:
    """The browser's request for the callback with ``output_part``; ``segment:<column>`` keys
    give that segment dropdown's value."""
    client, run, dependencies = app_client
    dropdowns = [{"type": str(Explorer.SEGMENT), "column": c} for c in run.info.columns.segments]
    named = {
        (
            f"{id_key({'type': str(Explorer.SEGMENT), 'column': k[8:]})}.value"
            if k.startswith("segment:")
            else k
        ): v
        for k, v in values.items()
    }
    spec = find_callback(dependencies, output=output_part)
    wildcards = {ALL_SEGMENTS: dropdowns, ALL_CHIPS: [], ALL_FEEDBACK: FEEDBACK_LINES}
    payload = callback_payload(spec, named, changed, wildcards)
    return client.post("/_dash-update-component", json=payload)


def reducer(app_client: Any, run: Run, changed: str, **values: Any) -> dict[str, Any]:
    values.setdefault(f"{Explorer.RUN_ID}.data", run.run_id)
    response = post(app_client, f"{Explorer.URL}.hash", values, [changed])
    assert response.status_code == 200, response.data[:500]
    return json.loads(response.data)["response"]


def problems_text(response: dict[str, Any]) -> str:
    """The page's sentences: the alert above the views and those under the number filters."""
    return json.dumps([response.get(str(Explorer.PROBLEMS), {}), feedback_text(response)])


def feedback_text(response: dict[str, Any]) -> dict[str, Any]:
    """The sentence under each number filter, by field (``None`` where there is none)."""
    return {
        line["field"]: response[id_key(line)]["children"]
        for line in FEEDBACK_LINES
        if id_key(line) in response
    }


def test_a_filter_change_writes_the_url_and_the_chart_state(app_client: Any) -> None:
    run = app_client[1]
    response = reducer(
        app_client,
        run,
        f"{Explorer.MIN_SCORE}.value",
        **{f"{Explorer.MIN_SCORE}.value": 0.5, f"{Explorer.DIRECTIONS}.value": ["under"]},
    )
    new_hash = response[str(Explorer.URL)]["hash"]
    assert new_hash == "#score=0.5&dir=under"
    chart_state = response[str(Explorer.CHART_STATE)]["data"]
    parsed = from_url_hash(chart_state, run.info, q.segment_categories(run))
    assert parsed.state.min_score == 0.5 and parsed.state.directions == ("under",)


def test_the_maximum_score_input_bounds_the_score_and_is_checked_against_the_minimum(
    app_client: Any,
) -> None:
    run = app_client[1]
    changed = f"{Explorer.MAX_SCORE}.value"
    response = reducer(app_client, run, changed, **{changed: 2})
    assert response[str(Explorer.URL)]["hash"] == "#smax=2"
    assert "Score ≤ 2" in json.dumps(response[str(Explorer.CHIPS)], ensure_ascii=False)
    upside_down = {changed: 1, f"{Explorer.MIN_SCORE}.value": 2}
    response = reducer(app_client, run, changed, **upside_down)
    assert "The minimum score is above the maximum score" in problems_text(response)


def test_number_filters_read_a_decimal_comma_and_say_what_they_cannot_read(
    app_client: Any,
) -> None:
    run = app_client[1]
    score = f"{Explorer.MIN_SCORE}.value"
    response = reducer(app_client, run, score, **{score: "0,5"})
    assert response[str(Explorer.URL)]["hash"] == "#score=0.5"
    assert "Score ≥ 0.5" in json.dumps(response[str(Explorer.CHIPS)], ensure_ascii=False)
    assert not any(feedback_text(response).values())

    response = reducer(app_client, run, score, **{score: "abc"})
    assert feedback_text(response)["min_score"] == (
        "Minimum score must be a number; 'abc' was ignored."
    )
    assert response[str(Explorer.URL)]["hash"] == "#"  # nothing applied
    assert response[str(Explorer.PROBLEMS)]["children"] is None  # said once, under the field

    low, high = f"{Explorer.PRICE_MIN}.value", f"{Explorer.PRICE_MAX}.value"
    response = reducer(app_client, run, low, **{low: "-5"})
    assert (
        feedback_text(response)["price_min"] == "Minimum price cannot be negative; -5 was ignored."
    )
    response = reducer(app_client, run, low, **{low: "200", high: "100,5"})
    assert "minimum price is above the maximum price" in feedback_text(response)["price_min"]
    assert response[str(Explorer.URL)]["hash"] == "#"


@pytest.mark.parametrize(
    ("changed", "value", "message"),
    [
        (f"{Explorer.MIN_SCORE}.value", "abc", "Minimum score"),
        (f"{Explorer.MIN_SCORE}.value", 1e308 * 10, "Minimum score"),
        (f"{Explorer.PRICE_MIN}.value", {"$where": "1"}, "Minimum price"),
        (f"{Explorer.DIRECTIONS}.value", ["sideways"], "sideways"),
        (f"{Explorer.DIRECTIONS}.value", "under" * 10_000, "irection"),
        ("segment:season", ["monsoon"], "monsoon"),
        ("segment:season", ["winter"] * 20_000, "season"),
        (f"{Explorer.SEARCH}.value", ["not", "text"], "earch"),
    ],
)
def test_hostile_control_values_get_a_message_not_an_error(
    app_client: Any, changed: str, value: Any, message: str
) -> None:
    run = app_client[1]
    season = '{"column":"season","type":"explorer-segment"}.value'
    prop_changed = season if changed.startswith("segment:") else changed
    response = reducer(app_client, run, prop_changed, **{changed: value})
    assert message in problems_text(response)
    # The state that was kept is valid: it parses back without complaint.
    url = response.get(str(Explorer.URL), {}).get("hash", "")
    assert not from_url_hash(url, run.info, q.segment_categories(run)).problems


@pytest.mark.parametrize(
    "url",
    [
        "#score=abc",
        "#seg.brand=NoSuchBrand",
        "#sel=lasso:1,2",
        "#sort=password:desc",
        "#" + "q=" + "x" * 20_000,
        "#%ZZ%",
        "#item=../../etc/passwd",
    ],
)
def test_crafted_links_open_the_default_view_with_an_explanation(app_client: Any, url: str) -> None:
    run = app_client[1]
    response = reducer(app_client, run, f"{Explorer.URL}.hash", **{f"{Explorer.URL}.hash": url})
    assert str(Explorer.CHART_STATE) in response
    assert problems_text(response) != json.dumps({})


def test_unknown_run_id_is_reported_not_crashed(app_client: Any) -> None:
    run = app_client[1]
    response = reducer(
        app_client, run, f"{Explorer.URL}.hash", **{f"{Explorer.RUN_ID}.data": "../../../etc"}
    )
    assert "no longer available" in problems_text(response)


def test_table_rows_follow_the_grid_request_and_reject_nonsense(app_client: Any) -> None:
    run = app_client[1]
    state_hash = "#dir=over"
    request = {
        "startRow": 0,
        "endRow": 50,
        "sortModel": [{"colId": "score", "sort": "desc"}],
        "filterModel": {},
    }
    response = post(
        app_client,
        f"{Explorer.TABLE}.getRowsResponse",
        {
            f"{Explorer.TABLE}.getRowsRequest": request,
            f"{Explorer.TABLE_STATE}.data": state_hash,
            f"{Explorer.RUN_ID}.data": run.run_id,
        },
        [f"{Explorer.TABLE}.getRowsRequest"],
    )
    assert response.status_code == 200
    body = json.loads(response.data)["response"]
    rows = body[str(Explorer.TABLE)]["getRowsResponse"]["rowData"]
    assert len(rows) == 50
    assert {r["direction"] for r in rows} == {"over"}
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)

    hostile = {
        "startRow": -5,
        "endRow": 10**12,
        "sortModel": [{"colId": "__class__", "sort": "up"}],
        "filterModel": {"x": 1},
    }
    response = post(
        app_client,
        f"{Explorer.TABLE}.getRowsResponse",
        {
            f"{Explorer.TABLE}.getRowsRequest": hostile,
            f"{Explorer.TABLE_STATE}.data": state_hash,
            f"{Explorer.RUN_ID}.data": run.run_id,
        },
        [f"{Explorer.TABLE}.getRowsRequest"],
    )
    assert response.status_code == 200
    body = json.loads(response.data)["response"]
    assert len(body[str(Explorer.TABLE)]["getRowsResponse"]["rowData"]) <= q.MAX_PAGE_ROWS
    assert "ignored" in body[str(Explorer.TABLE_COUNT)]["children"]


def test_item_detail_shows_comparables_and_survives_unknown_items(app_client: Any) -> None:
    run = app_client[1]
    item = str(run.items.loc[run.items["flagged"], "item_id"].iloc[0])
    for value, expected in (
        (item, "Comparables"),
        ("no-such-item", "There is no item"),
        (["x"], ""),
    ):
        response = post(
            app_client,
            f"{Explorer.DETAIL_BODY}.children",
            {f"{Explorer.ITEM_STATE}.data": value, f"{Explorer.RUN_ID}.data": run.run_id},
            [f"{Explorer.ITEM_STATE}.data"],
        )
        assert response.status_code in (200, 204)
        if expected:
            assert expected in response.data.decode()
    flagged = post(
        app_client,
        f"{Explorer.DETAIL_BODY}.children",
        {f"{Explorer.ITEM_STATE}.data": item, f"{Explorer.RUN_ID}.data": run.run_id},
        [f"{Explorer.ITEM_STATE}.data"],
    )
    assert "Why this fair price" in flagged.data.decode()


def test_malformed_envelopes_are_client_errors_not_server_errors(app_client: Any) -> None:
    client = app_client[0]
    known = f"{Explorer.DETAIL_BODY}.children...{Explorer.DETAIL}.title"
    for body in (
        {},
        {"output": 5},
        {"output": "nope.children", "inputs": "x"},
        [1, 2, 3],
        {
            "output": "nope.children",
            "outputs": {"id": "nope", "property": "children"},
            "inputs": [],
        },
        {"output": f"..{known}..", "outputs": [], "inputs": []},
    ):
        response = client.post("/_dash-update-component", json=body)
        assert response.status_code < 500, (body, response.status_code)
    response = client.post(
        "/_dash-update-component", data=b"\x00not json", content_type="application/json"
    )
    assert response.status_code < 500


def texts(component: Any) -> list[str]:
    """Every string in a serialised component tree, in reading order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list):
        return [text for child in component for text in texts(child)]
    if isinstance(component, dict):
        return texts(component.get("props", {}).get("children"))
    return []


def test_a_saved_decision_redraws_charts_filtered_by_decision_at_once(
    demo_settings: Settings,
) -> None:
    """The charts callback listens to the decisions version a save writes: a view filtered by
    decision shows the new decision without waiting for the next filter change."""
    client = create_app(demo_settings).server.test_client()
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    run = RunStore(demo_settings.data_dir / "runs").load_current()
    assert run is not None
    item = str(run.items["item_id"].iloc[0])
    version_key = f"{Reviews.VERSION}.data"

    def charts(chart_state: str, version: object, changed: str) -> Any:
        spec = find_callback(
            dependencies, output=f"{Explorer.KPIS}.children", trigger=Reviews.VERSION
        )
        values = {
            f"{Explorer.CHART_STATE}.data": chart_state,
            version_key: version,
            f"{Explorer.RUN_ID}.data": run.run_id,
        }
        return client.post(
            "/_dash-update-component", json=callback_payload(spec, values, [changed])
        )

    def items_shown(response: Any) -> str:
        assert response.status_code == 200, response.data[:300]
        shown = texts(json.loads(response.data)["response"][str(Explorer.KPIS)]["children"])
        return shown[shown.index("Items") + 1]

    accepted = "#rev=accepted"
    assert items_shown(charts(accepted, 0, version_key)) == "0"

    def form(kind: Reviews) -> str:
        return f"{id_key(field_id(kind, ITEM))}.value"

    save = find_callback(
        dependencies, output=f"{id_key(field_id(Reviews.FEEDBACK, ITEM))}.children"
    )
    values = {
        f"{id_key(field_id(Reviews.SAVE, ITEM))}.n_clicks": 1,
        f"{Reviews.ITEM_TARGET}.data": {item: 0},
        f"{Explorer.RUN_ID}.data": run.run_id,
        form(Reviews.ACTION): "accepted",
        form(Reviews.REASON): "price_correct",
        form(Reviews.NOTE): "",
    }
    saved = client.post(
        "/_dash-update-component",
        json=callback_payload(save, values, [f"{id_key(field_id(Reviews.SAVE, ITEM))}.n_clicks"]),
    )
    assert saved.status_code == 200, saved.data[:300]
    version = json.loads(saved.data)["response"][str(Reviews.VERSION)]["data"]
    assert isinstance(version, int) and version > 0

    assert items_shown(charts(accepted, version, version_key)) == "1"
    # A view that does not filter by decision has nothing to redraw.
    untouched = charts("#dir=under", version, version_key)
    assert untouched.status_code in (200, 204)
    assert untouched.status_code == 204 or json.loads(untouched.data)["response"] == {}


def test_a_bare_link_keeps_the_first_view_the_layout_carries(app_client: Any) -> None:
    """The layout draws the unfiltered view; loading it must not ask for the same charts and rows
    again, while a link to another view, or back to it, does redraw."""
    client, run, _ = app_client
    first = views_of(FilterState())
    layout = json.dumps(json.loads(client.get("/_dash-layout").data))
    page = post(
        app_client,
        "_pages_content.children",
        {"_pages_location.pathname": "/explorer", "_pages_location.search": ""},
        ["_pages_location.pathname"],
    )
    assert page.status_code == 200 and str(Explorer.KPIS) not in layout
    drawn = json.dumps(json.loads(page.data))
    assert f"{len(run.items):,}" in drawn and '"type": "scattergl"' in drawn.replace('":"', '": "')
    on_screen = {
        f"{Explorer.CHART_STATE}.data": first.charts,
        f"{Explorer.TABLE_STATE}.data": first.table,
    }
    loaded = reducer(app_client, run, f"{Explorer.URL}.hash", **on_screen)
    assert str(Explorer.CHART_STATE) not in loaded and str(Explorer.TABLE_STATE) not in loaded
    assert str(Explorer.CHIPS) in loaded  # the controls and chips still follow the link

    shared = reducer(
        app_client,
        run,
        f"{Explorer.URL}.hash",
        **{f"{Explorer.URL}.hash": "#flagged=1"},
        **on_screen,
    )
    assert (
        shared[str(Explorer.CHART_STATE)]["data"]
        == views_of(replace(FilterState(), flagged_only=True)).charts
    )
    assert str(Explorer.TABLE_STATE) in shared


def test_a_filter_change_brings_kpis_charts_and_first_rows_in_one_response(
    app_client: Any,
) -> None:
    """One click, one round trip: the reducer's response carries the KPIs, every chart whose data
    changed and the table's first block of rows, so nothing waits for a second request."""
    run = app_client[1]
    flagged = f"{Explorer.FLAGGED_ONLY}.value"
    response = reducer(app_client, run, flagged, **{flagged: True})
    shown = texts(response[str(Explorer.KPIS)]["children"])
    expected = int(run.items["flagged"].sum())
    assert shown[shown.index("Items") + 1] == f"{expected:,}"
    for chart in (Explorer.SCATTER, Explorer.SCORES, Explorer.HEATMAP, Explorer.BARS):
        assert response[str(chart)]["figure"]["data"], chart
    # The rows go into the grid's ``context`` option, a patch of its options (the rest stay).
    (operation,) = response[str(Explorer.TABLE)]["dashGridOptions"]["operations"]
    assert operation["location"] == ["context"]
    block = operation["params"]["value"]["firstRows"]
    assert block["rowCount"] == expected and 0 < len(block["rowData"]) <= 100
    assert all(row["flagged"] for row in block["rowData"])
    assert response[str(Explorer.TABLE_COUNT)]["children"] == f"{expected:,} items"


def test_a_heatmap_metric_change_redraws_only_the_heatmap(app_client: Any) -> None:
    run = app_client[1]
    metric = f"{Explorer.HEATMAP_METRIC}.value"
    response = reducer(app_client, run, metric, **{metric: "share_flagged"})
    assert response[str(Explorer.URL)]["hash"] == "#hm=share_flagged"
    assert str(Explorer.HEATMAP) in response
    for untouched in (Explorer.KPIS, Explorer.SCATTER, Explorer.SCORES, Explorer.BARS):
        assert str(untouched) not in response, untouched
    assert str(Explorer.TABLE) not in response  # the rows do not depend on the heatmap


def test_a_box_on_the_scatter_patches_its_highlight_and_redraws_the_others(
    app_client: Any,
) -> None:
    """The scatter is not filtered by its own box, so its points stay and only their highlight is
    sent; the other charts, the KPIs and the rows are filtered by it and come whole."""
    run = app_client[1]
    box = {"range": {"x": [50, 120], "y": [40, 200]}}
    selected = f"{Explorer.SCATTER}.selectedData"
    response = reducer(app_client, run, selected, **{selected: box})
    assert "sel=" in response[str(Explorer.URL)]["hash"]
    scatter = response[str(Explorer.SCATTER)]["figure"]
    operations = scatter["operations"]
    assert {op["location"][-1] for op in operations} == {"selectedpoints", "unselected"}
    points = q.scatter_points(run, FilterState(), indexes=None)
    first_points_trace = next(
        i for i, code in enumerate(scatter_trace_codes(points)) if code is not None
    )
    assert min(op["location"][1] for op in operations) == first_points_trace
    for whole in (Explorer.SCORES, Explorer.HEATMAP, Explorer.BARS):
        assert response[str(whole)]["figure"]["data"], whole
    assert str(Explorer.KPIS) in response and str(Explorer.TABLE) in response
