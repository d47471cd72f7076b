"""Leakage management: water balance, CJJ 92-2016 leakage rate, UARL and ILI, minimum night
flow with the FAVAD pressure correction, burst detection, DMA ranking and leak-survey jobs, and
the outreach list of high-water-use enterprises.

Inputs (CSV, see ``sample_data/leakage.py`` for a generated set):

- ``meters.csv`` ``meter, dma, from_dma[, pipe]``: a meter feeds ``dma``; the water comes from
  ``from_dma`` (empty: a trunk main or a plant). A DMA's net inflow is what its meters bring in
  minus what the meters of the DMAs it feeds take out.
- ``flows.csv`` ``time, meter, flow_m3h``: means over 15 minutes or less, Kaifeng time.
- ``pressure.csv`` ``time, dma, pressure_m``: average zone pressure (AZP), same steps.
- ``billing.csv`` ``dma, start, end, billed_metered_m3, billed_unmetered_m3,
  unbilled_metered_m3, unbilled_unmetered_m3[, residential_metered_m3]``: authorised
  consumption over the period; the last column (households billed on their own meters, for
  CJJ 92's R1) is estimated from the account shares when absent.
- ``usage.csv`` ``customer, month, volume_m3, night_m3h``: monthly reads of non-household
  customers (for the outreach list).

Every assumption that the data cannot give is a parameter with the default stated in
docs/leakage.md (meter under-registration, unauthorised use, legitimate night use, the FAVAD
exponent, the survey rate).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ops.errors import OpsError

if TYPE_CHECKING:
    from gis.network import Network
    from ops.jobs import FieldJob


class LeakageDataError(OpsError):
    """Meter, pressure or billing data that cannot be used; the message says where and why."""


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeterLink:
    meter: str
    dma: str
    from_dma: str | None = None


def _table(path: str | Path, required: Sequence[str]) -> pd.DataFrame:
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise LeakageDataError(f"{path.name}: the file is empty") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise LeakageDataError(f"{path.name}: cannot be read as CSV ({exc})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise LeakageDataError(
            f"{path.name}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}"
        )
    return df


def _numbers(df: pd.DataFrame, column: str, name: str) -> pd.Series:
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() & (df[column].str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise LeakageDataError(
            f"{name} line {row}: {column} {df[column].iloc[row - 2]!r} is not a number"
        )
    return values


def _times(df: pd.DataFrame, name: str) -> pd.Series:
    times = pd.to_datetime(df["time"], errors="coerce", format="ISO8601")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0]) + 2
        raise LeakageDataError(
            f"{name} line {row}: time {df['time'].iloc[row - 2]!r} is not a date and time "
            "(write 2026-09-01T02:15)"
        )
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return times


def read_meters(path: str | Path) -> list[MeterLink]:
    df = _table(path, ("meter", "dma"))
    out = []
    for line, (_, row) in enumerate(df.iterrows(), start=2):
        source = str(row.get("from_dma", "")).strip() or None
        meter, dma = str(row["meter"]).strip(), str(row["dma"]).strip()
        if not meter or not dma:
            raise LeakageDataError(
                f"{Path(path).name} line {line}: a meter needs its id and the DMA it feeds"
            )
        out.append(MeterLink(meter, dma, source))
    if not out:
        raise LeakageDataError(f"{Path(path).name}: no meters")
    return out


def read_series(path: str | Path, key: str, value: str) -> pd.DataFrame:
    """A long ``time, KEY, VALUE`` CSV as a time × key table (15-minute or finer steps)."""
    name = Path(path).name
    df = _table(path, ("time", key, value))
    df = pd.DataFrame(
        {"time": _times(df, name), key: df[key].str.strip(), value: _numbers(df, value, name)}
    )
    wide = df.pivot_table(index="time", columns=key, values=value, aggfunc="mean").sort_index()
    if len(wide) > 1:
        step = pd.Timedelta(pd.Series(wide.index).diff().median())
        if step > pd.Timedelta(minutes=15):
            raise LeakageDataError(
                f"{name}: readings every {step}, coarser than the 15 minutes that night-flow "
                "analysis needs"
            )
    return wide


def read_billing(path: str | Path) -> dict[str, Billing]:
    name = Path(path).name
    cols = (
        "billed_metered_m3",
        "billed_unmetered_m3",
        "unbilled_metered_m3",
        "unbilled_unmetered_m3",
    )
    df = _table(path, ("dma", "start", "end", *cols))
    values = {c: _numbers(df, c, name).fillna(0.0) for c in cols}
    residential = (
        _numbers(df, "residential_metered_m3", name)
        if "residential_metered_m3" in df.columns
        else None
    )
    out: dict[str, Billing] = {}
    for i in range(len(df)):
        res = (
            None
            if residential is None or pd.isna(residential.iloc[i])
            else float(residential.iloc[i])
        )
        v = [float(values[c].iloc[i]) for c in cols]
        out[str(df["dma"].iloc[i]).strip()] = Billing(v[0], v[1], v[2], v[3], res)
    return out


def dma_inflow(flows: pd.DataFrame, meters: Sequence[MeterLink]) -> pd.DataFrame:
    """Net inflow of every DMA (m3/h) from its meters: in minus what leaves for other DMAs."""
    unknown = sorted(set(flows.columns) - {m.meter for m in meters})
    missing = sorted({m.meter for m in meters} - set(flows.columns))
    if missing:
        raise LeakageDataError(f"flows: no readings for meter(s) {', '.join(missing[:10])}")
    if unknown:
        raise LeakageDataError(
            f"flows: meter(s) {', '.join(unknown[:10])} not in meters.csv: say which DMA they feed"
        )
    gaps = flows.isna().mean()
    if (gaps > 0.05).any():
        worst = str(gaps.idxmax())
        raise LeakageDataError(
            f"flows: meter {worst} misses {float(gaps.max()):.0%} of its readings; fill or drop "
            "the gap"
        )
    flows = flows.interpolate(limit=4).ffill().bfill()
    dmas = sorted({m.dma for m in meters})
    out = pd.DataFrame(0.0, index=flows.index, columns=dmas)
    for m in meters:
        out[m.dma] += flows[m.meter]
        if m.from_dma is not None and m.from_dma in out.columns:
            out[m.from_dma] -= flows[m.meter]
    return out


# -- water balance (IWA) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Billing:
    billed_metered_m3: float
    billed_unmetered_m3: float = 0.0
    unbilled_metered_m3: float = 0.0
    unbilled_unmetered_m3: float = 0.0
    residential_metered_m3: float | None = None  # households on their own meters (CJJ 92 R1)

    @property
    def billed(self) -> float:
        return self.billed_metered_m3 + self.billed_unmetered_m3

    @property
    def authorised(self) -> float:
        return self.billed + self.unbilled_metered_m3 + self.unbilled_unmetered_m3


@dataclass(frozen=True)
class BalanceAssumptions:
    """What the data cannot tell (IWA defaults where there is no local study)."""

    meter_under_registration: float = 0.03  # of the true metered use, customer meters read low
    unauthorised_share: float = 0.0025  # of system input: theft, illegal connections

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class WaterBalance:
    """The IWA standard water balance of a DMA or the system over a period (m3)."""

    name: str
    days: float
    system_input: float
    billed_metered: float
    billed_unmetered: float
    unbilled_metered: float
    unbilled_unmetered: float
    unauthorised: float
    meter_errors: float
    assumptions: BalanceAssumptions

    @property
    def billed(self) -> float:
        return self.billed_metered + self.billed_unmetered

    @property
    def authorised(self) -> float:
        return self.billed + self.unbilled_metered + self.unbilled_unmetered

    @property
    def water_losses(self) -> float:
        return self.system_input - self.authorised

    @property
    def apparent_losses(self) -> float:
        return self.unauthorised + self.meter_errors

    @property
    def real_losses(self) -> float:
        return self.water_losses - self.apparent_losses

    @property
    def non_revenue(self) -> float:
        return self.system_input - self.billed

    def to_dict(self) -> dict[str, Any]:
        def r(x: float) -> float:
            return round(float(x), 1)

        si = self.system_input or 1.0
        return {
            "name": self.name,
            "days": round(self.days, 2),
            "system_input_m3": r(self.system_input),
            "authorised_m3": r(self.authorised),
            "billed_metered_m3": r(self.billed_metered),
            "billed_unmetered_m3": r(self.billed_unmetered),
            "unbilled_metered_m3": r(self.unbilled_metered),
            "unbilled_unmetered_m3": r(self.unbilled_unmetered),
            "water_losses_m3": r(self.water_losses),
            "apparent_losses_m3": r(self.apparent_losses),
            "unauthorised_m3": r(self.unauthorised),
            "meter_errors_m3": r(self.meter_errors),
            "real_losses_m3": r(self.real_losses),
            "real_losses_m3_per_day": r(self.real_losses / self.days) if self.days else None,
            "non_revenue_m3": r(self.non_revenue),
            "non_revenue_pct": round(100 * self.non_revenue / si, 2),
            "assumptions": self.assumptions.to_dict(),
            "warnings": self.warnings(),
        }

    def warnings(self) -> list[str]:
        out = []
        if self.real_losses < 0:
            out.append(
                "real losses come out negative: the apparent-loss assumptions are too high for "
                "this area, or its inlet meters read low; check the meters before the numbers"
            )
        return out


def water_balance(
    name: str,
    system_input_m3: float,
    billing: Billing,
    days: float,
    assumptions: BalanceAssumptions = BalanceAssumptions(),
) -> WaterBalance:
    """The balance from the system input volume and the authorised consumption.

    Apparent losses are estimated: customer meters under-register by ``meter_under_registration``
    of the true metered use (so the loss is billed·u/(1−u)), and ``unauthorised_share`` of the
    system input is taken without right. Real losses are what is left.
    """
    u = assumptions.meter_under_registration
    metered = billing.billed_metered_m3 + billing.unbilled_metered_m3
    return WaterBalance(
        name=name,
        days=days,
        system_input=system_input_m3,
        billed_metered=billing.billed_metered_m3,
        billed_unmetered=billing.billed_unmetered_m3,
        unbilled_metered=billing.unbilled_metered_m3,
        unbilled_unmetered=billing.unbilled_unmetered_m3,
        unauthorised=assumptions.unauthorised_share * system_input_m3,
        meter_errors=metered * u / (1.0 - u),
        assumptions=assumptions,
    )


def combine(name: str, balances: Iterable[WaterBalance]) -> WaterBalance:
    """The sum of several balances (the system from its DMAs)."""
    items = list(balances)
    if not items:
        raise LeakageDataError("no DMA balances to add up")
    return WaterBalance(
        name=name,
        days=items[0].days,
        system_input=sum(b.system_input for b in items),
        billed_metered=sum(b.billed_metered for b in items),
        billed_unmetered=sum(b.billed_unmetered for b in items),
        unbilled_metered=sum(b.unbilled_metered for b in items),
        unbilled_unmetered=sum(b.unbilled_unmetered for b in items),
        unauthorised=sum(b.unauthorised for b in items),
        meter_errors=sum(b.meter_errors for b in items),
        assumptions=items[0].assumptions,
    )


# -- CJJ 92-2016 --------------------------------------------------------------------------------

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


# -- UARL and ILI -----------------------------------------------------------------------------


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


# -- minimum night flow -----------------------------------------------------------------------


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
        raise LeakageDataError("no readings in the night window: check the times of the series")
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


# -- bursts: step changes in night flow ---------------------------------------------------------


@dataclass(frozen=True)
class BurstAlarm:
    """A new leak or burst seen as a lasting rise of a DMA's corrected net night flow."""

    dma: str
    detected: dt.datetime  # the night that confirmed it (the end of that night's window)
    started: dt.date  # the first night of the new level
    size_m3h: float
    baseline_m3h: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "dma": self.dma,
            "detected": self.detected.isoformat(timespec="minutes"),
            "started": self.started.isoformat(),
            "size_m3h": round(self.size_m3h, 2),
            "baseline_m3h": round(self.baseline_m3h, 2),
        }


