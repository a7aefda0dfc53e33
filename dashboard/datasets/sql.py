"""A dataset read from a database: one read-only SELECT, streamed in chunks into a Parquet file.

Real catalogues live in databases. The query runs through SQLAlchemy; rows arrive in chunks (a
server-side cursor where the driver has one) and each chunk is appended to a Parquet file, so the
result is never held in memory twice and a query that returns too much stops at the row limit.

Only a single SELECT (or WITH … SELECT) is accepted. The keyword check is a courtesy that gives a
clear sentence; the guards are the database's own: PostgreSQL runs the query in a READ ONLY
transaction and SQLite with ``query_only``. The database user should still be one that can only
read. The URL's password never appears in a message or in the stored source: see
:func:`described_url`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from dashboard.errors import InputError
from dashboard.progress import ProgressHook, no_progress
from dashboard.tables.validation import duplicate_column_names

logger = logging.getLogger(__name__)

CHUNK_ROWS = 50_000
# String literals, quoted identifiers and comments: skipped before looking for keywords, so a
# product named 'DROP-forged spanner' or a column "update" does not read as a statement.
_QUOTED_OR_COMMENT = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]|--[^\n]*|/\*.*?\*/", re.DOTALL
)
# Words that change data or the schema, or run a procedure: none belongs in a catalogue read.
_WRITING_WORDS = (
    "insert",
    "update",
    "delete",
    "merge",
    "upsert",
    "drop",
    "alter",
    "create",
    "truncate",
    "grant",
    "revoke",
    "copy",
    "into",
    "call",
    "exec",
    "execute",
    "attach",
    "detach",
    "pragma",
    "vacuum",
    "reindex",
    "lock",
    "set",
    "do",
)
_WRITING = re.compile(r"\b(" + "|".join(_WRITING_WORDS) + r")\b", re.IGNORECASE)


def check_select(query: object) -> str:
    """The query without a trailing semicolon, or InputError unless it is one read-only SELECT."""
    if not isinstance(query, str) or not query.strip():
        raise InputError("Give the SQL query that selects the catalogue (SELECT …).")
    statement = query.strip().rstrip(";").strip()
    bare = _QUOTED_OR_COMMENT.sub(" ", statement)
    if ";" in bare:
        raise InputError("Give one SQL statement, not several separated by ';'.")
    words = bare.lstrip("( \t\r\n").split(None, 1)
    first = words[0].lower() if words else ""
    if first not in ("select", "with") or not re.search(r"\bselect\b", bare, re.IGNORECASE):
        raise InputError(
            f"Only a SELECT query can read a catalogue, and this one starts with "
            f"'{first.upper() or statement[:20]}'."
        )
    writing = _WRITING.search(bare)
    if writing:
        raise InputError(
            f"Only a read-only SELECT is accepted, and this query uses "
            f"'{writing.group(1).upper()}', which can change the database."
        )
    return statement


def parse_database_url(url: object) -> URL:
    """The URL as SQLAlchemy reads it; the sentence for a bad one never repeats the URL."""
    if not isinstance(url, str) or not url.strip():
        raise InputError("Give the database URL (--database-url), e.g. postgresql://user@host/db.")
    try:
        return make_url(url.strip())
    except (ArgumentError, ValueError):
        raise InputError(
            "The database URL cannot be read; write it as dialect://user@host:port/database, "
            "e.g. postgresql://analyst@db.example.com/shop."
        ) from None


def described_url(url: URL) -> str:
    """The URL without its password, driver or query options: safe to print and to store."""
    shown = URL.create(
        url.get_backend_name(),
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
    )
    return shown.render_as_string(hide_password=True)


def source_label(url: URL) -> str:
    return f"SQL query on {described_url(url)}"


def query_to_parquet(
    query: str,
    url: URL,
    destination: Path,
    *,
    max_rows: int,
    max_columns: int,
    chunk_rows: int = CHUNK_ROWS,
    progress: ProgressHook = no_progress,
) -> int:
    """Run ``query`` and write its result to ``destination`` (Parquet); the number of rows.

    InputError, and no file left behind, for a query that is not a read-only SELECT, a database
    that cannot be reached or refuses the query, an empty result or one over the limits.
    """
    statement = check_select(query)
    try:
        engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError):
        raise InputError(
            f"PriceScope cannot talk to a '{url.drivername}' database; use PostgreSQL "
            "(postgresql://…) or SQLite (sqlite:///path/to/file.db)."
        ) from None
    try:
        with engine.connect() as connection:
            _read_only(connection, url)
            return _stream(
                connection, statement, destination, max_rows, max_columns, chunk_rows, progress
            )
    except (SQLAlchemyError, pd.errors.DatabaseError) as error:
        destination.unlink(missing_ok=True)
        raise InputError(_database_problem(error, url)) from None
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()


def _read_only(connection: Connection, url: URL) -> None:
    """Ask the database itself to refuse writes for the rest of this connection's transaction."""
    backend = url.get_backend_name()
    if backend == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif backend == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")


