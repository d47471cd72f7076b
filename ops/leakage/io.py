"""Reading the leakage data: meters, 15-minute series, bills, monthly usage (CSV, Kaifeng
time), and the DMAs' net inflows from their meters. Every problem names the file, the line and
what to write instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ops.leakage.balance import Billing
from ops.leakage.errors import LeakageDataError


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


def read_plant_output(path: str | Path) -> pd.Series:
    """The plants' outlet meters, ``date, plant, volume_m3`` (a day's volume per plant, as the
    plants' daily reports give it): the total supply of each day (m3), indexed by date."""
    name = Path(path).name
    df = _table(path, ("date", "plant", "volume_m3"))
    dates = pd.to_datetime(df["date"], errors="coerce", format="ISO8601")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0]) + 2
        raise LeakageDataError(
            f"{name} line {row}: date {df['date'].iloc[row - 2]!r} is not a date (write 2026-09-01)"
        )
    volumes = _numbers(df, "volume_m3", name)
    if volumes.isna().any() or (volumes < 0).any():
        row = int(np.flatnonzero((volumes.isna() | (volumes < 0)).to_numpy())[0]) + 2
        raise LeakageDataError(f"{name} line {row}: volume_m3 must be a volume ≥ 0 (m3 a day)")
    daily = volumes.groupby(dates.dt.date.to_numpy()).sum()
    if daily.empty:
        raise LeakageDataError(f"{name}: no volumes")
    return daily


def read_usage(path: str | Path) -> pd.DataFrame:
    """Monthly reads of non-household customers: ``customer, month, volume_m3[, night_m3h]``."""
    return _table(path, ("customer", "month", "volume_m3"))


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
