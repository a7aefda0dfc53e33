"""A page's job in a process of its own: ``python -m dashboard.jobs.spawned``, started by the web
process in diskcache mode (``dashboard.jobs.managers.SpawningDiskcacheManager``).

The process is started fresh (fork + exec, every descriptor but stdin/stdout/stderr closed), so
it holds none of the server's sockets and none of the locks its other threads held. It reads its
job from stdin (settings, the disk cache, the result key, the page's request store, the caller),
runs it, and writes the outcome where Dash's disk-cache manager looks for it.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from dashboard.config import REPO_ROOT, Settings

logger = logging.getLogger(__name__)


def spawn_job(
    settings: Settings, cache_dir: str | Path, result_key: str, request: object, caller: object
) -> int:
    """Starts the job process and returns its pid (Dash's handle on the job)."""
    payload = pickle.dumps(
        {
            "settings": settings,
            "cache_dir": str(cache_dir),
            "result_key": result_key,
            "request": request,
            "caller": caller,
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.jobs.spawned"],
        stdin=subprocess.PIPE,
        cwd=REPO_ROOT,
        close_fds=True,
    )
    assert process.stdin is not None
    process.stdin.write(payload)
    process.stdin.close()
    # Collect its exit status when it ends, so it never lingers as a zombie.
    threading.Thread(target=process.wait, name=f"job-{process.pid}", daemon=True).start()
    logger.info("job process %s started", process.pid)
    return process.pid


def run_spawned(payload: dict[str, Any]) -> None:
    """Runs the job ``payload`` describes and stores its outcome for Dash."""
    import diskcache

    from dashboard.jobs.queue import caller_from_forwarded, start_page_job

    cache = diskcache.Cache(payload["cache_dir"])
    try:
        settings: Settings = payload["settings"]
        caller = caller_from_forwarded(payload["caller"])
        outcome: Any = start_page_job(settings, payload["request"], caller)
    except Exception as error:  # Dash shows it as the callback's error
        logger.exception("job process %s failed", os.getpid())
        outcome = {"background_callback_error": {"msg": str(error), "tb": traceback.format_exc()}}
    cache.set(payload["result_key"], outcome)
    cache.close()


def main() -> None:
    from dashboard.logs import configure_logging

    configure_logging()
    payload = pickle.loads(sys.stdin.buffer.read())
    sys.stdin.close()
    run_spawned(payload)


if __name__ == "__main__":
    main()
