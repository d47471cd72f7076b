"""Pressure management against leakage, by DMA: the PRV setting at a DMA's inlets that keeps its
critical point at the service pressure through the day, the leakage that setting saves by FAVAD,
and whether the PRV pays (``docs/leakage.md``, "Pressure management").

The hydraulics are EPANET's day (``gis.prv``, the model of ``gis.hydraulic_model``): today's run,
then runs with PRVs at the DMA's inlets, the setting raised or lowered until the lowest customer
node of the DMA (and of the DMAs it feeds) is at the service pressure at its worst hour.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import wntr

from gis.hydraulics import METRES_PER_MPA, SERVICE_PRESSURE_MPA, HydraulicModel
from gis.network import Network
from gis.prv import (
    DayPressures,
    Inlet,
    day_pressures,
    set_prv_settings,
    with_prvs,
)

# a DMA's warnings, by code (the console's words: api/web/static/js/i18n.js, "pm:CODE"), with
# their English; the params are plain values, already rounded
WARNINGS: dict[str, str] = {
    "critical_at_service": (
        "the critical point is already at the service pressure ({low_m} m at {hour}:00): a PRV "
        "at the inlets cannot lower the zone's pressure"
    ),
    "open_boundary_shut": (
        "open boundary: with the PRVs at its inlets shut or set to hold the service pressure, "
        "water still reaches the DMA by other pipes: no PRV possible until its boundary is "
        "closed (boundary valves shut, checked by a zero-pressure test) or its other inlets "
        "are metered (meters.csv); open pipes across its boundary, neither its inlets nor "
        "its outlets: {pipes}"
    ),
    "open_boundary_no_fall": (
        "open boundary: PRVs at its inlets do not lower the zone's pressure, water reaches it "
        "by other pipes: no PRV possible until its boundary is closed (boundary valves shut, "
        "checked by a zero-pressure test) or its other inlets are metered (meters.csv); open "
        "pipes across its boundary, neither its inlets nor its outlets: {pipes}"
    ),
    "no_gain": (
        "the setting the critical point needs is today's inlet pressure: a PRV gains nothing"
    ),
    "inlets_cannot_serve": (
        "with its boundary valves shut and PRVs at its inlets the DMA loses its supply (below "
        "0 m at {hour}:00): its inlets alone cannot serve it through the day (as the model "
        "has it, water also comes back through its outlets); no PRV proposed"
    ),
    "short_of_pressure": (
        "no PRV setting kept the critical point at the service pressure in {runs} runs: the "
        "zone is short of pressure at its worst hour; no PRV proposed"
    ),
    "model_logger_disagree": (
        "the model lowers the zone by {fall_m} m, more than its measured {p0_m} m: the model "
        "and the zone's pressure logger disagree; check both"
    ),
    # the study's, about a DMA not analysed or a meter (each starts with the DMA, or "meters")
    "meter_contradicts_model": (
        "meters: meters.csv has pipe {pipe} feeding {dma}, the model's water runs to {zone} "
        "today; the meter is taken (check the model's boundary valves and the meter's record)"
    ),
    "meter_not_boundary": (
        "meters: pipe {pipe} of meters.csv ({dma}) is not an open pipe across a DMA boundary in "
        "the network: not used as an inlet"
    ),
    "no_inlet": (
        "{dma}: no inlet found (no open pipe across its boundary carries water into it in the "
        "model): not analysed; give its inlet meters' pipes in meters.csv (meter, pipe, dma, "
        "from_dma) or check its boundary pipes and valves in the GIS"
    ),
    "no_customer_node": (
        "{dma}: no customer node in the model (customers.csv/the customers layer has none on "
        "its pipes): no critical point, not analysed"
    ),
    "real_losses_not_positive": (
        "the DMA's real losses (night flow, the last 7 nights) are {losses_m3d} m³/day, not "
        "above 0: no saving can be computed (check its inlet meters and night use)"
    ),
}

WarningCode = tuple[str, dict[str, Any]]  # (code, params)


def warning_text(code: str, params: Mapping[str, Any]) -> str:
    """The English of a DMA's warning."""
    return WARNINGS[code].format(**params)


