"""The pipe-network model: loading and validating network data, valve segments, isolation of a
break, affected-area polygons and valve criticality.

Typical use::

    from gis import read_network, isolate
    net = read_network("sample_data/kaifeng.gpkg")
    plan = isolate(net, "P000123")
    plan.valves_to_close, plan.customers.by_category, plan.area
"""

from gis.criticality import ValveCriticality, valve_criticality
from gis.errors import NetworkError, OutsideNetwork, UnknownPipe, UnknownValve, ValidationError
from gis.io import NetworkLayers, read_layers, read_network
from gis.isolation import (
    IsolationPlan,
    Isolator,
    ShutdownOverlap,
    Surroundings,
    combined_shutdown,
    isolate,
    isolator_for,
    surroundings,
)
from gis.network import Network, build_network
from gis.segments import Segmentation, segment_network
from gis.validate import Problem, ValidationReport, validate_layers

__all__ = [
    "IsolationPlan",
    "Isolator",
    "Network",
    "NetworkError",
    "NetworkLayers",
    "OutsideNetwork",
    "Problem",
    "Segmentation",
    "ShutdownOverlap",
    "Surroundings",
    "UnknownPipe",
    "UnknownValve",
    "ValidationError",
    "ValidationReport",
    "ValveCriticality",
    "build_network",
    "combined_shutdown",
    "isolate",
    "isolator_for",
    "read_layers",
    "read_network",
    "segment_network",
    "surroundings",
    "validate_layers",
    "valve_criticality",
]
