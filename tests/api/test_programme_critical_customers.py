"""The valve programme of the service and the CLI counts a valve whose failure cuts off a
critical customer (hospital, dialysis centre …) as critical, as ops.valves.critical_valves does:
it is exercised yearly and its failed exercise is repaired within 3 days (issue 17)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from api.cli import main
from gis.criticality import valve_criticality
from gis.isolation import Isolator
from ops.valves import critical_valves
from tests.api.conftest import START, Service
from tests.conftest import SAMPLE_CITY


def _due_only_if_critical(city: Isolator) -> str:
    """A valve critical only because its failure cuts off a critical customer, exercised between
    one and three years before ``START``: due on the critical cycle, not on the other one."""
    network = city.network
    rows = valve_criticality(city)
    extra = {r.valve_id: r.extra_customers for r in rows}
    extra_critical = {r.valve_id: r.extra_critical for r in rows}
    by_customer = critical_valves(network, extra, critical_customers=extra_critical)
    for valve in sorted(by_customer - critical_valves(network, extra)):
        last = network.valves.last_exercised[network.valve_index(valve)]
        if not isinstance(last, str) or not last:
            continue
        age = (START.date() - dt.date.fromisoformat(last[:10])).days
        if 365 <= age < 3 * 365 and extra_critical[valve] > 0:
            return valve
    raise AssertionError("the sample city has no such valve")


@pytest.mark.slow
@pytest.mark.usefixtures("clock_at_start")
def test_the_service_counts_a_valve_that_cuts_off_a_critical_customer(
    service: Service, city: Isolator
) -> None:
    valve = _due_only_if_critical(city)
    every = {"top": 100_000}
    due = service.get("/api/networks/1/valve-programme", "viewer", params=every).json()["due"]
    (item,) = [d for d in due if d["valve"] == valve]
    assert item["critical"]
    r = service.post(f"/api/networks/1/valves/{valve}/exercise", json={"result": "stuck"})
    assert r.status_code == 200
    repair = r.json()["repair_job"]
    made = dt.datetime.fromisoformat(repair["earliest"])
    assert dt.datetime.fromisoformat(repair["due"]) - made == dt.timedelta(days=3)


def test_the_cli_counts_a_valve_that_cuts_off_a_critical_customer(
    city: Isolator, capsys: pytest.CaptureFixture[str]
) -> None:
    valve = _due_only_if_critical(city)
    args = [str(SAMPLE_CITY), "--on", START.date().isoformat(), "--json"]
    assert main(["valves", "programme", *args]) == 0
    due = json.loads(capsys.readouterr().out)["due"]
    (item,) = [d for d in due if d["valve"] == valve]
    assert item["critical"]
