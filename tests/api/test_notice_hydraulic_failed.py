"""A notice drafted "hydraulic when available" on a network whose model EPANET cannot solve
(issue 17): the calculation fails, so the 降压区域 is topological and the notice says why by
its code (``hydraulic_failed``, the error in its params), not a 422 and not silence. The
network is Net3 with its options set so that it cannot converge (2 trials, stop when
unbalanced: tests/gis/test_hydraulics.py builds the same), uploaded as EPANET input; its model
is the service's since an earlier hydraulic query asked for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from gis.io import read_network
from gis.isolation import Isolator
from tests.api.conftest import START, Service, make_service

wntr = pytest.importorskip("wntr")

pytestmark = pytest.mark.slow

NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"


@pytest.fixture(scope="module")
def unsolvable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Net3 as an EPANET file that does not solve, and its valve layer."""
    folder = tmp_path_factory.mktemp("net3-unsolvable")
    text = NET3.read_text()
    text, trials = re.subn(r"(?im)^(\s*Trials\s+)\S+", r"\g<1>2", text)
    text, unbalanced = re.subn(r"(?im)^(\s*Unbalanced\s+).*$", r"\g<1>STOP", text)
    assert trials == unbalanced == 1
    inp = folder / "Net3-unsolvable.inp"
    inp.write_text(text)
    wn = wntr.network.WaterNetworkModel(str(NET3))
    valves = folder / "valves.csv"
    wntr.network.generate_valve_layer(wn, "strategic", 2, seed=20240611).to_csv(valves)
    return inp, valves


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service(
        "sqlite", tmp_path_factory.mktemp("svc-unsolvable"), notice_hydraulic_wait_s=600
    )


def test_a_model_that_does_not_solve_gives_a_topological_notice_saying_why(
    service: Service, unsolvable: tuple[Path, Path]
) -> None:
    inp, valves = unsolvable
    with inp.open("rb") as f, valves.open("rb") as v:
        r = service.post(
            "/api/networks",
            "engineer",
            files={"file": (inp.name, f), "valves": ("valves.csv", v)},
        )
    assert r.status_code in (200, 201), r.text
    network = int(r.json()["id"])
    # a pipe whose break shuts valves (an isolation plan with customers)
    net = read_network(inp, valves=valves)
    isolator = Isolator(net)
    pipe = next(p for p in net.pipes.ids if isolator.isolate([str(p)]).valves_to_close)
    # an earlier hydraulic query: the model is built (it reads), EPANET cannot solve it (422)
    url = f"/api/networks/{network}/isolation"
    asked = service.get(url, "viewer", params={"pipe": pipe, "hydraulic": "true", "hour": 10})
    assert asked.status_code == 422 and "converge" in asked.json()["detail"], asked.text
    # an emergency outage of that pipe, drafted without saying "hydraulic": when available
    service.clock.now = START.replace(hour=9, minute=10)
    body = {
        "kind": "emergency",
        "pipes": [str(pipe)],
        "start": "2026-11-26T10:00:00",
        "end": "2026-11-26T14:00:00",
        "reason_zh": "爆管抢修",
        "network_id": network,
    }
    r = service.post("/api/outages", json=body)
    assert r.status_code == 201, r.text
    content = r.json()["content"]
    assert content["reduced_pressure_basis"] == "topological"
    assert content["reduced_pressure"] is None
    assert content["reduced_pressure_fallback_code"] == "hydraulic_failed"
    error = content["reduced_pressure_fallback_params"]["error"]
    assert "did not converge" in error, error
    why = content["reduced_pressure_fallback"]
    assert why.startswith("the hydraulic calculation failed: ") and error in why
    text = service.get(f"/api/outages/{r.json()['id']}/notice", params={"format": "zh"}).text
    # Net3 has no street names: no 降压区域 line, and above all none claiming hydraulics
    assert "紧急停水通知" in text and "经水力计算" not in text, text
