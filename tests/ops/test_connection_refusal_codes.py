"""A connection application's refusals carry a code and params (issue 18 point 5), for the
console to say them in Chinese (js/i18n.js ``refusal:<code>``)."""

from __future__ import annotations

import datetime as dt

import pytest

from ops.connections import connection_type, papers_completed
from ops.errors import OpsError


def test_an_unknown_type_and_papers_not_due_are_refused_with_their_codes() -> None:
    with pytest.raises(OpsError) as refused:
        connection_type("swimming_pool")
    assert (refused.value.code, refused.value.params) == (
        "app_unknown_type",
        {"type": "swimming_pool"},
    )
    with pytest.raises(OpsError) as refused:
        papers_completed("APP-000007", None, None, dt.datetime(2026, 12, 8, 9, 0))
    assert (refused.value.code, refused.value.params) == (
        "app_papers_complete",
        {"application": "APP-000007"},
    )
