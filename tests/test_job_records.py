"""Job records and scope locks in the SQL database: concurrent writers from several processes lose
nothing, an end is never overwritten, records from the old files are imported once, PostgreSQL (a
real server, the fixture of ``tests/test_db.py``) keeps them across processes, and a scope lock
whose holder died is taken over."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import insert, inspect

from dashboard.config import Settings
from dashboard.db import (
    Database,
    head_revision,
    open_database,
    scope_locks,
    shared_engine,
    upgrade_schema,
)
from dashboard.db.upgrade import alembic_config
from dashboard.jobs import JobBook, TransactionSource, job_book, run_job
from dashboard.jobs.record_rows import IMPORTED_DIR
from dashboard.jobs.records import (
    CANCELLED,
    DONE,
    FAILED,
    INTERRUPTED,
    RUNNING,
    STALE_AFTER_S,
    JobRecord,
)
from dashboard.jobs.scope_locks import ScopeLocks
from dashboard.jobs.scopes import ScopeRequest, resolve, scope_key
from tests.test_db import postgres_url  # noqa: F401  (the module's real PostgreSQL server)

BEATS, OTHER_WRITES = 150, 40
FORK = multiprocessing.get_context("fork")
SPAWN = multiprocessing.get_context("spawn")


def _sqlite(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


def _pg(url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=url)


def _running(book: JobBook, who: str = "ann") -> JobRecord:
    record = book.create({"period": "12m"}, "12 months", who, origin="jobs")
    now = time.time()
    running = book.update(record.job_id, status=RUNNING, started_at=now, heartbeat_at=now)
    assert running is not None
    return running


# -- two processes writing one record ------------------------------------------------------------
def _heartbeats(settings: Settings, job_id: str, barrier: Any) -> None:
    book = job_book(settings)
    barrier.wait()
    for beat in range(1, BEATS + 1):
        book.update(job_id, stage=f"beat {beat}", fraction=beat / BEATS, heartbeat_at=time.time())


def _web_side(settings: Settings, job_id: str, barrier: Any) -> None:
    book = job_book(settings)
    barrier.wait()
    for write in range(OTHER_WRITES):
        book.update(job_id, worker=f"web-{write}")
    book.request_cancel(job_id)


def _race(settings: Settings) -> None:
    book = job_book(settings)
    job_id = _running(book).job_id
    barrier = FORK.Barrier(2)
    beating = FORK.Process(target=_heartbeats, args=(settings, job_id, barrier))
    web = FORK.Process(target=_web_side, args=(settings, job_id, barrier))
    beating.start()
    web.start()
    beating.join(timeout=120)
    web.join(timeout=120)
    assert beating.exitcode == 0 and web.exitcode == 0
    record = book.get(job_id)
    assert record is not None
    # Every writer's last change is there: none overwrote another's field with a stale copy.
    assert record.cancel_requested and record.status == RUNNING
    assert (record.stage, record.fraction) == (f"beat {BEATS}", 1.0)
    assert record.worker == f"web-{OTHER_WRITES - 1}"
    beat = book.update(job_id, heartbeat_at=time.time())  # what the job's next heartbeat reads
    assert beat is not None and beat.cancel_requested


def test_a_cancel_request_racing_heartbeats_is_kept_on_sqlite(tmp_path: Path) -> None:
    _race(_sqlite(tmp_path))


def test_a_cancel_request_racing_heartbeats_is_kept_on_postgresql(
    postgres_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    _race(_pg(postgres_url, tmp_path))


# -- ends ---------------------------------------------------------------------------------------
def test_an_ended_record_is_never_overwritten(tmp_path: Path) -> None:
    book = job_book(_sqlite(tmp_path))
    record = _running(book)
    done = book.finish(record.job_id, DONE, run_id="r-1", fraction=1.0)
    assert done is not None and done.status == DONE
    for late in (
        lambda: book.update(record.job_id, stage="beat", fraction=0.5, heartbeat_at=time.time()),
        lambda: book.finish(record.job_id, FAILED, error="late"),
        lambda: book.request_cancel(record.job_id),
        lambda: book.settle(record, now=time.time() + 10 * STALE_AFTER_S),  # an old snapshot
    ):
        after = late()
        assert after is not None and (after.status, after.run_id, after.error) == (
            DONE,
            "r-1",
            None,
        )
    assert book.get(record.job_id) == book.recent()[0]


def test_a_job_is_not_ended_as_silent_when_it_beat_after_it_was_read(tmp_path: Path) -> None:
    """The Jobs page judges a job by the record it read; a heartbeat written since then wins."""
    book = job_book(_sqlite(tmp_path))
    long_ago = time.time() - 10 * STALE_AFTER_S
    record = book.update(_running(book).job_id, heartbeat_at=long_ago)
    assert record is not None
    book.update(record.job_id, heartbeat_at=time.time())  # the job is alive after all
    assert book.settle(record).status == RUNNING
    assert book.get(record.job_id).status == RUNNING  # type: ignore[union-attr]
    quiet = book.update(record.job_id, heartbeat_at=long_ago)
    assert quiet is not None and book.settle(quiet).status == INTERRUPTED


def test_every_reader_of_the_records_keeps_the_configured_stale_bound(tmp_path: Path) -> None:
    """PRICESCOPE_JOB_STALE_S holds for the Jobs page's list as for the reaper."""
    book = job_book(replace(_sqlite(tmp_path), job_stale_after_s=60.0))
    record = _running(book)
    book.update(record.job_id, heartbeat_at=time.time() - 30)
    assert book.recent()[0].status == RUNNING and book.reap() == []
    (ended,) = book.reap(now=time.time() + 40)
    assert (ended.job_id, ended.status) == (record.job_id, INTERRUPTED)
    assert book.recent()[0].status == INTERRUPTED


