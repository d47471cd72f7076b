"""Hydraulic impact of an isolation with EPANET 2.2: who loses pressure, not only who is cut off.

The hydraulic model is the EPANET file's own (read by WNTR, as :mod:`gis.io` reads the network).
An impact is a *snapshot* at the hour of the outage: the demands of that hour (the patterns at
that time), the tank levels and the states of the controlled pumps and valves as the normal day's
run has them at that hour, solved pressure-driven (PDD: a node's demand is served in full from
the service pressure down to none at the minimum pressure). The isolation plan's valves are
closed (their pipes, the links of the file); bypassed valves and valves that need not close stay
open. Many scenarios reuse one engine: the EPANET toolkit is opened once and only link statuses
change between solves (``docs/hydraulics.md`` says why and what was measured).

The package (issue 15 point 5: split along its seams; callers import from ``gis.hydraulics``):
``errors`` the errors; ``values`` the pressure settings, a solved state, the normal run;
``toolkit`` the EPANET toolkit called directly; ``model`` the model of a network and the
snapshot of an hour or a window; ``engine`` the engine kept open; ``impact`` an isolation's
impact; ``criticality`` the segment and valve tables; ``reference`` the usual workflow, a new
simulation per scenario (the engine's reference, the benchmark's peer).
"""

from gis.hydraulics.criticality import (
    SegmentHydraulics,
    ValveHydraulics,
    hydraulic_criticality,
    hydraulic_valve_criticality,
)
from gis.hydraulics.engine import HydraulicEngine, engine_for
from gis.hydraulics.errors import HydraulicDataError, HydraulicError, NotSolved
from gis.hydraulics.impact import (
    HydraulicImpact,
    LowPressure,
    NodeService,
    cut_off_nodes,
    inp_isolation_impact,
    isolation_impact,
    plan_closures,
    window_impact,
)
from gis.hydraulics.model import (
    MAX_WINDOW_HOURS,
    HydraulicModel,
    inp_text_problems,
    model_problems,
    window_hours,
)
from gis.hydraulics.reference import run_separately, run_window_separately
from gis.hydraulics.values import (
    METRES_PER_MPA,
    SERVICE_PRESSURE_MPA,
    HydraulicState,
    NormalRun,
    PressureSettings,
)

__all__ = [
    "MAX_WINDOW_HOURS",
    "METRES_PER_MPA",
    "SERVICE_PRESSURE_MPA",
    "HydraulicDataError",
    "HydraulicEngine",
    "HydraulicError",
    "HydraulicImpact",
    "HydraulicModel",
    "HydraulicState",
    "LowPressure",
    "NodeService",
    "NormalRun",
    "NotSolved",
    "PressureSettings",
    "SegmentHydraulics",
    "ValveHydraulics",
    "cut_off_nodes",
    "engine_for",
    "hydraulic_criticality",
    "hydraulic_valve_criticality",
    "inp_isolation_impact",
    "inp_text_problems",
    "isolation_impact",
    "model_problems",
    "plan_closures",
    "run_separately",
    "run_window_separately",
    "window_hours",
    "window_impact",
]
