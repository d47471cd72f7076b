"""Hydraulic impact of an isolation with EPANET 2.2: who loses pressure, not only who is cut off.

The hydraulic model is the EPANET file's own (read by WNTR, as :mod:`gis.io` reads the network).
An impact is a *snapshot* at the hour of the outage: the demands of that hour (the patterns at
that time), the tank levels and the states of the controlled pumps and valves as the normal day's
run has them at that hour, solved pressure-driven (PDD: a node's demand is served in full from
the service pressure down to none at the minimum pressure). The isolation plan's valves are
closed (their pipes, the links of the file); bypassed valves and valves that need not close stay
open. Many scenarios reuse one engine: the EPANET toolkit is opened once and only link statuses
change between solves (``docs/hydraulics.md`` says why and what was measured).
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import math
import multiprocessing
import multiprocessing.util
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse
import scipy.sparse.csgraph
import wntr
from wntr.epanet.toolkit import ENepanet

from gis.errors import NetworkError
from gis.io import read_text
from gis.isolation import IsolationPlan, Isolator
from gis.network import Network

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# EPANET 2.2 toolkit codes (epanet2_enums.h)
_EN_ELEVATION = 0
_EN_DEMAND = 9
_EN_HEAD = 10
_EN_PRESSURE = 11
_EN_DEMANDDEFICIT = 27
_EN_INITSTATUS = 4
_EN_FLOW = 8
_EN_STATUS = 11
_EN_CVPIPE = 0
_EN_PIPE = 1
_EN_CLOSED = 0
# EPANET warnings (below 100) that mean the answer cannot be used: 1 hydraulically unbalanced
# (no convergence within the trials), 2 unstable (status changes did not settle)
_UNSOLVED_WARNINGS = {1: "did not converge (hydraulically unbalanced)", 2: "may be unstable"}
# the others: the answer stands, with what EPANET noticed
_WARNINGS = {
    3: "EPANET: the system is disconnected (as shutting valves makes it)",
    4: "EPANET: pumps cannot deliver enough flow or head",
    5: "EPANET: valves cannot deliver enough flow",
    6: "EPANET: the system has negative pressures",
}

#: head of water of 1 MPa, in metres (fresh water, 1000 kg/m³, standard gravity)
METRES_PER_MPA = 1e6 / (1000.0 * 9.80665)
#: the service pressure of a city network (CJJ 207: at least 0.14 MPa at the network's far ends)
SERVICE_PRESSURE_MPA = 0.14
#: EPANET's units the snapshot file is written in: metric, flows in L/s
_SNAPSHOT_UNITS = "LPS"
_LPS_TO_M3S = 1e-3


class HydraulicError(NetworkError):
    """The hydraulic model cannot answer: the message names what to fix."""


class HydraulicDataError(HydraulicError):
    """The hydraulic model has data an engine cannot use (missing elevations, zero diameters …).

    ``problems`` lists each (element, what is wrong, what to fix)."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str, str]]) -> None:
        self.problems = tuple(problems)
        shown = [f"{what} {message}: {fix}" for what, message, fix in self.problems[:20]]
        more = len(self.problems) - len(shown)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(
            f"{source}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} "
            "in the hydraulic data:\n  " + "\n  ".join(shown) + tail
        )


class NotSolved(HydraulicError):
    """EPANET found no hydraulic solution for a scenario."""


@dataclass(frozen=True)
class PressureSettings:
    """The pressures of a pressure-driven run.

    ``service_pressure_mpa`` is the pressure the utility guarantees (0.14 MPa, 14.28 m); below it
    a customer is reported as under-served, and it is the pressure at which PDD serves the full
    demand (``required_pressure_m`` overrides that). At ``minimum_pressure_m`` or below nothing
    is served; between, the share served is ((p - min) / (req - min)) ** ``pressure_exponent``.
    """

    service_pressure_mpa: float = SERVICE_PRESSURE_MPA
    minimum_pressure_m: float = 0.0
    required_pressure_m: float | None = None
    pressure_exponent: float = 0.5
    demand_model: str = "PDD"  # or "DDA" (demand-driven: the file's usual run)

    @property
    def service_head_m(self) -> float:
        return self.service_pressure_mpa * METRES_PER_MPA

    @property
    def full_service_m(self) -> float:
        return self.service_head_m if self.required_pressure_m is None else self.required_pressure_m

    def check(self) -> None:
        if not self.service_pressure_mpa > 0:
            raise HydraulicError(
                f"service pressure {self.service_pressure_mpa} MPa: give a pressure above 0 "
                "(the usual one is 0.14 MPa)"
            )
        if not self.full_service_m > self.minimum_pressure_m:
            raise HydraulicError(
                f"the pressure of full service ({self.full_service_m:.2f} m) must be above the "
                f"minimum pressure ({self.minimum_pressure_m:.2f} m): lower the minimum"
            )
        if self.demand_model not in ("PDD", "DDA"):
            raise HydraulicError(f"demand model {self.demand_model!r}: give PDD or DDA")
        if not self.pressure_exponent > 0:
            raise HydraulicError("the PDD pressure exponent must be above 0 (the usual one is 0.5)")


@dataclass(frozen=True)
class HydraulicState:
    """One solved snapshot: per node and per link, SI units (m, m³/s).

    ``demand_m3s`` is EPANET's node demand: at a junction what is served (at a tank or
    reservoir its net inflow); ``expected_m3s`` is what a junction asks for at the hour (0 at
    tanks and reservoirs)."""

    node_ids: tuple[str, ...]
    pressure_m: FloatArray
    demand_m3s: FloatArray  # served
    expected_m3s: FloatArray  # asked for at the hour (served + deficit)
    link_ids: tuple[str, ...]
    flow_m3s: FloatArray
    closed_links: frozenset[str]
    warnings: tuple[str, ...] = ()

    def pressure(self, node: str) -> float:
        return float(self.pressure_m[self.node_ids.index(node)])

    def flow(self, link: str) -> float:
        return float(self.flow_m3s[self.link_ids.index(link)])


@dataclass(frozen=True)
class NormalRun:
    """The file's own run at one time: what the snapshot of that hour starts from, and the
    engine's own answer to compare with."""

    time_s: int
    state: HydraulicState
    tank_level_m: dict[str, float]
    link_open: dict[str, bool]


