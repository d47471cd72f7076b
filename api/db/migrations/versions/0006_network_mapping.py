"""networks keep the column mapping their GIS files were read with (issue 14)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # networks uploaded before have none: they were read by the contract's own names
    with op.batch_alter_table("networks") as batch_op:
        batch_op.add_column(sa.Column("mapping", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("networks") as batch_op:
        batch_op.drop_column("mapping")
