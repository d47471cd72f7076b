"""One-row queries on the hot paths (every request signs in; every isolation checks the field
valve reports), on a pooled DBAPI connection without the ORM: a tenth of the cost."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine

_NAMED = re.compile(r":([A-Za-z_]\w*)")


def query_one(engine: Engine, sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (with ``:name`` parameters), or None."""
    if engine.dialect.paramstyle == "pyformat":
        sql = _NAMED.sub(r"%(\1)s", sql)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool, which rolls back what the SELECT began
    return None if row is None else tuple(row)