@dataclass(frozen=True)
class BurstSettings:
    warmup_nights: int = 7  # nights to learn a DMA's level before alarms
    # CUSUM allowance and alarm level, in standard deviations: chosen on generated seeds 11-18
    # (benchmarks/leak_detection.py scores seeds 1-10), see docs/leakage.md
    drift: float = 1.0
    threshold: float = 9.0
    min_sigma_m3h: float = 0.5  # the night-to-night noise is never taken below this
    min_size_m3h: float = 1.0  # smaller rises are not reported
    merge_days: int = 4  # a rise within this many days of an alarm is the same (growing) leak


def detect_bursts(
    dma: str,
    nightly: pd.Series,
    settings: BurstSettings = BurstSettings(),
    window_end: dt.time = dt.time(4),
) -> list[BurstAlarm]:
    """Two-sided CUSUM on the corrected net night flow against a robust baseline.

    The baseline is the median of the nights since the last change (at most 14); the noise is
    1.4826·MAD of their night-to-night differences / √2. A rise that accumulates past
    ``threshold`` σ is an alarm dated from the night the sum last left zero; a fall (a repair)
    resets the baseline silently. After a change the new level is learnt from the nights since.
    """
    values = nightly.dropna()
    days = list(values.index)
    x = values.to_numpy(dtype=float)
    alarms: list[BurstAlarm] = []
    since = 0  # first night of the current level
    up = down = 0.0
    up_from = down_from = None
    for k in range(len(x)):
        history = x[max(since, k - 14) : k]
        if len(history) < min(settings.warmup_nights, 3) or (
            since == 0 and k < settings.warmup_nights
        ):
            continue
        base = float(np.median(history))
        diffs = np.diff(history)
        sigma = (
            1.4826 * float(np.median(np.abs(diffs - np.median(diffs)))) / np.sqrt(2)
            if len(diffs) > 1
            else 0.0
        )
        sigma = max(sigma, settings.min_sigma_m3h, 0.02 * abs(base))
        z = (x[k] - base) / sigma
        if up == 0.0:
            up_from = k
        if down == 0.0:
            down_from = k
        up = max(0.0, up + z - settings.drift)
        down = max(0.0, down - z - settings.drift)
        if up > settings.threshold and up_from is not None:
            # the change point: where a new level explains the nights since best
            candidates = range(up_from, k + 1)
            t = max(
                candidates, key=lambda j: (k - j + 1) * (float(np.mean(x[j : k + 1])) - base) ** 2
            )
            size = float(np.mean(x[t : k + 1])) - base
            if size >= max(settings.min_size_m3h, 1.5 * sigma):
                alarms.append(
                    BurstAlarm(dma, dt.datetime.combine(days[k], window_end), days[t], size, base)
                )
            since, up, down = t, 0.0, 0.0
        elif down > settings.threshold and down_from is not None:
            since, up, down = down_from, 0.0, 0.0
    return _merge_growing(alarms, settings.merge_days)


