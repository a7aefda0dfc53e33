"""Which job a Jobs page is following: the one named in the page's request store.

The store comes back from the browser, so its job id is checked before any file is named by it.
"""

from __future__ import annotations

from dashboard.errors import InputError
from dashboard.jobs.records import JobBook, JobRecord, check_job_id


def request_job_id(request: object) -> str | None:
    """The job id in a page's request store; None when it names none or not a well-formed one."""
    job_id = request.get("job_id") if isinstance(request, dict) else None
    if job_id is None:
        return None
    try:
        return check_job_id(job_id)
    except InputError:
        return None


def page_job(book: JobBook, request: object) -> JobRecord | None:
    """The page's job with its effective status (a job that went quiet is ended), if there is one."""
    job_id = request_job_id(request)
    record = book.get(job_id) if job_id else None
    return book.settle(record) if record is not None else None


def page_job_active(book: JobBook, request: object) -> bool:
    """Whether the page's job is still queued or running (then the page may not queue another)."""
    record = page_job(book, request)
    return record is not None and record.active
