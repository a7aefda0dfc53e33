"""The job worker's heartbeat in Redis: proof that it answered a ping *through the broker* lately.

Every :data:`HEARTBEAT_INTERVAL_S` seconds a thread in the worker's main process pings its own
worker through the broker (the same broadcast ``python -m dashboard worker-check`` and ``celery
inspect ping`` send) and, when the worker answers, writes the time under its name in the Redis hash
``pricescope:workers`` (one small hash: a reader needs no scan of a keyspace that also holds the
query cache). A plain "I am alive" key would go on being written by a
worker that is alive but deaf (after a Redis outage kombu can reconnect without consuming again,
and then neither jobs nor pings reach it); a ping answered through the broker is what a job needs.
``/readyz`` reads these keys (:func:`heartbeat_ages`) and is ready while one is at most
:data:`FRESH_HEARTBEAT_S` old.

The thread starts on Celery's ``worker_ready`` signal and stops on ``worker_shutdown``; it never
dies of an error: every failure is one log line, written when the state changes, not every beat.
A worker deaf for :data:`DEAF_EXIT_S` while Redis answers stops itself: a Procfile has no
health-check field, but every Procfile platform restarts a process that ends.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import Celery, signals

logger = logging.getLogger(__name__)

HEARTBEATS_KEY = "pricescope:workers"
HEARTBEAT_INTERVAL_S = 10.0
PING_TIMEOUT_S = 5.0
#: A heartbeat this old is dropped by its reader: its worker was killed without saying goodbye.
HEARTBEAT_TTL_S = 300
FRESH_HEARTBEAT_S = 60
#: A worker that has not answered its own ping for this long while Redis itself answers is deaf:
#: it stops (SIGTERM, a warm shutdown) so that its supervisor, or a Procfile platform, restarts it.
DEAF_EXIT_S = 120.0
#: Celery's default queue: a list of that name in Redis holds the jobs no worker has taken yet.
CELERY_QUEUE = "celery"


def install_worker_heartbeat(app: Celery) -> None:
    """Beat while a worker of ``app`` runs; and log Celery's own lines in our format."""
    beats: dict[str, Heartbeat] = {}

    def start(sender: Any = None, **_: Any) -> None:
        if getattr(sender, "app", None) is not app:
            return
        beat = Heartbeat(app, str(sender.hostname))
        beats[beat.hostname] = beat
        beat.start()

    def stop(sender: Any = None, **_: Any) -> None:
        for beat in list(beats.values()):
            beat.stop()
        beats.clear()

    signals.worker_ready.connect(start, weak=False)
    signals.worker_shutdown.connect(stop, weak=False)
    signals.setup_logging.connect(_our_logging, weak=False, dispatch_uid="pricescope-logging")


def _our_logging(loglevel: Any = None, **_: Any) -> None:
    """Celery configures no logging of its own when this signal has a receiver: the worker's lines
    (its tasks' too) go through :func:`dashboard.logs.configure_logging`, at ``--loglevel``."""
    from dashboard.logs import configure_logging

    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    configure_logging(str(level) if level else None)


def heartbeat_ages(client: Any, now: float | None = None) -> list[float]:
    """Seconds since each worker's last answered ping; heartbeats of long-gone workers are dropped."""
    moment = time.time() if now is None else now
    ages, gone = [], []
    for name, raw in client.hgetall(HEARTBEATS_KEY).items():
        try:
            age = max(0.0, moment - float(raw))
        except (TypeError, ValueError):
            age = float("inf")  # not a time: not ours to trust
        if age > HEARTBEAT_TTL_S:
            gone.append(name)
        else:
            ages.append(age)
    if gone:
        client.hdel(HEARTBEATS_KEY, *gone)
    return ages


def _leave() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


class Heartbeat:
    def __init__(self, app: Celery, hostname: str, on_deaf: Callable[[], None] = _leave) -> None:
        self.app = app
        self.hostname = hostname
        self.on_deaf = on_deaf
        self._unanswered_since: float | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pricescope-heartbeat", daemon=True)
        self._failing: str | None = None
        self._beaten = False
        self._redis: Any = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        try:
            self._client().hdel(HEARTBEATS_KEY, self.hostname)
        except Exception as error:  # shutting down: a reader drops it once it is old
            logger.info("worker heartbeat not removed: %s", type(error).__name__)

    def _run(self) -> None:
        # The first beat soon after start, so /readyz sees a new worker within seconds.
        while not self._stopped.wait(timeout=HEARTBEAT_INTERVAL_S if self._beaten else 1.0):
            try:
                self.beat()
            except Exception as error:  # a Redis error is no OSError: catch all, log one line
                self._unanswered_since = None  # Redis is away: not the worker's deafness
                self._note(f"the heartbeat failed: {type(error).__name__}: {error}")

    def beat(self) -> bool:
        """Ping this worker through the broker; on an answer, refresh its key."""
        replies = self.app.control.ping(destination=[self.hostname], timeout=PING_TIMEOUT_S)
        if not any(self.hostname in reply for reply in replies):
            self._note(
                f"worker {self.hostname} did not answer its own ping through the broker within "
                f"{PING_TIMEOUT_S:g} s; it takes no jobs (restart it: see worker-check)"
            )
            self._client().ping()  # Redis answers (else this raises): the worker is deaf
            now = time.monotonic()
            since = self._unanswered_since = self._unanswered_since or now
            if now - since >= DEAF_EXIT_S:
                logger.error(
                    "worker %s has been deaf to the broker for %.0f s while Redis answers; "
                    "stopping it so that its supervisor starts a fresh one",
                    self.hostname,
                    now - since,
                )
                self._unanswered_since = None
                self.on_deaf()
            return False
        self._client().hset(HEARTBEATS_KEY, self.hostname, repr(time.time()))
        self._beaten = True
        self._unanswered_since = None
        if self._failing is not None:
            logger.info("worker %s answers through the broker again", self.hostname)
            self._failing = None
        return True

    def _note(self, problem: str) -> None:
        if problem != self._failing:
            logger.warning(problem)
        self._failing = problem

    def _client(self) -> Any:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(
                str(self.app.conf.broker_url), socket_timeout=5, socket_connect_timeout=5
            )
        return self._redis
