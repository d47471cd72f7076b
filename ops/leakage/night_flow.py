"""Minimum night flow, legitimate night use and the FAVAD pressure correction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ops.leakage.errors import LeakageDataError


@dataclass(frozen=True)
class NightFlowSettings:
    window: tuple[dt.time, dt.time] = (dt.time(2), dt.time(4))
    household_l_per_hour: float = 1.7  # legitimate night use per household account
    other_l_per_hour: float = 8.0  # per non-household account
    n1: float = 1.0  # FAVAD exponent (1.0: mixed pipe materials)


def legitimate_night_use_m3h(households: int, others: int, settings: NightFlowSettings) -> float:
    return (households * settings.household_l_per_hour + others * settings.other_l_per_hour) / 1000


def night_flows(
    inflow: pd.Series,
    pressure: pd.Series | None,
    legit_m3h: float,
    settings: NightFlowSettings = NightFlowSettings(),
    reference_pressure: float | None = None,
) -> pd.DataFrame:
    """Per night: the minimum 1-hour mean inflow in the window (MNF), when, the zone pressure
    then, the net night flow (MNF − legitimate use), that flow at the reference pressure
    (FAVAD: L ∝ P^N1) and the day's leakage (net night flow × the night-day factor).

    ``reference_pressure``: default the median night pressure of the series."""
    s = inflow.sort_index()
    index = pd.DatetimeIndex(s.index)
    step = pd.Timedelta(pd.Series(index).diff().median())
    per_hour = max(round(pd.Timedelta(hours=1) / step), 1) if pd.notna(step) else 4
    hourly = s.rolling(per_hour, min_periods=per_hour).mean()
    start, end = settings.window
    ends = pd.DatetimeIndex(hourly.index).time
    first = (dt.datetime.combine(dt.date(2000, 1, 1), start) + pd.Timedelta(hours=1)).time()
    inside = (ends >= first) & (ends <= end)
    night = hourly[inside].dropna()
    if night.empty:
        raise LeakageDataError(
            "no readings in the night window: check the times of the series",
            code="leak_no_night_readings",
        )
    rows = []
    p_hourly = None
    if pressure is not None:
        p_hourly = pressure.sort_index().rolling(per_hour, min_periods=1).mean()
    for day, values in night.groupby(pd.DatetimeIndex(night.index).date):
        when = values.idxmin()
        mnf = float(values.min())
        p_night = float(p_hourly.asof(when)) if p_hourly is not None else float("nan")  # type: ignore[arg-type]
        ndf = 24.0
        if p_hourly is not None:
            today = p_hourly[pd.DatetimeIndex(p_hourly.index).date == day]
            if len(today) and p_night > 0:
                ndf = float(((today.clip(lower=0.1) / p_night) ** settings.n1).mean() * 24.0)
        rows.append(
            {"day": day, "time": when, "mnf_m3h": mnf, "night_pressure_m": p_night, "ndf_h": ndf}
        )
    out = pd.DataFrame(rows).set_index("day")
    out["legitimate_m3h"] = legit_m3h
    out["net_night_flow_m3h"] = out["mnf_m3h"] - legit_m3h
    if pressure is not None and out["night_pressure_m"].notna().all():
        ref = reference_pressure or float(out["night_pressure_m"].median())
        out["corrected_m3h"] = (
            out["net_night_flow_m3h"] * (ref / out["night_pressure_m"]) ** settings.n1
        )
    else:
        out["corrected_m3h"] = out["net_night_flow_m3h"]
    out["leakage_m3d"] = out["net_night_flow_m3h"] * out["ndf_h"]
    return out
