"""What the shell says about runs: the Make current question, the "new current run" notice, and
which finished jobs a user is told about (their own, once, only those that ended since)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard.errors import InputError
from dashboard.jobs.records import CANCELLED, DONE, FAILED, RUNNING, JobRecord
from dashboard.run_notices import (
    REMEMBERED_JOBS,
    finished_jobs,
    make_current_question,
    new_current_notice,
    remember,
    remembered,
)
from dashboard.runs import RunStore
from tests.test_runs import COLUMNS, scored_items


def _record(job_id: str, status: str, *, by: str = "ann", at: float = 100.0) -> JobRecord:
    return JobRecord(
        job_id=job_id,
        scope={"period": "12m"},
        scope_label="Demo · last 12 months · region France",
        started_by=by,
        status=status,
        finished_at=at if status != RUNNING else None,
        run_id="20261129T080000000000Z-aaaaaa" if status == DONE else None,
        error="No order lines fall in the period." if status == FAILED else None,
    )


def test_only_the_users_own_jobs_that_ended_since_are_announced_once() -> None:
    records = [
        _record("j-20261129080000-000001", DONE, at=50.0),  # ended before the browser listened
        _record("j-20261129080000-000002", DONE),
        _record("j-20261129080000-000003", FAILED, at=120.0),
        _record("j-20261129080000-000004", DONE, by="bob"),  # someone else's
        _record("j-20261129080000-000005", RUNNING),
        _record("j-20261129080000-000006", CANCELLED),  # the analyst's own doing
        _record("j-20261129080000-000007", DONE, at=110.0),
    ]
    told = ["j-20261129080000-000007"]
    notices = finished_jobs(records, "ann", since=60.0, announced=told)
    assert [n.job_id[-1] for n in notices] == ["2", "3"]  # oldest first
    ready, failed = notices
    assert (ready.title, ready.ready, ready.run_id) == ("Run ready", True, records[1].run_id)
    assert ready.detail == "Demo · last 12 months · region France"
    assert (failed.title, failed.detail) == (
        "Recompute failed",
        "No order lines fall in the period.",
    )
    scoring = replace(records[2], scope={"kind": "score-dataset"}, error=None)
    [notice] = finished_jobs([scoring], "ann", since=0.0, announced=[])
    assert (notice.title, notice.detail) == ("Scoring failed", "no reason was recorded")
    # Once told, never again: the browser remembers the ids.
    memory = remember(60.0, told, notices)
    since, ids = remembered(memory, now=999.0)
    assert since == 60.0 and finished_jobs(records, "ann", since, ids) == []


def test_the_browsers_memory_is_read_defensively_and_kept_short() -> None:
    assert remembered(None, now=5.0) == (5.0, [])
    assert remembered({"since": "yesterday", "ids": [1, "j-x", None]}, now=5.0) == (5.0, ["j-x"])
    many = [f"j-{n}" for n in range(REMEMBERED_JOBS + 10)]
    assert remembered({"since": 1, "ids": many}, now=5.0)[1] == many[-REMEMBERED_JOBS:]


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[RunStore, str, str]:
    store = RunStore(tmp_path / "runs")
    tyres = store.publish(scored_items(30, marker=1), {}, columns=COLUMNS, label="Tyres · v1")
    boats = store.publish(
        scored_items(12, marker=2),
        {},
        columns=COLUMNS,
        label="Boats · v1",
        source={"dataset": "boats"},
    )
    return store, tyres.run_id, boats.run_id


def test_make_current_says_what_changes_for_everyone(two_runs: tuple[RunStore, str, str]) -> None:
    store, tyres, boats = two_runs
    target, question = make_current_question(store, boats, {"boats": "Boats", "demo": "Tyres"})
    assert target.run_id == boats and store.current_id() == tyres  # asking changes nothing
    assert question.startswith("Every page, for every user, will show run Boats · v1 (Boats, 12 ")
    assert (
        "items, created " in question
        and " UTC) instead of run Tyres · v1 (Tyres, 30 items" in question
    )
    assert question.endswith("Decisions stay with their items.")
    with pytest.raises(InputError, match="Tyres · v1 is the current run already"):
        make_current_question(store, tyres, {})
    with pytest.raises(InputError, match="There is no run"):
        make_current_question(store, "20200101T000000000000Z-000000", {})


def test_a_new_current_run_is_named_with_who_made_it_current_and_when(
    two_runs: tuple[RunStore, str, str],
) -> None:
    store, tyres, boats = two_runs
    assert new_current_notice(store, tyres) is None  # nothing changed: nothing to say
    store.set_current(boats, made_by="ann")
    notice = new_current_notice(store, tyres)
    assert notice is not None
    info, text = notice
    assert info.run_id == boats
    assert text.startswith("A new current run exists: Boats · v1, made current by ann at ")
    assert re.search(r" at \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC\.$", text)  # readable
