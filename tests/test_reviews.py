"""Review decisions: saving, conflicts, the audit history, carry-over across runs, flag marks, the
Explorer's decision filter, the Decisions page's numbers and export, and several processes at once."""

from __future__ import annotations

import io
import multiprocessing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.db import open_database
from dashboard.errors import InputError
from dashboard.export import to_csv_bytes
from dashboard.filters import FilterState, from_url_hash, to_url_hash
from dashboard.query import explorer as q
from dashboard.query.explorer_index import ExplorerIndexes
from dashboard.reviews.model import parse_decision, parse_targets
from dashboard.reviews.service import Reviewing, save_review
from dashboard.reviews.store import ReviewStore
from dashboard.reviews.summary import decisions_frame, summarise
from dashboard.runs import Run, RunColumns, RunInfo, RunStore

ACCEPT = parse_decision("accepted", "price_correct", "checked with the buyer")
# The dataset the store-level tests decide in (runs made by make_run are the demo's).
SHOP = "tyre-shop"


def make_run(run_id: str, flagged: list[bool], ids: list[str] | None = None) -> Run:
    ids = ids or [f"SKU-{i}" for i in range(len(flagged))]
    n = len(ids)
    items = pd.DataFrame(
        {
            "item_id": pd.Series(ids, dtype="str"),
            "actual": np.linspace(10, 100, n),
            "fair_price": np.linspace(12, 90, n),
            "lower": np.linspace(8, 80, n),
            "upper": np.linspace(14, 95, n),
            "score": np.where(flagged, 2.0, 0.0),
            "direction": pd.Series(["under" if f else "ok" for f in flagged], dtype="str"),
            "flagged": np.array(flagged),
            "at_stake": np.where(flagged, 100.0, 0.0),
            "volume": np.full(n, 10.0),
            "brand": pd.Series(["A", "B"] * (n // 2) + ["A"] * (n % 2), dtype="category"),
        }
    )
    columns = RunColumns(
        id="sku", target="price", volume="units", group=None, segments=("brand",), features=()
    )
    info = RunInfo(run_id, "2026-01-01T00:00:00+00:00", "test", n, columns)
    return Run(info=info, items=items, model_card={"flag_threshold": 1.0})


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore(open_database(f"sqlite:///{tmp_path / 'reviews.db'}"))


def test_a_save_from_a_stale_version_is_a_conflict_with_the_current_decision(
    store: ReviewStore,
) -> None:
    first = store.save({"SKU-1": 0}, ACCEPT, dataset=SHOP, user="ann", run_id="r1")
    assert [d.version for d in first.saved] == [1]
    reprice = parse_decision("reprice", "competitor", "", "19.99")
    late = store.save({"SKU-1": 0}, reprice, dataset=SHOP, user="bob", run_id="r1")
    assert late.saved == ()
    (conflict,) = late.conflicts
    assert conflict.current is not None and conflict.current.decided_by == "ann"
    assert "ann" in conflict.message and "not saved" in conflict.message
    decision = store.decision(SHOP, "SKU-1")
    assert decision is not None and decision.action == "accepted"  # bob overwrote nothing
    # From the current version, bob's change goes through and becomes version 2.
    again = store.save({"SKU-1": 1}, reprice, dataset=SHOP, user="bob", run_id="r1")
    assert again.saved[0].version == 2 and again.saved[0].new_price == 19.99


def test_the_audit_history_keeps_every_change_with_who_when_what_why(store: ReviewStore) -> None:
    steps = [
        ("ann", parse_decision("investigate", "needs_owner", "ask category owner")),
        ("bob", parse_decision("reprice", "competitor", "match competitor", 42.5)),
        ("ann", parse_decision("data_error", "bad_data", "wrong rim size")),
    ]
    for version, (user, decision) in enumerate(steps):
        assert store.save({"SKU-9": version}, decision, dataset=SHOP, user=user, run_id="r7").saved
    history = store.history(SHOP, "SKU-9")
    assert [h.version for h in history] == [3, 2, 1]
    assert [h.decided_by for h in history] == ["ann", "bob", "ann"]
    assert [h.action for h in history] == ["data_error", "reprice", "investigate"]
    assert [h.previous_action for h in history] == ["reprice", "investigate", None]
    assert history[1].new_price == 42.5 and history[0].note == "wrong rim size"
    assert all(h.run_id == "r7" and h.decided_at.tzinfo is not None for h in history)
    assert store.version(SHOP) == 3 and store.version("another") == 0


@pytest.mark.parametrize(
    ("action", "reason", "note", "price", "message"),
    [
        ("delete", "other", "", None, "Choose a decision"),
        ("accepted", "because", "", None, "reason"),
        ("reprice", "competitor", "", None, "needs the new price"),
        ("reprice", "competitor", "", "-3", "cannot be negative"),
        ("reprice", "competitor", "", -3.5, "cannot be negative"),
        ("reprice", "competitor", "", "0", "give the item away"),
        ("reprice", "competitor", "", 0, "give the item away"),
        ("reprice", "competitor", "", "abc", "is not a price: write a number such as 99.50"),
        ("reprice", "competitor", "", "€99", "without currency signs"),
        ("reprice", "competitor", "", "50,000", "could be 50.000 or 50000"),
        ("reprice", "competitor", "", "1.234,50", "is not a price"),
        ("reprice", "competitor", "", [1], "must be a number"),
        ("reprice", "competitor", "", "nan", "is not a price"),
        ("reprice", "competitor", "", "1e13", "is not a price"),
        ("accepted", "other", "x" * 5000, None, "at most"),
    ],
)
def test_bad_decisions_are_refused_with_a_reason(
    action: str, reason: str, note: str, price: object, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        parse_decision(action, reason, note, price)


def test_bad_targets_are_refused() -> None:
    for raw in (None, {}, {"A": -1}, {"A": "1"}, {"": 0}, [["A", 0]]):
        with pytest.raises(InputError):
            parse_targets(raw)
    assert parse_targets({"A": 0, "B": 3}) == {"A": 0, "B": 3}


def test_decisions_carry_over_to_the_next_run_and_flags_are_marked_new_or_persistent(
    tmp_path: Path,
) -> None:
    runs = RunStore(tmp_path / "runs")
    columns = RunColumns(id="sku", target="p", volume=None, group=None, segments=(), features=())
    flags_by_run = [[True, True, False, False], [True, False, True, False]]
    published = []
    for flagged in flags_by_run:
        run = make_run("x", flagged)
        published.append(runs.publish(run.items, {}, columns=columns, label="t"))
    first, second = (runs.load(info.run_id) for info in published)
    reviewing = Reviewing.open_url(f"sqlite:///{tmp_path / 'db.sqlite'}", runs)
    save_review(reviewing, first, {"SKU-0": 0}, ACCEPT, "ann")

    marks = reviewing.flags.marks(second)
    assert marks.label_of("SKU-0") == "persistent (2 runs)"  # flagged in both runs
    assert marks.mark_of("SKU-2") == "new"  # flagged now, not before
    assert marks.mark_of("SKU-1") is None  # no longer flagged
    assert reviewing.flags.marks(first).mark_of("SKU-0") is None  # first run: nothing to compare

    # The decision made on the first run shows on the second: same item id.
    indexes = ExplorerIndexes(decisions=reviewing.decisions)
    accepted = from_url_hash("rev=accepted", second.info, {}).state
    table = q.table_page(second, accepted, 0, 10, None, None, indexes=indexes)
    assert [row["item_id"] for row in table.rows] == ["SKU-0"]


def test_the_decision_filter_follows_new_decisions_without_stale_caches(tmp_path: Path) -> None:
    runs = RunStore(tmp_path / "runs")
    run = make_run("20260101T000000000000Z-aaaaaa", [True] * 6)
    reviewing = Reviewing.open_url(f"sqlite:///{tmp_path / 'db.sqlite'}", runs)
    indexes = ExplorerIndexes(decisions=reviewing.decisions)
    unreviewed = FilterState(decisions=("unreviewed",))
    assert q.kpi_strip(run, unreviewed, indexes=indexes).items == 6
    save_review(reviewing, run, {"SKU-1": 0, "SKU-4": 0}, ACCEPT, "ann")
    assert q.kpi_strip(run, unreviewed, indexes=indexes).items == 4
    accepted = FilterState(decisions=("accepted",))
    rows = q.table_page(run, accepted, 0, 10, None, None, indexes=indexes).rows
    assert sorted(str(r["item_id"]) for r in rows) == ["SKU-1", "SKU-4"]
    # The filter round-trips through the link and names itself on a chip.
    both = FilterState(decisions=("unreviewed", "reprice"))
    assert to_url_hash(both) == "rev=unreviewed,reprice"
    assert from_url_hash("rev=unreviewed,reprice", run.info, {}).state == both
    parsed = from_url_hash("rev=bogus", run.info, {})
    assert parsed.state.decisions == () and "bogus" in parsed.problems[0]


def test_saving_an_item_that_is_not_in_the_run_writes_nothing(tmp_path: Path) -> None:
    runs = RunStore(tmp_path / "runs")
    run = make_run("20260101T000000000000Z-aaaaaa", [True, False])
    reviewing = Reviewing.open_url(f"sqlite:///{tmp_path / 'db.sqlite'}", runs)
    with pytest.raises(InputError, match="no item"):
        save_review(reviewing, run, {"SKU-0": 0, "NOPE": 0}, ACCEPT, "ann")
    assert reviewing.decisions.version(run.info.dataset) == 0


def test_decisions_page_numbers_and_export_escape_formulas(tmp_path: Path) -> None:
    runs = RunStore(tmp_path / "runs")
    run = make_run("20260101T000000000000Z-aaaaaa", [True, True, True, False])
    reviewing = Reviewing.open_url(f"sqlite:///{tmp_path / 'db.sqlite'}", runs)
    reprice = parse_decision("reprice", "competitor", '=HYPERLINK("http://x")', 12)
    save_review(reviewing, run, {"SKU-0": 0}, reprice, "ann")
    save_review(reviewing, run, {"SKU-1": 0}, ACCEPT, "bob")
    frame = decisions_frame(reviewing.decisions.decisions(run.info.dataset).values(), run)
    summary = summarise(frame, run)
    assert summary.decided == 2 and summary.flagged_now == 3 and summary.flagged_decided == 2
    assert summary.at_stake_covered == 200.0 and summary.at_stake_flagged == 300.0
    price = float(run.items.loc[0, "actual"])
    # Proposed, not approved: pending, outside the headline.
    assert summary.approved_effect == 0.0 and summary.pending == 1
    assert summary.pending_effect == pytest.approx((12 - price) * 10.0)
    assert summary.by_user == {"ann": 1, "bob": 1}
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig")
    assert exported.loc[exported["item_id"] == "SKU-0", "note"].item().startswith("'=")


def _race_worker(url: str, barrier: multiprocessing.synchronize.Barrier, worker: int) -> None:
    store = ReviewStore(open_database(url))
    decision = parse_decision("investigate", "needs_owner", f"worker {worker}")
    barrier.wait()
    # Everyone saves the shared item from version 0 at once: exactly one may win.
    store.save({"SHARED": 0}, decision, dataset=SHOP, user=f"w{worker}", run_id="r")
    # Then each saves its own items, and the shared one again from whatever is current.
    for step in range(10):
        store.save(
            {f"OWN-{worker}-{step}": 0}, decision, dataset=SHOP, user=f"w{worker}", run_id="r"
        )
    for _ in range(5):
        while True:
            current = store.decision(SHOP, "SHARED")
            seen = current.version if current else 0
            if store.save(
                {"SHARED": seen}, decision, dataset=SHOP, user=f"w{worker}", run_id="r"
            ).saved:
                break


def run_race(url: str, workers: int = 4) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    processes = [
        context.Process(target=_race_worker, args=(url, barrier, w)) for w in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0


def check_race(store: ReviewStore, workers: int = 4) -> None:
    """No write lost: every saved version is in the history once; the first race had one winner."""
    shared = store.history(SHOP, "SHARED")
    assert [h.version for h in shared] == list(range(len(shared), 0, -1))
    assert len(shared) == 1 + workers * 5  # one winner of the first race, then 5 saves each
    decision = store.decision(SHOP, "SHARED")
    assert decision is not None and decision.version == len(shared)
    own = store.decisions(SHOP, [f"OWN-{w}-{s}" for w in range(workers) for s in range(10)])
    assert len(own) == workers * 10 and all(d.version == 1 for d in own.values())
    history = store.history(SHOP)
    assert len(history) == len(shared) + workers * 10  # every save once, no more
    assert store.version(SHOP) == history[0].id  # the newest change


def test_several_processes_writing_at_once_lose_nothing_and_see_conflicts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    store = ReviewStore(open_database(url))
    run_race(url)
    check_race(store)
