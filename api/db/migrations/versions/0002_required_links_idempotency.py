"""required job links; idempotency keys remember the request and the headers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_links") as batch_op:
        batch_op.add_column(
            sa.Column("required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.add_column(sa.Column("request_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("headers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.drop_column("headers")
        batch_op.drop_column("request_hash")
    with op.batch_alter_table("job_links") as batch_op:
        batch_op.drop_column("required")
