"""An id in a JSON body is an integer, as the schema says: "1", 1.0 and true are refused (the
fuzzing found POST /api/valve-exercises accepting them, 201)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Service


@pytest.mark.parametrize("bad", ["1", 1.0, True])
def test_a_network_id_that_is_not_an_integer_is_refused(service: Service, bad: object) -> None:
    r = service.post("/api/valve-exercises", json={"count": 1, "network_id": bad})
    assert r.status_code == 422, r.text
    assert "network_id" in r.json()["detail"]
    assert (
        service.post("/api/valve-exercises", json={"count": 1, "network_id": 1}).status_code == 201
    )
