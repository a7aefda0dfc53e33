"""The database: the schema made and upgraded through Alembic on SQLite (WAL mode) and on a real
PostgreSQL server this module starts (Debian's ``postgresql``); a database from the hand-rolled
migrations adopted with its data; several processes starting at once; the in-memory test store."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, insert, inspect, text

from dashboard.auth.users import UserStore
from dashboard.db import Database, head_revision, metadata, open_database, upgrade_schema
from dashboard.db.upgrade import LEGACY_VERSION_TABLE, alembic_config
from dashboard.errors import InputError
from dashboard.reviews.exports import PriceChangeExports
from dashboard.reviews.model import parse_decision
from dashboard.reviews.store import ReviewStore
from dashboard.runs import DEMO_DATASET
from testkit.postgres import postgres_server
from tests.test_reviews import check_race, run_race

TABLES = {
    "alembic_version",
    "users",
    "decisions",
    "decision_history",
    "login_attempts",
    "price_change_exports",
    "job_records",
    "scope_locks",
}
DATA_TABLES = ("users", "decisions", "decision_history", "login_attempts")
LEGACY_V1 = Path(__file__).parent / "data" / "reviews_schema_v1.sql"
# The tables whose rows gained a dataset column (the last one) in revision 0002.
PER_DATASET = ("decisions", "decision_history")
ACCEPT = parse_decision("accepted", "price_correct", "checked with the buyer")


LEGACY_DECISION = """
    INSERT INTO decisions (item_id, version, action, reason_code, note, run_id, decided_by,
                           decided_at)
    VALUES (:item, 1, 'accepted', 'price_correct', '', 'r1', 'ana', now())
"""
LEGACY_HISTORY = """
    INSERT INTO decision_history (item_id, version, action, reason_code, note, run_id,
                                  decided_by, decided_at)
    VALUES (:item, 1, 'accepted', 'price_correct', '', 'r1', 'ana', now())
