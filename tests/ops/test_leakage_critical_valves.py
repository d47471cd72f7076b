"""Critical valves of the exercise programme (issue 17): the top share by extra customers cut
off, and also every valve on a trunk main and every valve whose failure cuts off a critical
customer (a hospital, a dialysis centre ...), on the sample city."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.criticality import ValveCriticality, valve_criticality
from gis.isolation import Isolator
from gis.network import Network
from ops.valves import ProgrammeSettings, critical_valves, exercise_programme

ON = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def rows(sample_city: Network) -> list[ValveCriticality]:
    return valve_criticality(Isolator(sample_city))


def _on_pipe(network: Network, valve: str) -> tuple[float, str | None]:
    pipe = network.valves.pipe[network.valve_index(valve)]
    dma = network.pipes.dma[pipe]
    return float(network.pipes.diameter_mm[pipe]), None if dma is None or dma != dma else str(dma)


def _due_after_400_days(
    network: Network, valve: str, extra: dict[str, int], hospitals: dict[str, int]
) -> bool:
    seen = {valve: ON - dt.timedelta(days=400)}
    items = exercise_programme(network, extra, ON, exercised=seen, critical_customers=hospitals)
    return valve in {i.valve_id for i in items}


def test_trunk_main_and_critical_customer_valves_are_critical(
    sample_city: Network, rows: list[ValveCriticality]
) -> None:
    extra = {r.valve_id: r.extra_customers for r in rows}
    hospitals = {r.valve_id: r.extra_critical for r in rows}
    settings = ProgrammeSettings()
    top = settings.critical(extra)  # the top 10 % by extra customers, as before
    valves = sample_city.valves
    operable = {str(v) for v, ok in zip(valves.ids, valves.operable, strict=True) if ok}
    critical = critical_valves(sample_city, extra, critical_customers=hospitals)
    assert top <= critical

    # a valve on a transmission main (outside every DMA), not among the top 10 %
    candidates = (set(extra) - top) & operable
    transmission = sorted(v for v in candidates if _on_pipe(sample_city, v)[1] is None)
    assert transmission, "the sample city's plants feed it through transmission mains"
    # a valve on a DN >= 300 main inside a DMA, not among the top 10 %
    trunk = sorted(
        v for v in candidates
        if _on_pipe(sample_city, v)[1] is not None and _on_pipe(sample_city, v)[0] >= 300
    )  # fmt: skip
    # a valve on a small main whose failure cuts off a critical customer, not among the top 10 %
    cuts_hospital = sorted(
        v for v in candidates
        if hospitals[v] > 0 and _on_pipe(sample_city, v)[0] < 300
    )  # fmt: skip
    ordinary = sorted(
        v for v in candidates
        if hospitals[v] == 0 and _on_pipe(sample_city, v)[0] < 300
        and _on_pipe(sample_city, v)[1] is not None
    )  # fmt: skip
    assert trunk and cuts_hospital and ordinary
    for v in (transmission[0], trunk[0], cuts_hospital[0]):
        assert v in critical, v
        # exercised 400 days ago: due again on the yearly cycle
        assert _due_after_400_days(sample_city, v, extra, hospitals), v
    assert ordinary[0] not in critical
    assert not _due_after_400_days(sample_city, ordinary[0], extra, hospitals)
    # without the critical-customer table, only the rank and the trunk mains count
    assert cuts_hospital[0] not in critical_valves(sample_city, extra)
    assert transmission[0] in critical_valves(sample_city, extra)
    # the trunk diameter is a setting
    small = ProgrammeSettings(trunk_min_diameter_mm=10_000)
    assert trunk[0] not in critical_valves(sample_city, extra, small)
    assert transmission[0] in critical_valves(sample_city, extra, small)


def test_the_programme_item_says_critical(
    sample_city: Network, rows: list[ValveCriticality]
) -> None:
    extra = {r.valve_id: r.extra_customers for r in rows}
    hospitals = {r.valve_id: r.extra_critical for r in rows}
    critical = critical_valves(sample_city, extra, critical_customers=hospitals)
    items = exercise_programme(sample_city, extra, ON, critical_customers=hospitals)
    assert {i.valve_id for i in items if i.critical} == critical & {i.valve_id for i in items}
    flags = [i.critical for i in items]
    assert flags == sorted(flags, reverse=True)  # critical first
