"""The leakage rate of CJJ 92-2016 (2018 revision) and its grade."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ops.leakage.errors import LeakageDataError

GRADE_1 = 10.0  # % 一级
GRADE_2 = 12.0  # % 二级
# a household's daily use where the bills do not give the households' volume: GB/T 50331-2002
# zone 2 (Henan) 85-140 l per person a day, 2.62 persons a household (2020 census): 0.22-0.37
HOUSEHOLD_M3_PER_DAY = 0.30
NATIONAL_TARGET = 9.0  # % by 2025 (住建部、发改委 2022 通知)

# the grade's warnings, by code (the console's words: api/web/static/js/i18n.js, "cjj92w:CODE"),
# with their English; the params are plain values
WARNINGS: dict[str, str] = {
    "residential_estimated": (
        "households' metered volume estimated for {dmas} ({m3_per_household_day:g} m3 a "
        "household a day): give residential_metered_m3 in billing.csv for R1"
    ),
    "supply_from_dma": (
        "Q_s is the DMAs' inflow, not the plants' output: the trunk mains' losses between "
        "the plants and the DMA inlets are missing while R2 counts every main; give "
        "plant_output.csv"
    ),
}

WarningCode = tuple[str, dict[str, Any]]  # (code, params)


def warning_text(code: str, params: Mapping[str, Any]) -> str:
    """The English of a grade's warning."""
    return WARNINGS[code].format(**params)


@dataclass(frozen=True)
class Cjj92Rate:
    """The leakage rate of CJJ 92-2016 (2018 revision): R_BL = R_WL − (R1 + R2 + R3 + R4)."""

    gross_rate: float  # R_WL, %
    r1_residential: float
    r2_mains_length: float
    r3_pressure: float
    r4_frost: float
    days: float = 365.0  # the period Q_s and Q_a cover
    supplied_m3: float | None = None  # Q_s
    supply_source: str = "plant outlet meters"  # or "DMA inlet meters" where no plant data
    warnings: tuple[str, ...] = ()  # the English of ``warning_codes`` (logs, the CLI)
    warning_codes: tuple[WarningCode, ...] = ()  # (code, params) of :data:`WARNINGS`

    @property
    def indicative(self) -> bool:
        """CJJ 92 grades a year of supply: a rate from a shorter period is indicative."""
        return self.days < 365

    @property
    def correction(self) -> float:
        return self.r1_residential + self.r2_mains_length + self.r3_pressure + self.r4_frost

    @property
    def rate(self) -> float:  # R_BL, %
        return self.gross_rate - self.correction

    @property
    def grade_code(self) -> str:
        """The grade as a code (``grade_1``, ``grade_2``, ``above_grade_2``) clients word."""
        if self.rate <= GRADE_1:
            return "grade_1"
        return "grade_2" if self.rate <= GRADE_2 else "above_grade_2"

    @property
    def grade(self) -> str:
        """The grade in English (logs, the CLI): clients word :attr:`grade_code`."""
        grade = {
            "grade_1": "grade 1 (≤ 10 %)",
            "grade_2": "grade 2 (≤ 12 %)",
            "above_grade_2": "above grade 2 (> 12 %)",
        }[self.grade_code]
        if self.indicative:
            grade += f", indicative ({self.days:g} days of data; CJJ 92 grades a year)"
        return grade

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
            "grade_code": self.grade_code,
            "meets_national_target_9pct": self.rate <= NATIONAL_TARGET,
            "indicative": self.indicative,
            "period_days": round(self.days, 2),
            "supplied_m3": None if self.supplied_m3 is None else round(self.supplied_m3, 1),
            "supply_source": self.supply_source,
            "warnings": list(self.warnings),
            "warning_codes": [{"code": c, "params": dict(p)} for c, p in self.warning_codes],
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
    supply_source: str = "plant outlet meters",
    warnings: Sequence[WarningCode] = (),
) -> Cjj92Rate:
    """R_WL = (Q_s − Q_a)/Q_s, Q_s the total supply (the plants' output) over ``days`` (a
    year for a grade; shorter is indicative); corrections (§5.2.3; docs/leakage.md):

    - R1 = 0.08·r, r the residential use metered per household over the supply;
    - R2 = 0.99·(A − 0.0693), A = km of mains ≥ DN75 per 10⁴ m3 of annual supply, within ±3 %;
    - R3 = +0.5 % above 0.35 MPa mean outlet pressure, +1 % above 0.55, +2 % above 0.75;
    - R4 = +1 % where the maximum frost depth exceeds 1.4 m (Kaifeng: about 0.3–0.5 m).

    ``warnings``: (code, params) of :data:`WARNINGS`, kept with their English.
    """
    if supplied_m3 <= 0:
        raise LeakageDataError(
            "the supplied volume must be positive", code="leak_supply_not_positive"
        )
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
    coded = tuple((c, dict(p)) for c, p in warnings)
    english = tuple(warning_text(c, p) for c, p in coded)
    return Cjj92Rate(gross, r1, r2, r3, r4, days, supplied_m3, supply_source, english, coded)


def estimated_residential_m3(
    billed_metered_m3: float,
    households: int,
    others: int,
    days: float,
    m3_per_household_day: float = HOUSEHOLD_M3_PER_DAY,
) -> float:
    """The households' metered volume (CJJ 92's R1) where the bills do not give it: the
    households' accounts × a household's daily use × the days, never more than the
    households' share of the accounts of what was billed. The share alone overstates R1: a
    school, a market or a hospital uses many times what a flat uses."""
    accounts = households + others
    if accounts <= 0:
        return 0.0
    return min(billed_metered_m3 * households / accounts, households * m3_per_household_day * days)
