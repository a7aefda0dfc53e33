"""What the shell tells people about runs: the sentence a Make current confirmation shows, the run a
"new current run" notice names, and which of a user's jobs have finished since they were last told.

Pure functions over the run store and the job records (no Dash), so the rules are tested without a
browser: a job is announced once, only to whoever started it, and only if it ended after the
browser started listening.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.display import format_timestamp
from dashboard.errors import InputError
from dashboard.jobs.records import CACHED, DONE, FAILED, JobRecord
from dashboard.runs import RunInfo, RunStore

#: Ends a user is told about wherever they are: a run ready, or a job that failed or was
#: interrupted (a killed job is recorded as failed, with the reason). A cancel was their own doing.
ANNOUNCED_ENDS = frozenset({DONE, CACHED, FAILED})
#: How many announced job ids a browser remembers; older jobs are older than any "since".
REMEMBERED_JOBS = 50
#: The kind of a dataset scoring job's scope (see ``dashboard.jobs.dataset_jobs``).
_SCORE_KIND = "score-dataset"


@dataclass(frozen=True)
class JobNotice:
    """One finished job, as the shell's notification says it."""

    job_id: str
    ready: bool
    title: str
    detail: str
    run_id: str | None


def run_summary(info: RunInfo, dataset_name: str) -> str:
    """``run Cars · v2 (US cars, 1,234 items, created 29 Nov 2026, 08:45 UTC)``."""
    return (
        f"run {info.label} ({dataset_name}, {info.rows:,} items, "
        f"created {format_timestamp(info.created_at)})"
    )


def make_current_question(
    runs: RunStore, run_id: str, names: Mapping[str, str]
) -> tuple[RunInfo, str]:
    """The run to make current and the sentence saying what changes for everyone; InputError for a
    run that does not exist (or is current already)."""
    target = runs.info(run_id)
    current = runs.current()
    if current is not None and current.run_id == target.run_id:
        raise InputError(f"Run {target.label} is the current run already.")
    shown = run_summary(target, names.get(target.dataset, target.dataset))
    instead = (
        f" instead of {run_summary(current, names.get(current.dataset, current.dataset))}"
        if current is not None
        else ""
    )
    return target, (
        f"Every page, for every user, will show {shown}{instead}. Decisions stay with their items."
    )


def new_current_notice(runs: RunStore, known: object) -> tuple[RunInfo, str] | None:
    """The run made current since the page learnt ``known`` was, and the sentence naming it and who
    made it current when; ``None`` when the current run is still ``known`` (or there is none)."""
    choice = runs.current_choice()
    if choice is None or choice.run_id == known:
        return None
    try:
        info = runs.info(choice.run_id)
    except InputError:
        return None
    by = f" by {choice.made_by}" if choice.made_by else ""
    at = f" at {format_timestamp(choice.made_at)}" if choice.made_at else ""
    return info, f"A new current run exists: {info.label}, made current{by}{at}."


def finished_jobs(
    records: Iterable[JobRecord], user: str, since: float, announced: Iterable[str]
) -> list[JobNotice]:
    """The user's own jobs that ended (ready, failed) after ``since`` and were not announced yet,
    oldest first."""
    told = set(announced)
    fresh = [
        record
        for record in records
        if record.started_by == user
        and record.status in ANNOUNCED_ENDS
        and (record.finished_at or 0.0) >= since
        and record.job_id not in told
    ]
    return [_notice(record) for record in sorted(fresh, key=lambda r: r.finished_at or 0.0)]


def _notice(record: JobRecord) -> JobNotice:
    what = "Scoring" if record.scope.get("kind") == _SCORE_KIND else "Recompute"
    if record.status == FAILED or record.run_id is None:
        reason = record.error or "no reason was recorded"
        return JobNotice(record.job_id, False, f"{what} failed", reason, None)
    return JobNotice(record.job_id, True, "Run ready", record.scope_label, record.run_id)


def remembered(state: object, now: float) -> tuple[float, list[str]]:
    """The browser's memory of announcements, ``{"since": t, "ids": [...]}``, read defensively:
    anything malformed starts listening from ``now`` with nothing announced."""
    if not isinstance(state, dict):
        return now, []
    since = state.get("since")
    ids = state.get("ids")
    clean_since = float(since) if isinstance(since, int | float) else now
    clean_ids = (
        [i for i in ids if isinstance(i, str)][-REMEMBERED_JOBS:] if isinstance(ids, list) else []
    )
    return clean_since, clean_ids


def remember(since: float, ids: list[str], notices: Iterable[JobNotice]) -> dict[str, Any]:
    return {"since": since, "ids": [*ids, *(n.job_id for n in notices)][-REMEMBERED_JOBS:]}


def publication_note(run: RunInfo, current_id: str | None) -> str:
    """Whether a just-published run is current, and when not, how to make it so."""
    if run.run_id == current_id:
        return "it is now current."
    return (
        f"it is not current (every page still shows run {current_id}). View it at "
        f"/?run={run.run_id} and choose Make current there or on the Jobs page, or publish with "
        "--make-current."
    )
