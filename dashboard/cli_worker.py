"""``python -m dashboard worker-check``: does a job worker answer through the broker?

It sends Celery's ping broadcast through Redis, as a job would travel, and waits for answers.
A worker that is alive but deaf (after a Redis outage kombu can reconnect without consuming
again) does not answer, so a supervisor that restarts the worker on exit 1 cures it.
Exit codes: 0 a worker answered, 1 none did (or Redis did not answer), 2 no REDIS_URL.
"""

from __future__ import annotations

import argparse
from typing import Any

from dashboard.config import Settings
from dashboard.errors import InputError

EXIT_ANSWERED = 0
EXIT_NO_ANSWER = 1


def add_worker_check_command(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "worker-check",
        parents=[common],
        help="ping the job workers through the broker; exit 1 when none answers",
        description="Pings the Celery job workers through Redis (REDIS_URL) and prints who "
        "answered. Exit 0 when one answered, 1 when none did within the timeout, 2 without "
        "REDIS_URL. For a supervisor's or an orchestrator's liveness check of the worker.",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="how long to wait for answers (default 5)",
    )
    parser.add_argument(
        "--worker",
        metavar="NAME",
        help="ask only this worker, e.g. celery@$(hostname) (default: any worker)",
    )
    parser.set_defaults(handler=run_worker_check)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--timeout must be a number of seconds, not {text!r}"
        ) from None
    if not 0.1 <= value <= 300:
        raise argparse.ArgumentTypeError(
            f"--timeout must be between 0.1 and 300 seconds, not {text}"
        )
    return value


def run_worker_check(args: argparse.Namespace) -> int:
    settings = Settings.from_env(serving=False)
    if not settings.redis_url:
        raise InputError(
            "worker-check needs REDIS_URL: without it jobs run inside the web process and there "
            "is no worker to check."
        )
    import redis
    from celery import Celery

    timeout: float = args.timeout
    try:
        redis.Redis.from_url(
            settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        ).ping()
    except Exception as error:
        print(f"Redis (REDIS_URL) did not answer: {type(error).__name__}; no worker can be asked.")
        return EXIT_NO_ANSWER
    destination = [args.worker] if args.worker else None
    replies = Celery("pricescope", broker=settings.redis_url).control.ping(
        destination=destination, timeout=timeout
    )
    names = sorted(name for reply in replies for name in reply)
    for name in names:
        print(f"{name} answered")
    if names:
        return EXIT_ANSWERED
    who = f"worker {args.worker}" if args.worker else "job worker"
    print(f"No {who} answered through the broker within {timeout:g} s.")
    return EXIT_NO_ANSWER
