"""Pressure management against leakage, by DMA: the PRV setting at a DMA's inlets that keeps its
critical point at the service pressure through the day, the leakage that setting saves by FAVAD,
and whether the PRV pays (``docs/leakage.md``, "Pressure management").

The hydraulics are EPANET's day (``gis.prv``, the model of ``gis.hydraulic_model``): today's run,
then runs with PRVs at the DMA's inlets, the setting raised or lowered until the lowest customer
node of the DMA (and of the DMAs it feeds) is at the service pressure at its worst hour.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gis.hydraulics import METRES_PER_MPA, SERVICE_PRESSURE_MPA, HydraulicModel
from gis.network import Network
from gis.prv import DayPressures, Inlet, day_pressures, set_prv_settings, with_prvs

# Lambert & Thornton: N1 about 0.5 for rigid pipes with fixed-area leaks, 1.5 for plastic pipes
# with leaks that open with pressure; 1.15 for a network of mixed materials
DEFAULT_N1 = 1.15


@dataclass(frozen=True)
class PrvSettings:
    """The settings of pressure management (defaults: ``docs/leakage.md``).

    ``n1``: the FAVAD exponent where ``n1_by_dma`` (from a step test, say) does not give the
    DMA's. ``prv_capital_cny``: one PRV installed at an inlet (valve, chamber, bypass, pilot);
    ``marginal_cost_cny_m3``: what a m³ less to produce saves (energy and chemicals, not the
    tariff); a PRV pays when its payback (capital / annual saving) is at most
    ``max_payback_years``. ``tolerance_m``: how close to the service pressure the setting is
    searched."""

    service_pressure_mpa: float = SERVICE_PRESSURE_MPA
    n1: float = DEFAULT_N1
    n1_by_dma: Mapping[str, float] = field(default_factory=dict)
    prv_capital_cny: float = 150_000.0
    marginal_cost_cny_m3: float = 1.0
    max_payback_years: float = 5.0
    tolerance_m: float = 0.2
    max_runs: int = 6

    @property
    def service_m(self) -> float:
        return self.service_pressure_mpa * METRES_PER_MPA


@dataclass(frozen=True)
class DmaInlet:
    pipe: str  # the network's pipe
    node: str  # where it enters the DMA
    from_dma: str | None  # None: a trunk main


@dataclass(frozen=True)
class PressureManagement:
    """One DMA's answer. Pressures in m; ``setting_m`` per inlet pipe (None: no PRV helps)."""

    dma: str
    name: str
    inlets: tuple[DmaInlet, ...]
    settings_m: dict[str, float] | None
    inlet_pressure_today_m: tuple[float, float]  # the main inlet's lowest and highest of the day
    inlet_setting_m: float | None  # the main inlet's PRV setting
    critical_node: str
    critical_today_m: float  # its lowest of the day, today
    critical_with_prv_m: float  # the lowest customer node of the day with the PRVs
    critical_hour: int
    azp_model_today_m: float
    azp_model_with_prv_m: float
    p0_m: float  # today's average zone pressure (measured where given)
    p0_source: str
    p1_m: float
    n1: float
    real_losses_m3d: float
    saved_m3d: float
    capital_cny: float
    annual_saving_cny: float
    payback_years: float | None
    pays: bool
    runs: int
    warnings: tuple[str, ...] = ()

    @property
    def saved_share(self) -> float:
        return self.saved_m3d / self.real_losses_m3d if self.real_losses_m3d > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        def r(x: float, k: int = 2) -> float:
            return round(float(x), k)

        return {
            "dma": self.dma,
            "name": self.name,
            "inlets": [
                {
                    "pipe": i.pipe,
                    "node": i.node,
                    "from_dma": i.from_dma,
                    "setting_m": (None if self.settings_m is None else r(self.settings_m[i.pipe])),
                }
                for i in self.inlets
            ],
            "inlet_setting_m": None if self.inlet_setting_m is None else r(self.inlet_setting_m),
            "inlet_setting_mpa": (
                None
                if self.inlet_setting_m is None
                else r(self.inlet_setting_m / METRES_PER_MPA, 3)
            ),
            "inlet_pressure_today_m": [r(x) for x in self.inlet_pressure_today_m],
            "critical_node": self.critical_node,
            "critical_hour": self.critical_hour,
            "critical_today_m": r(self.critical_today_m),
            "critical_with_prv_m": r(self.critical_with_prv_m),
            "azp_model_today_m": r(self.azp_model_today_m),
            "azp_model_with_prv_m": r(self.azp_model_with_prv_m),
            "p0_m": r(self.p0_m),
            "p0_source": self.p0_source,
            "p1_m": r(self.p1_m),
            "n1": self.n1,
            "real_losses_m3_per_day": r(self.real_losses_m3d, 1),
            "saved_m3_per_day": r(self.saved_m3d, 1),
            "saved_share_pct": r(100 * self.saved_share, 1),
            "capital_cny": r(self.capital_cny, 0),
            "annual_saving_cny": r(self.annual_saving_cny, 0),
            "payback_years": None if self.payback_years is None else r(self.payback_years, 1),
            "pays": self.pays,
            "runs": self.runs,
            "warnings": list(self.warnings),
        }


