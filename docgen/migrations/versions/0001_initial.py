"""The first schema: sightings, submissions, issuing numbers and runs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sightings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String(1024), nullable=False, unique=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("last_changed_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cycle", sa.String(16), nullable=False, index=True),
        sa.Column("period", sa.String(16), nullable=False, index=True),
        sa.Column("unit", sa.String(255), nullable=False, index=True),
        sa.Column("file_name", sa.String(1024), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("archive_path", sa.String(1024), nullable=True),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", sa.DateTime, nullable=True),
        sa.Column("refusal", sa.Text, nullable=True),
        sa.Column("errors_json", sa.Text, nullable=False),
        sa.Column("rows_json", sa.Text, nullable=False),
        sa.Column("receipt_paths_json", sa.Text, nullable=False),
        sa.Column("processed_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("path", "size", "mtime_ns", name="uq_submission_version"),
    )
    op.create_table(
        "doc_numbers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("prefix", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("cycle", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.UniqueConstraint("prefix", "seq", name="uq_doc_number"),
        sa.UniqueConstraint("cycle", "period", name="uq_doc_number_period"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cycle", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime, server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("doc_number", sa.String(64), nullable=True),
        sa.Column("outputs_json", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
    )