def _merge_growing(alarms: list[BurstAlarm], days: int) -> list[BurstAlarm]:
    """A leak that grows over days trips the sum again and again: alarms whose new level began
    within ``days`` of the previous alarm in the same DMA are one event, its size the sum."""
    out: list[BurstAlarm] = []
    for a in alarms:
        prev = out[-1] if out else None
        if prev is not None and (a.started - prev.detected.date()).days <= days:
            out[-1] = BurstAlarm(
                a.dma, prev.detected, prev.started, prev.size_m3h + a.size_m3h, prev.baseline_m3h
            )
        else:
            out.append(a)
    return out


# -- ranking and leak-survey jobs ---------------------------------------------------------------


@dataclass(frozen=True)
class DmaLeakage:
    dma: str
    name: str
    real_losses_m3d: float  # the latest week's night-flow estimate
    uarl_m3d: float
    mains_km: float
    connections: int
    night_pressure_m: float

    @property
    def ili(self) -> float:
        return self.real_losses_m3d / self.uarl_m3d if self.uarl_m3d else float("nan")

    def recoverable_m3d(self, target_ili: float = 1.5) -> float:
        """What finding and fixing leaks could bring down to ``target_ili`` × UARL."""
        return max(self.real_losses_m3d - target_ili * self.uarl_m3d, 0.0)

    def to_dict(self, target_ili: float = 1.5) -> dict[str, Any]:
        return {
            "dma": self.dma,
            "name": self.name,
            "real_losses_m3_per_day": round(self.real_losses_m3d, 1),
            "uarl_m3_per_day": round(self.uarl_m3d, 1),
            "ili": round(self.ili, 2),
            "recoverable_m3_per_day": round(self.recoverable_m3d(target_ili), 1),
            "mains_km": round(self.mains_km, 2),
            "connections": self.connections,
            "night_pressure_m": round(self.night_pressure_m, 1),
        }


