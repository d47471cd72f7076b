"""Unavoidable annual real losses (UARL) and the infrastructure leakage index (ILI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ili:
    uarl_l_per_day: float
    carl_l_per_day: float
    warnings: tuple[str, ...] = ()

    @property
    def index(self) -> float:
        return self.carl_l_per_day / self.uarl_l_per_day if self.uarl_l_per_day else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "uarl_m3_per_day": round(self.uarl_l_per_day / 1000, 1),
            "carl_m3_per_day": round(self.carl_l_per_day / 1000, 1),
            "ili": round(self.index, 2),
            "warnings": list(self.warnings),
        }


def uarl_l_per_day(
    mains_km: float, connections: int, private_km: float, pressure_m: float
) -> float:
    """Unavoidable annual real losses as litres per day: (18·Lm + 0.8·Nc + 25·Lp)·P."""
    return (18.0 * mains_km + 0.8 * connections + 25.0 * private_km) * pressure_m


def ili(
    carl_m3_per_day: float, mains_km: float, connections: int, private_km: float, pressure_m: float
) -> Ili:
    """The infrastructure leakage index CARL/UARL, with a warning where the UARL formula is
    outside the range it was fitted on (Nc ≥ 5,000 or density ≥ 20/km; P ≥ 25 m)."""
    warnings = []
    density = connections / mains_km if mains_km else 0.0
    if connections < 5000 and density < 20:
        warnings.append(
            f"{connections} connections at {density:.0f}/km: UARL is fitted on systems of ≥ 5,000 "
            "connections or ≥ 20/km; read the ILI as indicative"
        )
    if pressure_m < 25:
        warnings.append(f"average pressure {pressure_m:.0f} m < 25 m: outside the UARL range")
    uarl = uarl_l_per_day(mains_km, connections, private_km, pressure_m)
    return Ili(uarl, carl_m3_per_day * 1000.0, tuple(warnings))
