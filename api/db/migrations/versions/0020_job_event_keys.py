"""a job's history entry keeps the key and params it is worded by

``job_events.key`` and ``job_events.params``: since issue 18 point 5 every entry ops and the
store write carries the key and params the pages word it by (``ops.workflow.JobEvent``;
``history:<key>`` of js/i18n.js) beside its English note, stored as written rather than
guessed back from the note. ``key`` is NULL for a note in someone's own words (``params``
``{}``). Entries stored before keep both NULL: the service reads them back from their note
(``ops.history.history_text``), as it did, so nothing is rewritten here; the downgrade drops
the two columns (the notes say the same).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_events") as batch:
        batch.add_column(sa.Column("key", sa.String(48), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_events") as batch:
        batch.drop_column("params")
        batch.drop_column("key")
