"""Job records and scope locks move into the database, so web and worker hosts share them.

``job_records`` holds one row per recompute or scoring job (until now a JSON file per job under the
data directory, which a worker on another host never saw); ``scope_locks`` one row per scope being
computed, with its holder's job id and a lease the holder renews (until now an ``flock`` file, which
only worked on one machine). Records left in ``<data_dir>/jobs`` are imported by the application on
first use (``dashboard.jobs.record_rows.import_job_files``): a revision does not know the data
directory.

Revision 0004, after 0003.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDS, LOCKS = "job_records", "scope_locks"


def upgrade() -> None:
    op.create_table(
        RECORDS,
        sa.Column("job_id", sa.String(32), primary_key=True),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("scope_label", sa.Text(), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.Column("heartbeat_at", sa.Float(), nullable=True),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=False),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("shared_with", sa.String(32), nullable=True),
        sa.Column("worker", sa.String(255), nullable=True),
        sa.Column("ticket", sa.String(64), nullable=True),
        sa.Column("origin", sa.String(16), nullable=True),
    )
    op.create_index("ix_job_records_created_at", RECORDS, ["created_at"])
    op.create_index("ix_job_records_status", RECORDS, ["status"])
    op.create_table(
        LOCKS,
        sa.Column("scope_key", sa.String(64), primary_key=True),
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("acquired_at", sa.Float(), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table(LOCKS)
    op.drop_index("ix_job_records_status", table_name=RECORDS)
    op.drop_index("ix_job_records_created_at", table_name=RECORDS)
    op.drop_table(RECORDS)
