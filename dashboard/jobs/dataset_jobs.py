"""Scoring a dataset version as a background job, on the same records, runner and managers as a
recompute: queued with a ticket for the page that asked, run with progress, cancel and time limit."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dashboard.auth import Identity
from dashboard.config import Settings
from dashboard.datasets.scoring import score_version
from dashboard.datasets.store import DatasetStore, check_slug
from dashboard.errors import InputError
from dashboard.jobs.recompute import RecomputeOutcome
from dashboard.jobs.records import DATA_PAGE, JobBook, check_job_id
from dashboard.progress import ProgressHook

logger = logging.getLogger(__name__)

#: The ``kind`` a scoring job's scope carries (a recompute's scope has none).
SCORE_KIND = "score-dataset"


def queue_score_job(
    settings: Settings,
    book: JobBook,
    slug: str,
    version_id: str | None,
    started_by: Identity,
    origin: str = DATA_PAGE,
) -> dict[str, str]:
    """A queued job that scores ``version_id`` of dataset ``slug`` (its latest when None); the
    page's request store value ``{"job_id", "ticket"}``. InputError for an unknown dataset."""
    info = DatasetStore(settings.datasets_dir).get(slug)
    version = info.version(version_id) if version_id else info.latest
    if version is None:
        raise InputError(f"The dataset '{info.name}' has no data yet: upload a table first.")
    scope = {"kind": SCORE_KIND, "dataset": info.slug, "version": version.version_id}
    label = f"Score {info.name} · {version.label} ({version.rows:,} items)"
    record = book.create(scope, label, started_by.name, origin=origin)
    logger.info("queued scoring job %s for %s", record.job_id, label)
    return {"job_id": record.job_id, "ticket": record.ticket or ""}


def retry_score_job(
    settings: Settings, book: JobBook, job_id: object, started_by: Identity
) -> dict[str, str]:
    """Queues the scoring job ``job_id`` again (the same dataset version), as ``started_by``, on
    the Data page; InputError when ``job_id`` is no scoring job."""
    previous = book.get(check_job_id(job_id))
    if previous is None or previous.scope.get("kind") != SCORE_KIND:
        raise InputError("There is no such scoring job to retry.")
    version = previous.scope.get("version")
    slug = check_slug(previous.scope.get("dataset"))
    return queue_score_job(
        settings, book, slug, version if isinstance(version, str) else None, started_by
    )


def score_dataset(
    settings: Settings, scope: Mapping[str, Any], *, progress: ProgressHook
) -> RecomputeOutcome:
    run = score_version(settings, str(scope["dataset"]), str(scope["version"]), progress=progress)
    return RecomputeOutcome(
        run_id=run.run_id, label=run.label, cached=False, shared_with=None, items=run.rows
    )