def _pipe_dmas(network: Network) -> np.ndarray:
    """Each pipe's DMA id, None for trunk mains (and missing values)."""
    return np.asarray(
        [None if d is None or d != d else str(d) for d in network.pipes.dma], dtype=object
    )


def dma_assets(network: Network) -> dict[str, dict[str, float]]:
    """Per DMA: mains km, service connections, household and other accounts."""
    from gis.network import CUSTOMER_CATEGORIES

    pipes = network.pipes
    out: dict[str, dict[str, float]] = {}
    dma_of_pipe = _pipe_dmas(network)
    residential = CUSTOMER_CATEGORIES.index("residential")
    for d in sorted({x for x in dma_of_pipe if x is not None}):
        mask = dma_of_pipe == d
        cust = mask[network.customers.pipe]
        res = cust & (network.customers.category == residential)
        out[d] = {
            "mains_km": float(pipes.length_m[mask].sum()) / 1000.0,
            "connections": int(cust.sum()),
            "households": int(network.customers.accounts[res].sum()),
            "others": int(network.customers.accounts[cust & ~res].sum()),
        }
    return out


def rank_dmas(levels: Sequence[DmaLeakage], target_ili: float = 1.5) -> list[DmaLeakage]:
    return sorted(levels, key=lambda x: (-x.recoverable_m3d(target_ili), x.dma))


