"""Commands about the app's own data: ``bootstrap`` (first start) and ``demo`` (``runs``: see
``dashboard.cli_runs``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dashboard.bootstrap import ensure_current_run, score_demo
from dashboard.config import Settings
from dashboard.demo import generate_demo
from dashboard.progress import ConsoleProgress
from dashboard.runs import RunInfo, run_store


def add_data_commands(subparsers: Any, common: argparse.ArgumentParser) -> None:
    bootstrap = subparsers.add_parser(
        "bootstrap",
        parents=[common],
        help="make sure a current run exists (generate and score the demo if there is none)",
        description="Make sure there is a current run to serve. With no run yet, generate the demo "
        "catalogue (if missing) and score it. Settings come from the environment (see README).",
    )
    bootstrap.add_argument(
        "--rescore", action="store_true", help="score the demo again even if a run exists"
    )
    bootstrap.set_defaults(handler=run_bootstrap)

    demo = subparsers.add_parser(
        "demo",
        parents=[common],
        help="generate the demo catalogue, transactions and ground truth into a directory",
    )
    demo.add_argument(
        "--out", type=Path, required=True, help="directory to write (replaced atomically)"
    )
    demo.add_argument("--skus", type=int, default=50_000, help="catalogue size (default 50,000)")
    demo.add_argument(
        "--transactions", type=int, default=2_000_000, help="transaction lines (default 2,000,000)"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.set_defaults(handler=run_demo)


def run_bootstrap(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    info: RunInfo | None
    with ConsoleProgress("Preparing PriceScope") as progress:
        if args.rescore:
            info = score_demo(settings, run_store(settings), progress)
        else:
            info = ensure_current_run(settings, progress)
    if info is None:
        print("No run yet, and PRICESCOPE_AUTO_DEMO is off: score a table to make one.")
        return 0
    print(
        f"Current run {info.run_id} ({info.label}, {info.rows:,} items) in {run_store(settings).location}"
    )
    return 0


def run_demo(args: argparse.Namespace) -> int:
    with ConsoleProgress("Generating demo") as progress:
        paths = generate_demo(
            args.out,
            n_skus=args.skus,
            n_transactions=args.transactions,
            seed=args.seed,
            progress=progress,
        )
    print(
        f"Demo written to {paths.root}: {paths.catalogue.name}, {paths.transactions.name}, "
        f"{paths.ground_truth.name}"
    )
    return 0
