"""The ``python -m dashboard`` command line.

Each subcommand is one ``_add_<name>_command(subparsers, common)`` function that registers its
handler with ``set_defaults(handler=...)``; the handler takes the parsed arguments and returns an
exit code. :func:`main` turns failures into exit codes and one line on stderr:

- 0 success; 2 bad input (a file, a column, a flag: the sentence says what to fix, nothing is
  written); 1 an internal error (traceback only with ``--debug``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import pandas as pd

from dashboard.cli_data import add_data_commands
from dashboard.cli_datasets import add_datasets_commands
from dashboard.cli_publish import plan_publish, publish_scored_file
from dashboard.cli_runs import add_runs_commands
from dashboard.cli_summary import render_summary
from dashboard.cli_users import add_users_commands
from dashboard.cli_worker import add_worker_check_command
from dashboard.datasets.mapping import ColumnMapping
from dashboard.errors import InputError
from dashboard.progress import Cancelled, ConsoleProgress, ProgressHook, no_progress
from dashboard.scoring.items import SCORE_COLUMNS
from dashboard.tables import (
    check_output_path,
    read_table,
    require_column,
    write_table,
)

if TYPE_CHECKING:
    from dashboard.scoring import ScoringConfig
    from dashboard.scoring.given import PredictionColumns

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

#: The columns of ``score``'s output after the id (or ``row``) column: what scoring says per item.
OUTPUT_COLUMNS = SCORE_COLUMNS

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse with our convention for bad flags: exit 2 with one line, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see '{self.prog} --help').\n")


# ------------------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m dashboard", description="PriceScope: find mispriced products.")
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    common.add_argument("--verbose", action="store_true", help="log progress details to stderr")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_score_command(subparsers, common)
    add_data_commands(subparsers, common)
    add_runs_commands(subparsers, common)
    add_datasets_commands(subparsers, common)
    add_users_commands(subparsers, common)
    add_worker_check_command(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (``python -m dashboard`` exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse exits for --help and for bad flags
        code = exit_request.code
        return code if isinstance(code, int) else EXIT_BAD_INPUT
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    with _logging_to_stderr(logging.INFO if args.verbose else logging.WARNING):
        return _run(handler, args)


def _run(handler: Handler, args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except InputError as error:
        _say(f"error: {error}")
        return EXIT_BAD_INPUT
    except (Cancelled, KeyboardInterrupt):
        _say("error: interrupted; nothing was written.")
        return EXIT_INTERRUPTED
    except MemoryError:
        _say("error: out of memory; score a smaller table or a sample of this one.")
        return EXIT_INTERNAL
    except Exception as error:
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        detail = (str(error).strip().splitlines() or [""])[0]
        hint = "" if args.debug else "; run again with --debug for the traceback"
        _say(f"internal error: {type(error).__name__}: {detail}{hint}.")
        return EXIT_INTERNAL


def _say(line: str) -> None:
    print(line, file=sys.stderr)


@contextmanager
def _logging_to_stderr(level: int) -> Iterator[None]:
    """Show the package's log records on stderr while a command runs, then put things back.

    Scoped to the ``dashboard`` logger, not the root, so calling ``main`` in-process (tests, a
    notebook) neither duplicates nor steals anyone else's handlers.
    """
    package = logging.getLogger("dashboard")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LowerCaseLevel("%(levelname)s: %(message)s"))
    previous = package.level
    package.addHandler(handler)
    package.setLevel(level)
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(previous)


class _LowerCaseLevel(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace(record.levelname, record.levelname.lower(), 1)


# ------------------------------------------------------------------------------------ score


def _add_score_command(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "score",
        parents=[common],
        help="score a price table: fair prices, intervals and flagged items",
        description="Give every row of a CSV or Parquet price table an out-of-fold fair price "
        "and interval, flag the prices far outside it, and write one row per input row.",
        epilog="Exit status: 0 done, 2 bad input (nothing written), 1 internal error.",
    )
    parser.add_argument(
        "input", type=Path, metavar="INPUT", help="the table: .csv, .csv.gz, .tsv or .parquet"
    )
    parser.add_argument("--target", required=True, metavar="COL", help="the price column")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="OUT",
        help="where to write (format by extension); needed unless --publish is given",
    )
    parser.add_argument(
        "--publish",
        metavar="NAME",
        help="also keep the table as a version of the dataset NAME and publish its run "
        "(not current: see --make-current)",
    )
    parser.add_argument(
        "--make-current",
        action="store_true",
        help="with --publish: make the published run the one every page shows to every user",
    )
    parser.add_argument("--id", dest="id_col", metavar="COL", help="a unique item id column")
    parser.add_argument("--volume", dest="volume_col", metavar="COL", help="units sold, per item")
    parser.add_argument(
        "--group", dest="group_col", metavar="COL", help="related items (same value) share a fold"
    )
    parser.add_argument(
        "--prediction",
        metavar="COL",
        help="your own model's predicted fair price: PriceScope then fits no model of its own",
    )
    parser.add_argument("--lower", metavar="COL", help="your model's lower bound (with --upper)")
    parser.add_argument("--upper", metavar="COL", help="your model's upper bound (with --lower)")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="COL",
        help="a column the model must not learn from (repeatable)",
    )
    parser.add_argument(
        "--coverage", type=float, default=0.9, metavar="P", help="interval coverage (0.9)"
    )
    parser.add_argument("--folds", type=int, default=5, metavar="K", help="folds (5)")
    parser.add_argument(
        "--threshold", type=float, metavar="X", help="flag scores from X interval widths out"
    )
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (0)")
    parser.add_argument(
        "--top", type=_non_negative_int, default=10, metavar="N", help="flagged items listed (10)"
    )
    parser.add_argument(
        "--threads", type=_positive_int, metavar="N", help="CPU threads for fitting (all)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no notes")
    parser.set_defaults(handler=run_score)


def _non_negative_int(text: str) -> int:
    return _whole_number(text, minimum=0)


def _positive_int(text: str) -> int:
    return _whole_number(text, minimum=1)


def _whole_number(text: str, *, minimum: int) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if number < minimum:
        raise argparse.ArgumentTypeError(f"expected {minimum} or more, not {number}")
    return number


def run_score(args: argparse.Namespace) -> int:
    """``score``: read, validate, score, write OUT atomically, print the summary."""
    from dashboard.scoring import ScoringConfig, score_table  # fitting libraries load only here
    from dashboard.scoring.given import score_given_predictions

    # The config validates every setting (InputError); without --threshold it keeps its default.
    settings: dict[str, Any] = {}
    if args.threshold is not None:
        settings["flag_threshold"] = args.threshold
    config = ScoringConfig(
        target=args.target,
        id_col=args.id_col,
        volume_col=args.volume_col,
        group_col=args.group_col,
        n_folds=args.folds,
        coverage=args.coverage,
        seed=args.seed,
        **settings,
    )
    given = _prediction_columns(args)
    if args.make_current and args.publish is None:
        raise InputError(
            "--make-current needs --publish NAME: only a published run can be current."
        )
    if args.out is None and args.publish is None:
        raise InputError(
            "Give --out FILE to write the scores, --publish NAME to publish them, or both."
        )
    if args.out is not None:
        check_output_path(args.out)  # before the work, so a bad OUT costs nothing
    plan = (
        plan_publish(args.publish, _publish_mapping(args, config, given)) if args.publish else None
    )
    raw = read_table(args.input)
    if plan is not None:
        plan.check_table(raw, args.input.name)
    table = _without_excluded(raw, args.exclude, config, given)
    config.check_table(table)
    show_progress = not args.quiet and sys.stderr.isatty()
    with _thread_limit(args.threads), _progress(show=show_progress) as progress:
        if given is None:
            result = score_table(table, config, progress)
        else:
            result = score_given_predictions(table, config, given, progress)
    output = scored_output(table, result.items, config.id_col)
    if args.out is not None:
        write_table(output, args.out)
    if not args.quiet and given is None:  # with given predictions no model learnt from features
        _note_dropped_features(result.model_card, config)
    print(render_summary(result, output, args.input, args.out, top=args.top))
    if plan is not None:
        print(
            publish_scored_file(
                plan, raw, table, result, config, args.input.name, make_current=args.make_current
            )
        )
    return EXIT_OK


def _publish_mapping(
    args: argparse.Namespace, config: ScoringConfig, given: PredictionColumns | None
) -> ColumnMapping:
    """The dataset mapping of ``score``'s flags, for ``--publish``."""
    return ColumnMapping(
        target=config.target,
        id=config.id_col,
        volume=config.volume_col,
        group=config.group_col,
        excluded=tuple(dict.fromkeys(args.exclude)),
        prediction=given.prediction if given else None,
        lower=given.lower if given else None,
        upper=given.upper if given else None,
    )


