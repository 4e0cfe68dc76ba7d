"""Claims and runs name their owner process; run locks; a run's input fingerprint; notes on submissions.

A claim left by a process that no longer exists can be taken over at once instead of after a timeout;
two runs of one cycle and period never overlap (``locks``); a run that waited for another can see that
the other already issued the same document (``runs.fingerprint``).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("note", sa.Text, nullable=True))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(128), nullable=True))
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))
    op.create_table(
        "locks",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("acquired_at", sa.DateTime, nullable=False),
    )
