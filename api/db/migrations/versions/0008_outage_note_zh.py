"""outage revisions carry a Chinese remark for the public notice (issue 16)

The history's note (``note``) may name a plan or a crew and is not public; the Chinese notice of
record gives the dispatcher's Chinese remark (``note_zh``: a cancellation's reason, a word on a
change) and says what changed from the revisions themselves.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # revisions of before: no Chinese remark (the notices said the English note, now they do not)
    with op.batch_alter_table("outage_revisions") as batch_op:
        batch_op.add_column(sa.Column("note_zh", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("outage_revisions") as batch_op:
        batch_op.drop_column("note_zh")