def _prediction_columns(args: argparse.Namespace) -> PredictionColumns | None:
    """``--prediction`` (and its bounds) as columns, or None to let PriceScope's model price."""
    from dashboard.scoring.given import PredictionColumns

    if args.prediction is None:
        if args.lower is not None or args.upper is not None:
            raise InputError("--lower and --upper are the bounds of --prediction; give it too.")
        return None
    return PredictionColumns(args.prediction, args.lower, args.upper)


def _without_excluded(
    table: pd.DataFrame,
    excluded: Sequence[str],
    config: ScoringConfig,
    given: PredictionColumns | None = None,
) -> pd.DataFrame:
    roles = {config.target, config.id_col, config.volume_col, config.group_col}
    roles.update(given.names if given is not None else ())
    excluded = list(dict.fromkeys(excluded))
    for name in excluded:
        require_column(list(table.columns), name, "excluded")
        if name in roles:
            raise InputError(f"'{name}' cannot be excluded: it is given a role (--target, --id…).")
    return table.drop(columns=excluded) if excluded else table


@contextmanager
def _thread_limit(threads: int | None) -> Iterator[None]:
    """Cap the fitting threads: on a busy shared machine one thread can be many times faster
    than OpenMP threads competing for the same cores (measured: 93 rows, 3 s against 78 s).
    """
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    with threadpool_limits(limits=threads):
        yield


