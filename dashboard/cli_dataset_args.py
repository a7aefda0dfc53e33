"""The arguments the ``datasets`` commands share: where the table comes from, how it reads on
screen, its transactions, and whether the published run becomes current."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_make_current_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--make-current",
        action="store_true",
        help="make the published run the one every page shows to every user (default: not "
        "current, unless no run is current yet)",
    )


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", nargs="?", type=Path, metavar="FILE", help=".csv, .tsv, .parquet or .xlsx"
    )
    parser.add_argument("--sheet", help="the sheet of an .xlsx workbook (default: the first)")
    parser.add_argument("--sql", metavar="QUERY", help="read the table with this SELECT instead")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="the database for --sql, e.g. postgresql://user@host/db (keep the password in "
        "PGPASSWORD or ~/.pgpass rather than the URL)",
    )


def add_presentation_arguments(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--currency", metavar="CODE", help=f"the prices' currency, e.g. EUR (default: {default})"
    )
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="COL=WORDS",
        help="the words the pages show for a column (repeatable; a refresh keeps the others)",
    )


def add_transaction_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--transactions", type=Path, metavar="FILE", help="order lines")
    parser.add_argument("--tx-item", metavar="COL", help="the transactions' item id column")
    parser.add_argument("--tx-date", metavar="COL", help="the transactions' date column")
    parser.add_argument("--tx-qty", metavar="COL", help="the transactions' quantity column")
    parser.add_argument("--tx-price", metavar="COL", help="the transactions' net price column")
    parser.add_argument(
        "--tx-scope", action="append", default=[], metavar="COL", help="a scope (repeatable)"
    )
