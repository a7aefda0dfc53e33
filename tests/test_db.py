"""The database: schema created and migrated on an empty database, SQLite in WAL mode, and the
PostgreSQL path against a real server this module starts (Debian's ``postgresql``)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from dashboard.db import MIGRATIONS, open_database, schema_migrations
from dashboard.errors import InputError
from dashboard.reviews.store import ReviewStore
from tests.test_reviews import check_race, run_race

TABLES = {"schema_migrations", "users", "decisions", "decision_history", "login_attempts"}


def test_an_empty_sqlite_database_gets_the_whole_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "fresh.db"
    database = open_database(f"sqlite:///{path}")
    assert path.is_file()
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    with database.read() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        versions = list(connection.scalars(select(schema_migrations.c.version)))
    assert versions == [m[0] for m in MIGRATIONS]
    # Opening again (a second process, a restart) applies nothing twice.
    assert open_database(f"sqlite:///{path}").migrate() == MIGRATIONS[-1][0]


def test_an_unusable_database_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be used"):
        open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")


# -- PostgreSQL ---------------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free loopback port, run as the ``postgres`` user."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (.ci/install-test-deps installs Debian's postgresql)"
        )
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no 'postgres' system user to run the server as")
    root = Path(tempfile.mkdtemp(prefix="pricescope-pg-"))
    os.chown(root, owner.pw_uid, owner.pw_gid)
    data, port = root / "data", _free_port()

    def as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
        command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    init = as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
    assert init.returncode == 0, init.stderr
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = as_postgres(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(root / "log"),
        "-w",
        "start",
    )
    assert started.returncode == 0, started.stderr + (root / "log").read_text()
    try:
        created = as_postgres(
            str(bin_dir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "pricescope",
        )
        assert created.returncode == 0, created.stderr
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/pricescope"
    finally:
        as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_schema_decisions_and_concurrent_writers(postgres_url: str) -> None:
    database = open_database(postgres_url)
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    assert open_database(postgres_url).migrate() == MIGRATIONS[-1][0]  # idempotent
    store = ReviewStore(database)
    run_race(postgres_url)
    check_race(store)
    database.dispose()
