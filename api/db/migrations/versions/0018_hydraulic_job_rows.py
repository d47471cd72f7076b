"""a stopped or interrupted hydraulic job is resumed where it left off

``hydraulic_job_rows``: the scenarios an unfinished hydraulic job has done (a valve table's
valves), written with its progress, so the job of the same inputs POSTed again takes them over
and runs only the rest; ``hydraulic_jobs.resumed_from`` and ``resumed`` say which job it
resumed and how many scenarios it took over (issue 17; api/jobs.py; docs/hydraulics.md).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hydraulic_jobs", sa.Column("resumed_from", sa.String(32), nullable=True))
    op.add_column(
        "hydraulic_jobs",
        sa.Column("resumed", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "hydraulic_job_rows",
        sa.Column("job_id", sa.String(32), sa.ForeignKey("hydraulic_jobs.id"), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("row", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hydraulic_job_rows")
    with op.batch_alter_table("hydraulic_jobs") as batch:
        batch.drop_column("resumed")
        batch.drop_column("resumed_from")
