"""notes on a job

The job detail (issue 18): a dispatcher's or engineer's notes on a job, each with who and when,
never edited (table job_notes; ops/job_notes.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(96), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_job_notes_job_id"), "job_notes", ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_job_notes_job_id"), table_name="job_notes")
    op.drop_table("job_notes")
