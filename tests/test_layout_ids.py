"""Every page's layout, walked: each id a callback names exists, and each label points at an element.

The callbacks come from the real app's ``/_dash-dependencies``; the components from every page's
layout (``/``, ``/explorer``, ``/jobs``, ``/decisions``, ``/data``), the shell around them, the
sign-in page and the pieces callbacks draw into a page (filter chips, the jobs and runs tables, the
Data page's role dropdowns), since a Rerun or a
Make current button exists only once there is a job or a run to show. A callback wired to an id no
page has never fires; a label whose ``html_for`` points at nothing tells a screen reader nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from dash.development.base_component import Component

import layouts.data
import layouts.data_scoring
import layouts.data_upload
import layouts.decisions
import layouts.explorer
import layouts.jobs
import layouts.jobs_outcome
import layouts.jobs_tables
import layouts.overview
from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.datasets.profile import profile_table
from dashboard.ids import Explorer
from dashboard.jobs import job_book
from dashboard.jobs.records import DONE, INTERRUPTED
from dashboard.run_notices import JobNotice
from dashboard.services import Services
from layouts.login import login_page
from layouts.shell import job_toast, shell
from testkit.callback_requests import callback_payload, find_callback

WILDCARD_VALUES = (["ALL"], ["MATCH"], ["ALLSMALLER"])


def components(tree: Any) -> Iterator[Component]:
    """Every component in ``tree``, including those held by props other than ``children``."""
    if isinstance(tree, Component):
        yield tree
        for name in tree._prop_names:
            yield from components(getattr(tree, name, None))
    elif isinstance(tree, list | tuple):
        for item in tree:
            yield from components(item)


def json_components(tree: Any) -> Iterator[dict[str, Any]]:
    """The props of every component in a callback response (Dash's JSON form of a layout)."""
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree["props"]
        for value in tree.values():
            yield from json_components(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from json_components(item)


def dom_id(component_id: Any) -> str:
    """The id an element carries in the browser (dash-renderer's ``stringifyId``)."""
    if not isinstance(component_id, dict):
        return str(component_id)
    parts = (f"{json.dumps(k)}:{json.dumps(component_id[k])}" for k in sorted(component_id))
    return "{" + ",".join(parts) + "}"


@pytest.fixture(scope="module")
def walked(
    demo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, list[Any]], list[dict[str, Any]], dict[str, list[Component]]]:
    """(ids per page and per drawn piece, the app's callbacks, the page trees)."""
    data = tmp_path_factory.mktemp("layouts") / "data"
    shutil.copytree(demo_root, data)
    settings = Settings(data_dir=data)
    services = Services.from_settings(settings)
    app = create_app(settings, services)
    client = app.server.test_client()
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    with app.server.test_request_context("/"):
        pages: dict[str, list[Component]] = {
            "shell": list(components(shell(services))),
            "/": list(components(layouts.overview.layout(services))),
            "/explorer": list(components(layouts.explorer.layout(services))),
            "/jobs": list(components(layouts.jobs.layout(services))),
            "/decisions": list(components(layouts.decisions.layout(services))),
            "/data": list(components(layouts.data.layout(services))),
        }
        drawn = list(components(_drawn_job_pieces(services)))
        drawn += list(components(_drawn_mapping(services)))
        drawn += list(components(_drawn_notice(services)))
    ids = {
        name: [c.id for c in tree if getattr(c, "id", None) is not None]
        for name, tree in pages.items()
    }
    ids["drawn: jobs and runs tables, roles"] = [c.id for c in drawn if getattr(c, "id", None)]
    ids["drawn: filter chips"] = _chip_ids(client, dependencies, services.runs.current_id())
    assert ids["drawn: filter chips"] and ids["drawn: jobs and runs tables, roles"]
    return ids, dependencies, pages


def _drawn_job_pieces(services: Services) -> list[Component]:
    book = job_book(services.settings)
    queued = book.create({"period": "last_12"}, "last 12 months", "ann")
    runs = services.runs.list_runs()
    assert runs, "the demo has a run"
    finished = replace(queued, status=DONE, started_at=1.0, finished_at=2.0, run_id=runs[0].run_id)
    # The finished job's outcome: View run, Make current… and the run's scoring warnings.
    outcome = layouts.jobs_outcome.outcome_alert(finished, runs[0], ("'cost' tracks the price",))
    # An interrupted job's Retry, on the Jobs page and (a scoring job) on the Data page.
    interrupted = replace(queued, status=INTERRUPTED, finished_at=2.0, error="interrupted: …")
    scoring = replace(interrupted, scope={"kind": "score", "dataset": "demo", "version": "v1"})
    return [
        layouts.jobs_tables.jobs_table([queued, finished]),
        layouts.jobs_tables.runs_table(runs, None),
        outcome,
        layouts.jobs_outcome.outcome_alert(interrupted),
        layouts.data_scoring.scoring_outcome(scoring),
    ]


def _drawn_notice(services: Services) -> Component:
    """A finished-job notification, with the Make current button the shell's confirmation opens."""
    run_id = services.runs.current_id()
    assert run_id is not None
    return job_toast(JobNotice("j-1", True, "Run ready", "last 12 months", run_id), "/", True)


def _drawn_mapping(services: Services) -> Component:
    """The Data page's role dropdowns, drawn once an upload is read."""
    table = services.runs.load_current()
    assert table is not None
    profiles = profile_table(table.items.head(50))
    return layouts.data_upload.role_rows(profiles, [p.role for p in profiles])


def _chip_ids(client: Any, dependencies: list[dict[str, Any]], run_id: str | None) -> list[Any]:
    """The chips the Explorer's reducer draws for a filtered view, as the browser receives them."""
    spec = find_callback(dependencies, output=f"{Explorer.URL}.hash")
    values = {f"{Explorer.URL}.hash": "#dir=under&score=1", f"{Explorer.RUN_ID}.data": run_id}
    body = callback_payload(spec, values, [f"{Explorer.URL}.hash"])
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    chips = json.loads(response.data)["response"][str(Explorer.CHIPS)]
    return [props["id"] for props in json_components(chips) if "id" in props]


def callback_ids(dependencies: list[dict[str, Any]]) -> set[str]:
    """Every component id any callback names, as Dash spells it (JSON for dict ids)."""
    named: set[str] = set()
    for spec in dependencies:
        for item in (*spec["inputs"], *spec["state"]):
            named.add(item["id"])
        output = spec["output"]
        parts = output[2:-2].split("...") if output.startswith("..") else [output]
        named.update(part.rsplit(".", 1)[0] for part in parts)
    return named


def matches(named: str, component_id: Any) -> bool:
    if not named.startswith("{"):
        return isinstance(component_id, str) and named == str(component_id)
    pattern = json.loads(named)
    if not isinstance(component_id, dict) or set(component_id) != set(pattern):
        return False
    return all(v in WILDCARD_VALUES or component_id[k] == v for k, v in pattern.items())


def test_every_id_a_callback_names_exists_in_some_page(walked: Any) -> None:
    ids, dependencies, _ = walked
    everywhere = [component_id for page in ids.values() for component_id in page]
    named = callback_ids(dependencies)
    assert len(named) > 50 and any(n.startswith("{") for n in named)
    missing = sorted(n for n in named if not any(matches(n, c) for c in everywhere))
    assert missing == []


def test_pattern_matching_ids_are_found_by_their_type_and_keys(walked: Any) -> None:
    """The matcher itself: a wrong type, a missing key or a different fixed value is no match."""
    assert matches(
        '{"column":["ALL"],"type":"explorer-segment"}', {"type": "explorer-segment", "column": "x"}
    )
    assert not matches(
        '{"column":["ALL"],"type":"explorer-segment"}', {"type": "explorer-chip", "column": "x"}
    )
    assert not matches(
        '{"scope":"table","type":"review-save"}', {"type": "review-save", "scope": "item"}
    )
    assert not matches('{"key":["ALL"],"type":"explorer-chip"}', {"type": "explorer-chip"})
    assert not matches("explorer-url", {"type": "explorer-url"})


def test_every_label_points_at_an_element_of_its_page(walked: Any) -> None:
    _, _, pages = walked
    checked = 0
    for name, tree in pages.items():
        page_ids = {dom_id(c.id) for c in tree if getattr(c, "id", None) is not None}
        if name != "shell":
            page_ids |= {dom_id(c.id) for c in pages["shell"] if getattr(c, "id", None)}
        for component in tree:
            target = getattr(component, "html_for", None) or getattr(component, "htmlFor", None)
            if target is None:
                continue
            checked += 1
            assert target in page_ids, f"{name}: a label points at {target!r}, which is not there"
    assert checked >= 10


def test_the_sign_in_page_labels_point_at_its_fields() -> None:
    page = login_page(csrf_token="t", next_url="/", user_name="", error="Wrong password.")
    targets = re.findall(r'\bfor="([^"]+)"', page)
    element_ids = set(re.findall(r'\bid="([^"]+)"', page))
    assert targets and set(targets) <= element_ids
