"""An EPANET model built from GIS layers (issue 17 item 1): what a GIS network lacks to solve.

Junction elevations come from the nodes' ``elevation_m``; pipe lengths and diameters from the
network (its metres, its ``diameter_mm``); the Hazen-Williams C of each pipe from its
``material`` and ``install_year`` through :class:`RoughnessTable`; demands from the customers'
``demand_m3d`` with a 24-hour pattern per category (:data:`DIURNAL_PATTERNS`); sources are
reservoirs at a fixed head (the nodes' ``head_m``, else the source's ground plus
:attr:`ModelSettings.source_pressure_m`), tanks at the levels of ``level_m`` /
``min_level_m`` / ``max_level_m`` / ``tank_diameter_m`` or the settings'. A pipe with customers is
split at its middle: its customers draw there, and a valve on the pipe closes the half at its
node (the other half still feeds the customers from the pipe's other end, as in the field).
``docs/hydraulics.md`` gives the values and where they come from.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import wntr

from gis.hydraulics import (
    HydraulicDataError,
    HydraulicImpact,
    HydraulicModel,
    PressureSettings,
    engine_for,
    isolation_impact,
)
from gis.io import MappingSource, NetworkLayers, read_layers
from gis.isolation import IsolationPlan
from gis.network import CUSTOMER_CATEGORIES, Network

# Hazen-Williams C of new pipe by material: EPANET 2.2 manual, table 3.2 (cast iron 130-140,
# concrete 120-140, galvanised iron 120, plastic 140-150, steel 140-150) and for cement-lined
# ductile iron AWWA M41 (140); the decline per year of age and the floor follow Walski, Sharp
# and Shields (1988, "Predicting internal roughness in water mains", Miscellaneous Paper
# EL-88-2, US Army Engineer Waterways Experiment Station): unlined cast iron loses about one C
# unit a year down to 60-80 after 50-70 years; lined and plastic pipe keeps its C.
_NEW_C: dict[str, float] = {
    "cast iron": 130.0,
    "ductile iron": 140.0,
    "steel": 140.0,
    "galvanized iron": 120.0,
    "pe": 150.0,
    "hdpe": 150.0,
    "pvc": 150.0,
    "upvc": 150.0,
    "concrete": 130.0,
    "prestressed concrete": 130.0,
    "asbestos cement": 140.0,
    "copper": 140.0,
}
_DECLINE_PER_YEAR: dict[str, float] = {
    "cast iron": 0.5,
    "ductile iron": 0.1,
    "steel": 0.4,
    "galvanized iron": 1.0,
    "concrete": 0.2,
    "prestressed concrete": 0.2,
    "asbestos cement": 0.2,
}
_MINIMUM_C: dict[str, float] = {
    "cast iron": 80.0,
    "ductile iron": 120.0,
    "steel": 100.0,
    "galvanized iron": 70.0,
    "concrete": 100.0,
    "prestressed concrete": 100.0,
    "asbestos cement": 110.0,
}


@dataclass(frozen=True)
class RoughnessTable:
    """Hazen-Williams C by material and age: ``new_c[material] - decline_per_year[material] *
    age``, at least ``minimum_c[material]``. A material not in the table has ``default_c``; a
    pipe without an install year is ``default_age_years`` old. Materials are matched in lower
    case. ``reference_year`` None is this year."""

    new_c: Mapping[str, float] = field(default_factory=lambda: dict(_NEW_C))
    decline_per_year: Mapping[str, float] = field(default_factory=lambda: dict(_DECLINE_PER_YEAR))
    minimum_c: Mapping[str, float] = field(default_factory=lambda: dict(_MINIMUM_C))
    default_c: float = 120.0
    default_age_years: float = 30.0
    reference_year: int | None = None

    def c(self, material: Any, install_year: Any) -> float:
        name = str(material).strip().lower() if _text(material) else ""
        if name not in self.new_c:
            return self.default_c
        year = self.reference_year or datetime.date.today().year
        age = (
            max(0.0, float(year) - float(install_year))
            if _number(install_year)
            else self.default_age_years
        )
        c = self.new_c[name] - self.decline_per_year.get(name, 0.0) * age
        return max(c, self.minimum_c.get(name, 0.0))


def _normalised(text: str) -> tuple[float, ...]:
    values = [float(v) for v in text.split()]
    mean = sum(values) / len(values)
    return tuple(round(v / mean, 4) for v in values)


#: Hourly demand multipliers (hour 0 = 00:00-01:00), each averaging 1 over the day. Shapes of
#: a Chinese city's use: residential peaks at 07:00 and 19:00-20:00 with a night minimum near
#: 0.4 (peak hour factor about 1.5: GB 50013-2018 §4.0.6 gives 1.2-1.6 for a city's hourly
#: variation), commercial and institutions open 08:00-18:00/21:00, industry on shifts nearly
#: flat, critical customers (hospitals, water for fire) nearly flat with a day rise.
DIURNAL_PATTERNS: dict[str, tuple[float, ...]] = {
    "residential": _normalised(
        "0.45 0.4 0.38 0.38 0.42 0.6 1.1 1.6 1.45 1.15 1.0 1.1"
        " 1.3 1.1 0.95 0.9 0.95 1.15 1.45 1.6 1.55 1.3 0.95 0.65"
    ),
    "commercial": _normalised(
        "0.3 0.25 0.25 0.25 0.3 0.4 0.6 0.9 1.3 1.5 1.55 1.6"
        " 1.55 1.5 1.45 1.45 1.45 1.4 1.3 1.2 1.0 0.8 0.55 0.4"
    ),
    "industrial": _normalised(
        "0.8 0.8 0.8 0.8 0.8 0.85 0.95 1.1 1.15 1.15 1.15 1.15"
        " 1.1 1.15 1.15 1.15 1.1 1.05 1.0 0.95 0.9 0.9 0.85 0.8"
    ),
    "institution": _normalised(
        "0.35 0.3 0.3 0.3 0.35 0.5 0.8 1.2 1.5 1.55 1.55 1.5"
        " 1.4 1.4 1.5 1.5 1.4 1.2 1.0 0.9 0.8 0.65 0.5 0.4"
    ),
    "critical": _normalised(
        "0.8 0.75 0.75 0.75 0.8 0.85 0.95 1.1 1.2 1.2 1.2 1.2"
        " 1.15 1.15 1.15 1.15 1.1 1.1 1.05 1.0 0.95 0.9 0.85 0.8"
    ),
}


@dataclass(frozen=True)
class ModelSettings:
    """What the layers may leave out, and how the model is built.

    ``source_pressure_m``: a source (plant outlet) without ``head_m`` keeps this pressure above
    its ground (0.40 MPa, a Chinese plant's usual outlet pressure for a flat city of six-storey
    buildings: 28 m at the taps of the sixth floor). Tanks without levels: ``tank_level_m``
    (initial), ``tank_min_level_m``, ``tank_max_level_m``, ``tank_diameter_m``.
    """

    roughness: RoughnessTable = field(default_factory=RoughnessTable)
    patterns: Mapping[str, tuple[float, ...]] = field(
        default_factory=lambda: dict(DIURNAL_PATTERNS)
    )
    source_pressure_m: float = 40.8  # 0.40 MPa
    tank_level_m: float = 4.0
    tank_min_level_m: float = 0.5
    tank_max_level_m: float = 6.0
    tank_diameter_m: float = 30.0
    duration_h: float = 24.0


def _text(value: Any) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and math.isnan(value))
        and (str(value).strip() != "")
    )


def _number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _column(frame: pd.DataFrame | None, column: str, ids: Any) -> list[Any]:
    """A layer's column in the order of ``ids`` (None where the layer has no such column)."""
    if frame is None or column not in frame.columns:
        return [None] * len(ids)
    by_id = dict(zip(frame["id"].astype(str), frame[column], strict=True))
    return [by_id.get(str(i)) for i in ids]


