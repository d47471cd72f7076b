"""the water-supply authority's approval of a planned outage, the report of an emergency one

城市供水条例 §22: a planned stoppage is approved by the city's water-supply authority before it is
announced; an emergency one is reported to it. Each approval or report is a row (who entered it,
when), shown in the notice's history (issue 16).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outage_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("outage_id", sa.String(32), sa.ForeignKey("outages.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("document", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outage_records_outage_id", "outage_records", ["outage_id"])


def downgrade() -> None:
    op.drop_index("ix_outage_records_outage_id", "outage_records")
    op.drop_table("outage_records")