def survey_jobs(
    network: Network,
    ranking: Sequence[DmaLeakage],
    now: dt.datetime,
    *,
    top: int = 3,
    km_per_crew_day: float = 6.0,
    hours_per_day: float = 6.0,
    target_ili: float = 1.5,
    due_days: int = 14,
) -> list[FieldJob]:
    """Leak-survey jobs for the DMAs with the most recoverable leakage: each DMA's mains cut
    into stretches of one crew-day (``km_per_crew_day`` of listening), walked street by street,
    one job per stretch at its middle."""
    import shapely

    from ops.jobs import leak_survey

    pipes = network.pipes
    geometry = pipes.geometry
    if geometry is None:
        raise LeakageDataError("the network has no map: survey jobs need places")
    jobs: list[FieldJob] = []
    dma_of_pipe = _pipe_dmas(network)
    for level in [r for r in ranking if r.recoverable_m3d(target_ili) > 0][:top]:
        idx = np.flatnonzero(dma_of_pipe == level.dma)
        mid = shapely.get_coordinates(
            shapely.line_interpolate_point(geometry[idx], 0.5, normalized=True)
        )
        # street by street: rows of 250 m, west to east then back (a serpentine walk)
        row = np.floor(mid[:, 1] / 250.0)
        order = np.lexsort((np.where(row % 2 == 0, mid[:, 0], -mid[:, 0]), row))
        cum = np.cumsum(pipes.length_m[idx][order]) / 1000.0
        stretch = np.floor(cum / km_per_crew_day).astype(int)
        stretch = np.minimum(stretch, max(int(np.ceil(cum[-1] / km_per_crew_day)) - 1, 0))
        total = int(stretch.max()) + 1
        for s in range(total):
            members = order[stretch == s]
            centre = mid[members].mean(axis=0)
            lonlat = network.to_wgs84(centre.reshape(1, 2))[0]
            km = float(pipes.length_m[idx][members].sum()) / 1000.0
            jobs.append(
                leak_survey(
                    f"LS-{level.dma}-{now:%Y%m%d}-{s + 1}",
                    (float(lonlat[0]), float(lonlat[1])),
                    dt.timedelta(hours=hours_per_day),
                    now,
                    due=now + dt.timedelta(days=due_days),
                    area=f"{level.dma} {level.name}: {km:.1f} km, stretch {s + 1} of {total} "
                    f"({level.recoverable_m3d(target_ili):.0f} m3/d recoverable)",
                )
            )
    return jobs


