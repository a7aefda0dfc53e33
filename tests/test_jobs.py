"""Recompute jobs without a browser: scopes, job records, the job itself, cancel and sharing."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import replace
from datetime import date
from multiprocessing.process import BaseProcess

import pandas as pd
import pytest

from dashboard.aggregation import TransactionScope
from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.jobs import JobBook, TransactionSource, job_book, parse_scope, run_job, runner, watch
from dashboard.jobs.records import (
    CANCEL_QUIET_S,
    QUEUE_TIMEOUT_S,
    STALE_AFTER_S,
    JobRecord,
    effective_end,
)
from dashboard.jobs.scopes import ScopeRequest, describe, resolve, scope_key
from dashboard.runs import RunStore

CHOICES = {
    "region": ("DACH", "France", "Iberia"),
    "customer_segment": ("fleet", "garage"),
    "channel": ("direct", "e-commerce"),
}
DATA_END = date(2025, 12, 31)
FRANCE = (("region", ("France",)),)


# -- scopes -------------------------------------------------------------------------------------
def test_a_scope_is_parsed_sorted_and_deduplicated() -> None:
    request = parse_scope(
        {"period": "6m", "regions": ["France", "DACH", "France"], "channels": []}, choices=CHOICES
    )
    assert request == ScopeRequest(period="6m", filters=(("region", ("DACH", "France")),))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"period": "5y"}, "The period must be one of"),
        ({"regions": ["Mars"]}, "Unknown region 'Mars'"),
        ({"regions": "France"}, "must be a list of names"),
        ({"period": "range", "start": "2025-03-01"}, "Choose a end date"),
        ({"period": "range", "start": "2025-03-01", "end": "2025-01-01"}, "is before the start"),
        ({"period": "range", "start": "March", "end": "2025-01-01"}, "is not a date"),
        (["12m"], "must be an object"),
    ],
)
def test_bad_scopes_are_refused_with_a_clear_sentence(raw: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_scope(raw, choices=CHOICES)


def test_last_months_end_on_the_data_s_last_day_and_share_a_key_with_the_same_range() -> None:
    last3 = resolve(ScopeRequest(period="3m"), DATA_END)
    assert (last3.start, last3.end) == (date(2025, 10, 1), DATA_END)
    last12 = resolve(ScopeRequest(period="12m", filters=FRANCE), DATA_END)
    same_range = resolve(
        ScopeRequest(period="range", start=date(2025, 1, 1), end=DATA_END, filters=FRANCE),
        DATA_END,
    )
    assert scope_key(last12, "v1") == scope_key(same_range, "v1")
    assert scope_key(last12, "v1") != scope_key(last12, "v2")  # new data, new computation
    assert scope_key(last12, "v1") != scope_key(last3, "v1")
    label = describe(ScopeRequest(period="12m", filters=FRANCE), last12)
    assert label == "last 12 months (2025-01-01 – 2025-12-31) · region France"


# -- records ------------------------------------------------------------------------------------
def _running(**changes: object) -> JobRecord:
    record = JobRecord(
        job_id="j-20260101000000-abcdef", scope={}, scope_label="x", started_by="local"
    )
    return replace(record, status="running", started_at=100.0, heartbeat_at=100.0, **changes)  # type: ignore[arg-type]


def test_a_job_whose_heartbeat_stopped_is_interrupted_with_a_reason() -> None:
    assert effective_end(_running(), now=100.0 + STALE_AFTER_S - 1) is None
    status, reason = effective_end(
        _running(stage="fitting fold 2/5"), now=100.0 + STALE_AFTER_S + 1
    )  # type: ignore[misc]
    assert status == "interrupted"
    assert "stopped responding" in reason and "fitting fold 2/5" in reason
    assert "retry it" in reason and "cancelled" not in reason
    # The bound is the deployment's: a shorter one ends the job sooner.
    assert effective_end(_running(), now=104.0, stale_after_s=3.0) is not None


def test_a_quiet_job_nobody_cancelled_is_never_called_cancelled() -> None:
    status, reason = effective_end(_running(), now=100.0 + STALE_AFTER_S + 1)  # type: ignore[misc]
    assert status != "cancelled" and "analyst" not in reason


def test_a_requeued_job_nobody_takes_back_is_interrupted_not_failed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    book = job_book(Settings(data_dir=tmp_path))
    record = book.create({}, "x", "local")
    book.update(record.job_id, status="running", started_at=record.created_at)
    requeued = watch.put_back_in_queue(book, record.job_id)
    assert requeued is not None and requeued.status == "queued" and requeued.started_at is None
    assert book.reap(now=requeued.created_at + 5) == []  # its queue time starts again
    (ended,) = book.reap(now=(requeued.heartbeat_at or 0) + QUEUE_TIMEOUT_S + 1)
    assert ended.status == "interrupted" and "retry it" in (ended.error or "")


def test_a_cancelled_job_that_went_quiet_is_cancelled() -> None:
    record = _running(cancel_requested=True)
    assert effective_end(record, now=100.0 + CANCEL_QUIET_S / 2) is None
    assert effective_end(record, now=100.0 + CANCEL_QUIET_S + 0.1) == (
        "cancelled",
        "cancelled by the analyst",
    )


def test_a_queued_job_nobody_starts_fails_and_an_end_is_never_overwritten(tmp_path) -> None:  # type: ignore[no-untyped-def]
    book = job_book(Settings(data_dir=tmp_path))
    record = book.create({}, "x", "local")
    (settled,) = book.recent(now=record.created_at + QUEUE_TIMEOUT_S + 1)
    assert settled.status == "failed" and "no worker started the job" in (settled.error or "")
    book.update(record.job_id, status="running")
    assert book.get(record.job_id).status == "failed"  # type: ignore[union-attr]


def test_cancelling_a_queued_job_ends_it_before_it_starts(demo_settings: Settings) -> None:
    book = job_book(demo_settings)
    record = book.create(ScopeRequest().to_json(), "x", "local")
    book.request_cancel(record.job_id)
    assert run_job(demo_settings, record.job_id)["status"] == "cancelled"
    assert len(RunStore(demo_settings.runs_dir).list_runs()) == 1


# -- the job ------------------------------------------------------------------------------------
def _queue(settings: Settings, raw: dict[str, object]) -> str:
    source = TransactionSource.of(settings, str(raw.get("dataset") or "demo"))
    request = parse_scope(raw, choices=source.choices())
    return job_book(settings).create(request.to_json(), "test scope", "local").job_id


def test_a_recompute_publishes_a_scoped_run_of_realised_prices(demo_settings: Settings) -> None:
    store = RunStore(demo_settings.runs_dir)
    stages: list[str] = []
    job_id = _queue(demo_settings, {"period": "12m", "regions": ["France"]})
    result = run_job(demo_settings, job_id, report=lambda s: stages.append(s["stage"]))

    assert result["status"] == "done", result
    # The job publishes its run, but every page keeps showing the current one until someone
    # chooses Make current.
    before = store.current_id()
    info = store.info(result["run_id"])
    assert before is not None and before != info.run_id
    assert info.scope["regions"] == ["France"] and info.scope["start"] == "2025-01-01"
    assert info.columns.target == "realised_price" and info.columns.volume == "units"
    assert "list_price" not in info.columns.features  # the list price would give the answer away
    items = store.load(info.run_id).items
    assert {"discount_depth", "customers", "list_price"} <= set(items.columns)
    # Every item's actual price is its volume-weighted net price in the scope.
    lines = pd.read_parquet(TransactionSource.of(demo_settings).transactions)
    lines = lines[(lines["region"] == "France") & (pd.to_datetime(lines["date"]) >= "2025-01-01")]
    sku = str(items["item_id"].iloc[0])
    sold = lines[lines["sku"] == sku]
    expected = (sold["quantity"] * sold["net_price"]).sum() / sold["quantity"].sum()
    assert items["actual"].iloc[0] == pytest.approx(expected)
    assert stages[0].startswith("aggregating") and any("fitting fold 3/5" in s for s in stages)
    assert stages[-1] == "ready"

    # Asked again: answered from that run, nothing new published.
    again = run_job(demo_settings, _queue(demo_settings, {"period": "12m", "regions": ["France"]}))
    assert again["status"] == "cached" and again["run_id"] == info.run_id
    assert len(store.list_runs()) == 2


def test_a_scope_without_lines_fails_with_its_reason(demo_settings: Settings) -> None:
    job_id = _queue(demo_settings, {"period": "range", "start": "2030-01-01", "end": "2030-02-01"})
    result = run_job(demo_settings, job_id)
    assert result["status"] == "failed"
    assert "No order lines fall in" in result["error"]
    assert len(RunStore(demo_settings.runs_dir).list_runs()) == 1


def _run_in_child(settings: Settings, job_id: str) -> BaseProcess:
    child = multiprocessing.get_context("fork").Process(
        target=run_job, args=(settings, job_id), kwargs={"disposable": True}
    )
    child.start()
    return child


def _wait_for_stage(book: JobBook, job_id: str, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = book.get(job_id)
        if record is not None and text in record.stage:
            return
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {text!r}: {book.get(job_id)}")


def test_cancel_stops_a_running_job_and_leaves_no_run(demo_settings: Settings) -> None:
    book = job_book(demo_settings)
    job_id = _queue(demo_settings, {"period": "24m"})
    child = _run_in_child(demo_settings, job_id)
    _wait_for_stage(book, job_id, "fitting fold")
    book.request_cancel(job_id)
    child.join(timeout=30)
    assert child.exitcode == 0
    record = book.get(job_id)
    assert record is not None and record.status == "cancelled"
    store = RunStore(demo_settings.runs_dir)
    assert len(store.list_runs()) == 1
    assert not list(demo_settings.runs_dir.glob(".staging-*"))


def test_a_terminate_signal_mid_fit_ends_the_job_as_interrupted(demo_settings: Settings) -> None:
    """A restart or a deploy stops the job's process with SIGTERM, often in the middle of a model
    fit: the job must read as interrupted and retryable (not failed with whatever the fit raised,
    and never "cancelled by the analyst", who asked for nothing) and publish nothing."""
    book = job_book(demo_settings)
    job_id = _queue(demo_settings, {"period": "24m"})
    child = _run_in_child(demo_settings, job_id)
    _wait_for_stage(book, job_id, "fitting fold")
    assert child.pid is not None
    os.kill(child.pid, signal.SIGTERM)
    child.join(timeout=30)
    record = book.get(job_id)
    assert record is not None and record.status == "interrupted", record
    assert "restart or deploy" in (record.error or "") and "analyst" not in (record.error or "")
    assert len(RunStore(demo_settings.runs_dir).list_runs()) == 1


def test_two_jobs_for_one_scope_share_one_computation(demo_settings: Settings) -> None:
    book = job_book(demo_settings)
    first = _queue(demo_settings, {"period": "6m", "channels": ["direct"]})
    second = _queue(demo_settings, {"period": "6m", "channels": ["direct"]})
    owner = _run_in_child(demo_settings, first)
    _wait_for_stage(book, first, "fitting fold")
    follower = _run_in_child(demo_settings, second)
    owner.join(timeout=120)
    follower.join(timeout=30)
    done, shared = book.get(first), book.get(second)
    assert done is not None and shared is not None
    assert done.status == "done" and shared.status == "done"
    assert shared.run_id == done.run_id and shared.shared_with == first
    assert len(RunStore(demo_settings.runs_dir).list_runs()) == 2


def test_a_job_past_its_time_limit_fails_with_that_reason(demo_settings: Settings) -> None:
    settings = replace(demo_settings, job_time_limit=1)
    result = run_job(settings, _queue(settings, {"period": "24m"}))
    assert result["status"] == "failed"
    assert "time limit" in result["error"]
    assert len(RunStore(settings.runs_dir).list_runs()) == 1


def test_scope_of_transactions_matches_the_resolved_request() -> None:
    scope = resolve(
        ScopeRequest(period="range", start=date(2025, 2, 1), end=date(2025, 2, 28)), DATA_END
    )
    assert scope == TransactionScope(start=date(2025, 2, 1), end=date(2025, 2, 28))


def test_a_stop_that_surfaces_as_another_error_inside_native_code_is_still_a_cancel(
    demo_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stop interrupts the main thread wherever it is; inside a model fit the interrupt can
    come out as an unrelated exception (seen: a PEP 3118 ValueError). The job must read as
    cancelled, not as failed with that message."""
    job_id = _queue(demo_settings, {"period": "12m"})
    book = job_book(demo_settings)

    def fit_interrupted_in_native_code(*args: object, **kwargs: object) -> object:
        book.request_cancel(job_id)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                time.sleep(0.05)
        except KeyboardInterrupt:
            raise ValueError(
                "'T{=d:sum_gradients:}' is not a valid PEP 3118 buffer format string"
            ) from None
        raise AssertionError("the stop never arrived")

    monkeypatch.setattr(runner, "_run", fit_interrupted_in_native_code)
    final = run_job(demo_settings, job_id)
    assert final["status"] == "cancelled", final
    assert "PEP 3118" not in str(final.get("error"))


