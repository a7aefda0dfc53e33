"""PriceScope: run with ``python app.py`` (development server) or ``gunicorn app:server``.

With ``REDIS_URL`` set, recompute jobs run on Celery workers built from this same module::

    celery -A app:celery_app worker --pool prefork --concurrency 1

Prefork, so that a job that does not stop at a cancel can end its own process (see
``dashboard.jobs.runner``) and the pool starts a fresh one for the next job. A cancel goes
through the job's record, never through a Celery revoke with terminate: a SIGTERM is what a
restart or a deploy sends, and the job reads it as an interruption (it goes back in the queue),
never as the analyst's cancel.

On first start this generates the demo catalogue and scores it (a progress bar shows the stages);
later starts reuse the current run and serve within seconds.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from dashboard.app_factory import create_app
from dashboard.bootstrap import ensure_current_run
from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.jobs.reaper import start_reaper
from dashboard.logs import configure_logging
from dashboard.progress import ConsoleProgress

configure_logging()
logger = logging.getLogger("pricescope")

try:
    settings = Settings.from_env()
except InputError as error:
    sys.exit(f"PriceScope cannot start: {error}")

if __name__ == "__main__":
    with ConsoleProgress("Preparing PriceScope") as progress:
        ensure_current_run(settings, progress)
else:
    ensure_current_run(settings)

app = create_app(settings)
server = app.server
# Ends the jobs that have in fact ended (a dead worker, a restart), on a timer: in every web
# process and in the Celery worker, which import this module too.
start_reaper(settings)


def __getattr__(name: str) -> Any:
    """``celery_app``: the job queue of this app, for the Celery worker; only REDIS_URL gives one."""
    if name != "celery_app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if "celery" not in server.extensions:
        raise SystemExit("The job worker needs REDIS_URL (the Redis the web process uses).")
    logger.info("job worker ready for %s", settings.data_dir)
    return server.extensions["celery"]


if __name__ == "__main__":
    logger.info("serving on http://%s:%s/", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, debug=False)
