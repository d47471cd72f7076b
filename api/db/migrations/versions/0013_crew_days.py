"""crews' absences and shift changes by day

A crew may be away for a date or a range of dates (leave, sickness, its vehicle out of
service) and may work other hours or another on-call duty on one date; the day plan honours
both (issue 18 item 3; ops.crews; docs/crews.md).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crew_absences",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("crew_id", sa.String(64), sa.ForeignKey("crews.id"), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_crew_absences_crew_id", "crew_absences", ["crew_id"])
    op.create_table(
        "crew_shift_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("crew_id", sa.String(64), sa.ForeignKey("crews.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.String(5), nullable=True),
        sa.Column("end", sa.String(5), nullable=True),
        sa.Column("on_call", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("crew_id", "day", name="uq_crew_shift_changes_day"),
    )
    op.create_index("ix_crew_shift_changes_crew_id", "crew_shift_changes", ["crew_id"])


def downgrade() -> None:
    op.drop_index("ix_crew_shift_changes_crew_id", table_name="crew_shift_changes")
    op.drop_table("crew_shift_changes")
    op.drop_index("ix_crew_absences_crew_id", table_name="crew_absences")
    op.drop_table("crew_absences")
