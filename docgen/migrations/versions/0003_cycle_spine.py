"""One spine for every cycle: submissions record their kind, each issued document keeps its own issuing
number, and cycles that keep a ledger append its events.

- ``submissions.kind``: the submission kind (its data contract's name) a file was read as; the release
  before this one ran one cycle with one kind, ``<cycle>_progress``, and its files are marked so.
- ``doc_numbers.document``: which document of the period the number belongs to (a quarter issues an
  inspection notice and one rectification notice per unit); the numbers issued before are the notices'.
- ``ledger_events``: append-only; a change of one ledger item caused by one submission, never updated.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("kind", sa.String(64), nullable=True))
    op.execute("UPDATE submissions SET kind = cycle || '_progress' WHERE refusal IS NULL")
    with op.batch_alter_table("doc_numbers") as batch:
        batch.add_column(sa.Column("document", sa.String(128), nullable=False, server_default="notice"))
        batch.drop_constraint("uq_doc_number_period", type_="unique")
        batch.create_unique_constraint("uq_doc_number_document", ["cycle", "period", "document"])
    op.create_table(
        "ledger_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cycle", sa.String(16), nullable=False, index=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("item", sa.String(255), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("payload_json", sa.Text, nullable=False),
        sa.Column("appended_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("cycle", "item", "source", name="uq_ledger_event"),
    )
