"""``python -m dashboard datasets …``: add a dataset from a file or a SQL query, list the datasets,
refresh one with a new table under the same mapping, and score a version into a run.

These are the datasets of the Data page, in the same data directory (``PRICESCOPE_DATA_DIR``),
checked by the same rules (:func:`dashboard.datasets.checks.mapping_problems`) and limits. A table
with problems gets every problem listed at once, and nothing is written.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.cli_dataset_args import (
    add_make_current_argument,
    add_presentation_arguments,
    add_source_arguments,
    add_transaction_arguments,
)
from dashboard.cli_summary import datasets_table
from dashboard.config import Settings
from dashboard.datasets.checks import mapping_problems
from dashboard.datasets.mapping import ColumnMapping, TransactionMapping
from dashboard.datasets.presentation import label_flags, read_presentation
from dashboard.datasets.sources import read_query, read_table_file
from dashboard.datasets.store import DatasetInfo, DatasetStore, DatasetVersion, check_name
from dashboard.errors import InputError
from dashboard.progress import ConsoleProgress, ProgressHook, no_progress
from dashboard.runs import RunInfo, run_store

ADD_HINT = "python -m dashboard datasets add FILE --name NAME --target COL"


def add_datasets_commands(subparsers: Any, common: argparse.ArgumentParser) -> None:
    datasets = subparsers.add_parser(
        "datasets",
        parents=[common],
        help="your own catalogues: add, list, refresh, score",
        description="Datasets are named item tables (and optionally transactions) with a column "
        "mapping, kept in versions under the data directory; the Data page shows the same ones.",
        epilog="Exit status: 0 done, 2 bad input (nothing written), 1 internal error.",
    )
    commands = datasets.add_subparsers(title="dataset commands", metavar="ACTION")

    add = commands.add_parser(
        "add", parents=[common], help="a new dataset from a table file or a SQL query"
    )
    add_source_arguments(add)
    add.add_argument("--name", required=True, help="the dataset's name, as the pages show it")
    add.add_argument("--target", required=True, metavar="COL", help="the price column")
    add.add_argument("--id", dest="id_col", metavar="COL", help="a unique item id column")
    add.add_argument("--volume", dest="volume_col", metavar="COL", help="units sold, per item")
    add.add_argument("--group", dest="group_col", metavar="COL", help="related items share a fold")
    add.add_argument(
        "--segment", action="append", default=[], metavar="COL", help="a filter (repeatable)"
    )
    add.add_argument(
        "--exclude", action="append", default=[], metavar="COL", help="not a feature (repeatable)"
    )
    add.add_argument("--prediction", metavar="COL", help="your model's predicted fair price")
    add.add_argument("--lower", metavar="COL", help="your model's lower bound")
    add.add_argument("--upper", metavar="COL", help="your model's upper bound")
    add_presentation_arguments(add, "PRICESCOPE_CURRENCY")
    add_transaction_arguments(add)
    add.add_argument("--score", action="store_true", help="score it and publish its run")
    add_make_current_argument(add)
    add.set_defaults(handler=run_add)

    listing = commands.add_parser("list", parents=[common], help="list the datasets")
    listing.set_defaults(handler=run_list)

    refresh = commands.add_parser(
        "refresh", parents=[common], help="a new version of a dataset, under the same mapping"
    )
    refresh.add_argument("dataset", metavar="NAME", help="the dataset's name or key")
    add_source_arguments(refresh)
    add_presentation_arguments(refresh, "the previous version's")
    add_transaction_arguments(refresh)
    refresh.add_argument("--score", action="store_true", help="score it and publish its run")
    add_make_current_argument(refresh)
    refresh.set_defaults(handler=run_refresh)

    score = commands.add_parser(
        "score", parents=[common], help="score a dataset's version and publish its run"
    )
    add_make_current_argument(score)
    score.add_argument("dataset", metavar="NAME", help="the dataset's name or key")
    score.add_argument(
        "--version", type=int, metavar="N", help="the version number (default: the latest)"
    )
    score.set_defaults(handler=run_score_dataset)


# --------------------------------------------------------------------------------- commands


def run_add(args: argparse.Namespace) -> int:
    settings = dataset_settings()
    store = DatasetStore(settings.datasets_dir)
    name = check_name(args.name)
    taken = store.find(name)
    if taken is not None:
        raise InputError(
            f"There is already a dataset named '{taken.name}'; add a version with "
            f"'python -m dashboard datasets refresh {taken.slug} FILE'."
        )
    mapping = ColumnMapping(
        target=args.target,
        id=args.id_col,
        volume=args.volume_col,
        group=args.group_col,
        segments=tuple(dict.fromkeys(args.segment)),
        excluded=tuple(dict.fromkeys(args.exclude)),
        prediction=args.prediction,
        lower=args.lower,
        upper=args.upper,
    )
    tx_mapping = _transaction_mapping(args, previous=None)
    with _staging(settings) as staging:
        items = _read_items(args, settings, staging)
        mapping = _presented(args, mapping, items.frame)
        transactions = _read_transactions(args, settings)
        _refuse_problems(items.frame, mapping, transactions, tx_mapping, "The table")
        info = store.create(name, created_by=operator_name())
        try:
            version = store.add_version(
                info.slug,
                items.stored,
                mapping,
                created_by=operator_name(),
                source=items.source,
                transactions=transactions,
                transaction_mapping=tx_mapping,
            )
        except BaseException:
            store.discard_if_empty(info.slug)
            raise
    print(f"Added the dataset '{info.name}' (key {info.slug}): {_described(version)}.")
    if args.score:
        _score(settings, info.slug, version, make_current=args.make_current)
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    settings = dataset_settings()
    store = DatasetStore(settings.datasets_dir)
    info = _find(store, args.dataset)
    latest = info.latest
    if latest is None:
        raise InputError(f"The dataset '{info.name}' has no version to refresh.")
    tx_mapping = _transaction_mapping(args, previous=latest.transactions)
    with _staging(settings) as staging:
        items = _read_items(args, settings, staging)
        transactions: pd.DataFrame | Path | None = _read_transactions(args, settings)
        if transactions is None and latest.transactions is not None:
            # The price list changes more often than the order history: keep the latest lines.
            transactions = store.transactions_path(info.slug, latest.version_id)
            tx_mapping = latest.transactions if transactions is not None else None
        what = f"The new table of '{info.name}' (mapped as in {latest.label})"
        mapping = _presented(args, latest.mapping, items.frame)
        _refuse_problems(items.frame, mapping, transactions, tx_mapping, what)
        version = store.add_version(
            info.slug,
            items.stored,
            mapping,
            created_by=operator_name(),
            source=items.source,
            transactions=transactions,
            transaction_mapping=tx_mapping,
        )
    print(f"Refreshed '{info.name}': {_described(version)}.")
    if args.score:
        _score(settings, info.slug, version, make_current=args.make_current)
    return 0


def run_score_dataset(args: argparse.Namespace) -> int:
    settings = dataset_settings()
    info = _find(DatasetStore(settings.datasets_dir), args.dataset)
    if not info.versions:
        raise InputError(f"The dataset '{info.name}' has no data yet: {ADD_HINT}.")
    number = args.version if args.version is not None else info.versions[-1].number
    if not 1 <= number <= len(info.versions):
        raise InputError(
            f"The dataset '{info.name}' has versions 1 to {len(info.versions)}, not {number}."
        )
    _score(settings, info.slug, info.versions[number - 1], make_current=args.make_current)
    return 0


def run_list(args: argparse.Namespace) -> int:
    settings = dataset_settings()
    datasets = DatasetStore(settings.datasets_dir).list()
    if not datasets:
        print(f"No datasets in {settings.datasets_dir}: add one with '{ADD_HINT}'.")
        return 0
    runs = run_store(settings)
    current = runs.current_id()
    newest: dict[str, RunInfo] = {}
    for run in runs.list_runs():  # newest first
        newest.setdefault(run.dataset, run)
    print("\n".join(datasets_table(datasets, newest, current)))
    return 0


# ------------------------------------------------------------------------------------ parts


def dataset_settings() -> Settings:
    # Managing datasets serves nothing, so it needs no SECRET_KEY.
    return Settings.from_env(serving=False)


def operator_name() -> str:
    """Who the versions are recorded as made by: the account running the command."""
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def _find(store: DatasetStore, name: str) -> DatasetInfo:
    info = store.find(name)
    if info is None:
        known = ", ".join(f"'{d.name}'" for d in store.list()) or "none yet"
        raise InputError(f"There is no dataset named '{name}'; the datasets are: {known}.")
    return info


@contextmanager
def _staging(settings: Settings) -> Iterator[Path]:
    """A private folder on the data directory's disk, so a prepared table moves in by a link."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".datasets-cli-", dir=settings.data_dir) as folder:
        yield Path(folder)


