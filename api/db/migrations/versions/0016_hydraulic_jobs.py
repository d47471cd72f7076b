"""background hydraulic jobs kept across restarts

``hydraulic_jobs``: the service's long hydraulic runs (the whole network's hydraulic valve
table, a leakage analysis's pressure management) with their inputs, progress, result and the
server process running them, so a finished job's result survives a restart and a job whose
process is gone reads ``interrupted`` (issue 17; api/jobs.py; docs/hydraulics.md).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hydraulic_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.Integer(), nullable=False),
        sa.Column("inputs_key", sa.Text(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("current", sa.String(200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("stop_requested", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_hydraulic_jobs_kind_subject", "hydraulic_jobs", ["kind", "subject"])


def downgrade() -> None:
    op.drop_index("ix_hydraulic_jobs_kind_subject", "hydraulic_jobs")
    op.drop_table("hydraulic_jobs")
