"""Decisions keyed per dataset: the same item id in two datasets is two items.

``decisions`` and ``decision_history`` get a ``dataset`` column; the current decision's key becomes
(dataset, item_id) and the history's unique index (dataset, item_id, version). Every decision made
before datasets existed was made on the demo catalogue, so existing rows are backfilled with
``'demo'`` (``dashboard.runs.DEMO_DATASET``; written out here because a revision must not change
when the code it was written beside does).

SQLite cannot alter a table's key, so there batch mode rebuilds both tables (copy, drop, rename);
PostgreSQL alters them in place.

Revision 0002, after 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEMO_DATASET = "demo"
# PostgreSQL's default name for the decisions table's key, kept for the widened key.
DECISIONS_KEY = "decisions_pkey"
HISTORY_INDEX = "ix_decision_history_item"


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _dataset_column() -> sa.Column[str]:
    # The server default fills the rows already there; it is dropped again below, since every
    # new decision names its dataset.
    return sa.Column(
        "dataset", sa.String(64), nullable=False, server_default=sa.text(f"'{DEMO_DATASET}'")
    )


def _decisions_without_key() -> sa.Table:
    """``decisions`` as revision 0001 made it, minus its key: what SQLite's rebuild copies from.

    SQLite's key has no name to drop it by, and a reflected copy would keep ``item_id`` as a key
    column beside the new key; this copy lets the rebuild write the new key alone.
    """
    return sa.Table(
        "decisions",
        sa.MetaData(),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("new_price", sa.Float(), nullable=True),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actual", sa.Float(), nullable=True),
        sa.Column("fair_price", sa.Float(), nullable=True),
        sa.Column("at_stake", sa.Float(), nullable=True),
        sa.Column("volume", sa.Float(), nullable=True),
        sa.Column("direction", sa.String(8), nullable=True),
    )


def upgrade() -> None:
    if _is_sqlite():
        with op.batch_alter_table("decisions", copy_from=_decisions_without_key()) as batch:
            batch.add_column(_dataset_column())
            batch.create_primary_key(DECISIONS_KEY, ["dataset", "item_id"])
    else:
        with op.batch_alter_table("decisions") as batch:
            batch.add_column(_dataset_column())
            batch.drop_constraint(DECISIONS_KEY, type_="primary")
            batch.create_primary_key(DECISIONS_KEY, ["dataset", "item_id"])
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("dataset", existing_type=sa.String(64), server_default=None)

    op.drop_index(HISTORY_INDEX, table_name="decision_history")
    with op.batch_alter_table("decision_history") as batch:
        batch.add_column(_dataset_column())
    with op.batch_alter_table("decision_history") as batch:
        batch.alter_column("dataset", existing_type=sa.String(64), server_default=None)
    op.create_index(
        HISTORY_INDEX, "decision_history", ["dataset", "item_id", "version"], unique=True
    )


def downgrade() -> None:
    # Revision 0001 knows one decision per item id: only the demo's decisions fit back into it.
    op.execute(sa.text(f"DELETE FROM decisions WHERE dataset <> '{DEMO_DATASET}'"))
    op.execute(sa.text(f"DELETE FROM decision_history WHERE dataset <> '{DEMO_DATASET}'"))
    op.drop_index(HISTORY_INDEX, table_name="decision_history")
    with op.batch_alter_table("decision_history") as batch:
        batch.drop_column("dataset")
    op.create_index(HISTORY_INDEX, "decision_history", ["item_id", "version"], unique=True)
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(DECISIONS_KEY, type_="primary")
        batch.drop_column("dataset")
        batch.create_primary_key(DECISIONS_KEY, ["item_id"])
