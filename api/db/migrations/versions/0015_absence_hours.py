"""a crew's absence of some hours of one date

``crew_absences.start_time`` and ``end_time`` (HH:MM, both or neither): the crew is away those
hours of its one date (the doctor from 08:00 to 12:00) and works the rest of its shift (issue 18
item 3; ops.crews; docs/crews.md). The absences stored before are whole dates.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crew_absences") as batch:
        batch.add_column(sa.Column("start_time", sa.String(5), nullable=True))
        batch.add_column(sa.Column("end_time", sa.String(5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crew_absences") as batch:
        batch.drop_column("end_time")
        batch.drop_column("start_time")
