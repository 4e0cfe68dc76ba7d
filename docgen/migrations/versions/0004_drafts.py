"""Drafts awaiting the secretariat's review (审核): nothing is issued from Airflow before it is approved.

- ``drafts``: one row per rendered draft of a period (``outbox/<cycle>/<period>/drafts/<seq>/``), pending
  until approved (then ``run_id`` is the run that issued it) or returned (退回) with the reviewer's comment.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cycle", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("folder", sa.String(1024), nullable=False),
        sa.Column("doc_number", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("run_id", sa.Integer, nullable=True),
        sa.UniqueConstraint("cycle", "period", "seq", name="uq_draft"),
    )