# -- high-water-use enterprises -----------------------------------------------------------------


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
    a leak on their side, or a change worth a call (the outreach list)."""
    df = usage.copy()
    df["volume_m3"] = pd.to_numeric(df["volume_m3"], errors="coerce")
    df["night_m3h"] = pd.to_numeric(df.get("night_m3h", np.nan), errors="coerce")
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


# -- the whole analysis of a data folder -------------------------------------------------------


@dataclass
class LeakageReport:
    period: tuple[dt.date, dt.date]
    balances: list[WaterBalance]
    system: WaterBalance
    cjj92: Cjj92Rate
    system_ili: Ili
    levels: list[DmaLeakage]
    nightly: dict[str, pd.DataFrame]
    alarms: list[BurstAlarm]
    flags: list[UsageFlag] = field(default_factory=list)
    target_ili: float = 1.5

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": {"start": self.period[0].isoformat(), "end": self.period[1].isoformat()},
            "system": self.system.to_dict(),
            "cjj92": self.cjj92.to_dict(),
            "ili": self.system_ili.to_dict(),
            "dmas": [b.to_dict() for b in self.balances],
            "ranking": [
                x.to_dict(self.target_ili) for x in rank_dmas(self.levels, self.target_ili)
            ],
            "night_flow": {
                d: [
                    {
                        "day": str(day),
                        "mnf_m3h": round(float(r["mnf_m3h"]), 2),
                        "net_m3h": round(float(r["net_night_flow_m3h"]), 2),
                        "corrected_m3h": round(float(r["corrected_m3h"]), 2),
                        "pressure_m": round(float(r["night_pressure_m"]), 1),
                    }
                    for day, r in frame.iterrows()
                ]
                for d, frame in self.nightly.items()
            },
            "bursts": [a.to_dict() for a in self.alarms],
            "outreach": [f.to_dict() for f in self.flags],
        }


def analyse(
    folder: str | Path,
    network: Network,
    *,
    assumptions: BalanceAssumptions = BalanceAssumptions(),
    night: NightFlowSettings = NightFlowSettings(),
    bursts: BurstSettings = BurstSettings(),
    outlet_pressure_mpa: float = 0.32,
    frost_depth_m: float = 0.5,
    target_ili: float = 1.5,
    private_m_per_connection: float = 0.0,
) -> LeakageReport:
    """Read a folder of leakage data (module doc) and analyse it."""
    folder = Path(folder)
    meters = read_meters(folder / "meters.csv")
    flows = read_series(folder / "flows.csv", "meter", "flow_m3h")
    inflow = dma_inflow(flows, meters)
    pressure = (
        read_series(folder / "pressure.csv", "dma", "pressure_m")
        if (folder / "pressure.csv").exists()
        else None
    )
    billing = read_billing(folder / "billing.csv")
    if len(inflow) < 2 or inflow.index[-1] - inflow.index[0] < pd.Timedelta(hours=23):
        raise LeakageDataError(
            "flows: less than a day of readings; night flow needs whole nights (weeks for bursts)"
        )
    step_h = pd.Timedelta(pd.Series(inflow.index).diff().median()) / pd.Timedelta(hours=1)
    days = len(inflow) * step_h / 24.0
    assets = dma_assets(network)
    balances, levels, nightly, alarms = [], [], {}, []
    for d in inflow.columns:
        if d not in billing:
            raise LeakageDataError(
                f"billing.csv: no row for {d}; every metered DMA needs its bills"
            )
        siv = float(inflow[d].sum() * step_h)
        balances.append(water_balance(d, siv, billing[d], days, assumptions))
        a = assets.get(d, {"mains_km": 0.0, "connections": 0, "households": 0, "others": 0})
        p = pressure[d] if pressure is not None and d in pressure.columns else None
        legit = legitimate_night_use_m3h(int(a["households"]), int(a["others"]), night)
        frame = night_flows(inflow[d], p, legit, night)
        nightly[d] = frame
        alarms += detect_bursts(d, frame["corrected_m3h"], bursts, night.window[1])
        last = frame.tail(7)
        night_p = float(last["night_pressure_m"].mean()) if p is not None else 40.0
        avg_p = float(p.mean()) if p is not None else night_p
        levels.append(
            DmaLeakage(
                d,
                network.dma_names.get(d, d),
                float(last["leakage_m3d"].mean()),
                uarl_l_per_day(
                    a["mains_km"],
                    int(a["connections"]),
                    a["connections"] * private_m_per_connection / 1000,
                    avg_p,
                )
                / 1000.0,
                a["mains_km"],
                int(a["connections"]),
                night_p,
            )
        )
    system = combine("system", balances)
    if all(billing[d].residential_metered_m3 is not None for d in inflow.columns):
        residential_m3 = sum(billing[d].residential_metered_m3 or 0.0 for d in inflow.columns)
    else:  # estimated: the households' share of the accounts
        share = sum(a["households"] for a in assets.values()) / max(
            sum(a["households"] + a["others"] for a in assets.values()), 1
        )
        residential_m3 = system.billed_metered * share
    mains_dn75 = float(network.pipes.length_m[network.pipes.diameter_mm >= 75].sum()) / 1000.0
    rate = cjj92_rate(
        system.system_input,
        system.authorised,
        days=days,
        residential_metered_m3=residential_m3,
        mains_km_dn75=mains_dn75,
        outlet_pressure_mpa=outlet_pressure_mpa,
        frost_depth_m=frost_depth_m,
    )
    mains_km = sum(a["mains_km"] for a in assets.values())
    connections = int(sum(a["connections"] for a in assets.values()))
    mean_p = float(pressure.mean().mean()) if pressure is not None else 40.0
    system_ili = ili(
        system.real_losses / days,
        mains_km,
        connections,
        connections * private_m_per_connection / 1000,
        mean_p,
    )
    flags: list[UsageFlag] = []
    if (folder / "usage.csv").exists():
        usage = _table(folder / "usage.csv", ("customer", "month", "volume_m3"))
        flags = high_use_flags(usage)
    start = inflow.index[0].date()
    end = inflow.index[-1].date()
    return LeakageReport(
        (start, end),
        balances,
        system,
        rate,
        system_ili,
        levels,
        nightly,
        sorted(alarms, key=lambda a: a.detected),
        flags,
        target_ili,
    )


def score_alarms(
    alarms: Sequence[BurstAlarm], truth: Mapping[str, Any], *, within_days: int = 7
) -> dict[str, Any]:
    """Recall, false alarms and delay of ``alarms`` against the generator's truth: an event is
    found when an alarm in its DMA started within a day of it and came within ``within_days``."""
    events = list(truth["events"])
    used: set[int] = set()
    found, delays, size_errors = 0, [], []
    for e in events:
        start = dt.datetime.fromisoformat(e["start"])
        for i, a in enumerate(alarms):
            if i in used or a.dma != e["dma"]:
                continue
            lag = a.detected - start
            if dt.timedelta(0) <= lag <= dt.timedelta(days=within_days) and abs(
                (a.started - start.date()).days
            ) <= 2 + int(e.get("ramp_days", 0)):
                used.add(i)
                found += 1
                delays.append(lag.total_seconds() / 3600.0)
                size_errors.append(abs(a.size_m3h - e["size_m3h"]) / e["size_m3h"])
                break
    false = len(alarms) - len(used)
    return {
        "events": len(events),
        "found": found,
        "recall": found / len(events) if events else 1.0,
        "false_alarms": false,
        "median_delay_h": float(np.median(delays)) if delays else None,
        "max_delay_h": float(max(delays)) if delays else None,
        "median_size_error": float(np.median(size_errors)) if size_errors else None,
    }


def write_csv(path: str | Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows of dicts as a CSV (the CLI's --csv outputs)."""
    if not rows:
        Path(path).write_text("", encoding="utf-8")
        return
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
