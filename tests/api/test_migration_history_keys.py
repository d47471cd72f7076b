"""0020 gives job_events the key and params an entry is worded by: the entries stored before
keep their notes, with no key and no params (the service reads them back from the note, as
before), a new entry stores both, and the downgrade to 0019 drops the two columns with the
notes intact (tests/api/test_migrations.py checks the schema against the models)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from api.db.session import MIGRATIONS, make_engine
from api.store import event_words
from tests.api.conftest import drop_schema, postgres_url

NOTES = ["created", "plan 4, start 2026-12-01T08:00:00+08:00", "gate locked, called the owner"]


def _columns(connection: sa.Connection) -> set[str]:
    return {c["name"] for c in sa.inspect(connection).get_columns("job_events")}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_old_entries_keep_their_notes_and_read_back_new_ones_keep_their_key(
    backend: str, tmp_path: Path
) -> None:
    schema = f"waterops_{uuid.uuid4().hex[:10]}"
    url = postgres_url(schema) if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    at = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    events = sa.table(
        "job_events",
        *(sa.column(c) for c in ("id", "job_id", "status", "note", "by")),
        sa.column("at", sa.DateTime),
    )

    def load(x: object) -> Any:
        return x if x is None or isinstance(x, dict) else json.loads(str(x))

    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0019")
            assert "key" not in _columns(connection)
            for i, note in enumerate(NOTES, 1):
                connection.execute(
                    events.insert().values(
                        id=i, job_id="J1", status="open", note=note, by="admin", at=at
                    )
                )
            command.upgrade(config, "0020")
            assert {"key", "params"} <= _columns(connection)
            old = connection.execute(
                sa.text("SELECT note, key, params FROM job_events ORDER BY id")
            ).all()
            keyed = sa.table(
                "job_events",
                *(sa.column(c) for c in ("id", "job_id", "status", "note", "by", "key")),
                sa.column("at", sa.DateTime),
                sa.column("params", sa.JSON(none_as_null=True)),
            )
            connection.execute(
                keyed.insert().values(
                    id=9, job_id="J1", status="open", note="water on", by="d", at=at,
                    key=None, params={},
                )
            )  # fmt: skip
            new = connection.execute(sa.text("SELECT key, params FROM job_events WHERE id = 9"))
            new_row = new.one()
            command.downgrade(config, "0019")
            assert not {"key", "params"} & _columns(connection)
            after = connection.execute(sa.text("SELECT note FROM job_events ORDER BY id")).all()
    finally:
        engine.dispose()
        if backend == "postgres":
            drop_schema(schema)

    assert [(note, key, load(params)) for note, key, params in old] == [
        (n, None, None) for n in NOTES
    ]
    said = [event_words(note, key, load(params))["words"] for note, key, params in old]
    assert said == [
        {"key": "created", "params": {}},
        {"key": "plan_start", "params": {"plan": "4", "start": "2026-12-01T08:00:00+08:00"}},
        None,
    ]
    # someone's own words, stored after 0020: no key, though "water on" reads like one of ours
    assert (new_row[0], load(new_row[1])) == (None, {})
    assert event_words("water on", new_row[0], load(new_row[1]))["words"] is None
    assert [n for (n,) in after] == [*NOTES, "water on"]
