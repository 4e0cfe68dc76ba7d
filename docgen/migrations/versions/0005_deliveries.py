"""Delivery of receipts, reminders, review requests and issued documents to the people concerned.

- ``deliveries``: one row per message for one recipient by one channel (e-mail address, a group robot),
  keyed by ``key`` (what it answers, whom, how) so a rerun or a retry never queues it twice; its status
  (pending → sent, or retry → … → failed; skipped when it cannot be sent at all), attempts, next attempt,
  the last reason in Chinese, and the robot post (``batch``) that carried it.
- ``robot_posts``: every post to a group robot, so the robots' rate limits (20 messages a minute) are
  kept across processes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cycle", sa.String(16), nullable=True),
        sa.Column("period", sa.String(16), nullable=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("recipient_name", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("message_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=True),
        sa.Column("last_attempt_at", sa.DateTime, nullable=True),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("batch", sa.String(32), nullable=True),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_period", "deliveries", ["cycle", "period"])
    op.create_table(
        "robot_posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("robot", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_robot_posts", "robot_posts", ["robot", "at"])
    # the receipts answered since a moment (what to deliver) are found without reading every submission
    op.create_index("ix_submissions_processed_at", "submissions", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_submissions_processed_at", "submissions")
    op.drop_table("robot_posts")
    op.drop_table("deliveries")
