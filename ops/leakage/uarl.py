"""Unavoidable annual real losses (UARL) and the infrastructure leakage index (ILI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# the range the UARL formula was fitted on (Lambert et al. 1999, the IWA Water Losses Task Force)
MIN_CONNECTIONS = 5_000
MIN_DENSITY_PER_KM = 20.0
PRESSURE_RANGE_M = (25.0, 100.0)


@dataclass(frozen=True)
class Ili:
    uarl_l_per_day: float
    carl_l_per_day: float
    warnings: tuple[str, ...] = ()
    pressure_m: float | None = None  # the average pressure the UARL was computed at

    @property
    def index(self) -> float:
        return self.carl_l_per_day / self.uarl_l_per_day if self.uarl_l_per_day else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "uarl_m3_per_day": round(self.uarl_l_per_day / 1000, 1),
            "carl_m3_per_day": round(self.carl_l_per_day / 1000, 1),
            "ili": round(self.index, 2),
            "pressure_m": None if self.pressure_m is None else round(self.pressure_m, 1),
            "warnings": list(self.warnings),
        }


def uarl_l_per_day(
    mains_km: float, connections: int, private_km: float, pressure_m: float
) -> float:
    """Unavoidable annual real losses as litres per day: (18·Lm + 0.8·Nc + 25·Lp)·P."""
    return (18.0 * mains_km + 0.8 * connections + 25.0 * private_km) * pressure_m


def uarl_range_warnings(mains_km: float, connections: int, pressure_m: float) -> tuple[str, ...]:
    """Why the UARL formula is outside the range it was fitted on, if it is: every condition
    must hold (≥ 5,000 connections, ≥ 20 connections per km of mains, 25–100 m average
    pressure); one failing makes the ILI indicative."""
    out = []
    density = connections / mains_km if mains_km else 0.0
    short = []
    if connections < MIN_CONNECTIONS:
        short.append(f"{connections:,} connections < {MIN_CONNECTIONS:,}")
    if density < MIN_DENSITY_PER_KM:
        short.append(f"{density:.0f}/km < {MIN_DENSITY_PER_KM:.0f}/km of mains")
    if short:
        out.append(
            f"{' and '.join(short)}: UARL is fitted on systems of ≥ {MIN_CONNECTIONS:,} "
            f"connections and ≥ {MIN_DENSITY_PER_KM:.0f}/km; read the ILI as indicative"
        )
    low, high = PRESSURE_RANGE_M
    if pressure_m < low:
        out.append(f"average pressure {pressure_m:.0f} m < {low:.0f} m: outside the UARL range")
    elif pressure_m > high:
        out.append(f"average pressure {pressure_m:.0f} m > {high:.0f} m: outside the UARL range")
    return tuple(out)


def ili(
    carl_m3_per_day: float, mains_km: float, connections: int, private_km: float, pressure_m: float
) -> Ili:
    """The infrastructure leakage index CARL/UARL, with a warning where the UARL formula is
    outside the range it was fitted on (:func:`uarl_range_warnings`)."""
    uarl = uarl_l_per_day(mains_km, connections, private_km, pressure_m)
    return Ili(
        uarl,
        carl_m3_per_day * 1000.0,
        uarl_range_warnings(mains_km, connections, pressure_m),
        pressure_m,
    )