def warning_codes(pairs: Collection[WarningCode]) -> list[dict[str, Any]]:
    """Warnings by code as JSON: ``[{"code", "params"}]``."""
    return [{"code": c, "params": dict(p)} for c, p in pairs]


class CodedWarning(str):
    """A warning of the study (a DMA not analysed, a meter): its English, with its code and
    params (``"legacy"``, no params: a stored English one from before the codes)."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, params: Mapping[str, Any] | None = None) -> CodedWarning:
        text = warning_text(code, params or {}) if code in WARNINGS else code
        made = super().__new__(cls, text)
        made.code = code if code in WARNINGS else "legacy"
        made.params = dict(params or {})
        return made

    def pair(self) -> WarningCode:
        return (self.code, dict(self.params))


# Lambert & Thornton: N1 about 0.5 for rigid pipes with fixed-area leaks, 1.5 for plastic pipes
# with leaks that open with pressure; 1.15 for a network of mixed materials
DEFAULT_N1 = 1.15
NON_RETURN_M = 1000.0  # a PRV's setting above any pressure of a city: open, or shut to reverse flow


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
    # "closed": the inlets found carry all its water; "open": its PRVs cannot hold its pressure
    boundary: str = "closed"
    n1_source: str = "default"  # "given" (n1_by_dma), "night-flow step" (fit_n1), "default"
    n1_fit: N1Fit | None = None
    # the DMA's normally-closed boundary valves, which its runs shut (the model has them open)
    boundary_valves_shut: int = 0
    warning_codes: tuple[WarningCode, ...] = ()  # ``warnings`` by code: (code, params)

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
            "n1": round(self.n1, 3),
            "n1_source": self.n1_source,
            "n1_fit": None if self.n1_fit is None else self.n1_fit.to_dict(),
            "real_losses_m3_per_day": r(self.real_losses_m3d, 1),
            "saved_m3_per_day": r(self.saved_m3d, 1),
            "saved_share_pct": r(100 * self.saved_share, 1),
            "capital_cny": r(self.capital_cny, 0),
            "annual_saving_cny": r(self.annual_saving_cny, 0),
            "payback_years": None if self.payback_years is None else r(self.payback_years, 1),
            "pays": self.pays,
            "runs": self.runs,
            "boundary": self.boundary,
            "boundary_valves_shut": self.boundary_valves_shut,
            "warnings": list(self.warnings),
            "warning_codes": warning_codes(self.warning_codes),
        }


@dataclass(frozen=True)
class N1Fit:
    """A DMA's FAVAD exponent from a step in its night pressure (a PRV changed, a step test):
    N1 = ln(Q_after / Q_before) / ln(P_after / P_before) of the median net night flows and
    night pressures of the nights either side of the step (``on``: the first night after)."""

    n1: float
    on: dt.date
    step_m: float
    pressure_before_m: float
    pressure_after_m: float
    flow_before_m3h: float
    flow_after_m3h: float
    nights: int  # on each side

    def to_dict(self) -> dict[str, Any]:
        return {
            "n1": round(self.n1, 2),
            "on": self.on.isoformat(),
            "step_m": round(self.step_m, 1),
            "pressure_m": [round(self.pressure_before_m, 1), round(self.pressure_after_m, 1)],
            "net_night_flow_m3h": [
                round(self.flow_before_m3h, 2),
                round(self.flow_after_m3h, 2),
            ],
            "nights": self.nights,
        }


def fit_n1(
    nightly: pd.DataFrame,
    *,
    min_step_m: float = 3.0,
    nights: int = 3,
    plausible: tuple[float, float] = (0.3, 2.5),
) -> N1Fit | None:
    """N1 from the largest step of a DMA's night pressure (``nightly``: per night,
    ``night_pressure_m`` and ``net_night_flow_m3h``, :func:`ops.leakage.night_flow.night_flows`):
    the ``nights`` nights either side must each hold their pressure (spread within a third of
    the step) and the step be at least ``min_step_m``. None without such a step, or when the
    flow does not follow the pressure as FAVAD can (N1 outside ``plausible``: a burst or a
    repair at the step)."""
    if "night_pressure_m" not in nightly or len(nightly) < 2 * nights:
        return None
    p = nightly["night_pressure_m"].to_numpy(dtype=float)
    q = nightly["net_night_flow_m3h"].to_numpy(dtype=float)
    if not np.isfinite(p).all() or not np.isfinite(q).all():
        return None
    best: tuple[float, int] | None = None
    for i in range(nights, len(p) - nights + 1):
        before, after = p[i - nights : i], p[i : i + nights]
        step = float(np.median(after) - np.median(before))
        if abs(step) < min_step_m:
            continue
        if max(np.ptp(before), np.ptp(after)) > abs(step) / 3:
            continue
        if best is None or abs(step) > abs(best[0]):
            best = (step, i)
    if best is None:
        return None
    step, i = best
    pb, pa = float(np.median(p[i - nights : i])), float(np.median(p[i : i + nights]))
    qb, qa = float(np.median(q[i - nights : i])), float(np.median(q[i : i + nights]))
    if pb <= 0 or pa <= 0 or qb <= 0 or qa <= 0:
        return None
    n1 = float(np.log(qa / qb) / np.log(pa / pb))
    if not plausible[0] <= n1 <= plausible[1]:
        return None
    day = nightly.index[i]
    on = day if isinstance(day, dt.date) else pd.Timestamp(day).date()
    return N1Fit(n1, on, step, pb, pa, qb, qa, nights)


def favad_leakage(l0: float, p0: float, p1: float, n1: float) -> float:
    """FAVAD: the leakage L1 = L0 (P1/P0)^N1 at the average zone pressure P1 (m) for a leakage
    L0 at P0."""
    if p0 <= 0:
        return l0
    return float(l0 * (max(p1, 0.0) / p0) ** n1)


@dataclass(frozen=True)
class Crossing:
    """A pipe across a DMA boundary: of zone ``own`` (None: a trunk main), it meets the pipes of
    zone ``across`` only at its end ``node_across``; ``node_own`` is its other end."""

    pipe: str
    node_own: str
    node_across: str
    own: str | None
    across: str | None


def boundary_crossings(network: Network) -> list[Crossing]:
    """The open pipes across DMA boundaries: a pipe whose end node touches no other pipe of its
    zone, only pipes of another (the most of them: the zone across; a DMA where there are
    any), and that no normally-closed valve shuts."""
    dma = [None if d is None or d != d or str(d) == "None" else str(d) for d in network.pipes.dma]
    incident: dict[int, list[int]] = defaultdict(list)
    for i, (a, b) in enumerate(zip(network.pipes.start, network.pipes.end, strict=True)):
        incident[int(a)].append(i)
        incident[int(b)].append(i)
    shut = set(network.valves.pipe[network.valves.normally_closed].tolist())
    out = []
    for p in range(len(network.pipes)):
        if p in shut or not bool(network.pipes.is_open[p]):
            continue
        ends = (int(network.pipes.start[p]), int(network.pipes.end[p]))
        for k, node in enumerate(ends):
            others = [dma[q] for q in incident[node] if q != p and q not in shut]
            if not others or any(o == dma[p] for o in others):
                continue
            zones = Counter(o for o in others if o is not None).most_common(1)
            across = str(zones[0][0]) if zones else None
            if across is None and dma[p] is None:
                continue
            out.append(
                Crossing(
                    str(network.pipes.ids[p]),
                    str(network.nodes.ids[ends[1 - k]]),
                    str(network.nodes.ids[node]),
                    dma[p],
                    across,
                )
            )
    return out


def dma_inlets(
    network: Network, *, fed: Mapping[str, str | None] | None = None
) -> dict[str, list[DmaInlet]]:
    """The open pipes that carry water into each DMA, where they enter it (the PRV's node) and
    where from (None: a trunk main).

    Each pipe across a boundary (:func:`boundary_crossings`) feeds the zone ``fed[pipe]`` says
    (the meters, or the model's flows: :func:`fed_by_flow`; None: it feeds a trunk main, no
    inlet); a pipe ``fed`` does not name feeds the DMA it belongs to (a trunk main: the DMA
    across), as a DMA's inlet meter is on its first pipe. The water enters at the pipe's end in
    the zone fed."""
    found: dict[str, list[DmaInlet]] = defaultdict(list)
    for c in boundary_crossings(network):
        into = (fed or {}).get(c.pipe, c.own if c.own is not None else c.across)
        if into is not None and into == c.own:
            found[into].append(DmaInlet(c.pipe, c.node_own, c.across))
        elif into is not None and into == c.across:
            found[into].append(DmaInlet(c.pipe, c.node_across, c.own))
    return {d: sorted(v, key=lambda i: i.pipe) for d, v in sorted(found.items())}


def open_boundary_valves(network: Network, model: HydraulicModel, dma: str) -> list[str]:
    """The network's normally-closed valves on ``dma``'s pipes or pipes touching them that the
    model leaves open (the model built from GIS layers has every pipe open): how water can
    cross a boundary the GIS says is closed."""
    return sorted(_open_boundary_links(network, model, dma))


def _open_boundary_links(network: Network, model: HydraulicModel, dma: str) -> dict[str, str]:
    """:func:`open_boundary_valves` → the model's link each shuts."""
    valves = network.valves
    in_dma = np.asarray(network.pipes.dma == dma)
    nodes = set(network.pipes.start[in_dma].tolist()) | set(network.pipes.end[in_dma].tolist())
    closed = wntr.network.LinkStatus.Closed
    out: dict[str, str] = {}
    for v in np.flatnonzero(valves.normally_closed):
        p, n = int(valves.pipe[v]), int(valves.node[v])
        ends = {int(network.pipes.start[p]), int(network.pipes.end[p])}
        if not (in_dma[p] or n in nodes or ends & nodes):
            continue
        link = model.link_of(str(network.pipes.ids[p]), str(network.nodes.ids[n]))
        if link in model.wn.link_name_list and model.wn.get_link(link).initial_status != closed:
            out[str(valves.ids[v])] = link
    return out


def fed_by_flow(
    network: Network, model: HydraulicModel, day: DayPressures
) -> dict[str, str | None]:
    """Boundary pipe → the zone its water goes to over ``day`` (the mean flow of the model's
    link at the pipe's end; None: a trunk main)."""
    out: dict[str, str | None] = {}
    for c in boundary_crossings(network):
        link = model.link_of(c.pipe, c.node_own)
        if link not in day.link_ids:
            continue
        flow = float(day.flow_m3s[:, day.link_ids.index(link)].mean())
        towards_own = flow > 0 if model.wn.get_link(link).end_node_name == c.node_own else flow < 0
        out[c.pipe] = c.own if towards_own else c.across
    return out


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


@dataclass(frozen=True)
class PressureStudy:
    """Pressure management of a network's DMAs: a row per DMA analysed (ranked) and what could
    not be analysed, with why (``warnings``: each starts with the DMA it is about, or "meters")."""

    rows: list[PressureManagement]
    warnings: tuple[str, ...] = ()
    warning_codes: tuple[WarningCode, ...] = ()  # ``warnings`` by code (``"legacy"``: English only)


# what pressure management found for one DMA: its row, or the warning that it was not analysed
DmaOutcome = PressureManagement | str


def _plain(value: Any) -> Any:
    """JSON's values of a dataclass's asdict: numpy scalars as Python's, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def outcome_row(outcome: DmaOutcome) -> dict[str, Any]:
    """A DMA's outcome as JSON, lossless (not the rounded ``to_dict``): what a pressure-
    management job keeps per DMA done, so that a resumed run gives the same result as one run
    in one go (:func:`outcome_from_row` reads it back)."""
    if isinstance(outcome, CodedWarning):
        return {"warning": str(outcome), "code": outcome.code, "params": outcome.params}
    if isinstance(outcome, str):
        return {"warning": outcome}
    return {"row": _plain(asdict(outcome))}


def outcome_from_row(data: Mapping[str, Any]) -> DmaOutcome:
    """The inverse of :func:`outcome_row`."""
    if "warning" in data:
        if data.get("code") in WARNINGS:
            return CodedWarning(str(data["code"]), dict(data.get("params") or {}))
        return CodedWarning(str(data["warning"]))
    row = dict(data["row"])
    fit = row.get("n1_fit")
    return PressureManagement(
        **{
            **row,
            "inlets": tuple(DmaInlet(**i) for i in row["inlets"]),
            "inlet_pressure_today_m": tuple(row["inlet_pressure_today_m"]),
            "warnings": tuple(row.get("warnings", ())),
            "warning_codes": tuple((str(c), dict(p)) for c, p in row.get("warning_codes", ())),
            "n1_fit": None
            if fit is None
            else N1Fit(**{**fit, "on": dt.date.fromisoformat(fit["on"])}),
        }
    )


def pressure_management(
    network: Network,
    model: HydraulicModel,
    real_losses_m3d: Mapping[str, float],
    *,
    measured_azp_m: Mapping[str, float] | None = None,
    settings: PrvSettings = PrvSettings(),
    dmas: Collection[str] | None = None,
    today: DayPressures | None = None,
    metered: Mapping[str, str] | None = None,
) -> list[PressureManagement]:
    """The rows of :func:`pressure_study` (the DMAs it could analyse)."""
    return pressure_study(
        network, model, real_losses_m3d, measured_azp_m=measured_azp_m, settings=settings,
        dmas=dmas, today=today, metered=metered,
    ).rows  # fmt: skip


def pressure_study(
    network: Network,
    model: HydraulicModel,
    real_losses_m3d: Mapping[str, float],
    *,
    measured_azp_m: Mapping[str, float] | None = None,
    settings: PrvSettings = PrvSettings(),
    dmas: Collection[str] | None = None,
    today: DayPressures | None = None,
    metered: Mapping[str, str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    n1_fitted: Mapping[str, N1Fit] | None = None,
    done: Mapping[str, DmaOutcome] | None = None,
    on_dma: Callable[[str, DmaOutcome], None] | None = None,
) -> PressureStudy:
    """For each DMA with real losses (``real_losses_m3d``, the water balance's per day): the
    inlet PRV setting, the leakage FAVAD says it saves against today's average zone pressure
    (``measured_azp_m``, the mean of ``pressure.csv``, where given; else the model's), and its
    payback. Ranked: DMAs where a PRV pays first, by payback; then the others by saving.

    ``model`` is the network's EPANET model (:func:`gis.hydraulic_model.build_model`), its
    links as it has them; ``dmas`` limits the DMAs analysed; ``today`` is the model's day
    (:func:`gis.prv.day_pressures`) where the caller has it already. The inlets follow
    today's water (:func:`fed_by_flow`), ``metered`` (boundary pipe → the DMA its inlet meter
    says it feeds: ``meters.csv``) overriding it. A DMA with no inlet or no customer node is
    not analysed: ``warnings`` say so and what would fix it.

    ``done`` holds the outcomes of DMAs already analysed (a stopped job's, resumed): they are
    taken as they are, not run again, in their place (the result equals a run in one go);
    ``on_dma`` is given each DMA's outcome as it is found, before ``progress`` counts it."""
    today = day_pressures(model) if today is None else today
    fed = fed_by_flow(network, model, today)
    warnings: list[CodedWarning] = []
    for pipe, dma in sorted((metered or {}).items()):
        if pipe in fed and fed[pipe] != dma:
            zone = fed[pipe] or "a trunk main"
            warnings.append(
                CodedWarning("meter_contradicts_model", {"pipe": pipe, "dma": dma, "zone": zone})
            )
        elif pipe not in fed:
            warnings.append(CodedWarning("meter_not_boundary", {"pipe": pipe, "dma": dma}))
    fed.update({p: d for p, d in (metered or {}).items() if p in fed})
    inlets = dma_inlets(network, fed=fed)
    customers = _customer_nodes(network, model)
    service = settings.service_m
    out = []
    todo = [d for d in sorted(real_losses_m3d) if dmas is None or d in dmas]
    outcomes = {d: (done or {})[d] for d in todo if d in (done or {})}
    rest = [d for d in todo if d not in outcomes]
    for k, d in enumerate(rest):
        if progress is not None and k > 0:
            progress(len(outcomes), len(todo), rest[k - 1])
        outcomes[d] = _outcome(
            network, model, d, inlets, customers, today, real_losses_m3d[d],
            (measured_azp_m or {}).get(d), settings, service, (n1_fitted or {}).get(d),
        )  # fmt: skip
        if on_dma is not None:
            on_dma(d, outcomes[d])
    for d in todo:  # in the DMAs' order, done before or now
        found = outcomes[d]
        if isinstance(found, str):
            warnings.append(found if isinstance(found, CodedWarning) else CodedWarning(found))
        else:
            out.append(found)
    if progress is not None and todo:
        progress(len(todo), len(todo), todo[-1])
    rows = sorted(
        out,
        key=lambda x: (
            not x.pays,
            x.payback_years if x.pays and x.payback_years is not None else -x.saved_m3d,
        ),
    )
    return PressureStudy(rows, tuple(warnings), tuple(w.pair() for w in warnings))


def _outcome(
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
    n1_fit: N1Fit | None,
) -> DmaOutcome:
    """One DMA's row, or the warning that it cannot be analysed."""
    if d not in inlets:
        return CodedWarning("no_inlet", {"dma": d})
    if not customers.get(d):
        return CodedWarning("no_customer_node", {"dma": d})
    # the DMA as the GIS has it: its normally-closed boundary valves shut, which the model
    # built from GIS layers leaves open (the rest of the city as the model has it; the sample
    # city cannot run with every DMA closed at once: docs/leakage.md)
    shut = _open_boundary_links(network, model, d)
    links = [model.wn.get_link(k) for k in sorted(set(shut.values()))]
    before = [link.initial_status for link in links]
    try:
        for link in links:
            link.initial_status = wntr.network.LinkStatus.Closed
        own_day = day_pressures(model) if links else today
        return _dma(
            network, model, d, inlets, customers, own_day, l0, measured, settings, service,
            n1_fit, len(shut),
        )  # fmt: skip
    finally:
        for link, status in zip(links, before, strict=True):
            link.initial_status = status


def _other_crossings(network: Network, d: str, inlets: Mapping[str, list[DmaInlet]]) -> str:
    """The open pipes across ``d``'s boundary that are neither its inlets nor its outlets (the
    inlets of the DMAs it feeds): how water reaches an open boundary ("none": the inlets' own
    pipes bring it, e.g. a PRV that cannot hold)."""
    known = {i.pipe for e, lst in inlets.items() for i in lst if e == d or i.from_dma == d}
    found = sorted({c.pipe for c in boundary_crossings(network) if d in (c.own, c.across)} - known)
    return (", ".join(found[:8]) + (" …" if len(found) > 8 else "")) if found else "none"


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
    fit: N1Fit | None = None,
    valves_shut: int = 0,
) -> PressureManagement:
    warnings: list[WarningCode] = []
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
    own = customers[d]  # the DMA's own nodes follow its PRVs; those it feeds may have others
    low_today, critical, hour = _lowest(today, own)  # the DMA's own critical point
    lows = today.pressure_m[:, [today.node_ids.index(n) for n in own]].min(axis=1)
    # with the PRVs holding one head at every inlet, the head at the critical point falls by
    # what the inlet's falls, while the PRVs act: the first guess, corrected by the runs below
    target = float(np.max(main_head - (lows - service)))
    azp_today = _azp(today, weights)
    runs = 0
    day = today
    prv_settings: dict[str, float] | None = None
    boundary = "closed"
    no_gain = False
    if target >= float(main_head.max()) - settings.tolerance_m:
        warnings.append(
            ("critical_at_service", {"low_m": round(low_today, 1), "hour": today.hours[hour]})
        )
    else:
        best: tuple[float, dict[str, float], DayPressures] | None = None
        # the DMA's outlets (the inlets of the DMAs it feeds) take no water back while its
        # PRVs lower it: a non-return on each, a PRV set above any pressure (EPANET shuts a
        # PRV against reverse flow, and leaves it open below its setting)
        outlets = {
            Inlet(model.link_of(i.pipe, i.node), i.node): NON_RETURN_M
            for e, lst in inlets.items()
            if e != d
            for i in lst
            if i.from_dma == d
        }
        with_valves = with_prvs(model, {**outlets, **{i: 0.0 for i in model_inlets.values()}})
        previous: tuple[float, float] | None = None  # the last run's target and margin
        unserved: int | None = None  # an hour a run left the DMA's own nodes below 0 m
        slope = 1.0
        for _ in range(settings.max_runs):
            trial = {p: max(target - elevation[p], 0.0) for p in model_inlets}
            set_prv_settings(with_valves, {model_inlets[p]: s for p, s in trial.items()})
            day = day_pressures(with_valves)
            runs += 1
            # the DMA's own critical margin steers the setting; every node it feeds (which
            # may have other supplies, and then does not follow) must stay served
            own_low, _, own_hour = _lowest(day, own)
            margin = own_low - service
            worst = _lowest(day, watched)[0] - service
            if own_low < 0:  # the zone loses its supply with the PRVs, not a setting to refine
                unserved = int(day.hours[own_hour])
            if margin > settings.tolerance_m and all(v == 0.0 for v in trial.values()):
                # every PRV at 0 m (shut by its own setting) and the zone still above the
                # service pressure: water comes in by other pipes
                boundary = "open"
                break
            if worst >= -0.01 and (best is None or target < best[0]):
                best = (target, trial, day)
            if worst >= -0.01 and (margin <= settings.tolerance_m or worst <= settings.tolerance_m):
                break
            # the critical point does not follow the inlet head metre for metre (the PRVs
            # act at some hours only, an open PRV loses a little): the step is scaled by the
            # response measured between the last two runs (a secant), 1:1 at first
            if previous is not None and abs(target - previous[0]) > 0.01:
                slope = min(max((margin - previous[1]) / (target - previous[0]), 0.1), 1.5)
            previous = (target, margin)
            wanted = (0.02 - worst) if worst < -0.01 else (settings.tolerance_m / 2 - margin)
            target += wanted / slope
            if target >= float(main_head.max()) - settings.tolerance_m:
                no_gain = True  # the PRVs would be open all day: today's pressures, no run
                break
        if best is not None and best[1][main.pipe] == 0.0:
            boundary = "open"  # the main inlet's PRV at 0 m is shut: not a setting
        if boundary == "open":
            prv_settings, day = None, today
            warnings.append(("open_boundary_shut", {"pipes": _other_crossings(network, d, inlets)}))
        elif best is None and unserved is not None:
            warnings.append(("inlets_cannot_serve", {"hour": unserved}))
            day = today
        elif best is None and no_gain:
            warnings.append(("no_gain", {}))
            day = today
        elif best is None:
            warnings.append(("short_of_pressure", {"runs": runs}))
            day = today
        else:
            target, prv_settings, day = best
            if _azp(day, weights) > azp_today - settings.tolerance_m / 2:
                prv_settings, day, boundary = None, today, "open"
                warnings.append(
                    ("open_boundary_no_fall", {"pipes": _other_crossings(network, d, inlets)})
                )
            elif target >= float(main_head.max()) - settings.tolerance_m:
                prv_settings, day = None, today
                warnings.append(("no_gain", {}))
    low_prv = _lowest(day, watched)[0]
    azp_prv = _azp(day, weights)
    if measured is not None:
        p0, p0_source = float(measured), "pressure.csv"
    else:
        p0, p0_source = azp_today, "model"
    p1 = p0 - (azp_today - azp_prv)
    if p1 < 0:
        warnings.append(
            (
                "model_logger_disagree",
                {"fall_m": round(azp_today - azp_prv, 1), "p0_m": round(p0, 1)},
            )
        )
    if d in settings.n1_by_dma:
        n1, n1_source = float(settings.n1_by_dma[d]), "given"
    elif fit is not None:
        n1, n1_source = fit.n1, "night-flow step"
    else:
        n1, n1_source = float(settings.n1), "default"
    if not l0 > 0:  # never a saving from negative real losses (nor NaN)
        warnings.append(("real_losses_not_positive", {"losses_m3d": round(float(l0), 1)}))
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
        warnings=tuple(warning_text(c, p) for c, p in warnings),
        boundary=boundary,
        n1_source=n1_source,
        n1_fit=fit if n1_source == "night-flow step" else None,
        boundary_valves_shut=valves_shut,
        warning_codes=tuple(warnings),
    )
