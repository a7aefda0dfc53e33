"""``python -m dashboard runs``: list the runs, check them (``--check``), choose the current one.

- ``runs`` lists the runs newest first, ``*`` marking the current one, and says when the current run
  cannot be read (checked as a page would load it).
- ``runs --check`` checks every run's files against its manifest (sizes, checksums, row counts) and
  prints one line per run, ``ok`` or ``damaged: <reason>``; exit 1 when any run is damaged.
- ``runs current RUN_ID`` makes RUN_ID current after checking it; exit 2 for an unknown or damaged
  run, with the sentence saying why (nothing changes).
"""

from __future__ import annotations

import argparse
import getpass
import logging
from typing import Any

from dashboard.config import Settings
from dashboard.errors import InputError
from dashboard.runs import DamagedRunError, run_store

logger = logging.getLogger(__name__)

EXIT_DAMAGED = 1


def add_runs_commands(subparsers: Any, common: argparse.ArgumentParser) -> None:
    runs = subparsers.add_parser(
        "runs",
        parents=[common],
        help="list the published runs, check them, or choose the current one",
        description="List the published runs (* marks the current one). With --check, check "
        "every run's files against its manifest.",
        epilog="Exit status: 0 done, 1 a run is damaged (--check), 2 bad input.",
    )
    runs.add_argument(
        "--check",
        action="store_true",
        help="check every run (files present, sizes, checksums, row counts); exit 1 if any is "
        "damaged",
    )
    runs.set_defaults(handler=run_list_runs)
    actions = runs.add_subparsers(title="actions", metavar="ACTION")
    current = actions.add_parser(
        "current",
        parents=[common],
        help="make RUN_ID the run every page shows to everyone (checked first)",
    )
    current.add_argument("run_id", metavar="RUN_ID", help="a run id, as `runs` lists them")
    current.set_defaults(handler=run_make_current)


def run_list_runs(args: argparse.Namespace) -> int:
    store = run_store(Settings.from_env())
    current = store.current_id()
    run_ids = store.run_ids()
    if not run_ids:
        print(f"No runs in {store.location}.")
        return 0
    damaged = 0
    for run_id in run_ids:
        marker = "*" if run_id == current else " "
        try:
            info = store.check(run_id) if args.check or run_id == current else store.info(run_id)
        except DamagedRunError as damage:
            damaged += 1
            print(f"{marker} {run_id}  damaged: {damage.reason}")
            continue
        state = "  ok" if args.check else ""
        print(f"{marker} {run_id}  {info.rows:>9,} items  {info.label}{state}")
    if current is not None and current not in run_ids:
        damaged += 1
        print(f"The current pointer names run {current}, which is not in {store.location}.")
    if damaged and args.check:
        print(
            f"{damaged} run{'s' if damaged > 1 else ''} damaged or missing: make a readable run "
            "current with "
            "`python -m dashboard runs current RUN_ID`, then remove or restore the damaged one."
        )
        return EXIT_DAMAGED
    return 0


def run_make_current(args: argparse.Namespace) -> int:
    store = run_store(Settings.from_env())
    try:
        info = store.check(args.run_id)
    except DamagedRunError as damage:
        raise InputError(f"Run {damage.run_id} is not made current: {damage.reason}.") from None
    who = f"{getpass.getuser()} (command line)"
    store.set_current(info.run_id, made_by=who, checked=True)
    logger.info("%s made run %s current", who, info.run_id)
    print(f"Run {info.run_id} ({info.label}, {info.rows:,} items) is now current.")
    return 0
