"""Leases: every process holding a claim or a run lock beats here while it works.

- ``heartbeats``: one row per process (its owner token, ``host:pid:start:pid-namespace``) and when it last
  beat. A holder this process cannot see (another machine, another container's PID namespace) is alive
  while its beat is fresher than the lease (``DOCGEN_LEASE_SECONDS``); then its claims and locks are
  taken over, from any machine.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("owner", sa.String(128), primary_key=True),
        sa.Column("beat_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("heartbeats")
