"""The EPANET 2.2 toolkit, called directly (ctypes) on a WNTR model written to a temporary file:
what the model's normal run and the engine solve with."""

from __future__ import annotations

import ctypes
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import wntr
from wntr.epanet.toolkit import ENepanet

from gis.hydraulics.errors import HydraulicError, NotSolved
from gis.hydraulics.values import FloatArray, HydraulicState, NormalRun

# EPANET 2.2 toolkit codes (epanet2_enums.h)
EN_ELEVATION = 0
EN_DEMAND = 9
EN_HEAD = 10
EN_PRESSURE = 11
EN_DEMANDDEFICIT = 27
EN_INITSTATUS = 4
EN_FLOW = 8
EN_STATUS = 11
EN_CVPIPE = 0
EN_PIPE = 1
EN_CLOSED = 0
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

#: EPANET's units the snapshot file is written in: metric, flows in L/s
SNAPSHOT_UNITS = "LPS"
_LPS_TO_M3S = 1e-3


class Toolkit:
    """The EPANET 2.2 toolkit on a WNTR model written to a temporary file (metric units: m and
    L/s), values read in double precision."""

    def __init__(self, wn: Any, source: str) -> None:
        self.source = source
        self._tmp = tempfile.TemporaryDirectory(prefix="waterops-epanet-")
        inp = str(Path(self._tmp.name) / "model.inp")
        wntr.network.write_inpfile(wn, inp, units=SNAPSHOT_UNITS, version=2.2)
        self.en = ENepanet(version=2.2)
        self._hydraulics_open = False
        try:
            self.en.ENopen(inp, inp[:-4] + ".rpt", "")
        except Exception as exc:
            self.close()
            raise HydraulicError(
                f"{source}: EPANET cannot open the model ({exc})",
                code="epanet_cannot_open",
                model=source,
                error=str(exc),
            ) from exc
        self._lib = self.en.ENlib
        self._project = self.en._project
        self._value = ctypes.c_double()
        self._time = ctypes.c_long()
        self.node_ids = self._ids(self._lib.EN_getnodeid, self.en.ENgetcount(0))
        self.link_ids = self._ids(self._lib.EN_getlinkid, self.en.ENgetcount(2))
        kinds = np.array([self.en.ENgetnodetype(i) for i in range(1, len(self.node_ids) + 1)])
        self.junction = kinds == 0  # EN_JUNCTION; 1 reservoir, 2 tank
        self.tanks = tuple(int(i) + 1 for i in np.flatnonzero(kinds == 2))

    def __enter__(self) -> Toolkit:
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
                "and correct what it reports",
                code="epanet_error",
                model=self.source,
                error=code,
                solving=what,
            )
        if code in _UNSOLVED_WARNINGS:
            raise NotSolved(
                f"{self.source}: the model {_UNSOLVED_WARNINGS[code]} solving {what}: check "
                "pump curves, valve settings and demands with no source in EPANET, or raise "
                "TRIALS in [OPTIONS]",
                code="hydraulic_unsolved",
                model=self.source,
                warning=_UNSOLVED_WARNINGS[code],
                solving=what,
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
                    f"{self.source}: EPANET error {code} changing the type of link {index}",
                    code="epanet_retype_error",
                    model=self.source,
                    error=code,
                    link=index,
                )
        self.en.ENopenH()

    def next_step(self) -> int:
        code = self._lib.EN_nextH(self._project, ctypes.byref(self._time))
        if code >= 100:
            raise NotSolved(
                f"{self.source}: EPANET error {code} stepping the run",
                code="epanet_step_error",
                model=self.source,
                error=code,
            )
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
        demand = self.node_values(EN_DEMAND) * _LPS_TO_M3S
        if expected is None:
            deficit = self.node_values(EN_DEMANDDEFICIT) * _LPS_TO_M3S
            expected = np.where(self.junction, demand + deficit, 0.0)
        return HydraulicState(
            node_ids=self.node_ids,
            pressure_m=self.node_values(EN_PRESSURE),
            demand_m3s=demand,
            expected_m3s=expected,
            link_ids=self.link_ids if flows else (),
            flow_m3s=self.link_values(EN_FLOW) * _LPS_TO_M3S if flows else np.empty(0),
            closed_links=closed,
            warnings=(
                (_WARNINGS.get(self.last_warning, f"EPANET warning {self.last_warning}"),)
                if self.last_warning
                else ()
            ),
        )

    def state(self, t: int) -> NormalRun:
        head = self.node_values(EN_HEAD)
        elevation = self.node_values(EN_ELEVATION)
        status = self.link_values(EN_STATUS)
        return NormalRun(
            time_s=t,
            state=self.solved(frozenset()),
            tank_level_m={
                self.node_ids[i - 1]: float(head[i - 1] - elevation[i - 1]) for i in self.tanks
            },
            link_open={name: bool(status[i] > 0) for i, name in enumerate(self.link_ids)},
        )
