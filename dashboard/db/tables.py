"""The schema the stores read and write: users, review decisions and their history, price-change
exports, login attempts, recompute job records and the scope locks of their computations.

These declarations describe the database as the newest migration leaves it. A change here needs a
new Alembic revision in ``dashboard/db/migrations/versions`` (never an edit of an old one);
``tests/test_db.py`` fails while the two disagree.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The current decision per item of a dataset: decisions carry across the dataset's runs (and its
# versions) because the key is the item, not the run; another dataset's item with the same id is
# another item. ``version`` counts the item's changes; a save must name the version it started from.
decisions = Table(
    "decisions",
    metadata,
    Column("dataset", String(64), nullable=False),
    Column("item_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("new_price", Float, nullable=True),
    Column("reason_code", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("run_id", String(64), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    # What the item looked like when decided, so the Decisions page can total money at stake and
    # repricing effects without loading old runs.
    Column("actual", Float, nullable=True),
    Column("fair_price", Float, nullable=True),
    Column("at_stake", Float, nullable=True),
    Column("volume", Float, nullable=True),
    Column("direction", String(8), nullable=True),
    # A reprice's approval (revision 0003): proposed, approved or rejected, and by whom; ``extreme``
    # marks a new price beyond the guardrails that its author confirmed with a note.
    Column("status", String(16), nullable=True),
    Column("extreme", Boolean, nullable=False, default=False),
    Column("reviewed_by", String(64), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("review_note", Text, nullable=True),
    # PostgreSQL's own name for a table's key, so the revision that widened it kept the name.
    PrimaryKeyConstraint("dataset", "item_id", name="decisions_pkey"),
)

# Every change, append-only: the audit history. Its largest id within a dataset also serves as that
# dataset's decisions version (it changes whenever one of its decisions does), which keys the
# Explorer's caches.
decision_history = Table(
    "decision_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset", String(64), nullable=False),
    Column("item_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("new_price", Float, nullable=True),
    Column("reason_code", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("previous_action", String(16), nullable=True),
    # An approval or a rejection is a step of its own: ``decided_by`` took it, ``status`` says which.
    Column("status", String(16), nullable=True),
    Column("extreme", Boolean, nullable=False, default=False),
    Index("ix_decision_history_item", "dataset", "item_id", "version", unique=True),
)

# Every price-change file handed out: what a pricing system imported, who took it and when.
price_change_exports = Table(
    "price_change_exports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset", String(64), nullable=False),
    Column("run_id", String(64), nullable=True),
    Column("exported_by", String(64), nullable=False),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("effective_date", String(10), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("rows", Integer, nullable=False),
    Index("ix_price_change_exports_dataset", "dataset", "exported_at"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("remote_addr", String(64), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_login_attempts_user", "user_name", "attempted_at"),
    Index("ix_login_attempts_addr", "remote_addr", "attempted_at"),
)

# One row per recompute or scoring job (revision 0004): the web process writes cancel requests, the
# job's process (a diskcache child or a Celery worker on another host) its heartbeat and outcome.
# Times are epoch seconds (float), as ``dashboard.jobs.records.JobRecord`` holds them.
job_records = Table(
    "job_records",
    metadata,
    Column("job_id", String(32), primary_key=True),
    Column("scope", JSON, nullable=False),
    Column("scope_label", Text, nullable=False),
    Column("started_by", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float, nullable=True),
    Column("finished_at", Float, nullable=True),
    Column("heartbeat_at", Float, nullable=True),
    Column("stage", Text, nullable=False),
    Column("fraction", Float, nullable=False),
    Column("run_id", String(64), nullable=True),
    Column("error", Text, nullable=True),
    Column("cancel_requested", Boolean, nullable=False),
    Column("shared_with", String(32), nullable=True),
    Column("worker", String(255), nullable=True),
    Column("ticket", String(64), nullable=True),
    Column("origin", String(16), nullable=True),
    # The Jobs page and a page reattaching to its job read newest first; the reaper reads by status.
    Index("ix_job_records_created_at", "created_at"),
    Index("ix_job_records_status", "status"),
)

# Which job computes a scope right now (revision 0004): one row per scope key while a job holds it.
# The holder renews ``lease_until``; a holder that died stops renewing, and its lease runs out.
scope_locks = Table(
    "scope_locks",
    metadata,
    Column("scope_key", String(64), primary_key=True),
    Column("job_id", String(32), nullable=False),
    Column("acquired_at", Float, nullable=False),
    Column("lease_until", Float, nullable=False),
)