"""


def revisions(database: Database) -> list[str]:
    with database.read() as connection:
        return list(connection.scalars(text("SELECT version_num FROM alembic_version")))


def legacy_sqlite(path: Path, sql: str | None = None) -> str:
    """A SQLite file holding the hand-rolled version-1 database with its data; its URL."""
    with sqlite3.connect(path) as connection:
        connection.executescript(sql if sql is not None else LEGACY_V1.read_text())
    connection.close()
    return f"sqlite:///{path}"


def all_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        rows = {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in DATA_TABLES
        }
    connection.close()
    return rows


def schema_statements(path: Path) -> set[str]:
    """The CREATE statements of the data tables and their indexes, whitespace normalised."""
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN (?, ?, ?, ?)",
            DATA_TABLES,
        ).fetchall()
    connection.close()
    return {re.sub(r"\s+", " ", sql).strip() for (sql,) in found}


def test_an_empty_sqlite_database_gets_the_whole_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "fresh.db"
    database = open_database(f"sqlite:///{path}")
    assert path.is_file()
    assert set(inspect(database.engine).get_table_names()) == TABLES
    with database.read() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert revisions(database) == [head_revision()]
    # Opening again (a second process, a restart) applies nothing twice.
    again = open_database(f"sqlite:///{path}")
    assert upgrade_schema(again) == head_revision()
    assert revisions(again) == [head_revision()]


def test_the_first_revision_is_the_hand_rolled_version_1_schema(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.db"
    legacy_sqlite(legacy)
    database = Database(f"sqlite:///{tmp_path / 'alembic.db'}")
    with database.write() as connection:
        command.upgrade(alembic_config(connection), "0001")
    made = schema_statements(tmp_path / "alembic.db")
    assert len(made) == 7  # four tables, three indexes
    assert made == schema_statements(legacy)


def test_the_tables_the_stores_use_are_the_newest_revision(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'head.db'}")
    with database.read() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_a_version_1_database_with_data_is_adopted_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pricescope.db"
    url = legacy_sqlite(path)
    before = all_rows(path)
    assert len(before["users"]) == 2 and len(before["decision_history"]) == 3

    database = open_database(url)

    # Decisions made before datasets existed were all made on the demo: they gain its key; and
    # (revision 0003) their reprices are proposed, not approved, and none is marked extreme.
    def upgraded(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
        status = "proposed" if "reprice" in row else None
        if table == "decisions":
            return (*row, DEMO_DATASET, status, 0, None, None, None)
        return (*row, DEMO_DATASET, status, 0)

    assert all_rows(path) == {
        table: [upgraded(table, row) for row in rows] if table in PER_DATASET else rows
        for table, rows in before.items()
    }
    assert set(inspect(database.engine).get_table_names()) == TABLES  # schema_migrations gone
    assert revisions(database) == [head_revision()]
    users = UserStore(database)
    assert users.authenticate("ana", "ana-password-123") is not None
    vic = users.by_name("vic")
    assert vic is not None and not vic.active
    store = ReviewStore(database)
    repriced = store.decision(DEMO_DATASET, "SKU-0000001")
    assert repriced is not None and repriced.dataset == DEMO_DATASET
    assert (repriced.version, repriced.action, repriced.new_price) == (2, "reprice", 95.5)
    assert (repriced.actual, repriced.fair_price, repriced.at_stake) == (80.0, 100.0, 400.0)
    assert [h.version for h in store.history(DEMO_DATASET, "SKU-0000001")] == [2, 1]
    assert store.decision("cars", "SKU-0000001") is None
    # And it goes on working: a new decision builds on the old versions, and the same item id in
    # another dataset starts its own.
    saved = store.save({"SKU-0000002": 1}, ACCEPT, dataset=DEMO_DATASET, user="ana", run_id="r2")
    assert [d.version for d in saved.saved] == [2]
    other = store.save({"SKU-0000002": 0}, ACCEPT, dataset="cars", user="ana", run_id="r3")
    assert [d.version for d in other.saved] == [1]
    assert store.version(DEMO_DATASET) == 4 and store.version("cars") == 5
    assert store.datasets() == {DEMO_DATASET: 2, "cars": 1}


def test_a_database_from_an_unknown_hand_rolled_version_is_refused_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "newer.db"
    url = legacy_sqlite(
        path, LEGACY_V1.read_text() + "INSERT INTO schema_migrations VALUES (2, '2027-01-01');\n"
    )
    before = all_rows(path)
    with pytest.raises(InputError, match="schema version 2"):
        open_database(url)
    with sqlite3.connect(path) as connection:
        names = {n for (n,) in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert "schema_migrations" in names and "alembic_version" not in names
    assert all_rows(path) == before


def _open_at_once(url: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=60)
    results.put(upgrade_schema(open_database(url)))


@pytest.mark.parametrize("start", ["empty", "version 1 with data"])
def test_several_processes_starting_at_once_share_one_schema(tmp_path: Path, start: str) -> None:
    path = tmp_path / "shared.db"
    url = legacy_sqlite(path) if start != "empty" else f"sqlite:///{path}"
    before = all_rows(path) if start != "empty" else None
    workers = 4
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers), context.Queue()
    processes = [
        context.Process(target=_open_at_once, args=(url, barrier, results)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert [results.get(timeout=5) for _ in range(workers)] == [head_revision()] * workers
    database = Database(url)
    assert set(inspect(database.engine).get_table_names()) == TABLES
    assert revisions(database) == [head_revision()]
    if before is not None:
        after = all_rows(path)
        # Later revisions add columns after the old ones: the dataset first (0002), then more.
        width = {t: len(before[t][0]) for t in PER_DATASET}
        assert {t: [row[: width[t]] for row in after[t]] for t in PER_DATASET} == {
            t: before[t] for t in PER_DATASET
        }
        assert {row[width[t]] for t in PER_DATASET for row in after[t]} == {DEMO_DATASET}
        assert {t: after[t] for t in DATA_TABLES if t not in PER_DATASET} == {
            t: before[t] for t in DATA_TABLES if t not in PER_DATASET
        }


def test_the_in_memory_store_is_one_database_per_open(tmp_path: Path) -> None:
    first, second = open_database("sqlite://"), open_database("sqlite://")
    UserStore(first).add("ana", "ana-password-123", "analyst")
    # Every connection of one engine sees the same data; another open starts empty.
    assert UserStore(first).authenticate("ana", "ana-password-123") is not None
    assert UserStore(first).count() == 1
    assert UserStore(second).count() == 0
    assert revisions(second) == [head_revision()]


def test_an_unusable_database_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be used"):
        open_database("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free loopback port, run as the ``postgres`` user."""
    server = postgres_server()
    if isinstance(server, str):
        pytest.skip(server)
    try:
        yield server.url
    finally:
        server.remove()