def _rows(ids: list[str]) -> str:
    shown = ", ".join(ids[:10])
    return shown + (f" … ({len(ids)} rows)" if len(ids) > 10 else "")


def build_model(
    layers: NetworkLayers, network: Network, settings: ModelSettings = ModelSettings()
) -> HydraulicModel:
    """The EPANET model of a network read from GIS layers (``layers`` as read, ``network`` as
    built from them: :func:`gis.io.read_layers`, :func:`gis.network.build_network`).

    Raises :class:`gis.hydraulics.HydraulicDataError` naming the column and the rows of what is
    missing or wrong (elevations, diameters, lengths, demands, tank data)."""
    nodes, pipes, customers = network.nodes, network.pipes, network.customers
    problems: list[tuple[str, str, str]] = []
    node_ids = [str(i) for i in nodes.ids]
    elevation = _column(layers.nodes, "elevation_m", node_ids)
    missing = [n for n, e in zip(node_ids, elevation, strict=True) if not _number(e)]
    if missing:
        problems.append(
            (
                f"nodes {_rows(missing)}",
                "have no elevation_m",
                "give each node's ground elevation in metres (column elevation_m)",
            )
        )
    pipe_ids = [str(i) for i in pipes.ids]
    bad_d = [p for p, d in zip(pipe_ids, pipes.diameter_mm, strict=True) if not (d > 0)]
    if bad_d:
        problems.append(
            (
                f"pipes {_rows(bad_d)}",
                "have diameter_mm empty or not above 0",
                "give each pipe's inner diameter in millimetres (column diameter_mm)",
            )
        )
    bad_l = [p for p, n in zip(pipe_ids, pipes.length_m, strict=True) if not (n > 0)]
    if bad_l:
        problems.append(
            (
                f"pipes {_rows(bad_l)}",
                "have a length of 0",
                "give each pipe's length in metres (column length_m) or draw its line",
            )
        )
    kinds = _column(layers.pipes, "kind", pipe_ids)
    machines = [p for p, k in zip(pipe_ids, kinds, strict=True) if _text(k) and k != "pipe"]
    if machines:
        problems.append(
            (
                f"links {_rows(machines)}",
                "are pumps or control valves (column kind), which need curves and settings",
                "model them in EPANET and read the .inp file",
            )
        )
    demand = _column(layers.customers, "demand_m3d", [str(c) for c in customers.ids])
    bad_q = [
        str(c) for c, q in zip(customers.ids, demand, strict=True) if _number(q) and float(q) < 0
    ]
    if bad_q:
        problems.append(
            (
                f"customers {_rows(bad_q)}",
                "have a negative demand_m3d",
                "give each customer's daily use in m³ (0 or more)",
            )
        )
    if problems:
        raise HydraulicDataError(network.name, problems)

    wn = wntr.network.WaterNetworkModel()
    wn.options.hydraulic.headloss = "H-W"
    wn.options.time.duration = int(settings.duration_h * 3600)
    wn.options.time.hydraulic_timestep = 3600
    wn.options.time.pattern_timestep = 3600
    wn.options.time.report_timestep = 3600
    for category, multipliers in settings.patterns.items():
        wn.add_pattern(category, list(multipliers))
    head = _column(layers.nodes, "head_m", node_ids)
    level = _column(layers.nodes, "level_m", node_ids)
    min_level = _column(layers.nodes, "min_level_m", node_ids)
    max_level = _column(layers.nodes, "max_level_m", node_ids)
    tank_d = _column(layers.nodes, "tank_diameter_m", node_ids)

    def given(values: list[Any], i: int, default: float) -> float:
        return float(values[i]) if _number(values[i]) else default

    for i, name in enumerate(node_ids):
        xy = (float(nodes.xy[i, 0]), float(nodes.xy[i, 1]))
        z = float(elevation[i])
        kind = int(nodes.kind[i])
        if kind == 0:
            wn.add_junction(name, base_demand=0.0, elevation=z, coordinates=xy)
        elif kind == 1:
            wn.add_reservoir(
                name, base_head=given(head, i, z + settings.source_pressure_m), coordinates=xy
            )
        else:
            wn.add_tank(
                name,
                elevation=z,
                init_level=given(level, i, settings.tank_level_m),
                min_level=given(min_level, i, settings.tank_min_level_m),
                max_level=given(max_level, i, settings.tank_max_level_m),
                diameter=given(tank_d, i, settings.tank_diameter_m),
                coordinates=xy,
            )
    # customers on each pipe: (pipe index -> category -> m³/s); a customer placed at a node (from
    # an EPANET file) draws there
    on_pipe: dict[int, dict[str, float]] = {}
    on_node: dict[int, dict[str, float]] = {}
    customer_nodes: dict[str, str] = {}
    for k, cid in enumerate(customers.ids):
        q = float(demand[k]) / 86400.0 if _number(demand[k]) else 0.0
        category = CUSTOMER_CATEGORIES[int(customers.category[k])]
        if category not in settings.patterns:
            category = "residential" if "residential" in settings.patterns else ""
        if int(customers.node[k]) >= 0:
            bucket = on_node.setdefault(int(customers.node[k]), {})
            customer_nodes[str(cid)] = node_ids[int(customers.node[k])]
        else:
            p = int(customers.pipe[k])
            bucket = on_pipe.setdefault(p, {})
            customer_nodes[str(cid)] = f"{pipe_ids[p]}~m"
        bucket[category] = bucket.get(category, 0.0) + q
    roughness = [
        settings.roughness.c(m, y)
        for m, y in zip(
            _column(layers.pipes, "material", pipe_ids),
            _column(layers.pipes, "install_year", pipe_ids),
            strict=True,
        )
    ]
    valve_links: dict[tuple[str, str], str] = {}
    for p, name in enumerate(pipe_ids):
        a, b = node_ids[int(pipes.start[p])], node_ids[int(pipes.end[p])]
        status = "OPEN" if bool(pipes.is_open[p]) else "CLOSED"
        d, length = float(pipes.diameter_mm[p]) / 1000.0, float(pipes.length_m[p])
        check = bool(pipes.one_way[p])
        if p not in on_pipe:
            wn.add_pipe(name, a, b, length, d, roughness[p], 0.0, status, check)
            continue
        mid = f"{name}~m"
        ia, ib = int(pipes.start[p]), int(pipes.end[p])
        wn.add_junction(
            mid,
            base_demand=0.0,
            elevation=(float(elevation[ia]) + float(elevation[ib])) / 2.0,
            coordinates=(
                float(nodes.xy[ia, 0] + nodes.xy[ib, 0]) / 2.0,
                float(nodes.xy[ia, 1] + nodes.xy[ib, 1]) / 2.0,
            ),
        )
        second = f"{name}~2"
        wn.add_pipe(name, a, mid, length / 2.0, d, roughness[p], 0.0, status, check)
        wn.add_pipe(second, mid, b, length / 2.0, d, roughness[p], 0.0, status, check)
        valve_links[(name, a)] = name
        valve_links[(name, b)] = second
    for node_index, buckets in [(f"{pipe_ids[p]}~m", q) for p, q in on_pipe.items()] + [
        (node_ids[n], q) for n, q in on_node.items()
    ]:
        junction = wn.get_node(node_index)
        if junction.node_type != "Junction":
            continue
        junction.demand_timeseries_list.clear()
        for category, q in sorted(buckets.items()):
            if q > 0:
                junction.add_demand(q, category or None, category or None)
    return HydraulicModel(
        wn, source=network.name, valve_links=valve_links, customer_nodes=customer_nodes
    )


