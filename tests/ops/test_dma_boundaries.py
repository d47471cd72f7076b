"""Which way water enters each DMA, and what pressure management says of a DMA it cannot manage
(issue 17 leftovers): the inlets follow the water (the model's day, the meters where given), a
DMA without an inlet is named with what would fix it, and a DMA whose PRVs do not hold its
pressure (a PRV set to 0 m included) is an open boundary, not a setting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gis.hydraulic_model import build_model
from gis.hydraulics import HydraulicModel
from gis.io import read_layers, read_network
from gis.network import Network
from gis.prv import DayPressures, day_pressures
from ops.leakage.pressure import (
    CodedWarning,
    N1Fit,
    PrvSettings,
    dma_inlets,
    fed_by_flow,
    outcome_from_row,
    outcome_row,
    pressure_study,
)
from ops.leakage.report import metered_inlets as metered_pipes
from sample_data.leakage import dma_inlets as metered_inlets

CITY = Path(__file__).resolve().parents[2] / "sample_data" / "kaifeng.gpkg"


@pytest.fixture(scope="module")
def city() -> tuple[Network, HydraulicModel, DayPressures]:
    network = read_network(CITY)
    model = build_model(read_layers(CITY), network)
    return network, model, day_pressures(model)


def test_inlets_follow_the_water_as_the_meters_say(
    city: tuple[Network, HydraulicModel, DayPressures],
) -> None:
    network, model, today = city
    # the sample's inlet meters (meters.csv): pipe, DMA fed, from where
    meters = {(m.dma, m.pipe, m.from_dma) for m in metered_inlets(network)}
    by_flow = dma_inlets(network, fed=fed_by_flow(network, model, today))
    found = {(d, i.pipe, i.from_dma) for d, lst in by_flow.items() for i in lst}
    # the model's water agrees with every meter but one: P002017's 8 l/s run from DMA-06 to
    # DMA-02, where the meter has DMA-06 fed from DMA-02
    assert found ^ meters == {("DMA-06", "P002017", "DMA-02"), ("DMA-02", "P002017", "DMA-06")}
    assert sorted(by_flow) == [f"DMA-0{k}" for k in range(1, 9)]  # DMA-03 and -04 included
    # the meters where given: the inlets are theirs, and the disagreement is said
    metered = {m.pipe: m.dma for m in metered_inlets(network)}
    study = pressure_study(network, model, {}, metered=metered, today=today)
    (warning,) = study.warnings
    assert "P002017" in warning and "DMA-06" in warning and "the model" in warning
    fed = fed_by_flow(network, model, today) | metered
    assert {
        (d, i.pipe, i.from_dma) for d, lst in dma_inlets(network, fed=fed).items() for i in lst
    } == meters
    # without flows, a boundary pipe feeds the DMA it belongs to: the meters' on the sample city
    assert {(d, i.pipe, i.from_dma) for d, lst in dma_inlets(network).items() for i in lst} == (
        meters
    )
    # the PRV node is where the water leaves the pipe: the model's flow runs towards it
    for lst in by_flow.values():
        for inlet in lst:
            link = model.wn.get_link(model.link_of(inlet.pipe, inlet.node))
            flow = today.flow_m3s[:, today.link_ids.index(link.name)].mean()
            towards = flow if link.end_node_name == inlet.node else -flow
            assert towards > 0, inlet


def test_a_dma_without_an_inlet_is_named_with_what_would_fix_it(
    city: tuple[Network, HydraulicModel, DayPressures],
) -> None:
    network, model, today = city
    # meters.csv claims DMA-03's only inlet feeds DMA-02: DMA-03 has no inlet left
    study = pressure_study(
        network,
        model,
        {"DMA-03": 200.0},
        metered={"P001041": "DMA-02"},
        today=today,
    )
    assert study.rows == []
    (warning,) = [w for w in study.warnings if w.startswith("DMA-03")]
    assert "no inlet" in warning and "meters.csv" in warning
    # and the meter that contradicts the model's water is named too
    assert any("P001041" in w and "the model" in w for w in study.warnings)
    # each by its code and params too (the console's words), kept so by a stopped job
    assert len(study.warning_codes) == len(study.warnings)
    assert ("no_inlet", {"dma": "DMA-03"}) in study.warning_codes
    assert [c for c, _ in study.warning_codes].count("meter_contradicts_model") == 1
    (outcome,) = [w for w in study.warnings if w.startswith("DMA-03")]
    again = outcome_from_row(outcome_row(outcome))
    assert again == outcome and isinstance(again, CodedWarning) and again.code == "no_inlet"


def test_a_dma_whose_prvs_do_not_hold_its_pressure_is_an_open_boundary(
    city: tuple[Network, HydraulicModel, DayPressures],
) -> None:
    network, model, today = city
    # DMA-06's main inlet (P000457, from DMA-05) left out (a meter record naming a DMA on
    # neither side of it: no inlet, no outlet, so no non-return on it either): a PRV on the
    # small one (P002017) cannot lower the zone, which the other pipe keeps fed: no setting,
    # no saving, said so
    study = pressure_study(
        network,
        model,
        {"DMA-06": 200.0},
        metered={"P000457": "DMA-01", "P002017": "DMA-06"},
        today=today,
    )
    (row,) = study.rows
    assert [i.pipe for i in row.inlets] == ["P002017"]
    assert row.settings_m is None and row.inlet_setting_m is None
    assert row.saved_m3d == 0.0 and not row.pays
    assert any("open boundary" in w for w in row.warnings), row.warnings
    assert row.boundary == "open"
    # and it names what keeps the boundary open: the open pipe across it that is neither an
    # inlet nor an outlet (its normally-closed valves are shut in its runs: pm17)
    (note,) = [w for w in row.warnings if "open boundary" in w]
    assert note.endswith("neither its inlets nor its outlets: P000457")
    assert row.boundary_valves_shut > 0


def test_the_inlet_meters_pipes_are_read_where_meters_csv_has_them(tmp_path: Path) -> None:
    (tmp_path / "meters.csv").write_text(
        "meter,pipe,dma,from_dma\nM1,P001041,DMA-03,DMA-02\nM2,,DMA-04,\n", encoding="utf-8"
    )
    assert metered_pipes(tmp_path / "meters.csv") == {"P001041": "DMA-03"}
    (tmp_path / "meters.csv").write_text("meter,dma,from_dma\nM1,DMA-03,\n", encoding="utf-8")
    assert metered_pipes(tmp_path / "meters.csv") == {}


def test_each_row_says_which_n1_it_used(
    city: tuple[Network, HydraulicModel, DayPressures],
) -> None:
    network, model, today = city
    fit = N1Fit(0.97, dt.date(2026, 10, 19), -7.5, 37.8, 30.2, 22.7, 18.3, 3)
    # a service pressure above the critical point's: no EPANET run, the row still counts
    high = PrvSettings(service_pressure_mpa=0.5)
    losses = {"DMA-07": 200.0, "DMA-08": 300.0}
    rows = {
        r.dma: r
        for r in pressure_study(
            network, model, losses, settings=high, today=today, n1_fitted={"DMA-07": fit}
        ).rows
    }
    assert (rows["DMA-07"].n1, rows["DMA-07"].n1_source) == (0.97, "night-flow step")
    assert rows["DMA-07"].to_dict()["n1_fit"]["on"] == "2026-10-19"
    assert (rows["DMA-08"].n1, rows["DMA-08"].n1_source) == (1.15, "default")
    given = PrvSettings(service_pressure_mpa=0.5, n1_by_dma={"DMA-07": 1.4})
    (row,) = pressure_study(
        network,
        model,
        losses,
        settings=given,
        today=today,
        n1_fitted={"DMA-07": fit},
        dmas={"DMA-07"},
    ).rows
    assert (row.n1, row.n1_source) == (1.4, "given")  # a step test's N1 wins over the fit
