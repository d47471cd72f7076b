"""The hydraulic basis of an outage notice's 降压区域 (reduced-pressure area), issue 17.

Without hydraulics, a notice warns the streets of the segments next to the shut area that their
pressure may drop (:func:`gis.isolation.surroundings`: the *topological* basis). With the
hydraulic impact of the isolation (:func:`gis.hydraulics.isolation_impact`, EPANET run
pressure-driven with the plan's valves closed at the outage's hour, or through its window when
it has an end: :func:`gis.hydraulics.window_impact`), the notice names the
streets where customers fall below the service pressure and how many, and carries the
reduced-pressure polygon (:func:`gis.pressure_area.reduced_pressure_area`): the *hydraulic*
basis. The notice says which basis it used (``docs/hydraulics.md``, "The notice's 降压区域").

Kept out of :mod:`ops.outages` so that the notice's composition only receives a value: the
engines (kept open by the service, opened per command by the CLI) stay with their callers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gis.hydraulics import MAX_WINDOW_HOURS, METRES_PER_MPA, HydraulicImpact
from gis.isolation import IsolationPlan
from gis.network import Network
from gis.pressure_area import PressureArea, customers_newly_below

HYDRAULIC = "hydraulic"  # EPANET, pressure-driven, at the outage's hour
TOPOLOGICAL = "topological"  # the segments next to the shut area


@dataclass(frozen=True)
class ReducedPressure:
    """A notice's reduced-pressure area from the hydraulic impact of its isolation.

    ``customers`` are the service points (customers of the network) below the service pressure
    with the valves closed, beyond those cut off; ``accounts`` their accounts; ``streets`` the
    streets of the pipes serving them that the shut area does not already name, longest first;
    ``area`` the polygon (WGS84 GeoJSON geometry, None without a map or without customers).
    """

    hour: float  # the hour of the run: of the day for a model built from GIS layers
    service_pressure_mpa: float
    streets: tuple[str, ...]
    customers: int
    accounts: int
    not_served_m3h: float  # demand lost to low pressure (not the part cut off), m³/h
    area: dict[str, Any] | None = None
    basis: str = HYDRAULIC
    # the end of the outage window the run went through (its hours from ``hour`` to before
    # this, each customer at its worst hour); None: the one hour ``hour``
    end_hour: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "hour": self.hour,
            "end_hour": self.end_hour,
            "service_pressure_mpa": self.service_pressure_mpa,
            "streets": list(self.streets),
            "customers": self.customers,
            "accounts": self.accounts,
            "not_served_m3h": self.not_served_m3h,
            "area": self.area,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReducedPressure | None:
        if not data:
            return None
        return cls(
            hour=float(data["hour"]),
            service_pressure_mpa=float(data["service_pressure_mpa"]),
            streets=tuple(str(s) for s in data.get("streets", ())),
            customers=int(data.get("customers", 0)),
            accounts=int(data.get("accounts", 0)),
            not_served_m3h=float(data.get("not_served_m3h", 0.0)),
            area=data.get("area"),
            basis=str(data.get("basis", HYDRAULIC)),
            end_hour=None if data.get("end_hour") is None else float(data["end_hour"]),
        )


# what a caller gives the notice's composition: the plan's reduced pressure by hydraulics
PressureOf = Callable[[IsolationPlan], ReducedPressure]

# a notice drafted with the hydraulic basis "when available" waits this long for it (an
# emergency's notice goes out in seconds); past it, the topological basis, saying why
NOTICE_HYDRAULIC_WAIT_S = 10.0


# why a notice drafted with the hydraulic basis "when available" has the topological one, by
# code: its English, whose placeholders are the params the raise gives (the console has each
# code's words in Chinese and English, js/i18n.js "fallback:<code>"; tests/web/
# test_fallback_words.py)
FALLBACKS = {
    "hydraulic_no_model": "network {network} has no hydraulic model: {error}",
    "hydraulic_late": (
        "the hydraulic calculation did not answer within {seconds} s (its EPANET engine is "
        "opening: draft the notice again, or update it, for the hydraulic basis)"
    ),
    "hydraulic_failed": "the hydraulic calculation failed: {error}",
}


@dataclass(frozen=True)
class HydraulicFallback:
    """Why the hydraulic basis was not used: a :data:`FALLBACKS` code (None: a notice stored
    before the codes), its params (text) and ``detail``, its English."""

    code: str | None
    params: dict[str, str]
    detail: str


class HydraulicUnavailable(Exception):
    """Raised by a :data:`PressureOf` asked "when available" that cannot give the hydraulic
    basis (its calculation failed or did not answer in time): the notice takes the topological
    one and keeps why (``NoticeContent.reduced_pressure_fallback``). Raised with
    :meth:`because`, a :data:`FALLBACKS` code and its params."""

    def __init__(self, fallback: HydraulicFallback) -> None:
        super().__init__(fallback.detail)
        self.fallback = fallback

    @classmethod
    def because(cls, code: str, **params: object) -> HydraulicUnavailable:
        words = {name: str(value) for name, value in params.items()}
        return cls(HydraulicFallback(code, words, FALLBACKS[code].format(**words)))


def reduced_pressure_of(
    hydraulic: PressureOf | None, plan: IsolationPlan
) -> tuple[ReducedPressure | None, HydraulicFallback | None]:
    """The plan's reduced pressure by ``hydraulic`` (None: the topological basis) and, when
    ``hydraulic`` was asked "when available" and could not give it, why not."""
    if hydraulic is None:
        return None, None
    try:
        return hydraulic(plan), None
    except HydraulicUnavailable as exc:
        return None, exc.fallback


def outage_hour(start: dt.datetime) -> float:
    """The hour of the hydraulic run of an outage starting at ``start``: its whole hour of the
    day (the model's steps are hourly; the demand patterns of a model built from GIS layers are
    of the day)."""
    return float(start.hour)


def outage_window(start: dt.datetime, end: dt.datetime | None) -> tuple[float, float | None]:
    """The hydraulic window of an outage from ``start`` to ``end``: the start's whole hour and
    the end's hour rounded up, counted from the start's day (07:00-13:00: 7 and 13, the run's
    hours 7 to 12; 22:00-02:30: 22 and 27). No end: (the start's hour, None), the one-hour
    snapshot."""
    hour = outage_hour(start)
    if end is None or end <= start:
        return hour, None
    floor = start.replace(minute=0, second=0, microsecond=0)
    hours = math.ceil((end - floor).total_seconds() / 3600.0 - 1e-9)
    # a longer outage repeats the day's patterns: its first three days hold its worst hour
    # unless the tanks run dry later, which the notice's run does not follow
    return hour, hour + min(hours, MAX_WINDOW_HOURS)


def reduced_pressure(
    network: Network, plan: IsolationPlan, impact: HydraulicImpact, found: PressureArea
) -> ReducedPressure:
    """The notice's reduced-pressure area from ``impact`` (of ``plan``) and its polygon
    ``found`` (:func:`gis.pressure_area.reduced_pressure_area` of the same with ``newly``).

    The customers are those the closure brings below the service pressure: a customer already
    below it with every valve open is not told the outage lowers it (the utility's own
    pressure problem, for the pressure-management report, not for this notice)."""
    pipes = np.flatnonzero(np.isin(network.pipes.ids, np.array(found.pipes, dtype=object)))
    lengths: dict[str, float] = {}
    for name, length in zip(
        network.pipes.street[pipes].tolist(), network.pipes.length_m[pipes].tolist(), strict=True
    ):
        if name is None or name == "" or name != name:
            continue
        lengths[str(name)] = lengths.get(str(name), 0.0) + float(length)
    dry = set(plan.streets)
    streets = tuple(s for s in sorted(lengths, key=lambda s: (-lengths[s], s)) if s not in dry)
    customers = network.customers
    low = np.isin(customers.ids, np.array(customers_newly_below(impact), dtype=object))
    return ReducedPressure(
        hour=float(impact.hour),
        service_pressure_mpa=round(impact.service_pressure_m / METRES_PER_MPA, 4),
        streets=streets,
        customers=int(low.sum()),
        accounts=int(customers.accounts[low].sum()),
        # EPANET's flow tolerance leaves a few litres either way: never a negative loss
        not_served_m3h=max(0.0, round(float(impact.not_served_low_pressure_m3h), 3)),
        area=found.area,
        end_hour=impact.end_hour,
    )
