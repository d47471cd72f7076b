"""The console's date-and-time fields as a test types and reads them: a field NAME is a date
input NAME_date beside a 24-hour clock field NAME_time (docs/decisions.md, issue 18), and
together they stand for the ``YYYY-MM-DDTHH:MM`` the console sends."""

from __future__ import annotations

from typing import Any


def fill_datetime(scope: Any, name: str, value: str) -> None:
    """Types ``YYYY-MM-DDTHH:MM`` into the field NAME of ``scope`` (a page or a locator);
    ``""`` clears it."""
    scope.locator(f"input[name={name}_date]").fill(value[:10])
    scope.locator(f"input[name={name}_time]").fill(value[11:16])


def datetime_value(scope: Any, name: str) -> str:
    """The field NAME of ``scope`` as ``YYYY-MM-DDTHH:MM`` (``""`` when it is empty)."""
    day = scope.locator(f"input[name={name}_date]").input_value()
    clock = scope.locator(f"input[name={name}_time]").input_value()
    return f"{day}T{clock}" if day or clock else ""
