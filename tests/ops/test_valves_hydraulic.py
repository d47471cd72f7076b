"""Critical valves with the hydraulic criticality (issue 17): where the table exists, the valves
whose failure hurts most hydraulically are exercised on the critical cycle, customers cut off
or not. On Net3 (EPANET's example) with its real hydraulic table (Net3 has no DMAs: every
valve is on a "trunk main" there, so the test checks the hydraulic rule itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis.criticality import valve_criticality
from gis.hydraulics import HydraulicModel, engine_for, hydraulic_valve_criticality
from gis.io import read_layers
from gis.isolation import Isolator
from gis.network import build_network
from ops.valves import ProgrammeSettings, critical_valves

wntr = pytest.importorskip("wntr")

NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"


def test_the_valves_that_hurt_most_hydraulically_are_critical(tmp_path: Path) -> None:
    wn = wntr.network.WaterNetworkModel(str(NET3))
    csv = tmp_path / "valves.csv"
    wntr.network.generate_valve_layer(wn, "strategic", 2, seed=20240611).to_csv(csv)
    network = build_network(read_layers(NET3, valves=csv))
    isolator = Isolator(network)
    extra = {r.valve_id: r.extra_customers for r in valve_criticality(isolator)}
    with engine_for(HydraulicModel(wn, "Net3"), network, 10) as engine:
        table = hydraulic_valve_criticality(engine, isolator)
    hydraulic = {r.valve_id: r.extra_not_served_m3h for r in table}
    settings = ProgrammeSettings()
    topological = critical_valves(network, extra, settings)
    with_hydraulics = critical_valves(network, extra, settings, hydraulic=hydraulic)
    worst = table[0]
    assert worst.extra_not_served_m3h > settings.critical_min_not_served_m3h
    assert worst.valve_id in with_hydraulics
    assert topological <= with_hydraulics
    top = settings.hydraulically_critical(hydraulic)
    assert len(top) == round(settings.critical_share * len(hydraulic))
    assert top <= with_hydraulics
    # the top share is the costliest: none left out costs more than one taken
    left_out = set(hydraulic) - top
    assert min(hydraulic[v] for v in top) >= max(hydraulic[v] for v in left_out)
    # a valve whose failure costs no water is never critical for its hydraulics
    free = {v for v, q in hydraulic.items() if q < settings.critical_min_not_served_m3h}
    assert not (free & top)
