"""The migrations build exactly the tables the code declares (several changes land in one
session; a column added to a model and forgotten in its migration would only fail in use)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.api.conftest import drop_schema, postgres_url


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_migrated_schema_is_the_declared_one(backend: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.db.session import make_engine, migrate
    from api.db.tables import Base

    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            diff = [
                d
                for d in compare_metadata(context, Base.metadata)
                if not (
                    isinstance(d, tuple)
                    and d[0] == "remove_table"
                    and d[1].name == "alembic_version"
                )
            ]
        assert diff == []
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)