def test_postgresql_adopts_a_version_1_database_with_its_data(postgres_url: str) -> None:
    # The hand-rolled version 1 made exactly revision 0001 (checked on SQLite above) and recorded
    # itself in schema_migrations.
    legacy = Database(postgres_url)
    with legacy.write() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        LEGACY_VERSION_TABLE.create(connection)
        connection.execute(insert(LEGACY_VERSION_TABLE).values(version=1, applied_at=func.now()))
        # Decisions as version 1 wrote them: no dataset column yet.
        for item_id in ("SKU-1", "SKU-2"):
            connection.execute(text(LEGACY_DECISION), {"item": item_id})
            connection.execute(text(LEGACY_HISTORY), {"item": item_id})
    UserStore(legacy).add("ana", "ana-password-123", "analyst")
    legacy.dispose()

    database = open_database(postgres_url)
    assert set(inspect(database.engine).get_table_names()) == TABLES
    assert revisions(database) == [head_revision()]
    assert UserStore(database).authenticate("ana", "ana-password-123") is not None
    store = ReviewStore(database)
    assert set(store.decisions(DEMO_DATASET)) == {"SKU-1", "SKU-2"}
    assert [h.version for h in store.history(DEMO_DATASET, "SKU-1")] == [1]
    # The key is (dataset, item id) now: the same id saves anew in another dataset.
    assert store.save({"SKU-1": 0}, ACCEPT, dataset="cars", user="ana", run_id="r2").saved
    assert store.decision(DEMO_DATASET, "SKU-1") is not None
    assert store.save({"SKU-1": 0}, ACCEPT, dataset="cars", user="ana", run_id="r2").conflicts
    with database.read() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    database.dispose()


def test_postgresql_schema_decisions_and_concurrent_writers(postgres_url: str) -> None:
    database = open_database(postgres_url)
    assert set(inspect(database.engine).get_table_names()) >= TABLES
    assert upgrade_schema(open_database(postgres_url)) == head_revision()  # idempotent
    assert revisions(database) == [head_revision()]
    store = ReviewStore(database)
    run_race(postgres_url)
    check_race(store)
    database.dispose()


def check_revision_0003(url: str) -> None:
    """From revision 0002 with a reprice and an acceptance to the head: the reprice is proposed
    (pending approval), nothing is extreme, exports are recorded; and back down to 0002."""
    database = open_database(url)
    with database.write() as connection:
        command.downgrade(alembic_config(connection), "0002")
        connection.execute(text("DELETE FROM decisions"))
        connection.execute(text("DELETE FROM decision_history"))
        for item, action, price in (("SKU-7", "reprice", 99.5), ("SKU-8", "accepted", None)):
            values = {"item": item, "action": action, "price": price}
            connection.execute(
                text(
                    "INSERT INTO decisions (dataset, item_id, version, action, new_price,"
                    " reason_code, note, run_id, decided_by, decided_at)"
                    " VALUES ('demo', :item, 1, :action, :price, 'competitor', '', 'r1', 'ana',"
                    " CURRENT_TIMESTAMP)"
                ),
                values,
            )
    assert upgrade_schema(database) == head_revision() == "0004"
    store = ReviewStore(database)
    repriced, accepted = store.decision("demo", "SKU-7"), store.decision("demo", "SKU-8")
    assert repriced is not None and (repriced.status, repriced.extreme) == ("proposed", False)
    assert accepted is not None and (accepted.status, accepted.extreme) == (None, False)
    done = store.give_verdict(
        {"SKU-7": 1}, "approved", dataset="demo", user="bob", is_admin=False, note="ok"
    )
    assert [d.status for d in done.done] == ["approved"]
    exports = PriceChangeExports(database)
    exports.record(
        dataset="demo", run_id="r1", user="bob", kind="csv", rows=1, effective=date(2026, 12, 1)
    )
    assert [(e.exported_by, e.rows) for e in exports.recent("demo")] == [("bob", 1)]
    with database.read() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    with database.write() as connection:
        command.downgrade(alembic_config(connection), "0002")
    assert "price_change_exports" not in inspect(database.engine).get_table_names()
    assert upgrade_schema(database) == "0004"
    database.dispose()


def test_revision_0003_backfills_reprices_as_proposed_on_sqlite(tmp_path: Path) -> None:
    check_revision_0003(f"sqlite:///{tmp_path / 'r3.db'}")


def test_revision_0003_backfills_reprices_as_proposed_on_postgresql(postgres_url: str) -> None:
    check_revision_0003(postgres_url)
