"""Crew scheduling with OR-Tools (docs/design.md §5).

The public API, for notebooks and the other packages::

    from routing import Crew, Job, Problem, Shift, SolverOptions, solve

    plan = solve(Problem(crews, jobs), SolverOptions(seconds=5))

:func:`solve` plans a :class:`Problem` (crews with their shifts, jobs, precedences, a travel
model) into a :class:`Plan`; :func:`replan` plans the rest of a day from a published plan.
Reading and writing plans and CSVs is in :mod:`routing.io`. Input that does not make a problem
raises :class:`InvalidProblem` (files: :class:`PlanInputError`), both a :class:`RoutingError`.
"""

from routing.errors import InvalidProblem, PlanInputError, RoutingError
from routing.model import (
    DETAILS,
    HOUR,
    MINUTE,
    Break,
    BreakTaken,
    Crew,
    Job,
    Location,
    Plan,
    Precedence,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    Unassigned,
)
from routing.search import ProgressCallback, SolverOptions
from routing.solver import replan, solve
from routing.travel import (
    Euclidean,
    RoadNetwork,
    StraightLine,
    TravelMatrix,
    TravelModel,
    haversine_m,
)

__all__ = [
    "DETAILS",
    "HOUR",
    "MINUTE",
    "Break",
    "BreakTaken",
    "Crew",
    "Euclidean",
    "InvalidProblem",
    "Job",
    "Location",
    "Plan",
    "PlanInputError",
    "Precedence",
    "Problem",
    "ProgressCallback",
    "RoadNetwork",
    "Route",
    "RoutingError",
    "Shift",
    "SolverOptions",
    "Stop",
    "StraightLine",
    "TimeWindow",
    "TravelMatrix",
    "TravelModel",
    "Unassigned",
    "haversine_m",
    "replan",
    "solve",
]
