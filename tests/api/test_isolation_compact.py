"""The hydraulic isolation answer in its compact form (issue 17): ``customers=below`` lists only
the nodes and customers below the service pressure or cut off, with the same totals and the
same reduced-pressure area as the full answer, in a fraction of its bytes (the full one is
2.7 MB on the sample city). The console asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.schemas import IsolationOut
from tests.api.conftest import Service, make_service
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

URL = "/api/networks/1/isolation"
# the 600 mm main: customers beyond the shut area fall below 0.20 MPa at 07:00
LOW = {"pipe": "P002617", "hydraulic": "true", "hour": "7", "service_pressure_mpa": "0.2"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-compact"))


def test_below_lists_only_the_affected_with_the_same_totals(service: Service) -> None:
    full = service.get(URL, "viewer", params=LOW)
    compact = service.get(URL, "viewer", params={**LOW, "customers": "below"})
    assert full.status_code == 200 and compact.status_code == 200, compact.text
    IsolationOut.model_validate(compact.json())
    f, c = full.json()["hydraulic"], compact.json()["hydraulic"]
    assert f["listed"] == "all" and c["listed"] == "below"
    affected = [n for n in f["nodes"] if n["cut_off"] or n["below_service"]]
    assert c["nodes"] == affected and 0 < len(affected) < len(f["nodes"])
    assert c["customers"] == [x for x in f["customers"] if x["cut_off"] or x["below_service"]]
    assert len(c["customers"]) >= len(c["customers_below_service"]) > 0
    for key in (
        "not_served_m3h",
        "served_before_m3h",
        "customers_below_service",
        "below_service",
        "newly_below_service",
        "reduced_pressure",
        "cut_off_nodes",
    ):
        assert c[key] == f[key], key
    assert len(compact.content) * 10 < len(full.content)
    assert {k: v for k, v in compact.json().items() if k != "hydraulic"} == {
        k: v for k, v in full.json().items() if k != "hydraulic"
    }


def test_a_bad_listing_is_a_422(service: Service) -> None:
    r = service.get(URL, "viewer", params={**LOW, "customers": "some"})
    assert r.status_code == 422


def test_the_console_asks_for_the_compact_answer() -> None:
    js = (ROOT / "api" / "web" / "static" / "js" / "console" / "isolation.js").read_text()
    assert 'params.set("customers", "below")' in js