def test_cancelling_a_queued_job_that_just_started_does_not_end_it(tmp_path: Path) -> None:
    book = job_book(_sqlite(tmp_path))
    queued = book.create({}, "x", "ann")
    assert book.request_cancel(queued.job_id).status == CANCELLED  # type: ignore[union-attr]
    started = _running(book)
    after = book.request_cancel(started.job_id)
    assert after is not None and after.status == RUNNING and after.cancel_requested


def test_job_records_from_files_are_imported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _sqlite(tmp_path)
    settings.jobs_dir.mkdir()
    old = JobRecord("j-20250301120000-abcdef", {"period": "3m"}, "3 months", "ann", status=DONE)
    (settings.jobs_dir / f"{old.job_id}.json").write_text(json.dumps(old.to_json()))
    (settings.jobs_dir / "j-20250301120001-000000.json").write_text("{ half written")
    with caplog.at_level("INFO"):
        book = job_book(settings)
    assert [r.job_id for r in book.recent()] == [old.job_id]
    assert book.get(old.job_id) == old
    assert (
        not settings.jobs_dir.exists() and (tmp_path / IMPORTED_DIR / f"{old.job_id}.json").exists()
    )
    assert "imported 1 of 2 record files" in caplog.text and "unreadable" in caplog.text


# -- PostgreSQL and processes -------------------------------------------------------------------
def _create_in_child(settings: Settings, results: Any) -> None:
    record = job_book(settings).create({"period": "6m"}, "6 months", "bob", origin="data")
    results.put(record.job_id)


