"""Real servers for fault-injection tests: Debian's ``redis-server`` (stoppable and restartable
on the same port), a Celery worker and a PriceScope web process (``python app.py``), each a
subprocess on a free loopback port, plus the HTTP calls a Jobs page makes to start a job."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from dashboard.config import REPO_ROOT
from dashboard.ids import Jobs
from testkit.callback_requests import callback_payload, find_callback, id_key

REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], object], what: str, timeout: float) -> Any:
    """``check()``'s first truthy answer; an error or a falsy answer means "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            answer = check()
            if answer:
                return answer
        except Exception:  # not there yet: the deadline decides
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s")


class RedisServer:
    """A private ``redis-server`` without persistence that a test may stop and start again."""

    def __init__(self, folder: Path) -> None:
        if REDIS is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.folder, self.port = folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(
            [str(REDIS), *args], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        wait_until(lambda: redis.Redis.from_url(self.url).ping(), "redis-server start", 20)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class Child:
    """A server subprocess in a session of its own, so a test can signal it and all its
    children at once (what a platform does on a restart), with its output in a log file."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                args,
                cwd=REPO_ROOT,
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            self.signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.process.wait(timeout=10)
        else:
            self.signal_group(signal.SIGKILL)  # its children, if any outlived it

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


#: The Procfile's worker with one pool process; tests start one worker, so no gossip or mingle.
CELERY_WORKER = [
    *(sys.executable, "-m", "celery", "-A", "app:celery_app", "worker"),
    *("--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO"),
    *("--without-gossip", "--without-mingle"),
]


def celery_worker(env: Mapping[str, str], log: Path) -> Child:
    return Child(CELERY_WORKER, env, log)


def web_server(env: Mapping[str, str], log: Path) -> tuple[Child, str]:
    """``python app.py`` on a free port; returns it and its address once it answers."""
    port = free_port()
    child = Child([sys.executable, "app.py"], {**env, "PORT": str(port)}, log)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: requests.get(f"{url}/_dash-layout", timeout=2).ok, "the web server", 90)
    return child, url


def dash_post(
    url: str, output: str, values: dict[str, Any], changed: list[str], **more: Any
) -> Any:
    """One callback request as the browser sends it (the first one, for a background callback:
    it starts the job and answers with handles the page would poll with)."""
    dependencies = requests.get(f"{url}/_dash-dependencies", timeout=10).json()
    spec = find_callback(dependencies, output=output, trigger=more.pop("trigger", None))
    body = callback_payload(spec, values, changed, more.pop("wildcards", None))
    answer = requests.post(f"{url}/_dash-update-component", json=body, timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def start_jobs_page_job(url: str, request: dict[str, str]) -> Any:
    """What the Jobs page does with the request store it was handed: start the job."""
    key = f"{Jobs.REQUEST}.data"
    return dash_post(url, f"{Jobs.RESULT}.data", {key: request}, [key])


def retry_on_jobs_page(url: str, job_id: str) -> dict[str, str]:
    """A click on an interrupted job's Retry on the Jobs page: the request store it queues."""
    button = {"type": str(Jobs.RETRY), "job": job_id}
    pattern = id_key({"type": str(Jobs.RETRY), "job": ["ALL"]})
    answer = dash_post(
        url,
        f"{Jobs.REQUEST}.data",
        {f"{id_key(button)}.n_clicks": 1},
        [f"{id_key(button)}.n_clicks"],
        trigger=id_key(button),
        wildcards={pattern: [button]},
    )
    response = answer["response"]
    assert not response.get(str(Jobs.SCOPE_ERROR), {}).get("children"), json.dumps(response)
    return dict(response[str(Jobs.REQUEST)]["data"])