def favad_leakage(l0: float, p0: float, p1: float, n1: float) -> float:
    """FAVAD: the leakage L1 = L0 (P1/P0)^N1 at the average zone pressure P1 (m) for a leakage
    L0 at P0."""
    if p0 <= 0:
        return l0
    return float(l0 * (max(p1, 0.0) / p0) ** n1)


def dma_inlets(network: Network) -> dict[str, list[DmaInlet]]:
    """The open pipes that carry water into each DMA, and where from (None: a trunk main).

    A pipe of DMA ``u`` (or a trunk main) whose end node touches only pipes of another DMA ``d``
    (and that no normally-closed valve shuts) is an inlet of ``d``, entering at that node."""
    dma = [None if d is None or d != d or str(d) == "None" else str(d) for d in network.pipes.dma]
    incident: dict[int, list[int]] = defaultdict(list)
    for i, (a, b) in enumerate(zip(network.pipes.start, network.pipes.end, strict=True)):
        incident[int(a)].append(i)
        incident[int(b)].append(i)
    shut = set(network.valves.pipe[network.valves.normally_closed].tolist())
    found: dict[str, list[DmaInlet]] = defaultdict(list)
    for p in range(len(network.pipes)):
        if p in shut or not bool(network.pipes.is_open[p]):
            continue
        for node in (int(network.pipes.start[p]), int(network.pipes.end[p])):
            others = [dma[q] for q in incident[node] if q != p]
            if not others or any(o == dma[p] for o in others):
                continue
            into = Counter(o for o in others if o is not None).most_common(1)
            if not into:
                continue
            found[str(into[0][0])].append(
                DmaInlet(str(network.pipes.ids[p]), str(network.nodes.ids[node]), dma[p])
            )
    return {d: sorted(v, key=lambda i: i.pipe) for d, v in sorted(found.items())}


def _downstream(dma: str, inlets: Mapping[str, list[DmaInlet]]) -> set[str]:
    """``dma`` and the DMAs it feeds, directly or through others."""
    out, todo = {dma}, [dma]
    while todo:
        u = todo.pop()
        for d, lst in inlets.items():
            if d not in out and any(i.from_dma == u for i in lst):
                out.add(d)
                todo.append(d)
    return out


def _customer_nodes(network: Network, model: HydraulicModel) -> dict[str, set[str]]:
    """The model's customer nodes of each DMA."""
    nodes = model.customer_nodes or {}
    out: dict[str, set[str]] = defaultdict(set)
    for k, cid in enumerate(network.customers.ids):
        p = int(network.customers.pipe[k])
        d = network.pipes.dma[p] if p >= 0 else None
        node = nodes.get(str(cid))
        if d is not None and d == d and node is not None:
            out[str(d)].add(node)
    return out