class _Toolkit:
    """The EPANET 2.2 toolkit on a WNTR model written to a temporary file (metric units: m and
    L/s), values read in double precision."""

    def __init__(self, wn: Any, source: str) -> None:
        self.source = source
        self._tmp = tempfile.TemporaryDirectory(prefix="waterops-epanet-")
        inp = str(Path(self._tmp.name) / "model.inp")
        wntr.network.write_inpfile(wn, inp, units=_SNAPSHOT_UNITS, version=2.2)
        self.en = ENepanet(version=2.2)
        self._hydraulics_open = False
        try:
            self.en.ENopen(inp, inp[:-4] + ".rpt", "")
        except Exception as exc:
            self.close()
            raise HydraulicError(f"{source}: EPANET cannot open the model ({exc})") from exc
        self._lib = self.en.ENlib
        self._project = self.en._project
        self._value = ctypes.c_double()
        self._time = ctypes.c_long()
        self.node_ids = self._ids(self._lib.EN_getnodeid, self.en.ENgetcount(0))
        self.link_ids = self._ids(self._lib.EN_getlinkid, self.en.ENgetcount(2))
        kinds = np.array([self.en.ENgetnodetype(i) for i in range(1, len(self.node_ids) + 1)])
        self.junction = kinds == 0  # EN_JUNCTION; 1 reservoir, 2 tank
        self.tanks = tuple(int(i) + 1 for i in np.flatnonzero(kinds == 2))

    def __enter__(self) -> _Toolkit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        en = self.en if hasattr(self, "en") else None
        try:
            if en is not None and en.fileLoaded:
                if self._hydraulics_open:
                    self._lib.EN_closeH(self._project)
                en.ENclose()
        finally:
            self._tmp.cleanup()

    def open_hydraulics(self) -> None:
        self.en.ENopenH()
        self._hydraulics_open = True
        self.en.ENinitH(10)

    def run(self, what: str) -> int:
        """Solve the current time; its time in seconds."""
        code = self._lib.EN_runH(self._project, ctypes.byref(self._time))
        if code >= 100:
            raise NotSolved(
                f"{self.source}: EPANET error {code} solving {what}: open the model in EPANET "
                "and correct what it reports"
            )
        if code in _UNSOLVED_WARNINGS:
            raise NotSolved(
                f"{self.source}: the model {_UNSOLVED_WARNINGS[code]} solving {what}: check "
                "pump curves, valve settings and demands with no source in EPANET, or raise "
                "TRIALS in [OPTIONS]"
            )
        self.last_warning = code
        return int(self._time.value)

    def retype(self, indices: Sequence[int], link_type: int) -> None:
        """Change pipes to or from check-valve pipes (EPANET keeps their indices for that, and
        allows it with the solver closed only)."""
        self._lib.EN_closeH(self._project)
        for index in indices:
            ref = ctypes.c_int(index)
            code = self._lib.EN_setlinktype(self._project, ctypes.byref(ref), link_type, 0)
            if code or ref.value != index:
                raise HydraulicError(
                    f"{self.source}: EPANET error {code} changing the type of link {index}"
                )
        self.en.ENopenH()

    def next_step(self) -> int:
        code = self._lib.EN_nextH(self._project, ctypes.byref(self._time))
        if code >= 100:
            raise NotSolved(f"{self.source}: EPANET error {code} stepping the run")
        return int(self._time.value)

    def _ids(self, getter: Any, count: int) -> tuple[str, ...]:
        buffer = ctypes.create_string_buffer(64)  # EN_MAXID is 31
        out = []
        for i in range(1, count + 1):
            getter(self._project, i, buffer)
            out.append(buffer.value.decode("latin-1"))
        return tuple(out)

    def node_values(self, code: int) -> FloatArray:
        return self._values(self._lib.EN_getnodevalue, len(self.node_ids), code)

    def link_values(self, code: int) -> FloatArray:
        return self._values(self._lib.EN_getlinkvalue, len(self.link_ids), code)

    def _values(self, get: Any, count: int, code: int) -> FloatArray:
        """One value of every node or link (EPANET 2.2 has no bulk getter: one call each)."""
        project, value = self._project, self._value
        out = np.empty(count)
        ref = ctypes.byref(value)
        for i in range(count):
            get(project, i + 1, code, ref)
            out[i] = value.value
        return out

    def solved(
        self, closed: frozenset[str], expected: FloatArray | None = None, flows: bool = True
    ) -> HydraulicState:
        """The values of the solve just run. ``expected`` (what the junctions ask for at the
        hour, the same in every scenario of one snapshot) saves reading the deficits, and
        ``flows=False`` the flows: one toolkit call per value, they are most of a solve's
        time on a large network."""
        demand = self.node_values(_EN_DEMAND) * _LPS_TO_M3S
        if expected is None:
            deficit = self.node_values(_EN_DEMANDDEFICIT) * _LPS_TO_M3S
            expected = np.where(self.junction, demand + deficit, 0.0)
        return HydraulicState(
            node_ids=self.node_ids,
            pressure_m=self.node_values(_EN_PRESSURE),
            demand_m3s=demand,
            expected_m3s=expected,
            link_ids=self.link_ids if flows else (),
            flow_m3s=self.link_values(_EN_FLOW) * _LPS_TO_M3S if flows else np.empty(0),
            closed_links=closed,
            warnings=(
                (_WARNINGS.get(self.last_warning, f"EPANET warning {self.last_warning}"),)
                if self.last_warning
                else ()
            ),
        )

    def state(self, t: int) -> NormalRun:
        head = self.node_values(_EN_HEAD)
        elevation = self.node_values(_EN_ELEVATION)
        status = self.link_values(_EN_STATUS)
        return NormalRun(
            time_s=t,
            state=self.solved(frozenset()),
            tank_level_m={
                self.node_ids[i - 1]: float(head[i - 1] - elevation[i - 1]) for i in self.tanks
            },
            link_open={name: bool(status[i] > 0) for i, name in enumerate(self.link_ids)},
        )


class HydraulicModel:
    """The EPANET model of a network: the file's own, read by WNTR.

    Parameters
    ----------
    wn
        The WNTR ``WaterNetworkModel``; it is not changed.
    source
        The name errors use (the file's name).
    """

    def __init__(
        self,
        wn: Any,
        source: str = "model",
        *,
        valve_links: dict[tuple[str, str], str] | None = None,
        customer_nodes: dict[str, str] | None = None,
    ) -> None:
        self.wn = wn
        self.source = source
        # a model built from GIS layers (gis.hydraulic_model) splits a pipe with customers at
        # its middle: a valve (pipe, node) closes the half at its node, and a customer draws at
        # the middle node. An EPANET file's model has neither: a valve closes its link.
        self.valve_links = dict(valve_links or {})
        self.customer_nodes = None if customer_nodes is None else dict(customer_nodes)
        problems = model_problems(wn)
        if problems:
            raise HydraulicDataError(source, problems)
        self._base: dict[float, NormalRun] = {}

    @classmethod
    def from_inp(cls, path: str | Path) -> HydraulicModel:
        """The model of an EPANET ``.inp`` file, in UTF-8 or an encoding :func:`gis.io.read_text`
        tells (GB18030 …: WNTR reads UTF-8 without a byte-order mark only, so it reads a copy)."""
        path = Path(path)
        text, encoding = read_text(path, "file")
        try:
            if encoding == "utf-8":
                wn = wntr.network.WaterNetworkModel(str(path))
            else:
                with tempfile.TemporaryDirectory(prefix="waterops-inp-") as tmp:
                    copy_ = Path(tmp) / path.name
                    copy_.write_text(text, encoding="utf-8")
                    wn = wntr.network.WaterNetworkModel(str(copy_))
        except Exception as exc:  # WNTR raises bare exceptions of many kinds on bad input
            problems = inp_text_problems(text)
            if problems:
                raise HydraulicDataError(path.name, problems) from exc
            raise HydraulicError(
                f"{path.name} cannot be read as EPANET input ({exc}): open it in EPANET, "
                "correct what it reports and save it again"
            ) from exc
        return cls(wn, source=path.name)

    def link_of(self, pipe_id: str, node_id: str) -> str:
        """The model's link a valve on ``pipe_id`` at ``node_id`` closes."""
        return self.valve_links.get((pipe_id, node_id), pipe_id)

    @property
    def duration_h(self) -> float:
        return float(self.wn.options.time.duration) / 3600.0

    def normal_run(self, hour: float) -> NormalRun:
        """The file's own extended-period run (demand-driven, its controls) up to ``hour``, by
        the EPANET toolkit: the state the snapshot of that hour starts from."""
        key = round(float(hour), 6)
        if key not in self._base:
            wn = copy.deepcopy(self.wn)
            t = round(key * 3600)
            wn.options.time.duration = t
            wn.options.quality.parameter = "NONE"
            with _Toolkit(wn, self.source) as en:
                en.open_hydraulics()
                now = 0
                while True:
                    now = en.run(f"the normal run at {now / 3600:g} h")
                    if now >= t:
                        break
                    if en.next_step() == 0:
                        break
                if now != t:
                    raise HydraulicError(
                        f"{self.source}: the normal run has no time step at hour {key:g}"
                    )
                self._base[key] = en.state(t)
        return self._base[key]

    def snapshot(
        self,
        hour: float,
        settings: PressureSettings = PressureSettings(),
        end: float | None = None,
    ) -> Any:
        """A WNTR model of the hour: one period, pressure-driven, no controls.

        Demands are the patterns' at ``hour`` (hours after the file's start), tank levels and
        the status of every link a control or rule sets are the normal run's at that hour.

        With ``end`` (the outage window ``[hour, end)``), an extended-period model of the
        window's whole hours instead: it starts as the snapshot does and runs hourly to the
        window's last hour (:func:`window_hours`), tanks filling and draining, the controls
        kept with their times counted from the window's start (those already past dropped:
        their effect is in the statuses the window starts with).
        """
        settings.check()
        if hour < 0:
            raise HydraulicError(f"hour {hour:g}: give an hour from 0 (the model's start time)")
        steps = window_hours(hour, end) if end is not None else (float(hour),)
        t = round(hour * 3600)
        base = self.normal_run(hour)
        wn = copy.deepcopy(self.wn)
        controlled = set()
        for _, control in list(wn.controls()):
            for action in control.actions():
                target, attribute = action.target()
                if attribute == "status":
                    controlled.add(target.name)
        for name in list(wn.control_name_list):
            if end is None or not _shift_control(wn.get_control(name), t):
                wn.remove_control(name)
        for name in sorted(controlled):
            wn.get_link(name).initial_status = (
                wntr.network.LinkStatus.Open
                if base.link_open[name]
                else wntr.network.LinkStatus.Closed
            )
        for name, tank in wn.tanks():
            level = base.tank_level_m[name]
            tank.init_level = float(min(max(level, tank.min_level), tank.max_level))
        opts = wn.options
        opts.time.duration = round((len(steps) - 1) * 3600)
        if end is not None:
            opts.time.hydraulic_timestep = min(3600, int(opts.time.hydraulic_timestep))
            opts.time.report_timestep = 3600
        opts.time.pattern_start = float(opts.time.pattern_start) + t
        opts.time.start_clocktime = (float(opts.time.start_clocktime) + t) % 86400.0
        opts.time.report_start = 0
        opts.quality.parameter = "NONE"
        opts.hydraulic.demand_model = settings.demand_model
        opts.hydraulic.minimum_pressure = settings.minimum_pressure_m
        opts.hydraulic.required_pressure = settings.full_service_m
        opts.hydraulic.pressure_exponent = settings.pressure_exponent
        opts.hydraulic.inpfile_units = _SNAPSHOT_UNITS
        return wn


