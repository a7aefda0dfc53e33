"""Users, review decisions, their audit history and login attempts.

Exactly the schema the hand-rolled migration version 1 created, so a database made by it is stamped
at this revision and keeps its data (``tests/test_db.py`` compares the two, statement by statement).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("item_id", sa.String(200), primary_key=True),
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
    op.create_table(
        "decision_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("new_price", sa.Float(), nullable=True),
        sa.Column("reason_code", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_action", sa.String(16), nullable=True),
    )
    op.create_index(
        "ix_decision_history_item", "decision_history", ["item_id", "version"], unique=True
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_user", "login_attempts", ["user_name", "attempted_at"])
    op.create_index("ix_login_attempts_addr", "login_attempts", ["remote_addr", "attempted_at"])


def downgrade() -> None:
    for table in ("login_attempts", "decision_history", "decisions", "users"):
        op.drop_table(table)
