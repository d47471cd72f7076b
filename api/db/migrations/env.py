"""Alembic environment: runs on the connection that :func:`api.db.session.migrate` passes."""

from __future__ import annotations

from alembic import context

from api.db.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic command line, for new revisions
    from sqlalchemy import create_engine

    connection = create_engine(str(context.config.get_main_option("sqlalchemy.url"))).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
