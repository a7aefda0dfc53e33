"""Reprices need approval, extreme prices are marked, price-change files are recorded.

``decisions`` gets the approval of a reprice (``status``: proposed, approved or rejected;
``reviewed_by``, ``reviewed_at``, ``review_note``) and ``extreme`` (a new price beyond the
guardrails, confirmed by its author); ``decision_history`` gets ``status`` and ``extreme`` so an
approval or a rejection is a step of the audit history. Reprices saved before approval existed are
backfilled as *proposed*: nobody approved them, so they count as pending, not in the headline.
A new table ``price_change_exports`` records every price-change file handed out.

Revision 0003, after 0002.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPORTS = "price_change_exports"
EXPORTS_INDEX = "ix_price_change_exports_dataset"


def _extreme_column() -> sa.Column[bool]:
    # The server default fills the rows already there and is dropped again below: the code always
    # says whether a new decision is extreme.
    return sa.Column("extreme", sa.Boolean(), nullable=False, server_default=sa.false())


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=True))
        batch.add_column(_extreme_column())
        batch.add_column(sa.Column("reviewed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("extreme", existing_type=sa.Boolean(), server_default=None)
    with op.batch_alter_table("decision_history") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=True))
        batch.add_column(_extreme_column())
    with op.batch_alter_table("decision_history") as batch:
        batch.alter_column("extreme", existing_type=sa.Boolean(), server_default=None)
    op.execute(sa.text("UPDATE decisions SET status = 'proposed' WHERE action = 'reprice'"))
    op.execute(sa.text("UPDATE decision_history SET status = 'proposed' WHERE action = 'reprice'"))
    op.create_table(
        EXPORTS,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("exported_by", sa.String(64), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_date", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
    )
    op.create_index(EXPORTS_INDEX, EXPORTS, ["dataset", "exported_at"])


def downgrade() -> None:
    op.drop_index(EXPORTS_INDEX, table_name=EXPORTS)
    op.drop_table(EXPORTS)
    with op.batch_alter_table("decision_history") as batch:
        batch.drop_column("extreme")
        batch.drop_column("status")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("review_note")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
        batch.drop_column("extreme")
        batch.drop_column("status")
