"""Damaged runs: a run that cannot be read never breaks a page, is named by ``runs --check``, is
never a recompute's cached answer; and the run store works on a directory or an fsspec URL.

The damage is what an operator would meet: the current run's items truncated to 0 bytes, one byte
changed in place (same size), a run directory without its manifest (a publish cut short).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from flask.testing import FlaskClient

from dashboard.app_factory import create_app
from dashboard.cli import main
from dashboard.config import Settings
from dashboard.ids import Explorer, Overview, Shell
from dashboard.jobs import TransactionSource, job_book, parse_scope, run_job
from dashboard.jobs.recompute import find_scope_run
from dashboard.jobs.scopes import resolve, scope_key
from dashboard.publishing import build_items
from dashboard.runs import (
    ITEMS_FILE,
    MANIFEST_FILE,
    DamagedRunError,
    RunColumns,
    RunInfo,
    RunStore,
    run_store,
)
from testkit.callback_requests import callback_payload, find_callback

FIX = ["An admin can fix it with ", "python -m dashboard runs --check"]
COLUMNS = RunColumns(id="sku", target="price", volume=None, group=None, segments=(), features=())


def copy_of_current(store: RunStore, *, make_current: bool, label: str = "copy") -> RunInfo:
    """A second run of the demo dataset: the current run's items published again."""
    run = store.load_current()
    assert run is not None
    return store.publish(
        run.items,
        run.model_card,
        columns=run.info.columns,
        label=label,
        source=run.info.source,
        make_current=make_current,
    )


def items_path(settings: Settings, run_id: str) -> Path:
    return settings.runs_dir / run_id / ITEMS_FILE


@pytest.fixture
def damaged(demo_settings: Settings) -> tuple[Settings, str, str]:
    """The demo run (readable) and a newer current run of the same dataset whose items were
    truncated to 0 bytes after it was published; returns (settings, good id, damaged id)."""
    store = run_store(demo_settings)
    good = store.current_id()
    assert good is not None
    broken = copy_of_current(store, make_current=True, label="truncated later")
    items_path(demo_settings, broken.run_id).write_bytes(b"")
    return demo_settings, good, broken.run_id


def page(client: FlaskClient, dependencies: list[dict[str, Any]], path: str, search: str) -> Any:
    router = find_callback(dependencies, output="_pages_content")
    values = {"_pages_location.pathname": path, "_pages_location.search": search}
    return client.post(
        "/_dash-update-component",
        json=callback_payload(router, values, ["_pages_location.pathname"]),
    )


def call(
    client: FlaskClient, dependencies: list[dict[str, Any]], output: str, values: dict[str, Any]
) -> Any:
    spec = find_callback(dependencies, output=output)
    payload = callback_payload(spec, values, [next(iter(values))])
    return client.post("/_dash-update-component", json=payload)


def test_a_truncated_current_run_gives_way_to_the_newest_readable_run_under_a_banner(
    damaged: tuple[Settings, str, str],
) -> None:
    settings, good, broken = damaged
    banner = (
        f"Run {broken} cannot be read: items.parquet is empty (0 bytes). Showing run {good} "
        "instead.",
        *FIX,
    )
    client = create_app(settings).server.test_client()
    assert client.get("/").status_code == 200
    shell = client.get("/_dash-layout")
    assert shell.status_code == 200
    assert all(part in shell.get_data(as_text=True) for part in banner)
    dependencies = json.loads(client.get("/_dash-dependencies").data)

    # The Overview and the Explorer are drawn from the readable run, and their callbacks answer.
    for path in ("/", "/explorer"):
        response = page(client, dependencies, path, "")
        assert response.status_code == 200, response.data[:300]
        text = response.get_data(as_text=True)
        assert good in text and broken not in text and "cannot be shown" not in text
    segment = run_store(settings).load(good).info.columns.segments[0]
    chart = call(
        client,
        dependencies,
        f"{Overview.SEGMENT_CHART}.figure",
        {f"{Overview.SEGMENT_COLUMN}.value": segment, f"{Overview.RUN_ID}.data": good},
    )
    assert chart.status_code == 200
    assert f"Money at stake by {segment.capitalize()}" in chart.get_data(as_text=True)
    reduced = call(
        client,
        dependencies,
        f"{Explorer.URL}.hash",
        {f"{Explorer.MIN_SCORE}.value": 1, f"{Explorer.RUN_ID}.data": good},
    )
    assert reduced.status_code == 200
    assert json.loads(reduced.data)["response"][str(Explorer.URL)]["hash"] == "#score=1"

    # Every page carries the banner, which follows navigation.
    fallback = call(
        client, dependencies, f"{Shell.RUN_FALLBACK}.children", {"_pages_location.pathname": "/"}
    )
    assert fallback.status_code == 200
    assert all(part in fallback.get_data(as_text=True) for part in banner)

    # The damaged run asked for by address: a sentence, not a 500.
    asked = page(client, dependencies, "/explorer", f"?run={broken}")
    assert asked.status_code == 200
    assert "That run cannot be shown" in asked.get_data(as_text=True)
    assert "items.parquet is empty (0 bytes)" in asked.get_data(as_text=True)

    # Once a readable run is current again, the banner goes.
    run_store(settings).set_current(good, made_by="ops")
    cleared = call(
        client, dependencies, f"{Shell.RUN_FALLBACK}.children", {"_pages_location.pathname": "/"}
    )
    assert cleared.status_code == 200
    assert json.loads(cleared.data)["response"][str(Shell.RUN_FALLBACK)]["children"] is None