@dataclass(frozen=True)
class _ItemTable:
    frame: pd.DataFrame  # what the checks read
    stored: pd.DataFrame | Path  # what the version keeps: a query's Parquet file moves in as is
    source: str  # recorded with the version


def _read_items(args: argparse.Namespace, settings: Settings, staging: Path) -> _ItemTable:
    if (args.file is None) == (args.sql is None):
        raise InputError("Give either a table FILE or a --sql query, not both or neither.")
    if args.sql is None:
        if args.database_url is not None:
            raise InputError("--database-url goes with --sql; a FILE needs neither.")
        frame = read_table_file(args.file, settings, sheet=args.sheet)
        return _ItemTable(frame, frame, args.file.name)
    if args.sheet is not None:
        raise InputError("--sheet is for an .xlsx workbook, not a SQL query.")
    prepared = staging / "query.parquet"
    with _progress("Reading the query") as progress:
        frame, source = read_query(
            args.sql, args.database_url, settings, prepared, progress=progress
        )
    return _ItemTable(frame, prepared, source)


def _presented(
    args: argparse.Namespace, mapping: ColumnMapping, items: pd.DataFrame
) -> ColumnMapping:
    """``mapping`` with ``--currency`` and ``--label``; what they do not say stays as it was (a
    refresh keeps its labels, except for columns the new table no longer has)."""
    columns = [str(c) for c in items.columns]
    labels: dict[str, object] = {c: words for c, words in mapping.labels if c in columns}
    labels.update(label_flags(args.label))
    currency = args.currency if args.currency is not None else mapping.currency
    presentation, problems = read_presentation(columns, currency, labels)
    if problems:
        raise InputError(f"{' '.join(problems)} Nothing was written.")
    return presentation.applied_to(mapping)


