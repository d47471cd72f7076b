"""The leakage rate of CJJ 92-2016 (2018 revision) and its grade."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ops.leakage.errors import LeakageDataError

GRADE_1 = 10.0  # % 一级
GRADE_2 = 12.0  # % 二级
NATIONAL_TARGET = 9.0  # % by 2025 (住建部、发改委 2022 通知)


@dataclass(frozen=True)
class Cjj92Rate:
    """The leakage rate of CJJ 92-2016 (2018 revision): R_BL = R_WL − (R1 + R2 + R3 + R4)."""

    gross_rate: float  # R_WL, %
    r1_residential: float
    r2_mains_length: float
    r3_pressure: float
    r4_frost: float

    @property
    def correction(self) -> float:
        return self.r1_residential + self.r2_mains_length + self.r3_pressure + self.r4_frost

    @property
    def rate(self) -> float:  # R_BL, %
        return self.gross_rate - self.correction

    @property
    def grade(self) -> str:
        if self.rate <= GRADE_1:
            return "grade 1 (一级, ≤ 10 %)"
        if self.rate <= GRADE_2:
            return "grade 2 (二级, ≤ 12 %)"
        return "above grade 2 (> 12 %)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "gross_rate_pct": round(self.gross_rate, 2),
            "corrections_pct": {
                "r1_residential_metering": round(self.r1_residential, 2),
                "r2_mains_length": round(self.r2_mains_length, 2),
                "r3_outlet_pressure": round(self.r3_pressure, 2),
                "r4_frost_depth": round(self.r4_frost, 2),
            },
            "rate_pct": round(self.rate, 2),
            "grade": self.grade,
            "meets_national_target_9pct": self.rate <= NATIONAL_TARGET,
        }


def cjj92_rate(
    supplied_m3: float,
    registered_m3: float,
    *,
    days: float,
    residential_metered_m3: float,
    mains_km_dn75: float,
    outlet_pressure_mpa: float,
    frost_depth_m: float = 0.5,
) -> Cjj92Rate:
    """R_WL = (Q_s − Q_a)/Q_s; corrections (§5.2.3; see docs/leakage.md for the reading):

    - R1 = 0.08·r, r the residential use metered per household over the supply;
    - R2 = 0.99·(A − 0.0693), A = km of mains ≥ DN75 per 10⁴ m3 of annual supply, within ±3 %;
    - R3 = +0.5 % above 0.35 MPa mean outlet pressure, +1 % above 0.55, +2 % above 0.75;
    - R4 = +1 % where the maximum frost depth exceeds 1.4 m (Kaifeng: about 0.3–0.5 m).
    """
    if supplied_m3 <= 0:
        raise LeakageDataError("the supplied volume must be positive")
    gross = 100.0 * (supplied_m3 - registered_m3) / supplied_m3
    r1 = 100.0 * 0.08 * residential_metered_m3 / supplied_m3
    annual_10k = supplied_m3 * 365.0 / days / 1e4
    a = mains_km_dn75 / annual_10k
    r2 = float(np.clip(100.0 * 0.99 * (a - 0.0693), -3.0, 3.0))
    if outlet_pressure_mpa > 0.75:
        r3 = 2.0
    elif outlet_pressure_mpa > 0.55:
        r3 = 1.0
    elif outlet_pressure_mpa > 0.35:
        r3 = 0.5
    else:
        r3 = 0.0
    r4 = 1.0 if frost_depth_m > 1.4 else 0.0
    return Cjj92Rate(gross, r1, r2, r3, r4)
