"""The Celery worker's entry point (used when ``REDIS_URL`` is set)::

    celery -A dashboard.jobs.worker:celery_app worker --pool prefork --concurrency 1

It builds the same Dash app as the web process, which registers every background callback as a
Celery task under the same name, so the worker runs exactly the job code the web process queues.
Prefork, so that a cancel (a revoke with terminate) can stop the child running the job.
"""

from __future__ import annotations

import logging

from dashboard.app_factory import create_app
from dashboard.config import Settings
from dashboard.jobs.managers import background_manager
from dashboard.logs import configure_logging

settings = Settings.from_env()
if not settings.redis_url:
    raise SystemExit("The job worker needs REDIS_URL (the Redis the web process uses).")
configure_logging()
manager = background_manager(settings)
dash_app = create_app(settings, background_callback_manager=manager)
celery_app = manager.handle
logging.getLogger(__name__).info("job worker ready for %s", settings.data_dir)