#: the longest outage window a hydraulic run covers (hours): three days of hourly steps
MAX_WINDOW_HOURS = 72


def window_hours(start: float, end: float) -> tuple[float, ...]:
    """The hours of the window ``[start, end)`` a hydraulic run has a step at: ``start`` and
    every whole hour after it before ``end`` (an outage 07:00-13:00: 7, 8 … 12). EPANET's
    report times, as its own ``STATISTIC MINIMUM`` takes the minimum over them."""
    if not end > start:
        raise HydraulicError(
            f"outage window {start:g}-{end:g} h: give an end after the start (hours)"
        )
    if end - start > MAX_WINDOW_HOURS:
        raise HydraulicError(
            f"outage window {start:g}-{end:g} h: at most {MAX_WINDOW_HOURS} hours; ask for "
            "the worst days separately"
        )
    return tuple(float(start + k) for k in range(math.ceil(end - start - 1e-9)))


def _shift_control(control: Any, t: int) -> bool:
    """Count a control's simulation times from ``t`` (s) on: the window model starts there.
    False: a timed control already past (drop it; its effect is in the starting statuses)."""
    condition: Any = getattr(control, "_condition", None)
    timed = isinstance(condition, wntr.network.controls.SimTimeCondition)
    if timed and condition._threshold - t < 0 and not condition._repeat:
        return False
    _shift_condition(condition, t)
    return True


def _shift_condition(condition: Any, t: int) -> None:
    if isinstance(condition, wntr.network.controls.SimTimeCondition):
        repeat = float(condition._repeat or 0)
        shifted = float(condition._threshold) - t
        condition._threshold = shifted % repeat if repeat > 0 else max(0.0, shifted)
    for part in ("_condition_1", "_condition_2"):
        if hasattr(condition, part):
            _shift_condition(getattr(condition, part), t)


def inp_text_problems(text: str) -> list[tuple[str, str, str]]:
    """What WNTR cannot read in an EPANET file's text, named (it stops at the first, often with
    a bare ``IndexError``): junctions without an elevation, pipes without a length, diameter or
    roughness, or with a length or diameter of 0."""
    problems: list[tuple[str, str, str]] = []
    section = ""
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.upper()
            continue
        fields = line.split()
        if section == "[JUNCTIONS]" and (len(fields) < 2 or not _finite(fields[1])):
            problems.append(
                (f"junction {fields[0]}", "has no elevation", "give its ground elevation")
            )
        elif section == "[PIPES]":
            for k, what in ((3, "length"), (4, "diameter"), (5, "roughness")):
                if len(fields) <= k or not _finite(fields[k]):
                    problems.append((f"pipe {fields[0]}", f"has no {what}", f"give its {what}"))
                elif float(fields[k]) <= 0:
                    problems.append(
                        (f"pipe {fields[0]}", f"has {what} {fields[k]}", f"give its {what} (> 0)")
                    )
    return problems


def model_problems(wn: Any) -> list[tuple[str, str, str]]:
    """What an engine cannot use, each as (element, what is wrong, what to fix)."""
    problems: list[tuple[str, str, str]] = []
    for name, node in wn.junctions():
        if not _finite(node.elevation):
            problems.append(
                (f"junction {name}", "has no elevation", "give its ground elevation in m")
            )
    for name, tank in wn.tanks():
        if not _finite(tank.elevation):
            problems.append((f"tank {name}", "has no elevation", "give its bottom elevation"))
        elif not (_finite(tank.diameter) and tank.diameter > 0):
            problems.append((f"tank {name}", "has no diameter", "give its diameter (above 0)"))
    for name, reservoir in wn.reservoirs():
        if not _finite(reservoir.base_head):
            problems.append((f"reservoir {name}", "has no head", "give its water level in m"))
    for name, pipe in wn.pipes():
        if not (_finite(pipe.diameter) and pipe.diameter > 0):
            problems.append(
                (f"pipe {name}", f"has diameter {pipe.diameter!r}", "give its inner diameter")
            )
        if not (_finite(pipe.length) and pipe.length > 0):
            problems.append((f"pipe {name}", f"has length {pipe.length!r}", "give its length"))
        if not (_finite(pipe.roughness) and pipe.roughness > 0):
            problems.append(
                (
                    f"pipe {name}",
                    f"has roughness {pipe.roughness!r}",
                    "give its roughness (Hazen-Williams C, or the file's headloss formula's)",
                )
            )
    if wn.num_reservoirs + wn.num_tanks == 0:
        problems.append(("the model", "has no reservoir or tank", "add the sources of the water"))
    return problems


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _is_closed(link: Any) -> bool:
    return getattr(link.initial_status, "name", str(link.initial_status)) == "Closed"


def _run_epanet(wn: Any, source: str, what: str) -> Any:
    with tempfile.TemporaryDirectory(prefix="waterops-epanet-") as tmp:
        sim = wntr.sim.EpanetSimulator(wn)
        try:
            results = sim.run_sim(file_prefix=str(Path(tmp) / "run"), convergence_error=True)
        except Exception as exc:
            raise NotSolved(
                f"{source}: EPANET cannot solve {what} ({exc}): check the closed links, pump "
                "curves and valve settings in EPANET, or raise TRIALS in [OPTIONS]"
            ) from exc
    return results