def _zone_weights(network: Network, model: HydraulicModel, dma: str) -> dict[str, float]:
    """Each model node's weight in the DMA's average zone pressure: half the length of each
    of the DMA's pipes that end there (leakage is along the mains)."""
    dma_of = {str(i): str(d) for i, d in zip(network.pipes.ids, network.pipes.dma, strict=True)}
    weights: dict[str, float] = defaultdict(float)
    for name, link in model.wn.links():
        if dma_of.get(str(name).split("~")[0]) != dma or link.link_type != "Pipe":
            continue
        weights[link.start_node_name] += float(link.length) / 2.0
        weights[link.end_node_name] += float(link.length) / 2.0
    return dict(weights)


def _azp(day: DayPressures, weights: Mapping[str, float]) -> float:
    """The day's mean of the hourly length-weighted zone pressure."""
    cols = [day.node_ids.index(n) for n in weights]
    w = np.array([weights[n] for n in weights])
    return float((day.pressure_m[:, cols] @ w).mean() / w.sum())


def _lowest(day: DayPressures, nodes: Collection[str]) -> tuple[float, str, int]:
    """The lowest pressure among ``nodes`` over the day, where and at which hour (index)."""
    names = sorted(nodes)
    cols = [day.node_ids.index(n) for n in names]
    block = day.pressure_m[:, cols]
    h, j = np.unravel_index(int(np.argmin(block)), block.shape)
    return float(block[h, j]), names[int(j)], int(h)


def pressure_management(
    network: Network,
    model: HydraulicModel,
    real_losses_m3d: Mapping[str, float],
    *,
    measured_azp_m: Mapping[str, float] | None = None,
    settings: PrvSettings = PrvSettings(),
    dmas: Collection[str] | None = None,
    today: DayPressures | None = None,
) -> list[PressureManagement]:
    """For each DMA with real losses (``real_losses_m3d``, the water balance's per day): the
    inlet PRV setting, the leakage FAVAD says it saves against today's average zone pressure
    (``measured_azp_m``, the mean of ``pressure.csv``, where given; else the model's), and its
    payback. Ranked: DMAs where a PRV pays first, by payback; then the others by saving.

    ``model`` is the network's EPANET model (:func:`gis.hydraulic_model.build_model`); ``dmas``
    limits the DMAs analysed; ``today`` is the model's day (:func:`gis.prv.day_pressures`)
    where the caller has it already."""
    inlets = dma_inlets(network)
    customers = _customer_nodes(network, model)
    today = day_pressures(model) if today is None else today
    service = settings.service_m
    out = []
    for d in sorted(real_losses_m3d):
        if (dmas is not None and d not in dmas) or d not in inlets or not customers.get(d):
            continue
        out.append(
            _dma(
                network, model, d, inlets, customers, today, real_losses_m3d[d],
                (measured_azp_m or {}).get(d), settings, service,
            )
        )  # fmt: skip
    return sorted(
        out,
        key=lambda x: (
            not x.pays,
            x.payback_years if x.pays and x.payback_years is not None else -x.saved_m3d,
        ),
    )


