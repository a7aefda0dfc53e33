"""Recompute jobs: scopes and their choices, the re-aggregate-and-score job, job records, queueing
and who may start a queued job (``queue``), which job a page follows (``lookup``), how jobs are run.

``dashboard.jobs.managers`` (the Dash background-callback manager) imports dash and celery; nothing
else here does. The Celery worker's entry point is ``app.py`` itself (``celery -A app:celery_app``).
"""

from dashboard.jobs.recompute import RecomputeOutcome, TransactionSource, recompute
from dashboard.jobs.records import JobBook, JobRecord, job_book
from dashboard.jobs.runner import run_job, snapshot
from dashboard.jobs.scopes import ScopeRequest, parse_scope

__all__ = [
    "JobBook",
    "JobRecord",
    "RecomputeOutcome",
    "ScopeRequest",
    "TransactionSource",
    "job_book",
    "parse_scope",
    "recompute",
    "run_job",
    "snapshot",
]