def run_separately(
    snapshot: Any, closed_links: Iterable[str] = (), source: str = "model"
) -> HydraulicState:
    """The usual WNTR workflow, one new simulation per scenario: copy the snapshot model, close
    the links, write a file and run EPANET on it (the reference and the benchmark's peer).
    A model of several periods (a window's, or one cut short to an hour of it) answers its
    last period."""
    wn = copy.deepcopy(snapshot)
    closed = frozenset(closed_links)
    for name in closed:
        link = wn.get_link(name)
        if getattr(link, "check_valve", False):
            link.check_valve = False  # WNTR writes a check-valve pipe CV, never Closed
        link.initial_status = wntr.network.LinkStatus.Closed
    results = _run_epanet(wn, source, f"the scenario closing {len(closed)} links")
    pressure = results.node["pressure"].iloc[-1]
    demand = results.node["demand"].iloc[-1]
    flow = results.link["flowrate"].iloc[-1]
    nodes = tuple(str(n) for n in pressure.index)
    expected = np.array([_expected_demand(wn, n) for n in nodes])
    return HydraulicState(
        node_ids=nodes,
        pressure_m=pressure.to_numpy(dtype=np.float64),
        demand_m3s=demand.to_numpy(dtype=np.float64),
        expected_m3s=expected,
        link_ids=tuple(str(n) for n in flow.index),
        flow_m3s=flow.to_numpy(dtype=np.float64),
        closed_links=closed,
    )


def run_window_separately(
    window: Any, closed_links: Iterable[str] = (), source: str = "model"
) -> tuple[HydraulicState, ...]:
    """The usual workflow through a window's model (:meth:`HydraulicModel.snapshot` with an
    ``end``): for each of its hours a new EPANET run from the window's start to that hour, the
    links closed throughout, answering that hour (the reference of
    :meth:`HydraulicEngine.solve_window`)."""
    out = []
    for k in range(int(window.options.time.duration) // 3600 + 1):
        upto = copy.deepcopy(window)
        upto.options.time.duration = k * 3600
        out.append(run_separately(upto, closed_links, source))
    return tuple(out)


def _expected_demand(wn: Any, name: str) -> float:
    node = wn.get_node(name)
    if node.node_type != "Junction":
        return 0.0
    t = int(wn.options.time.pattern_start) + int(wn.options.time.duration)
    default = wn.options.hydraulic.pattern
    fallback = wn.get_pattern(default) if default and default in wn.pattern_name_list else None
    total = 0.0
    for demand in node.demand_timeseries_list:
        pattern = demand.pattern or fallback
        total += float(demand.base_value) * (float(pattern.at(t)) if pattern else 1.0)
    return float(wn.options.hydraulic.demand_multiplier) * total


class HydraulicEngine:
    """EPANET kept open on the snapshot of one hour: each :meth:`solve` sets link statuses,
    solves once and puts them back. Not thread safe (one engine per thread).

    With ``end``, on the extended-period model of the outage window ``[hour, end)``
    (:meth:`HydraulicModel.snapshot`): :meth:`solve_window` steps it hydraulically through
    the window's hours with the links closed throughout; :meth:`solve` solves its first hour.
    """

    def __init__(
        self,
        model: HydraulicModel,
        hour: float = 0.0,
        settings: PressureSettings = PressureSettings(),
        *,
        always_closed: Iterable[str] = (),
        end: float | None = None,
    ) -> None:
        self.model = model
        self.hour = float(hour)
        self.end = None if end is None else float(end)
        self.hours = window_hours(self.hour, self.end) if self.end is not None else (self.hour,)
        self.settings = settings
        self.snapshot = model.snapshot(hour, settings, self.end)
        self.always_closed = frozenset(always_closed)
        for name in self.always_closed:
            link = self.snapshot.get_link(name)
            if getattr(link, "check_valve", False):
                link.check_valve = False  # WNTR writes a check-valve pipe CV, never Closed
            link.initial_status = wntr.network.LinkStatus.Closed
        # links a control or rule has set otherwise by the hour than the file starts them: the
        # network (and so the isolation plan's topology) has the file's initial statuses
        self.changed_links = tuple(
            name
            for name, link in self.snapshot.links()
            if name not in self.always_closed
            and _is_closed(link) != _is_closed(model.wn.get_link(name))
        )
        self._tk = _Toolkit(self.snapshot, model.source)
        tk = self._tk
        tk.open_hydraulics()
        self.node_ids = tk.node_ids
        self.link_ids = tk.link_ids
        self._link_index = {name: i + 1 for i, name in enumerate(self.link_ids)}
        self._initial = tk.link_values(_EN_INITSTATUS)
        position = {name: i for i, name in enumerate(self.node_ids)}
        links = [self.snapshot.get_link(name) for name in self.link_ids]
        self._link_start = np.array([position[k.start_node_name] for k in links], dtype=np.int64)
        self._link_end = np.array([position[k.end_node_name] for k in links], dtype=np.int64)
        self._link_open = self._initial != _EN_CLOSED
        self._check_valve = np.array(
            [tk.en.ENgetlinktype(i) == _EN_CVPIPE for i in range(1, len(self.link_ids) + 1)]
        )
        self._source = ~tk.junction
        self.node_position = {name: i for i, name in enumerate(self.node_ids)}
        self._expected: FloatArray | None = None  # the junctions' demands at the hour
        self._expected_steps: list[FloatArray] = []  # … at each hour of the window
        self._customers: tuple[Network, npt.NDArray[np.int64]] | None = None

    def node_positions(self, names: Iterable[str]) -> npt.NDArray[np.int64]:
        """The positions in :attr:`node_ids` of the nodes named (those the model has)."""
        where = self.node_position
        return np.fromiter((where[n] for n in names if n in where), dtype=np.int64)

    def customer_positions(self, network: Network) -> npt.NDArray[np.int64]:
        """Per customer of ``network``, the position of the node it draws from in
        :attr:`node_ids` (-1: not in the model). Kept for the last network asked: every impact
        of a criticality table asks it again."""
        if self._customers is not None and self._customers[0] is network:
            return self._customers[1]
        customers = network.customers
        by_model = self.model.customer_nodes
        if by_model is None:  # the file's model: a customer draws at its EPANET node
            names = [str(network.nodes.ids[k]) if k >= 0 else "" for k in customers.node.tolist()]
        else:  # a model built from GIS layers places each customer (gis.hydraulic_model)
            names = [by_model.get(str(c), "") for c in customers.ids]
        where = self.node_position
        positions = np.fromiter((where.get(n, -1) for n in names), dtype=np.int64)
        self._customers = (network, positions)
        return positions

    def __enter__(self) -> HydraulicEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._tk.close()

    def fed(self, closed_links: Collection[str] = ()) -> BoolArray:
        """Per node: has it a path of open links to a reservoir or tank at the hour, with
        ``closed_links`` closed (either way through a link: a pump or check valve that would
        carry no water is the hydraulic run's to find)."""
        open_ = self._link_open.copy()
        open_[[self.link_index(name) - 1 for name in closed_links]] = False
        n = len(self.node_ids)
        graph = scipy.sparse.coo_matrix(
            (np.ones(int(open_.sum())), (self._link_start[open_], self._link_end[open_])),
            shape=(n, n),
        )
        _, label = scipy.sparse.csgraph.connected_components(graph, directed=False)
        fed_labels = np.unique(label[self._source])
        return np.isin(label, fed_labels)

    def check_valve_links(self) -> tuple[str, ...]:
        """The pipes with a check valve, as EPANET has them now."""
        en = self._tk.en
        return tuple(
            name
            for i, name in enumerate(self.link_ids, start=1)
            if en.ENgetlinktype(i) == _EN_CVPIPE
        )

    def link_index(self, name: str) -> int:
        try:
            return self._link_index[name]
        except KeyError:
            raise HydraulicError(
                f"link {name!r} is not in the hydraulic model {self.model.source}: the valve "
                "layer names a pipe the EPANET file does not have"
            ) from None

    def solve(self, closed_links: Collection[str] = (), *, flows: bool = True) -> HydraulicState:
        """Solve the hour with ``closed_links`` closed (and the engine's always-closed ones).

        ``flows=False`` leaves the link flows out (``link_ids`` and ``flow_m3s`` empty): an
        impact needs only the nodes' pressures and demands, and the criticality tables ask
        for thousands."""
        with self._closed(closed_links):
            tk = self._tk
            tk.en.ENinitH(10)  # flows re-initialised: every solve starts as a fresh run would
            shown = ", ".join(sorted(closed_links)) or "none"
            tk.run(f"hour {self.hour:g} with links {shown} closed")
            # what the junctions ask for is the same in every scenario of the snapshot: a
            # solve without flows (the tables') takes it from the last full one
            state = tk.solved(frozenset(closed_links), None if flows else self._expected, flows)
            self._expected = state.expected_m3s
            return state

    def solve_window(
        self, closed_links: Collection[str] = (), *, flows: bool = True
    ) -> tuple[HydraulicState, ...]:
        """Step the window's extended-period run with ``closed_links`` closed throughout: the
        state at each of :attr:`hours` (EPANET's intermediate steps, at a control or a tank
        filling, are solved but not answered). Without ``end``, the one hour's solve."""
        if self.end is None:
            return (self.solve(closed_links, flows=flows),)
        closed = frozenset(closed_links)
        shown = ", ".join(sorted(closed_links)) or "none"
        out: list[HydraulicState] = []
        warnings: dict[str, None] = {}
        with self._closed(closed_links):
            tk = self._tk
            tk.en.ENinitH(10)
            last = round((len(self.hours) - 1) * 3600)
            while True:
                t = tk.run(f"hour {self.hour + len(out):g} of the window, links {shown} closed")
                if t % 3600 == 0 and len(out) < len(self.hours):
                    k = len(out)
                    known = self._expected_steps[k] if k < len(self._expected_steps) else None
                    state = tk.solved(closed, None if flows else known, flows)
                    if k >= len(self._expected_steps):
                        self._expected_steps.append(state.expected_m3s)
                    warnings.update(dict.fromkeys(state.warnings))
                    out.append(state)
                if t >= last or tk.next_step() == 0:
                    break
        if len(out) != len(self.hours):
            raise HydraulicError(
                f"{self.model.source}: the window's run has {len(out)} of its "
                f"{len(self.hours)} hours: check the model's time steps"
            )
        return tuple(replace(s, warnings=tuple(warnings)) for s in out)

    @contextlib.contextmanager
    def _closed(self, closed_links: Collection[str]) -> Iterator[None]:
        """``closed_links`` closed from the run's start (their initial status), put back after."""
        indices = [self.link_index(name) for name in closed_links]
        tk = self._tk
        check_valves = [i for i in indices if self._check_valve[i - 1]]
        # EPANET refuses a status for a pipe with a check valve: it is a plain pipe while
        # closed (the type changes in place, its index kept; only with the solver closed)
        if check_valves:
            tk.retype(check_valves, _EN_PIPE)
        try:
            for i in indices:
                tk.en.ENsetlinkvalue(i, _EN_INITSTATUS, _EN_CLOSED)
            yield
        finally:
            for i in indices:  # check-valve pipes too, while still plain pipes
                tk.en.ENsetlinkvalue(i, _EN_INITSTATUS, float(self._initial[i - 1]))
            if check_valves:
                tk.retype(check_valves, _EN_CVPIPE)


def engine_for(
    model: HydraulicModel,
    network: Network,
    hour: float = 0.0,
    settings: PressureSettings = PressureSettings(),
    end: float | None = None,
) -> HydraulicEngine:
    """An engine for the isolation plans of ``network``: its normally-closed valves shut in
    every run (as the isolation's topology has them); with ``end``, over the outage window
    ``[hour, end)``."""
    valves = network.valves
    shut = np.flatnonzero(valves.normally_closed)
    links = [
        model.link_of(
            str(network.pipes.ids[valves.pipe[v]]), str(network.nodes.ids[valves.node[v]])
        )
        for v in shut
    ]
    return HydraulicEngine(model, hour, settings, always_closed=links, end=end)


@dataclass(frozen=True)
class NodeService:
    """A junction with a demand at the hour: its pressure and demand, normally and with the
    valves closed (m, m³/h)."""

    node_id: str
    pressure_before_m: float
    pressure_m: float
    expected_m3h: float
    served_before_m3h: float
    served_m3h: float
    cut_off: bool  # topologically: no path of open links to a source, the valves closed
    below_service: bool
    # over an outage window: the hour of the lowest pressure (pressure_m, and pressure_before_m
    # at that hour) and of the lowest share served (the demands are that hour's); None: one hour
    pressure_hour: float | None = None
    share_hour: float | None = None

    @property
    def share_served(self) -> float:
        """Served over asked, at most 1 (EPANET 2.2's PDD serves a hair more than asked above
        the full-service pressure, about 1e-8 m³/s per metre: its regularisation)."""
        if self.expected_m3h <= 0:
            return 1.0
        return min(1.0, max(0.0, self.served_m3h / self.expected_m3h))

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node_id,
            "pressure_before_m": round(self.pressure_before_m, 3),
            "pressure_m": round(self.pressure_m, 3),
            "expected_m3h": round(self.expected_m3h, 4),
            "served_m3h": round(self.served_m3h, 4),
            "share_served": round(self.share_served, 4),
            "cut_off": self.cut_off,
            "below_service": self.below_service,
            **(
                {"pressure_hour": self.pressure_hour, "share_hour": self.share_hour}
                if self.pressure_hour is not None
                else {}
            ),
        }


