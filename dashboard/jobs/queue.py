"""Queueing a recompute from the Jobs page, and starting it only for the page and role that may.

Queueing validates the scope and writes a job record; the page gets back ``{"job_id", "ticket"}``
for its request store. The job itself runs in a background process (a Dash background callback),
which a client can start by POSTing any job id it saw in the jobs table. So the start is checked
again where the job runs: the caller forwarded with the request must still hold the analyst role,
and must present the ticket only the queueing page was given. A refused start leaves the record as
it was, for the page that queued it.
"""

from __future__ import annotations

import errno
import hmac
import logging
from collections.abc import Mapping
from typing import Any

from dashboard.auth import Identity, Role
from dashboard.auth.roles import parse_role
from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.jobs.choices import ScopeCatalogue
from dashboard.jobs.dataset_jobs import SCORE_KIND, queue_score_job
from dashboard.jobs.lookup import request_job_id
from dashboard.jobs.records import JOBS_PAGE, JobBook, check_job_id, job_book
from dashboard.jobs.runner import Report, Snapshot, run_job
from dashboard.jobs.scopes import describe, parse_scope, resolve, scope_dataset

logger = logging.getLogger(__name__)

#: The status of a start that was refused (the job record keeps its own status).
REFUSED = "refused"
#: Who may queue and start recomputes.
JOB_ROLE = Role.ANALYST


def queue_job(
    settings: Settings,
    book: JobBook,
    raw_scope: object,
    started_by: Identity,
    catalogue: ScopeCatalogue,
    origin: str = JOBS_PAGE,
) -> dict[str, str]:
    """Validates a scope and writes a queued job record; returns the page's request store value.

    A scoring job's scope (a "Run again" on one) queues that scoring again. Raises
    :class:`InputError` with one sentence for an unusable scope or missing transactions.
    """
    if isinstance(raw_scope, Mapping) and raw_scope.get("kind") == SCORE_KIND:
        slug, version = raw_scope.get("dataset"), raw_scope.get("version")
        if not isinstance(slug, str):
            raise InputError("The scoring job names no dataset.")
        version_id = version if isinstance(version, str) else None
        return queue_score_job(settings, book, slug, version_id, started_by, origin=origin)
    facts = catalogue.facts(settings, scope_dataset(raw_scope))
    request = parse_scope(raw_scope, choices=facts.choices)
    scope = resolve(request, facts.data_end)
    label = describe(request, scope, facts.dataset_name)
    record = book.create(request.to_json(), label, started_by.name, origin=origin)
    logger.info("queued recompute job %s for %s", record.job_id, record.scope_label)
    return {"job_id": record.job_id, "ticket": record.ticket or ""}


def start_failure(error: OSError) -> str:
    """The sentence for a job that could not be queued because its record or files could not be
    written; re-raises anything but a full disk (or quota), which is not the analyst's to fix."""
    if error.errno not in {errno.ENOSPC, errno.EDQUOT}:
        raise error
    where = f" ({error.filename})" if error.filename else ""
    logger.warning("could not queue a job: %s%s", error.strerror, where)
    return (
        f"Not enough disk space to start the job: {error.strerror or 'the disk is full'}{where}. "
        "Free some space (or ask the administrator to) and try again."
    )


def scope_to_queue(book: JobBook, form_scope: dict[str, Any], rerun_of: object) -> object:
    """The scope a click asks for: the form's, or for "Run again" (``rerun_of`` a job id) that
    job's scope. Raises :class:`InputError` for a malformed job id."""
    if rerun_of is None:
        return form_scope
    previous = book.get(check_job_id(rerun_of))
    return previous.scope if previous is not None else form_scope


def forwarded_caller(identity: Identity | None) -> dict[str, str] | None:
    """An identity as plain JSON, to travel with a request into a background job's process."""
    return None if identity is None else {"name": identity.name, "role": identity.role.value}


def caller_from_forwarded(raw: object) -> Identity | None:
    """The identity :func:`forwarded_caller` wrote; None when there is none or it is malformed."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        return None
    try:
        return Identity(str(raw["name"]), parse_role(raw.get("role")))
    except InputError:
        return None


def start_refusal(book: JobBook, request: object, caller: Identity | None) -> str | None:
    """Why ``caller`` may not start the job in a page's ``request`` store; None if they may."""
    if caller is None:
        return "Sign in first."
    refusal = caller.refusal(JOB_ROLE)
    if refusal is not None:
        return refusal
    job_id = request_job_id(request)
    record = book.get(job_id) if job_id else None
    if record is None:
        return "There is no such job."
    ticket = request.get("ticket") if isinstance(request, dict) else None
    if (
        not isinstance(ticket, str)
        or record.ticket is None
        or not hmac.compare_digest(ticket.encode("utf-8"), record.ticket.encode("utf-8"))
    ):
        return f"Job {record.job_id} was queued from another page; only that page can start it."
    return None


def start_page_job(
    settings: Settings, request: object, caller: Identity | None, report: Report | None = None
) -> Snapshot:
    """Runs the job a Jobs page queued, in the process made for it, if ``caller`` may start it.

    Returns the job's final snapshot, or for a refused start ``{"status": "refused", "error"}``
    with the sentence that says why (the record is left untouched).
    """
    job_id = request.get("job_id") if isinstance(request, dict) else None
    try:
        check_job_id(job_id)
    except InputError as error:
        return {"status": "failed", "error": str(error)}
    refusal = start_refusal(job_book(settings), request, caller)
    if refusal is not None:
        who = caller.name if caller is not None else "nobody signed in"
        logger.warning("refused to start job %s for %s: %s", job_id, who, refusal)
        return {"job_id": job_id, "status": REFUSED, "error": refusal}
    # This runs in a process of its own (a spawned process or a Celery pool child): disposable.
    # With a broker, an interrupted job goes back in the queue; without one it is offered again.
    requeue = settings.redis_url is not None
    return run_job(settings, str(job_id), report=report, disposable=True, requeue=requeue)