def test_records_live_in_postgresql_across_processes(
    postgres_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = _pg(postgres_url, tmp_path)
    book = job_book(settings)
    mine = _running(book, who="ann")
    results = SPAWN.Queue()
    child = SPAWN.Process(target=_create_in_child, args=(settings, results))
    child.start()
    theirs = results.get(timeout=60)
    child.join(timeout=30)
    # A fresh database object (as a process on another host would have) reads both.
    fresh = JobBook(Database(postgres_url))
    assert upgrade_schema(fresh.database) == head_revision()
    assert fresh.get(mine.job_id) == book.get(mine.job_id)
    found = fresh.latest_of("bob", "data", within_s=600)
    assert found is not None and found.job_id == theirs and found.scope == {"period": "6m"}
    assert not (tmp_path / "jobs").exists()  # nothing was written under the data directory


def _use_and_exit(url: str) -> None:
    JobBook(Database(url)).recent()


def test_a_forked_process_gets_its_own_engine_and_leaves_the_parents_connections(
    postgres_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    book = job_book(_pg(postgres_url, tmp_path))
    record = _running(book)
    parent_engine = shared_engine(postgres_url)
    child = FORK.Process(target=_use_and_exit, args=(postgres_url,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert shared_engine(postgres_url) is parent_engine
    # The pooled connection the child inherited is still the parent's and still works.
    assert book.update(record.job_id, stage="after the child") is not None


# -- scope locks --------------------------------------------------------------------------------
def _hold_and_wait(url: str, key: str, job_id: str) -> None:
    with ScopeLocks(JobBook(Database(url)).database, lease_s=1.0).held(key, job_id) as holding:
        assert holding
        time.sleep(600)  # killed long before this


def test_a_scope_lock_of_a_killed_job_is_taken_over_when_its_lease_runs_out(
    tmp_path: Path,
) -> None:
    settings = _sqlite(tmp_path)
    book = job_book(settings)
    dead, waiting = _running(book, "ann"), _running(book, "bob")
    locks = ScopeLocks(book.database, lease_s=1.0)
    holder = FORK.Process(target=_hold_and_wait, args=(settings.database, "k1", dead.job_id))
    holder.start()
    deadline = time.monotonic() + 30
    while locks.holder("k1") != dead.job_id:
        assert time.monotonic() < deadline, "the child never took the lock"
        time.sleep(0.05)
    assert locks.take("k1", waiting.job_id) == dead.job_id  # alive and renewing: not taken
    time.sleep(1.5)
    assert locks.holder("k1") == dead.job_id  # its renewals keep it
    assert holder.pid is not None
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(timeout=10)
    deadline = time.monotonic() + 10
    while locks.holder("k1") is not None:
        assert time.monotonic() < deadline, "a dead holder kept the scope"
        time.sleep(0.1)
    assert locks.take("k1", waiting.job_id) is None
    assert locks.holder("k1") == waiting.job_id


def test_a_scope_lock_of_an_ended_job_is_free_at_once(tmp_path: Path) -> None:
    book = job_book(_sqlite(tmp_path))
    ended, next_job = _running(book), _running(book)
    locks = ScopeLocks(book.database)
    assert locks.take("k2", ended.job_id) is None
    assert locks.take("k2", next_job.job_id) == ended.job_id
    book.finish(ended.job_id, CANCELLED, error="its process ended itself")
    assert locks.holder("k2") is None and locks.take("k2", next_job.job_id) is None


def test_a_recompute_takes_over_a_scope_a_dead_job_held(demo_settings: Settings) -> None:
    book = job_book(demo_settings)
    dead = _running(book)
    request = ScopeRequest(period="6m", filters=(("channel", ("direct",)),))
    source = TransactionSource.of(demo_settings)
    key = scope_key(resolve(request, source.data_end()), source.data_version, source.dataset)
    with book.database.write() as connection:
        connection.execute(
            insert(scope_locks).values(
                scope_key=key, job_id=dead.job_id, acquired_at=0.0, lease_until=time.time() - 1
            )
        )
    job = book.create(request.to_json(), "6 months · direct", "ann")
    result = run_job(demo_settings, job.job_id)
    assert result["status"] == DONE and result["shared_with"] is None, result
    assert ScopeLocks(book.database).holder(key) is None  # let go when it was done


# -- revision 0004 --------------------------------------------------------------------------------
def _revision_0004_round_trip(url: str) -> None:
    book = JobBook(open_database(url))
    record = _running(book)
    with book.database.write() as connection:
        command.downgrade(alembic_config(connection), "0003")
    assert not {"job_records", "scope_locks"} & set(inspect(book.database.engine).get_table_names())
    assert upgrade_schema(book.database) == "0004"
    assert book.get(record.job_id) is None  # the downgrade dropped the records with their table
    assert _running(book).status == RUNNING


def test_revision_0004_goes_down_and_up_again_on_sqlite(tmp_path: Path) -> None:
    _revision_0004_round_trip(f"sqlite:///{tmp_path / 'r4.db'}")


def test_revision_0004_goes_down_and_up_again_on_postgresql(
    postgres_url: str,  # noqa: F811
) -> None:
    _revision_0004_round_trip(postgres_url)