def test_with_a_broker_a_terminated_job_goes_back_in_the_queue_and_runs_again(
    demo_settings: Settings,
) -> None:
    """With Celery, the interrupted job is put back in the queue (its task then gives the message
    back to Redis), and the worker that takes it again runs it from the start."""
    book = job_book(demo_settings)
    job_id = _queue(demo_settings, {"period": "24m"})
    child = multiprocessing.get_context("fork").Process(
        target=run_job, args=(demo_settings, job_id), kwargs={"disposable": True, "requeue": True}
    )
    child.start()
    _wait_for_stage(book, job_id, "fitting fold")
    assert child.pid is not None
    os.kill(child.pid, signal.SIGTERM)
    child.join(timeout=30)
    assert child.exitcode != 0  # JobRequeued left the process: the task rejects its message
    record = book.get(job_id)
    assert record is not None and record.status == "queued", record
    assert "back in the queue" in (record.error or "")
    assert run_job(demo_settings, job_id)["status"] == "done"
    assert book.get(job_id).error is None  # type: ignore[union-attr]


def test_the_heartbeat_survives_any_store_error_with_one_log_line(
    tmp_path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Redis errors are not OSError: the heartbeat must catch everything, log one line (not a
    traceback per beat), and keep beating."""
    book = job_book(Settings(data_dir=tmp_path))
    record = book.create({}, "x", "local")
    beats: list[float] = []

    class StoreDownError(Exception):
        pass

    def failing_update(job_id: str, **changes: object) -> None:
        beats.append(time.monotonic())
        raise StoreDownError("Connection refused\nsecond line of a long message")

    monkeypatch.setattr(book, "update", failing_update)
    job_watch = watch.JobWatch(book, record.job_id, None, time_limit=60)
    with caplog.at_level("WARNING", logger="dashboard.jobs.watch"):
        job_watch.start()
        deadline = time.monotonic() + 10
        while len(beats) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        job_watch.stop()
    assert len(beats) >= 4  # still beating after failures
    lines = [r for r in caplog.records if "heartbeat" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "StoreDownError: Connection refused" in lines[0].getMessage()
    assert "second line" not in lines[0].getMessage()
