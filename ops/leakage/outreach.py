"""The outreach list: non-household customers whose use jumped or who started using water at
night."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class UsageFlag:
    customer: str
    kind: str  # jump | night_use
    month: str
    value: float
    usual: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "kind": self.kind,
            "month": self.month,
            "value": round(self.value, 3),
            "usual": round(self.usual, 3),
            "ratio": round(self.value / self.usual, 2) if self.usual else None,
        }


def high_use_flags(
    usage: pd.DataFrame,
    *,
    jump: float = 1.4,
    night_rise: float = 1.5,
    min_volume_m3: float = 30.0,
    min_night_m3h: float = 0.1,
    history: int = 6,
) -> list[UsageFlag]:
    """Customers whose latest month is ``jump`` × their usual (median of ``history`` months
    before), or whose night use rose ``night_rise`` × and by at least ``min_night_m3h``:
    a leak on their side, or a change worth a call (the outreach list).

    ``usage``: as :func:`~ops.leakage.io.read_usage` gives it (its numbers checked there; NaN
    only where a night flow was not read)."""
    df = usage.copy()
    df["volume_m3"] = df["volume_m3"].astype(float)
    df["night_m3h"] = df["night_m3h"].astype(float) if "night_m3h" in df.columns else np.nan
    flags: list[UsageFlag] = []
    for customer, rows in df.sort_values("month").groupby("customer"):
        if len(rows) < 3:
            continue
        last = rows.iloc[-1]
        before = rows.iloc[-1 - history : -1]
        usual_v = float(before["volume_m3"].median())
        if last["volume_m3"] >= max(jump * usual_v, usual_v + min_volume_m3):
            flags.append(
                UsageFlag(
                    str(customer), "jump", str(last["month"]), float(last["volume_m3"]), usual_v
                )
            )
        usual_n = float(before["night_m3h"].median())
        if pd.notna(last["night_m3h"]) and last["night_m3h"] >= max(
            night_rise * usual_n, usual_n + min_night_m3h
        ):
            flags.append(
                UsageFlag(
                    str(customer),
                    "night_use",
                    str(last["month"]),
                    float(last["night_m3h"]),
                    usual_n,
                )
            )
    return sorted(flags, key=lambda f: (-(f.value / f.usual if f.usual else 0), f.customer))