@dataclass(frozen=True)
class HydraulicImpact:
    """What closing an isolation plan's valves does hydraulically at one hour, or through an
    outage window (``end_hour`` not None: the run of its ``hours``, :func:`window_impact`).

    ``below_service`` are the junctions with a demand that are not cut off topologically and
    whose pressure with the valves closed is below the service pressure (at any hour of the
    window); ``newly_below_service`` those of them that were at or above it normally (at such
    an hour). Demands in m³/h at the hour (over a window: the mean rate over its hours).
    """

    hour: float
    service_pressure_m: float
    closed_links: tuple[str, ...]
    left_open: tuple[str, ...]  # pipes of bypassed valves and of valves that need not close
    nodes: tuple[NodeService, ...]  # empty when asked without them
    cut_off_nodes: tuple[str, ...]  # no open path to a source at the hour, valves closed
    below_service: tuple[str, ...]
    newly_below_service: tuple[str, ...]
    customers_below_service: tuple[str, ...]  # customer ids at those nodes
    expected_m3h: float
    served_before_m3h: float
    served_m3h: float
    not_served_cut_off_m3h: float  # of the demand served normally, at the cut-off nodes
    not_served_low_pressure_m3h: float  # … and at the others (low pressure)
    warnings: tuple[str, ...] = ()
    customer_nodes: tuple[tuple[str, str], ...] = ()  # (customer id, node id) drawing there
    end_hour: float | None = None  # the window's end (exclusive); None: the snapshot of hour
    hours: tuple[float, ...] = ()  # the window's hours solved

    @property
    def not_served_m3h(self) -> float:
        return self.served_before_m3h - self.served_m3h

    @property
    def not_served_m3(self) -> float:
        """The volume not served: over the window's hours, else in the hour."""
        return self.not_served_m3h * max(1, len(self.hours))

    def customers(self) -> list[tuple[str, NodeService]]:
        """Per customer drawing from a node with a demand at the hour: its node's service (for
        an EPANET file, a customer is such a junction)."""
        by_node = {n.node_id: n for n in self.nodes}
        return [(c, by_node[n]) for c, n in self.customer_nodes if n in by_node]

    def to_dict(self, listed: str = "all") -> dict[str, Any]:
        """The impact as JSON. ``listed`` ``below``: the per-node and per-customer rows of the
        nodes cut off or below the service pressure only (the totals and id lists whole): the
        compact answer, a few kB where every row of the sample city is 2.7 MB. ``only``: the
        customers only, every one with its pressure and share served (no node rows, no other
        column; the totals and id lists whole): a quarter of the full answer's bytes."""
        if listed not in ("all", "below", "only"):
            raise HydraulicError(f"listed {listed!r}: use all, below or only")

        def shown(n: NodeService) -> bool:
            return listed == "all" or n.cut_off or n.below_service

        window = (
            {
                "end_hour": self.end_hour,
                "hours": list(self.hours),
                "not_served_m3": round(self.not_served_m3, 3),
            }
            if self.end_hour is not None
            else {}
        )
        return {
            "hour": self.hour,
            **window,
            "listed": listed,
            "service_pressure_m": round(self.service_pressure_m, 3),
            "closed_links": list(self.closed_links),
            "left_open": list(self.left_open),
            "cut_off_nodes": list(self.cut_off_nodes),
            "below_service": list(self.below_service),
            "newly_below_service": list(self.newly_below_service),
            "customers_below_service": list(self.customers_below_service),
            "expected_m3h": round(self.expected_m3h, 3),
            "served_before_m3h": round(self.served_before_m3h, 3),
            "served_m3h": round(self.served_m3h, 3),
            "not_served_m3h": round(self.not_served_m3h, 3),
            "not_served_cut_off_m3h": round(self.not_served_cut_off_m3h, 3),
            "not_served_low_pressure_m3h": round(self.not_served_low_pressure_m3h, 3),
            **(
                {"customers": [_customer_service(c, n) for c, n in self.customers()]}
                if listed == "only"
                else {
                    "nodes": [n.to_dict() for n in self.nodes if shown(n)],
                    "customers": [
                        {"customer": c, **n.to_dict()} for c, n in self.customers() if shown(n)
                    ],
                }
            ),
            "warnings": list(self.warnings),
        }