def peak_hour(model: HydraulicModel) -> int:
    """The hour of the day (0-23) when the model's customers ask for the most water."""
    wn = model.wn
    totals = np.zeros(24)
    for _, junction in wn.junctions():
        for d in junction.demand_timeseries_list:
            pattern = d.pattern
            multipliers = (
                np.resize(np.asarray(pattern.multipliers, dtype=float), 24)
                if pattern is not None
                else np.ones(24)
            )
            totals += float(d.base_value) * multipliers
    return int(np.argmax(totals))


def default_hour(model: HydraulicModel) -> float:
    """The hour a hydraulic question asks when it names none (issue 17; the one home of that
    default: the API, the CLI, the console and the service's warm-up read it): the peak hour
    of the day for a model built from GIS layers (:func:`peak_hour`, 07:00 in the sample city),
    the file's start (0, its own clock) for an EPANET file's model."""
    return 0.0 if model.customer_nodes is None else float(peak_hour(model))


def gis_isolation_impact(
    path: str | Path,
    network: Network,
    plan: IsolationPlan,
    hour: float = 0.0,
    settings: PressureSettings | None = None,
    *,
    valves: str | Path | None = None,
    crs: str | None = None,
    mapping: MappingSource | None = None,
    model_settings: ModelSettings | None = None,
) -> HydraulicImpact:
    """The hydraulic impact of an isolation plan of a network read from GIS layers (``path``
    read as :func:`gis.io.read_network` read it: same ``valves``, ``crs``, ``mapping``), with
    the model built from those layers: what ``waterops isolate … --hydraulic`` calls for them."""
    layers = read_layers(path, valves=valves, crs=crs, mapping=mapping)
    model = build_model(layers, network, model_settings or ModelSettings())
    with engine_for(model, network, hour, settings or PressureSettings()) as engine:
        return isolation_impact(engine, network, plan)
