"""Which job a page is following: its analyst's newest job queued from that page (read from the
job records, so a page that was left and opened again finds its job), or the one named in the
page's request store.

The store comes back from the browser, so its job id is checked before any file is named by it.
"""

from __future__ import annotations

from dashboard.errors import InputError
from dashboard.jobs.records import JobBook, JobRecord, check_job_id

#: A page shows its analyst's last job for a day after it was queued (and longer for a job that
#: may still be running under a longer time limit).
RECENT_S = 24 * 3600.0


def followed_job(
    book: JobBook, person: str | None, origin: str, time_limit_s: float
) -> JobRecord | None:
    """The job page ``origin`` shows ``person`` (None when nobody is signed in)."""
    if person is None:
        return None
    return book.latest_of(person, origin, max(RECENT_S, time_limit_s + book.stale_after_s))


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