def _customer_service(customer: str, node: NodeService) -> dict[str, Any]:
    """A customer's row of the customers-only answer: its node's pressure and share served
    with the valves closed (cut off: both 0), and over a window the hours they are of."""
    return {
        "customer": customer,
        "pressure_m": round(node.pressure_m, 3),
        "share_served": round(node.share_served, 4),
        **(
            {"pressure_hour": node.pressure_hour, "share_hour": node.share_hour}
            if node.pressure_hour is not None
            else {}
        ),
    }


def plan_closures(
    plan: IsolationPlan, link_of: Callable[[str, str], str] | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The links an isolation plan closes (the pipes of its valves to close) and those it leaves
    open (bypassed valves, valves that need not close), each once, in the plan's order.
    ``link_of`` (:meth:`HydraulicModel.link_of`) names the model's link of a valve (pipe, node)
    when the model splits pipes."""

    def link(v: Any) -> str:
        return v.pipe_id if link_of is None else link_of(v.pipe_id, v.node_id)

    closed = tuple(dict.fromkeys(link(v) for v in plan.valves_to_close))
    open_ = tuple(
        p
        for p in dict.fromkeys(link(v) for v in (*plan.bypassed_valves, *plan.valves_not_needed))
        if p not in closed
    )
    return closed, open_


def cut_off_nodes(plan: IsolationPlan) -> set[str]:
    """The nodes an isolation plan leaves with no path to a source: the shut area (unless a
    source is inside it: see :attr:`IsolationPlan.isolated_from_sources`) and the unintended."""
    shut = set(plan.isolated_nodes) if plan.isolated_from_sources else set()
    return shut | set(plan.unintended_nodes)


def isolation_impact(
    engine: HydraulicEngine,
    network: Network,
    plan: IsolationPlan,
    *,
    normal: HydraulicState | None = None,
    solve: Any = None,
    with_nodes: bool = True,
) -> HydraulicImpact:
    """The hydraulic impact of closing ``plan``'s valves at the engine's hour.

    ``normal`` is the run with every valve open (computed when not given: pass it when asking
    about many plans). ``solve`` replaces ``engine.solve`` (the benchmark passes the usual
    workflow, a new simulation per scenario). ``with_nodes=False`` leaves
    :attr:`HydraulicImpact.nodes` empty (the totals and the lists of ids are kept): a third of
    the time of an impact on Net6 goes into them.
    """
    run = engine.solve if solve is None else solve
    if normal is None:
        normal = run(())
    closed, left_open = plan_closures(plan, engine.model.link_of)
    state = run(closed)
    return _impact(engine, network, plan, normal, state, closed, left_open, with_nodes)


def window_impact(
    engine: HydraulicEngine,
    network: Network,
    plan: IsolationPlan,
    *,
    normal: Sequence[HydraulicState] | None = None,
    solve: Any = None,
    with_nodes: bool = True,
) -> HydraulicImpact:
    """The hydraulic impact of closing ``plan``'s valves through the engine's outage window
    (``engine_for(..., end=)``): its extended-period run with the valves closed from the
    window's start, tank levels evolving, per node the lowest pressure and the lowest share of
    demand served over the window's hours and the hour of each; below the service pressure is
    below it at any hour. ``normal`` (the window with every valve open, computed when not
    given) and ``solve`` (closed links -> the window's states) as :func:`isolation_impact`."""
    run = engine.solve_window if solve is None else solve
    if normal is None:
        normal = run(())
    closed, left_open = plan_closures(plan, engine.model.link_of)
    states = run(closed)
    return _impact(engine, network, plan, normal, states, closed, left_open, with_nodes)


def _impact(
    engine: HydraulicEngine,
    network: Network,
    plan: IsolationPlan,
    normal: HydraulicState | Sequence[HydraulicState],
    state: HydraulicState | Sequence[HydraulicState],
    closed: tuple[str, ...],
    left_open: tuple[str, ...],
    with_nodes: bool = True,
) -> HydraulicImpact:
    """The impact of one hour's solve or of a window's (a state per hour: each node at its
    worst hour, the totals the mean rate over the hours)."""
    normals = (normal,) if isinstance(normal, HydraulicState) else tuple(normal)
    states = (state,) if isinstance(state, HydraulicState) else tuple(state)
    window = engine.end is not None and not isinstance(state, HydraulicState)
    hours = np.array(engine.hours if window else (engine.hour,), dtype=np.float64)
    if len(states) != len(hours) or len(normals) != len(hours):
        raise HydraulicError(f"{len(states)} solves for {len(hours)} hours of the window")
    service = engine.settings.service_head_m
    per_hour = 3600.0
    steps = len(states)
    expected = np.stack([s.expected_m3s for s in states])  # hour x node
    pressure = np.stack([s.pressure_m for s in states])
    before = np.stack([s.pressure_m for s in normals])
    demand_at = expected > 0
    demand = demand_at.any(axis=0)
    ids = np.array(states[0].node_ids, dtype=object)
    cut = ~engine.fed(closed)
    planned = np.zeros(len(ids), dtype=bool)
    planned[engine.node_positions(cut_off_nodes(plan))] = True
    below_at = demand_at & ~cut & (pressure < service)
    below: BoolArray = np.asarray(below_at.any(axis=0))
    newly: BoolArray = np.asarray((below_at & (before >= service)).any(axis=0))
    served_before = np.where(demand_at, np.stack([s.demand_m3s for s in normals]), 0.0)
    # EPANET keeps a closed link's conductance at 1e-8, not 0: a node cut off shows a residue
    # of about 1e-4 of its demand at a pressure of about 1e-7 m, and a part without demand an
    # undefined head between its neighbours'. It gets no water, at no pressure.
    served = np.where(demand_at & ~cut, np.stack([s.demand_m3s for s in states]), 0.0)
    lost = served_before - served
    if with_nodes and steps > 1:
        # each node's worst hour: of the lowest pressure and of the lowest share served, among
        # the hours it asks for water
        low_at = np.argmin(np.where(demand_at, pressure, np.inf), axis=0)
        share = np.where(
            demand_at, np.clip(served / np.where(demand_at, expected, 1.0), 0.0, 1.0), np.inf
        )
        short_at = np.argmin(share, axis=0)
    else:  # one hour (or no rows): every node's worst is it
        low_at = short_at = np.zeros(len(ids), dtype=np.int64)

    def row(i: int) -> NodeService:
        j, k = int(low_at[i]), int(short_at[i])
        return NodeService(
            node_id=str(ids[i]),
            pressure_before_m=float(before[j, i]),
            pressure_m=0.0 if cut[i] else float(pressure[j, i]),
            expected_m3h=float(expected[k, i] * per_hour),
            served_before_m3h=float(served_before[k, i] * per_hour),
            served_m3h=float(served[k, i] * per_hour),
            cut_off=bool(cut[i]),
            below_service=bool(below[i]),
            pressure_hour=float(hours[j]) if window else None,
            share_hour=float(hours[k]) if window else None,
        )

    nodes = tuple(row(int(i)) for i in (np.flatnonzero(demand) if with_nodes else ()))
    asked = expected * demand_at
    customers = network.customers
    at_node = engine.customer_positions(network)  # -1: not placed in the model
    placed = at_node >= 0
    at_low = placed & below[np.maximum(at_node, 0)]
    warnings = list(dict.fromkeys(w for st in states for w in st.warnings))
    if engine.changed_links:
        shown = ", ".join(engine.changed_links[:5])
        warnings.append(
            f"at hour {engine.hour:g} the controls have changed links {shown}"
            f"{' …' if len(engine.changed_links) > 5 else ''} from the file's initial status: "
            "the isolation plan's topology has the initial status, the run the hour's"
        )
    if not plan.isolated_from_sources:
        warnings.append(
            "the shut area holds a source (a tank or reservoir): the run feeds it from there, "
            "as it would be until that source's outlet is shut"
        )
    fed_anyway = ids[planned & ~cut]
    if len(fed_anyway):
        warnings.append(
            f"{len(fed_anyway)} nodes the plan counts as cut off have a path to a source at "
            f"hour {engine.hour:g} (e.g. {fed_anyway[0]}): the run feeds them"
        )
    unknown = {n for n in plan.isolated_nodes if n not in engine.node_position}
    if unknown:
        warnings.append(
            f"{len(unknown)} nodes of the plan are not in the hydraulic model (e.g. "
            f"{sorted(unknown)[0]}): the network and the model differ"
        )
    return HydraulicImpact(
        hour=engine.hour,
        end_hour=engine.end if window else None,
        hours=tuple(float(h) for h in hours) if window else (),
        service_pressure_m=service,
        closed_links=closed,
        left_open=left_open,
        nodes=nodes,
        cut_off_nodes=tuple(str(n) for n in ids[cut]),
        below_service=tuple(str(n) for n in ids[below]),
        newly_below_service=tuple(str(n) for n in ids[newly]),
        customers_below_service=tuple(str(c) for c in customers.ids[at_low]),
        expected_m3h=float(asked.sum() * per_hour / steps),
        served_before_m3h=float(served_before.sum() * per_hour / steps),
        served_m3h=float(served.sum() * per_hour / steps),
        not_served_cut_off_m3h=float(lost[:, cut].sum() * per_hour / steps),
        not_served_low_pressure_m3h=float(lost[:, ~cut].sum() * per_hour / steps),
        warnings=tuple(warnings),
        customer_nodes=(
            tuple(
                (str(c), str(ids[n]))
                for c, n, has in zip(customers.ids, at_node, placed, strict=True)
                if has
            )
            if with_nodes
            else ()
        ),
    )


@dataclass(frozen=True)
class SegmentHydraulics:
    """The hydraulic cost of shutting one segment (a break on one of its pipes)."""

    segment: int
    pipe_id: str  # a pipe of the segment (the break)
    valves_to_close: int
    not_served_m3h: float
    not_served_low_pressure_m3h: float
    cut_off_nodes: int
    below_service: int  # demand nodes below the service pressure beyond those cut off
    newly_below_service: int
    solved: bool = True  # False: EPANET found no solution with these valves closed (all 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "solved": self.solved,
            "segment": self.segment,
            "pipe": self.pipe_id,
            "valves_to_close": self.valves_to_close,
            "not_served_m3h": round(self.not_served_m3h, 3),
            "not_served_low_pressure_m3h": round(self.not_served_low_pressure_m3h, 3),
            "cut_off_nodes": self.cut_off_nodes,
            "below_service": self.below_service,
            "newly_below_service": self.newly_below_service,
        }


def hydraulic_criticality(
    engine: HydraulicEngine,
    isolator: Isolator,
    *,
    solve: Any = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> list[SegmentHydraulics]:
    """The hydraulic cost of shutting each segment that has a pipe, worst first (demand not
    served, then nodes newly below the service pressure). A shut-down EPANET cannot solve is a
    row with ``solved`` False, after the others (one such does not stop the table).

    ``workers`` above 1 shares the segments among that many processes, each with its own
    engine on the same snapshot (EPANET's project is not shareable; where processes cannot be
    forked, the table is computed here). ``solve`` (the benchmark's peer) runs here only.
    """
    seg = isolator.segmentation
    segments = [s for s in range(seg.n_segments) if len(seg.pipes_of(s))]
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and solve is None and forkable and len(segments) > workers:
        out = _in_processes(engine, isolator, segments, workers, progress, _worker_rows)
    else:
        run = _without_flows(engine) if solve is None else solve
        out = _segment_rows(engine, isolator, segments, run, progress)
    out.sort(key=lambda r: (not r.solved, -r.not_served_m3h, -r.newly_below_service, r.segment))
    return out


def _without_flows(engine: HydraulicEngine) -> Callable[[Collection[str]], HydraulicState]:
    def run(closed: Collection[str]) -> HydraulicState:
        return engine.solve(closed, flows=False)

    return run


def _segment_rows(
    engine: HydraulicEngine,
    isolator: Isolator,
    segments: Sequence[int],
    run: Callable[[Collection[str]], HydraulicState],
    progress: Callable[[int, int], None] | None = None,
) -> list[SegmentHydraulics]:
    """The criticality rows of ``segments``, in their order."""
    network, seg = isolator.network, isolator.segmentation
    normal = run(())
    out: list[SegmentHydraulics] = []
    for k, s in enumerate(segments):
        pipe = str(network.pipes.ids[seg.pipes_of(s)[0]])
        plan = isolator.plan([pipe], isolator.cut([s]), with_area=False)
        try:
            impact = isolation_impact(
                engine, network, plan, normal=normal, solve=run, with_nodes=False
            )
        except NotSolved:
            closing = len(plan_closures(plan, engine.model.link_of)[0])
            out.append(SegmentHydraulics(s, pipe, closing, 0.0, 0.0, 0, 0, 0, solved=False))
        else:
            out.append(
                SegmentHydraulics(
                    segment=s,
                    pipe_id=pipe,
                    valves_to_close=len(impact.closed_links),
                    not_served_m3h=impact.not_served_m3h,
                    not_served_low_pressure_m3h=impact.not_served_low_pressure_m3h,
                    cut_off_nodes=len(impact.cut_off_nodes),
                    below_service=len(impact.below_service),
                    newly_below_service=len(impact.newly_below_service),
                )
            )
        if progress is not None:
            progress(k + 1, len(segments))
    return out


# A worker process's own engine and isolator (set once per process by _start_worker: an EPANET
# project cannot cross processes, and rebuilding the engine per chunk would cost its set-up).
_worker: dict[str, Any] = {}


def _start_worker(
    model: HydraulicModel,
    hour: float,
    settings: PressureSettings,
    always_closed: frozenset[str],
    isolator: Isolator,
) -> None:
    engine = HydraulicEngine(model, hour, settings, always_closed=always_closed)
    # closed when the worker ends (a pool's workers run multiprocessing's exit finalizers,
    # not the interpreter's): the engine's temporary directory goes with it
    multiprocessing.util.Finalize(engine, engine.close, exitpriority=10)
    _worker.update(engine=engine, isolator=isolator, run=_without_flows(engine))


def _worker_rows(segments: list[int]) -> list[SegmentHydraulics]:
    return _segment_rows(_worker["engine"], _worker["isolator"], segments, _worker["run"])


def _in_processes(
    engine: HydraulicEngine,
    isolator: Isolator,
    segments: Sequence[int],
    workers: int,
    progress: Callable[[int, int], None] | None,
    rows_of: Callable[[list[int]], list[Any]],
    on_rows: Callable[[list[Any]], None] | None = None,
) -> list[Any]:
    """``rows_of`` each chunk of ``segments`` (segment or valve indices) in ``workers``
    processes, each with its own engine; the rows in the order they come (each chunk's given
    to ``on_rows`` as it comes)."""
    # chunks small enough to share the work evenly and report progress, large enough that
    # the normal run each chunk starts with stays a small part
    size = max(1, min(64, len(segments) // (workers * 8) or 1))
    chunks = [list(segments[i : i + size]) for i in range(0, len(segments), size)]
    context = multiprocessing.get_context("fork")
    pool = context.Pool(
        workers,
        initializer=_start_worker,
        initargs=(engine.model, engine.hour, engine.settings, engine.always_closed, isolator),
    )
    out: list[Any] = []
    try:
        for rows in pool.imap_unordered(rows_of, chunks):
            out.extend(rows)
            if on_rows is not None:
                on_rows(rows)
            if progress is not None:
                progress(len(out), len(segments))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return out


@dataclass(frozen=True)
class ValveHydraulics:
    """What it costs hydraulically when one valve fails when needed (the worse of its sides):
    the extra demand not served and the extra nodes below the service pressure, beyond the
    isolation with the valve working (the hydraulic side of :mod:`gis.criticality`)."""

    valve_id: str
    pipe_id: str
    node_id: str
    extra_not_served_m3h: float
    extra_below_service: int
    worst_break_pipe: str | None
    unsolved_sides: int = 0  # sides whose isolation with the valve failed EPANET cannot solve

    def to_dict(self) -> dict[str, Any]:
        return {
            "unsolved_sides": self.unsolved_sides,
            "valve": self.valve_id,
            "pipe": self.pipe_id,
            "node": self.node_id,
            "extra_not_served_m3h": round(self.extra_not_served_m3h, 3),
            "extra_below_service": self.extra_below_service,
            "worst_break_pipe": self.worst_break_pipe,
        }


def hydraulic_valve_criticality(
    engine: HydraulicEngine,
    isolator: Isolator,
    *,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    scored: Iterable[ValveHydraulics] = (),
    on_rows: Callable[[list[ValveHydraulics]], None] | None = None,
) -> list[ValveHydraulics]:
    """The hydraulic cost of every valve failing when needed, worst first.

    As :func:`gis.criticality.valve_criticality`: a valve is needed when a pipe on one of its
    two sides breaks; failed, the crew closes the next valves out. Normally-closed valves,
    inoperable ones (the plans already go around them) and valves inside a loop score zero.
    A side whose isolation EPANET cannot solve (with the valve working or failed) is counted in
    ``unsolved_sides`` and left out of the cost. ``workers``: as
    :func:`hydraulic_criticality`.

    Parameters
    ----------
    scored
        Rows of valves already scored with the same engine settings and isolator (a table
        stopped half-way): kept as they are and not run again, so the table resumed is the
        table run in one go. Rows of valves the network does not have are dropped.
    on_rows
        Called with each batch of rows as they are scored (a valve in one process, a chunk
        in ``workers``), before ``progress`` counts them: a caller keeps them to resume.
    progress
        Valves scored (``scored`` included) of the network's valves.
    """
    valves = isolator.network.valves
    known = {str(v): i for i, v in enumerate(valves.ids)}
    kept = {r.valve_id: r for r in scored if r.valve_id in known}
    indices = [i for i in range(len(valves)) if str(valves.ids[i]) not in kept]
    total = len(valves)

    def counted(done: int, _: int) -> None:
        if progress is not None:
            progress(len(kept) + done, total)

    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and forkable and len(indices) > workers:
        out = _in_processes(
            engine, isolator, indices, workers, counted, _worker_valve_rows, on_rows
        )
    elif indices:
        out = _valve_rows(engine, isolator, indices, counted, on_rows)
    else:
        out = []
    out.extend(kept.values())
    out.sort(key=lambda r: (-r.extra_not_served_m3h, -r.extra_below_service, r.valve_id))
    return out


def _worker_valve_rows(valves: list[int]) -> list[ValveHydraulics]:
    return _valve_rows(_worker["engine"], _worker["isolator"], valves)


def _valve_rows(
    engine: HydraulicEngine,
    isolator: Isolator,
    indices: Sequence[int],
    progress: Callable[[int, int], None] | None = None,
    on_rows: Callable[[list[ValveHydraulics]], None] | None = None,
) -> list[ValveHydraulics]:
    """The rows of the valves at ``indices``, in their order (each given to ``on_rows``
    as it is scored)."""
    network, seg = isolator.network, isolator.segmentation
    valves = network.valves
    run = _without_flows(engine)
    normal = run(())
    base: dict[int, HydraulicImpact | None] = {}
    seg_pipe_count = np.diff(seg.seg_pipes_ptr)

    def impact(side: int, failed: frozenset[int]) -> HydraulicImpact | None:
        pipe = str(network.pipes.ids[seg.pipes_of(side)[0]])
        plan = isolator.plan([pipe], isolator.cut([side], failed), with_area=False)
        try:
            return isolation_impact(
                engine, network, plan, normal=normal, solve=run, with_nodes=False
            )
        except NotSolved:
            return None

    out: list[ValveHydraulics] = []
    for k, v in enumerate(indices):
        c = int(seg.valve_cut[v])
        best: tuple[float, int] = (0.0, 0)
        worst_side: int | None = None
        unsolved = 0
        relevant = (
            bool(seg.cut_active[c])
            and bool(valves.operable[v])
            and not bool(valves.normally_closed[v])
        )
        if relevant:
            for side in sorted({int(seg.cut_side_pipe[c]), int(seg.cut_side_node[c])}):
                if seg_pipe_count[side] == 0:
                    continue
                if side not in base:
                    base[side] = impact(side, frozenset())
                failed = impact(side, frozenset({v}))
                working = base[side]
                if failed is None or working is None:
                    unsolved += 1
                    continue
                extra = (
                    failed.not_served_m3h - working.not_served_m3h,
                    len(failed.below_service) - len(working.below_service),
                )
                if extra > best:
                    best, worst_side = extra, side
        out.append(
            ValveHydraulics(
                valve_id=str(valves.ids[v]),
                pipe_id=str(network.pipes.ids[valves.pipe[v]]),
                node_id=str(network.nodes.ids[valves.node[v]]),
                extra_not_served_m3h=best[0],
                extra_below_service=best[1],
                worst_break_pipe=(
                    str(network.pipes.ids[seg.pipes_of(worst_side)[0]])
                    if worst_side is not None
                    else None
                ),
                unsolved_sides=unsolved,
            )
        )
        if on_rows is not None:
            on_rows(out[-1:])
        if progress is not None:
            progress(k + 1, len(indices))
    return out


def inp_isolation_impact(
    inp: str | Path,
    network: Network,
    plan: IsolationPlan,
    hour: float = 0.0,
    settings: PressureSettings = PressureSettings(),
) -> HydraulicImpact:
    """The hydraulic impact of an isolation plan of a network read from an EPANET file, with
    that file's model: what ``waterops isolate … --hydraulic`` calls for EPANET input."""
    with engine_for(HydraulicModel.from_inp(inp), network, hour, settings) as engine:
        return isolation_impact(engine, network, plan)
