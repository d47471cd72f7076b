"""the crews' field app: crew accounts, field reports applied once, live events

A user of role ``crew`` stands for one crew (``users.crew_id``). A crew's report from its phone
is stored by the id the phone gave it with the first answer, so a replay gets it again
(``field_reports``); what the dispatcher's console receives live is the ``live_events`` table,
read by ``GET /api/live`` (issue 18; docs/field-app.md).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("crew_id", sa.String(64), nullable=True))
    op.create_table(
        "field_reports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("crew_id", sa.String(64), nullable=False),
        sa.Column("job_id", sa.String(96), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valve", sa.String(64), nullable=True),
        sa.Column("photo", sa.String(255), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
    )
    op.create_index("ix_field_reports_crew_id", "field_reports", ["crew_id"])
    op.create_index("ix_field_reports_job_id", "field_reports", ["job_id"])
    op.create_table(
        "live_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("crew_id", sa.String(64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_live_events_crew_id", "live_events", ["crew_id"])


def downgrade() -> None:
    op.drop_index("ix_live_events_crew_id", "live_events")
    op.drop_table("live_events")
    op.drop_index("ix_field_reports_job_id", "field_reports")
    op.drop_index("ix_field_reports_crew_id", "field_reports")
    op.drop_table("field_reports")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("crew_id")