def _stream(
    connection: Connection,
    statement: str,
    destination: Path,
    max_rows: int,
    max_columns: int,
    chunk_rows: int,
    progress: ProgressHook,
) -> int:
    streaming = connection.execution_options(stream_results=True, max_row_buffer=chunk_rows)
    chunks = pd.read_sql_query(
        text(statement), streaming, chunksize=chunk_rows, dtype_backend="numpy_nullable"
    )
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for chunk in chunks:
            if writer is None:
                _check_columns(chunk, max_columns)
            if chunk.empty:
                continue
            rows += len(chunk)
            if rows > max_rows:
                raise InputError(
                    f"The query returns more than {max_rows:,} rows, the limit; narrow it "
                    "with WHERE or LIMIT."
                )
            # Without pandas' metadata the file reads back in the ordinary dtypes (int64, float64
            # with NaN), as any uploaded table does, not in the nullable ones used to stream it.
            batch = pa.Table.from_pandas(chunk, preserve_index=False).replace_schema_metadata()
            if writer is None:
                writer = pq.ParquetWriter(destination, batch.schema)
            writer.write_table(_conformed(batch, writer.schema))
            progress(f"read {rows:,} rows", 0.0)
    finally:
        if writer is not None:
            writer.close()
    if rows == 0:
        raise InputError("The query returned no rows.")
    logger.info("read %s rows from the database into %s", rows, destination.name)
    return rows


def _check_columns(chunk: pd.DataFrame, max_columns: int) -> None:
    repeated = duplicate_column_names(list(chunk.columns))
    if repeated:
        raise InputError(
            f"The query returns more than one column named '{repeated[0]}'; name them "
            "apart with AS."
        )
    if len(chunk.columns) > max_columns:
        raise InputError(
            f"The query returns {len(chunk.columns):,} columns, more than the limit of "
            f"{max_columns:,}; select fewer."
        )


def _conformed(batch: pa.Table, schema: pa.Schema) -> pa.Table:
    """A later chunk in the first chunk's column types (a chunk of NULLs has no type of its own)."""
    if batch.schema.equals(schema):
        return batch
    try:
        return batch.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        changed = next(
            (f.name for f in schema if batch.schema.field(f.name).type != f.type), "a column"
        )
        raise InputError(
            f"The column '{changed}' changes type partway through the result; give it one "
            "type in the query, e.g. CAST(… AS TEXT)."
        ) from None


def _database_problem(error: Exception, url: URL) -> str:
    """The driver's own first line, which names the problem, without the SQL or any password."""
    # pandas wraps the SQLAlchemy error, which wraps the driver's: the driver's says it best.
    original: BaseException = error
    while isinstance(original.__cause__ or getattr(original, "orig", None), BaseException):
        original = original.__cause__ or original.orig  # type: ignore[attr-defined]
    detail = (str(original).strip().splitlines() or ["unknown error"])[0].strip().rstrip(".")
    if url.password:
        detail = detail.replace(str(url.password), "***")
    return f"The database at {described_url(url)} could not run the query: {detail}."
