"""the utility's own holiday years; applications record receipt, channel and back-entry;
deadline changes kept when a year's calendar changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
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
        "calendar_years",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("days_off", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.JSON(), nullable=False),
        sa.Column("document", sa.String(length=128), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "deadline_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False, index=True),
        sa.Column("application_id", sa.String(length=32), nullable=True, index=True),
        sa.Column("job_id", sa.String(length=96), nullable=True, index=True),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("old", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new", sa.DateTime(timezone=True), nullable=True),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("applications") as batch_op:
        batch_op.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="counter")
        )
        batch_op.add_column(
            sa.Column("back_entered", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        # an application received online waits for acceptance: no acceptance time or deadline
        batch_op.alter_column(
            "accepted_at", existing_type=sa.DateTime(timezone=True), nullable=True
        )
        batch_op.alter_column("deadline", existing_type=sa.DateTime(timezone=True), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch_op:
        batch_op.alter_column("deadline", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column(
            "accepted_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.drop_column("back_entered")
        batch_op.drop_column("channel")
        batch_op.drop_column("received_at")
    op.drop_table("deadline_changes")
    op.drop_table("calendar_years")