@contextmanager
def _progress(*, show: bool) -> Iterator[ProgressHook]:
    if not show:
        yield no_progress
        return
    with ConsoleProgress("Scoring") as bar:
        yield bar


def _note_dropped_features(model_card: dict[str, Any], config: ScoringConfig) -> None:
    """Say which columns the model could not learn from, and why; the roles given go unsaid."""
    roles = {config.target, config.id_col, config.volume_col, config.group_col}
    for name, reason in (model_card.get("features_dropped") or {}).items():
        if name not in roles:
            _say(f"ignoring '{name}': {reason}")


def output_id_name(id_col: str | None) -> str:
    """The output's first column: the id column's own name, or ``row`` without one.

    An id column named like one of the output columns (say ``score``) becomes ``item_id``.
    """
    name = id_col or "row"
    return "item_id" if name in OUTPUT_COLUMNS else name


def scored_output(table: pd.DataFrame, items: pd.DataFrame, id_col: str | None) -> pd.DataFrame:
    """One row per input row, in input order: the id (or 0-based ``row``) then OUTPUT_COLUMNS."""
    if len(items) != len(table):
        raise RuntimeError(f"scoring returned {len(items)} rows for {len(table)} input rows")
    output = items.loc[:, list(OUTPUT_COLUMNS)].reset_index(drop=True)
    ids = table[id_col].to_numpy() if id_col else np.arange(len(table))
    output.insert(0, output_id_name(id_col), ids)
    return output