def test_a_current_run_with_an_unreadable_manifest_leaves_every_page_readable(
    demo_settings: Settings,
) -> None:
    store = run_store(demo_settings)
    good = store.current_id()
    broken = copy_of_current(store, make_current=True)
    (demo_settings.runs_dir / broken.run_id / MANIFEST_FILE).write_text("{not json")
    client = create_app(demo_settings).server.test_client()
    shell = client.get("/_dash-layout").get_data(as_text=True)
    assert (
        f"Run {broken.run_id} cannot be read: run.json cannot be read. Showing run {good}" in shell
    )
    dependencies = json.loads(client.get("/_dash-dependencies").data)
    for path in ("/", "/explorer", "/jobs", "/decisions", "/data"):
        response = page(client, dependencies, path, "")
        assert response.status_code == 200, (path, response.data[:300])


def test_runs_check_names_the_damaged_run_and_runs_current_repairs(
    damaged: tuple[Settings, str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings, good, broken = damaged
    monkeypatch.setenv("PRICESCOPE_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("PRICESCOPE_RUNS_URL", raising=False)

    assert main(["runs"]) == 0
    assert f"* {broken}  damaged: items.parquet is empty (0 bytes)" in capsys.readouterr().out
    assert main(["runs", "--check"]) == 1
    out = capsys.readouterr().out
    assert f"* {broken}  damaged: items.parquet is empty (0 bytes)" in out
    assert f"  {good}" in out and out.count("  ok") == 1

    # A damaged or unknown run is refused, and nothing changes.
    assert main(["runs", "current", broken]) == 2
    assert "is not made current: items.parquet is empty (0 bytes)" in capsys.readouterr().err
    assert main(["runs", "current", "20991231T000000000000Z-000000"]) == 2
    assert "There is no run 20991231T000000000000Z-000000" in capsys.readouterr().err
    assert run_store(settings).current_id() == broken

    assert main(["runs", "current", good]) == 0
    assert f"Run {good}" in capsys.readouterr().out
    choice = run_store(settings).current_choice()
    assert choice is not None and choice.run_id == good
    assert choice.made_by.endswith("(command line)")
    assert main(["runs", "--check"]) == 1  # the damaged run is still there
    shutil.rmtree(settings.runs_dir / broken)
    assert main(["runs", "--check"]) == 0
    assert f"* {good}" in capsys.readouterr().out


def test_a_changed_byte_of_the_same_size_is_caught_by_its_checksum(
    demo_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = run_store(demo_settings)
    copy = copy_of_current(store, make_current=False)
    path = items_path(demo_settings, copy.run_id)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(DamagedRunError, match=r"items\.parquet does not match its checksum"):
        store.check(copy.run_id)
    with pytest.raises(DamagedRunError, match=r"items\.parquet does not match its checksum"):
        RunStore(demo_settings.runs_dir).load(copy.run_id)
    monkeypatch.setenv("PRICESCOPE_DATA_DIR", str(demo_settings.data_dir))
    monkeypatch.delenv("PRICESCOPE_RUNS_URL", raising=False)
    assert main(["runs", "--check"]) == 1
    out = capsys.readouterr().out
    assert f"{copy.run_id}  damaged: items.parquet does not match its checksum" in out
    # A damaged run that is not current changes nothing the pages show.
    assert store.serving().damaged is None


def test_a_recompute_does_not_reuse_a_damaged_run_of_its_scope(demo_settings: Settings) -> None:
    raw = {"period": "12m", "regions": ["France"]}
    source = TransactionSource.of(demo_settings)
    request = parse_scope(raw, choices=source.choices())
    key = scope_key(resolve(request, source.data_end()), source.data_version, source.dataset)
    store = run_store(demo_settings)
    run = store.load_current()
    assert run is not None
    earlier = store.publish(
        run.items, run.model_card, columns=run.info.columns, label="same scope", scope={"key": key}
    )
    assert find_scope_run(store, key) == earlier  # readable: it would be the cached answer
    items_path(demo_settings, earlier.run_id).write_bytes(b"")
    assert find_scope_run(store, key) is None

    job_id = job_book(demo_settings).create(request.to_json(), "France", "local").job_id
    result = run_job(demo_settings, job_id)
    assert result["status"] == "done", result  # computed afresh, not "cached"
    assert result["run_id"] != earlier.run_id
    assert find_scope_run(store, key) == store.info(result["run_id"])


def small_items(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(rows)
    prices = rng.uniform(50, 150, rows)
    table = pd.DataFrame({"sku": [f"S{i:04d}" for i in range(rows)], "price": prices})
    scored = pd.DataFrame(
        {
            "item_id": table["sku"],
            "actual": prices,
            "fair_price": prices,
            "lower": prices * 0.9,
            "upper": prices * 1.1,
            "score": 0.0,
            "direction": "ok",
            "flagged": False,
            "at_stake": 0.0,
        }
    )
    return build_items(table, scored, id_col="sku")


@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_a_store_on_a_url_publishes_and_reads_back_runs(scheme: str, tmp_path: Path) -> None:
    if scheme == "memory":
        url = f"memory://pricescope-{uuid.uuid4().hex}/runs"
    else:
        url = f"file://{tmp_path / 'shared' / 'runs'}"
    store = run_store(Settings(data_dir=tmp_path / "data", runs_url=url))
    assert store.location == (url if scheme == "memory" else str(tmp_path / "shared" / "runs"))
    first = store.publish(small_items(30), {"m": 1}, columns=COLUMNS, label="first")
    second = store.publish(small_items(40), {"m": 2}, columns=COLUMNS, label="second")
    assert store.current_id() == first.run_id
    store.set_current(second.run_id, made_by="alice")

    reader = RunStore(url)  # another process: nothing shared but the location
    assert [info.label for info in reader.list_runs()] == ["second", "first"]
    loaded = reader.load_current()
    assert loaded is not None and loaded.run_id == second.run_id and len(loaded.items) == 40
    assert reader.current_choice().made_by == "alice"  # type: ignore[union-attr]
    assert reader.check(first.run_id).files[ITEMS_FILE]["rows"] == 30
    assert not (tmp_path / "data").exists()  # nothing went to the data directory

    # Files without a manifest are a publish cut short: not a run.
    half = "20261121T193000123456Z-3f9a2c"
    store.files.write_run(half, {ITEMS_FILE: b"PAR1"}, b"{}")
    if scheme == "memory":
        store.files.fs.rm(f"{store.files.root}/{half}/{MANIFEST_FILE}")  # type: ignore[attr-defined]
    else:
        (tmp_path / "shared" / "runs" / half / MANIFEST_FILE).unlink()
    assert half not in reader.run_ids() and len(reader.list_runs()) == 2

    # Damage on the URL store is found the same way.
    store.files.write_run(third := "20261121T193000123457Z-abcdef", {}, b"")
    assert third not in [info.run_id for info in reader.list_runs()]  # unreadable manifest
    truncated = store.publish(small_items(20), {}, columns=COLUMNS, label="t", make_current=True)
    if scheme == "memory":
        store.files.fs.pipe_file(f"{store.files.root}/{truncated.run_id}/{ITEMS_FILE}", b"")  # type: ignore[attr-defined]
    else:
        (tmp_path / "shared" / "runs" / truncated.run_id / ITEMS_FILE).write_bytes(b"")
    serving = RunStore(url).serving()
    assert (
        serving.damaged is not None and serving.damaged.reason == "items.parquet is empty (0 bytes)"
    )
    assert serving.run is not None and serving.run.run_id == second.run_id


def test_a_local_directory_without_a_manifest_is_not_listed(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    kept = store.publish(small_items(10), {}, columns=COLUMNS, label="kept")
    cut_short = tmp_path / "runs" / "20261121T193000123456Z-3f9a2c"
    cut_short.mkdir()
    (cut_short / ITEMS_FILE).write_bytes(
        (tmp_path / "runs" / kept.run_id / ITEMS_FILE).read_bytes()
    )
    assert store.run_ids() == [kept.run_id]
    assert [info.run_id for info in store.list_runs()] == [kept.run_id]


def test_a_run_from_before_checksums_is_checked_on_what_it_has(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    info = store.publish(small_items(25), {}, columns=COLUMNS, label="old", make_current=True)
    manifest = tmp_path / "runs" / info.run_id / MANIFEST_FILE
    raw = json.loads(manifest.read_text())
    del raw["files"]
    manifest.write_text(json.dumps(raw))
    assert RunStore(tmp_path / "runs").load(info.run_id).info.files == {}  # still readable

    items = tmp_path / "runs" / info.run_id / ITEMS_FILE
    small_items(20).to_parquet(items, index=False)
    with pytest.raises(DamagedRunError, match="holds 20 rows where its manifest says 25"):
        RunStore(tmp_path / "runs").load(info.run_id)
    items.write_bytes(b"not parquet at all")
    with pytest.raises(DamagedRunError, match=r"items\.parquet is not a readable Parquet file"):
        store.check(info.run_id)
    items.write_bytes(b"")
    with pytest.raises(DamagedRunError, match=r"items\.parquet is empty \(0 bytes\)"):
        store.check(info.run_id)
    # No other run to show: the current run's own sentence, on the pages too (not a blank page).
    with pytest.raises(DamagedRunError, match="cannot be read"):
        RunStore(tmp_path / "runs").load_current()


def test_a_publish_cut_short_on_an_object_store_leaves_no_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"memory://pricescope-{uuid.uuid4().hex}/runs"
    store = RunStore(url)
    kept = store.publish(small_items(10), {}, columns=COLUMNS, label="kept")
    fs = store.files.fs  # type: ignore[attr-defined]
    real_pipe = fs.pipe_file

    def lose_the_manifest(path: str, data: bytes, **kwargs: Any) -> None:
        if path.endswith(MANIFEST_FILE):
            raise OSError("connection reset")
        real_pipe(path, data, **kwargs)

    monkeypatch.setattr(fs, "pipe_file", lose_the_manifest)
    with pytest.raises(OSError, match="connection reset"):
        store.publish(small_items(12), {}, columns=COLUMNS, label="lost", make_current=True)
    monkeypatch.undo()
    reader = RunStore(url)
    assert [info.label for info in reader.list_runs()] == ["kept"]
    assert reader.current_id() == kept.run_id
    assert fs.ls(store.files.root, detail=False) == [  # type: ignore[attr-defined]
        f"{store.files.root}/{name}"  # type: ignore[attr-defined]
        for name in sorted(["CURRENT", kept.run_id])
    ]


def test_a_current_run_removed_by_hand_gives_way_to_a_readable_one(
    demo_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = run_store(demo_settings)
    good = store.current_id()
    removed = copy_of_current(store, make_current=True)
    shutil.rmtree(demo_settings.runs_dir / removed.run_id)
    serving = RunStore(demo_settings.runs_dir).serving()
    assert serving.run is not None and serving.run.run_id == good
    assert serving.damaged is not None
    assert serving.damaged.reason == "it is not in the run store any more"
    monkeypatch.setenv("PRICESCOPE_DATA_DIR", str(demo_settings.data_dir))
    monkeypatch.delenv("PRICESCOPE_RUNS_URL", raising=False)
    assert main(["runs", "--check"]) == 1
    assert f"names run {removed.run_id}, which is not in" in capsys.readouterr().out