def _dma(
    network: Network,
    model: HydraulicModel,
    d: str,
    inlets: Mapping[str, list[DmaInlet]],
    customers: Mapping[str, set[str]],
    today: DayPressures,
    l0: float,
    measured: float | None,
    settings: PrvSettings,
    service: float,
) -> PressureManagement:
    warnings: list[str] = []
    mine = inlets[d]
    model_inlets = {i.pipe: Inlet(model.link_of(i.pipe, i.node), i.node) for i in mine}
    watched = set().union(*(customers.get(e, set()) for e in _downstream(d, inlets)))
    weights = _zone_weights(network, model, d)
    elevation = {i.pipe: float(model.wn.get_node(i.node).elevation) for i in mine}
    # the main inlet: the one carrying most water today
    column = {i.pipe: today.link_ids.index(model_inlets[i.pipe].link) for i in mine}
    flows = {p: float(np.abs(today.flow_m3s[:, k]).mean()) for p, k in column.items()}
    main = max(mine, key=lambda i: flows[i.pipe])
    main_head = today.head_m[:, today.node_ids.index(main.node)]
    main_pressure = today.pressure_m[:, today.node_ids.index(main.node)]
    low_today, critical, hour = _lowest(today, watched)
    lows = today.pressure_m[:, [today.node_ids.index(n) for n in watched]].min(axis=1)
    # with the PRVs holding one head at every inlet, the head at the critical point falls by
    # what the inlet's falls, while the PRVs act: the first guess, corrected by the runs below
    target = float(np.max(main_head - (lows - service)))
    azp_today = _azp(today, weights)
    runs = 0
    day = today
    prv_settings: dict[str, float] | None = None
    if target >= float(main_head.max()) - settings.tolerance_m:
        warnings.append(
            f"the critical point is already at the service pressure ({low_today:.1f} m at "
            f"{hour}:00): a PRV at the inlets cannot lower the zone's pressure"
        )
    else:
        best: tuple[float, dict[str, float], DayPressures] | None = None
        with_valves = with_prvs(model, {i: 0.0 for i in model_inlets.values()})  # one copy
        for _ in range(settings.max_runs):
            trial = {p: max(target - elevation[p], 0.0) for p in model_inlets}
            set_prv_settings(with_valves, {model_inlets[p]: s for p, s in trial.items()})
            day = day_pressures(with_valves)
            runs += 1
            margin = (
                float(day.pressure_m[:, [day.node_ids.index(n) for n in watched]].min()) - service
            )
            if margin >= -0.01 and (best is None or target < best[0]):
                best = (target, trial, day)
            if -0.01 <= margin <= settings.tolerance_m:
                break
            target -= margin - (settings.tolerance_m / 2 if margin > 0 else -0.02)
        if best is None:
            warnings.append(
                f"no PRV setting kept the critical point at the service pressure in {runs} runs: "
                "the zone is short of pressure at its worst hour; no PRV proposed"
            )
            day = today
        else:
            target, prv_settings, day = best
            if _azp(day, weights) > azp_today - settings.tolerance_m / 2:
                prv_settings, day = None, today
                warnings.append(
                    "PRVs at the inlets found do not lower the zone's pressure: water reaches it "
                    "by other pipes too; check the DMA's boundary (its closed valves)"
                )
            elif target >= float(main_head.max()) - settings.tolerance_m:
                prv_settings, day = None, today
                warnings.append("the setting needed is today's inlet pressure: nothing to gain")
    low_prv = _lowest(day, watched)[0]
    azp_prv = _azp(day, weights)
    if measured is not None:
        p0, p0_source = float(measured), "pressure.csv"
    else:
        p0, p0_source = azp_today, "model"
    p1 = p0 - (azp_today - azp_prv)
    if p1 < 0:
        warnings.append(
            f"the model lowers the zone by {azp_today - azp_prv:.1f} m, more than its measured "
            f"{p0:.1f} m: the model and the zone's pressure logger disagree; check both"
        )
    n1 = float(settings.n1_by_dma.get(d, settings.n1))
    if l0 <= 0:
        warnings.append("real losses are not above 0 in the water balance: no saving counted")
    saved = max(l0 - favad_leakage(l0, p0, p1, n1), 0.0) if l0 > 0 else 0.0
    capital = settings.prv_capital_cny * len(mine) if prv_settings is not None else 0.0
    annual = saved * 365.0 * settings.marginal_cost_cny_m3
    payback = capital / annual if annual > 0 and prv_settings is not None else None
    return PressureManagement(
        dma=d,
        name=network.dma_names.get(d, d),
        inlets=tuple(mine),
        settings_m=prv_settings,
        inlet_pressure_today_m=(float(main_pressure.min()), float(main_pressure.max())),
        inlet_setting_m=None if prv_settings is None else prv_settings[main.pipe],
        critical_node=critical,
        critical_today_m=low_today,
        critical_with_prv_m=low_prv,
        critical_hour=int(today.hours[hour]),
        azp_model_today_m=azp_today,
        azp_model_with_prv_m=azp_prv,
        p0_m=p0,
        p0_source=p0_source,
        p1_m=max(p1, 0.0),
        n1=n1,
        real_losses_m3d=l0,
        saved_m3d=saved,
        capital_cny=capital,
        annual_saving_cny=annual,
        payback_years=payback,
        pays=payback is not None and payback <= settings.max_payback_years and payback == payback,
        runs=runs,
        warnings=tuple(warnings),
    )
