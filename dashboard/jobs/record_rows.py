"""Job records as rows of the ``job_records`` table: what :class:`~dashboard.jobs.records.JobBook`
reads and writes, in one short transaction each.

Every change is one conditional ``UPDATE … WHERE job_id = :id AND <condition> RETURNING *``: it
sets only the columns it names, so two processes changing different fields of a record at once (the
web process asking for a cancel, the job's heartbeat twice a second) never lose each other's
change, and the condition (for ``JobBook.update``: the record has not ended) is checked by the
database in the same statement, so an end is never overwritten. On SQLite the write transaction
begins ``IMMEDIATE`` (see :mod:`dashboard.db.engine`); on PostgreSQL the row lock the ``UPDATE``
takes orders concurrent writers.

Records written before they lived here (``<data_dir>/jobs/<job_id>.json``) are imported once by
:func:`import_job_files`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.dml import Insert

from dashboard.db import Database, job_records

logger = logging.getLogger(__name__)

Values = dict[str, Any]
#: A record file's JSON checked and completed as the row to insert (``JobRecord`` does it).
Parse = Callable[[Any], Values]
_COLUMNS = frozenset(job_records.c.keys())
# A heartbeat writes only these: losing the last few in a server crash loses nothing that matters,
# so on PostgreSQL such a write does not wait for its commit to reach the disk (a few ms each).
_PROGRESS_ONLY = frozenset({"stage", "fraction", "heartbeat_at"})
# SQLite may hand a whole-number REAL back as an int (0 for 0.0): times and fractions stay floats.
_FLOATS = ("created_at", "started_at", "finished_at", "heartbeat_at", "fraction")
#: Where imported record files are moved, beside the directory they came from.
IMPORTED_DIR = "jobs.imported"


def insert_new(connection: Connection, table: Table) -> Insert:
    """``INSERT`` that skips a row whose key is already there (both dialects say it differently)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def _values(row: Row[Any]) -> Values:
    values = dict(row._mapping)
    values["cancel_requested"] = bool(values["cancel_requested"])
    for name in _FLOATS:
        if values[name] is not None:
            values[name] = float(values[name])
    return values


def insert(database: Database, values: Values) -> None:
    with database.write() as connection:
        connection.execute(job_records.insert().values(values))


def fetch(database: Database, job_id: str) -> Values | None:
    with database.read() as connection:
        row = connection.execute(select(job_records).where(job_records.c.job_id == job_id)).first()
    return None if row is None else _values(row)


def change(
    database: Database,
    job_id: str,
    changes: Mapping[str, Any],
    condition: ColumnElement[bool],
) -> Values | None:
    """Sets ``changes`` on the record if ``condition`` holds; the record after the change, or
    ``None`` when the record is missing or the condition did not hold (the caller reads it)."""
    unknown = set(changes) - (_COLUMNS - {"job_id"})
    if unknown:
        raise ValueError(f"job records have no field(s) {sorted(unknown)}")
    statement = (
        update(job_records)
        .where(and_(job_records.c.job_id == job_id, condition))
        .values(**changes)
        .returning(*job_records.c)
    )
    with database.write() as connection:
        if connection.dialect.name == "postgresql" and set(changes) <= _PROGRESS_ONLY:
            connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
        row = connection.execute(statement).first()
    return None if row is None else _values(row)


def newest(database: Database, limit: int, *conditions: ColumnElement[bool]) -> list[Values]:
    """Up to ``limit`` records meeting ``conditions``, newest first."""
    statement = (
        select(job_records)
        .where(*conditions)
        .order_by(job_records.c.created_at.desc(), job_records.c.job_id.desc())
        .limit(limit)
    )
    with database.read() as connection:
        return [_values(row) for row in connection.execute(statement)]


def import_job_files(database: Database, folder: Path, parse: Parse) -> int:
    """Imports the record files of ``folder`` (``<data_dir>/jobs``) that the table lacks, then moves
    the folder aside (``jobs.imported``) so it is read once; returns how many were imported.

    The history of the Jobs page survives the upgrade. A record that was active when the old
    version stopped is imported as it was; its silent heartbeat then ends it, with a reason, as for
    any job whose process went away.
    """
    files = sorted(folder.glob("j-*.json")) if folder.is_dir() else []
    if not files:
        return 0
    rows = list(_readable(files, parse))
    with database.write() as connection:
        existing = set(connection.scalars(select(job_records.c.job_id)))
        fresh = [row for row in rows if row["job_id"] not in existing]
        if fresh:
            connection.execute(insert_new(connection, job_records), fresh)
    target = folder.with_name(IMPORTED_DIR)
    if target.exists():
        target = folder.with_name(f"{IMPORTED_DIR}-{time.time_ns()}")
    # Another process sharing the data directory may have moved it first.
    with contextlib.suppress(FileNotFoundError):
        folder.rename(target)
    logger.info(
        "job records: imported %d of %d record files from %s into the database; the files are kept "
        "in %s",
        len(fresh),
        len(files),
        folder,
        target,
    )
    return len(fresh)


def _readable(files: Iterable[Path], parse: Parse) -> Iterable[Values]:
    for path in files:
        try:
            row = parse(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            logger.warning("job records: %s is unreadable and was not imported", path)
            continue
        yield row
