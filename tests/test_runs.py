"""Runs are published atomically, kept, listed newest first, and loaded in a compact read-only form."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.errors import InputError
from dashboard.publishing import build_items, segment_columns
from dashboard.runs import (
    CURRENT_POINTER,
    SCORING_COLUMNS,
    CurrentChoice,
    RunColumns,
    RunStore,
    check_run_id,
)

COLUMNS = RunColumns(
    id="sku",
    target="price",
    volume=None,
    group=None,
    segments=("brand",),
    features=("brand", "size"),
)


def scored_items(rows: int, *, marker: float) -> pd.DataFrame:
    """A run's items where every price equals ``marker``, so a reader can tell runs apart."""
    rng = np.random.default_rng(int(marker))
    table = pd.DataFrame(
        {
            "sku": [f"S{i:05d}" for i in range(rows)],
            "brand": rng.choice(["Avon", "Brisa", "Corsa"], rows),
            "size": rng.integers(13, 20, rows),
            "price": np.full(rows, marker),
        }
    )
    scored = pd.DataFrame(
        {
            "item_id": table["sku"],
            "actual": table["price"],
            "fair_price": table["price"],
            "lower": table["price"] * 0.9,
            "upper": table["price"] * 1.1,
            "score": 0.0,
            "direction": "ok",
            "flagged": False,
            "at_stake": 0.0,
        }
    )
    return build_items(table, scored, id_col="sku")


def test_publish_writes_a_complete_run_current_only_when_asked_or_first(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    first = store.publish(
        scored_items(50, marker=1), {"metrics": {}}, columns=COLUMNS, label="first"
    )
    # The first run ever is current: there is nothing else to show.
    assert store.current_id() == first.run_id
    second = store.publish(
        scored_items(70, marker=2), {"metrics": {}}, columns=COLUMNS, label="second"
    )
    # Publishing is not a decision: every page still shows the first run.
    assert store.current_id() == first.run_id
    store.set_current(second.run_id, made_by="alice")
    choice = store.current_choice()
    assert choice is not None and choice.run_id == second.run_id and choice.made_by == "alice"
    assert choice.made_at.startswith(second.created_at[:4])
    assert [r.label for r in store.list_runs()] == ["second", "first"]
    loaded_first = store.load(first.run_id)
    assert len(loaded_first.items) == 50
    assert loaded_first.items["actual"].eq(1).all()
    assert list(loaded_first.items.columns[: len(SCORING_COLUMNS)]) == list(SCORING_COLUMNS)
    # Nothing but runs and the pointer is left behind: no staging directories.
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert names == sorted([CURRENT_POINTER, first.run_id, second.run_id])


def test_a_failed_publish_leaves_no_run_and_keeps_the_current_one(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    good = store.publish(scored_items(20, marker=1), {}, columns=COLUMNS, label="good")

    class Unserialisable:
        pass

    with pytest.raises(TypeError):
        store.publish(
            scored_items(20, marker=2), {"bad": Unserialisable()}, columns=COLUMNS, label="bad"
        )

    assert store.current_id() == good.run_id
    assert [r.label for r in store.list_runs()] == ["good"]
    assert not [p for p in (tmp_path / "runs").iterdir() if p.name.startswith(".staging")]


def test_readers_never_see_a_half_written_run_while_runs_are_published(tmp_path: Path) -> None:
    writer_store = RunStore(tmp_path / "runs")
    writer_store.publish(scored_items(3_000, marker=1), {"marker": 1}, columns=COLUMNS, label="1")
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def read_continuously() -> None:
        nonlocal reads
        reader = RunStore(tmp_path / "runs")  # a separate process would have its own store
        while not stop.is_set():
            run_id = reader.current_id()
            assert run_id is not None
            run = reader._read(run_id)  # bypass the per-process cache: read from disk every time
            marker = run.model_card["marker"]
            if len(run.items) != run.info.rows or not run.items["actual"].eq(marker).all():
                problems.append(f"inconsistent run {run_id}")
            reads += 1

    readers = [threading.Thread(target=read_continuously) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        for marker in range(2, 14):
            writer_store.publish(
                scored_items(3_000 + marker, marker=marker),
                {"marker": marker},
                columns=COLUMNS,
                label=str(marker),
                make_current=True,
            )
    finally:
        stop.set()
        for thread in readers:
            thread.join()

    assert problems == []
    assert reads > 0
    assert len(writer_store.list_runs()) == 13


def test_run_ids_from_outside_cannot_name_other_paths(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    for hostile in ["../../etc", "20261121T193000123456Z-3f9a2c/../x", "", "CURRENT"]:
        with pytest.raises(InputError, match="is not a run id"):
            store.load(hostile)
    with pytest.raises(InputError, match="There is no run"):
        store.load("20261121T193000123456Z-3f9a2c")
    assert check_run_id("20261121T193000123456Z-3f9a2c") == "20261121T193000123456Z-3f9a2c"


def test_set_current_switches_between_existing_runs_only(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    first = store.publish(scored_items(10, marker=1), {}, columns=COLUMNS, label="first")
    store.publish(
        scored_items(10, marker=2), {}, columns=COLUMNS, label="second", make_current=True
    )
    assert store.current() is not None and store.current().label == "second"  # type: ignore[union-attr]
    store.set_current(first.run_id)
    assert store.current() is not None and store.current().label == "first"  # type: ignore[union-attr]
    with pytest.raises(InputError):
        store.set_current("20991231T000000000000Z-000000")


def test_loaded_items_are_compact_and_manifest_round_trips(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    info = store.publish(
        scored_items(400, marker=3),
        {"m": 1},
        columns=COLUMNS,
        label="x",
        scope={"region": ["North"]},
    )
    run = store.load(info.run_id)
    assert isinstance(run.items["brand"].dtype, pd.CategoricalDtype)
    assert run.info.columns == COLUMNS
    assert run.info.scope == {"region": ["North"]}
    manifest = json.loads((tmp_path / "runs" / info.run_id / "run.json").read_text())
    assert manifest["rows"] == 400
    assert store.load(info.run_id) is run  # loaded once per process


def test_segment_columns_are_the_sliceable_ones() -> None:
    items = pd.DataFrame(
        {
            "brand": pd.Series(["a", "b"] * 50, dtype="string"),
            "runflat": [True, False] * 50,
            "rim": [15, 16, 17, 18] * 25,
            "cost": np.linspace(1, 2, 100),
            "code": pd.Series([f"c{i}" for i in range(100)], dtype="string"),
        }
    )
    assert segment_columns(items, ("brand", "runflat", "rim", "cost", "missing")) == (
        "brand",
        "runflat",
        "rim",
    )


def test_a_pointer_to_a_removed_run_lets_the_next_run_become_current(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    gone = store.publish(scored_items(10, marker=1), {}, columns=COLUMNS, label="gone")
    shutil.rmtree(tmp_path / "runs" / gone.run_id)
    assert not store.has_current()
    fresh = store.publish(scored_items(10, marker=2), {}, columns=COLUMNS, label="fresh")
    assert store.current_id() == fresh.run_id


def test_a_one_line_pointer_from_before_still_names_the_current_run(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    info = store.publish(scored_items(10, marker=1), {}, columns=COLUMNS, label="old")
    (tmp_path / "runs" / CURRENT_POINTER).write_text(info.run_id + "\n", encoding="utf-8")
    assert store.current_choice() == CurrentChoice(info.run_id)