def _transaction_mapping(
    args: argparse.Namespace, previous: TransactionMapping | None
) -> TransactionMapping | None:
    """The transactions' mapping from the flags, or the previous version's when none is given."""
    roles = {
        "--tx-item": args.tx_item,
        "--tx-date": args.tx_date,
        "--tx-qty": args.tx_qty,
        "--tx-price": args.tx_price,
    }
    given = any(roles.values()) or bool(args.tx_scope)
    if given and args.transactions is None:
        raise InputError("The --tx-… columns map a --transactions FILE; give the file too.")
    if args.transactions is None:
        return previous
    if not given and previous is not None:
        return previous
    missing = [flag for flag, column in roles.items() if not column]
    if missing:
        raise InputError(
            f"Map the transactions' columns: give {', '.join(missing)} (item id, date, "
            "quantity and net price)."
        )
    return TransactionMapping(
        item=args.tx_item,
        date=args.tx_date,
        quantity=args.tx_qty,
        net_price=args.tx_price,
        scope=tuple(dict.fromkeys(args.tx_scope)),
    )


def _read_transactions(args: argparse.Namespace, settings: Settings) -> pd.DataFrame | None:
    """The order lines of ``--transactions`` (their mapping comes from _transaction_mapping)."""
    return None if args.transactions is None else read_table_file(args.transactions, settings)


def _refuse_problems(
    items: pd.DataFrame,
    mapping: ColumnMapping,
    transactions: pd.DataFrame | Path | None,
    tx_mapping: TransactionMapping | None,
    what: str,
) -> None:
    """InputError listing every problem of the items and the transactions at once, if any."""
    problems = mapping_problems(items, mapping)
    if isinstance(transactions, pd.DataFrame) and tx_mapping is not None:
        problems += tx_mapping.problems([str(c) for c in transactions.columns])
    if len(problems) == 1:
        raise InputError(f"{problems[0]} Nothing was written.")
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise InputError(
            f"{what} cannot be used as it is ({len(problems)} problems); nothing was written:\n"
            f"{listed}"
        )


def _score(
    settings: Settings, slug: str, version: DatasetVersion, *, make_current: bool
) -> RunInfo:
    from dashboard.datasets.scoring import score_version  # fitting libraries load only here
    from dashboard.run_notices import publication_note

    with _progress("Scoring") as progress:
        run = score_version(
            settings, slug, version.version_id, progress=progress, make_current=make_current
        )
    current = run_store(settings).current_id()
    print(
        f"Published run {run.run_id} ({run.label}, {run.rows:,} items); "
        f"{publication_note(run, current)}"
    )
    return run


@contextmanager
def _progress(title: str) -> Iterator[ProgressHook]:
    if not sys.stderr.isatty():
        yield no_progress
        return
    with ConsoleProgress(title) as bar:
        yield bar


def _described(version: DatasetVersion) -> str:
    text = (
        f"{version.label} with {version.rows:,} rows and {len(version.columns)} columns "
        f"from {version.source}"
    )
    if version.transactions is not None:
        text += f", and {version.transaction_rows:,} transaction lines"
    return text
