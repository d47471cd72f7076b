"""Reading the leakage data: meters, 15-minute series, bills, monthly usage (CSV, Kaifeng
time), and the DMAs' net inflows from their meters. Every problem names the file, the line and
what to write instead."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
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
        raise LeakageDataError(
            f"{path.name}: the file is empty", code="leak_file_empty", file=path.name
        ) from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise LeakageDataError(
            f"{path.name}: cannot be read as CSV ({exc})",
            code="leak_file_unreadable",
            file=path.name,
        ) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise LeakageDataError(
            f"{path.name}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}",
            code="leak_columns_missing",
            file=path.name,
            columns=missing,
            expected=list(required),
        )
    return df


@dataclass(frozen=True)
class Quantity:
    """What a numeric column holds: its plausible range (beyond it no meter, logger or bill
    can read; docs/decisions.md) and what an empty cell means (None: a value is required)."""

    what: str
    low: float
    high: float
    unit: str
    blank: str | None = None


# the ranges of the readers below; the ceilings are far beyond any real reading, there to catch
# a typing slip or an overflowing export (1e308) before it sums to inf
FLOW = Quantity("the meter's mean flow", 0.0, 1e5, "m3/h", "for a missing reading")
PRESSURE = Quantity("the zone's average pressure", 0.0, 200.0, "m (head)", "for a missing reading")
BILLED = Quantity("the period's volume", 0.0, 1e9, "m3", "for none")
PLANT = Quantity("the plant's volume that day", 0.0, 1e8, "m3")
MONTHLY = Quantity("the month's volume", 0.0, 1e7, "m3")
NIGHT = Quantity("the customer's night flow", 0.0, 1e4, "m3/h", "if it was not read")


def _numbers(
    df: pd.DataFrame, column: str, name: str, quantity: Quantity | None = None
) -> pd.Series:
    """The column as floats (NaN where empty); the first impossible cell refused, naming the
    file, line and column and what to write."""
    text = df[column].astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").astype(float)
    empty = (text == "").to_numpy()
    # each check: the cells it refuses, the problem's code (the refusal's param) and words
    checks: list[tuple[np.ndarray, str, str]] = [
        (values.isna().to_numpy() & ~empty, "not_number", "is not a number")
    ]
    if quantity is not None:
        v = values.to_numpy()
        with np.errstate(invalid="ignore"):
            checks += [
                (np.isinf(v), "not_finite", "is not finite"),
                (
                    v < quantity.low,
                    *(
                        ("negative", "is negative")
                        if quantity.low == 0
                        else ("too_small", "is too small")
                    ),
                ),
                (v > quantity.high, "too_large", "is too large"),
            ]
        if quantity.blank is None:
            checks.append((empty, "empty", "is empty"))
    for bad, problem, reason in checks:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            fix = "write a number"
            if quantity is not None:
                q = quantity
                fix = f"write {q.what}, from {q.low:,.0f} to {q.high:,.0f} {q.unit}"
                if q.blank is not None:
                    fix += f", or leave the cell empty {q.blank}"
            raise LeakageDataError(
                f"{name} line {i + 2}: {column} {text.iloc[i]!r} {reason}: {fix}",
                code="leak_cell",
                file=name,
                line=i + 2,
                column=column,
                value=str(text.iloc[i]),
                problem=problem,
            )
    return values


def _not_a_dma(
    name: str, line: int, column: str, value: str, dmas: Collection[str]
) -> LeakageDataError:
    known = sorted(dmas)
    listed = ", ".join(known[:12]) + (" …" if len(known) > 12 else "") if known else "none"
    return LeakageDataError(
        f"{name} line {line}: {column} {value!r} is not a DMA of the network (its DMAs: "
        f"{listed}): write one of them, or analyse against the network that has it",
        code="leak_not_dma",
        file=name,
        line=line,
        column=column,
        value=value,
        dmas=known,
    )


def _check_dmas(df: pd.DataFrame, column: str, name: str, dmas: Collection[str] | None) -> None:
    if dmas is None:
        return
    text = df[column].astype(str).str.strip()
    bad = (~text.isin(set(dmas))).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _not_a_dma(name, i + 2, column, str(text.iloc[i]), dmas)


def _times(df: pd.DataFrame, name: str) -> pd.Series:
    text = df["time"].astype(str).str.strip()
    # an offset on some times and not on others: which clock the others are on is a guess
    zoned = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).to_numpy()
    if zoned.any() and not zoned.all():
        i = int(np.flatnonzero(zoned != zoned[0])[0])
        which = "a time-zone offset and line 2 none" if zoned[i] else "no offset and line 2 one"
        raise LeakageDataError(
            f"{name} line {i + 2}: time {text.iloc[i]!r} has {which}"
            ": write every time in Kaifeng time (2026-09-01T02:15), or every time with its offset",
            code="leak_time_offsets",
            file=name,
            line=i + 2,
            value=str(text.iloc[i]),
        )
    times = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=bool(zoned.all()))
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0]) + 2
        raise LeakageDataError(
            f"{name} line {row}: time {df['time'].iloc[row - 2]!r} is not a date and time "
            "(write 2026-09-01T02:15)",
            code="leak_not_time",
            file=name,
            line=row,
            column="time",
            value=str(df["time"].iloc[row - 2]),
        )
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return times


def read_meters(path: str | Path, dmas: Collection[str] | None = None) -> list[MeterLink]:
    """``meter, dma, from_dma``; with ``dmas`` (the network's DMA ids) a meter feeding or taking
    from a DMA the network does not have is refused."""
    name = Path(path).name
    df = _table(path, ("meter", "dma"))
    out = []
    for line, (_, row) in enumerate(df.iterrows(), start=2):
        source = str(row.get("from_dma", "")).strip() or None
        meter, dma = str(row["meter"]).strip(), str(row["dma"]).strip()
        if not meter or not dma:
            raise LeakageDataError(
                f"{name} line {line}: a meter needs its id and the DMA it feeds",
                code="leak_meter_incomplete",
                file=name,
                line=line,
            )
        if dmas is not None:
            for column, value in (("dma", dma), ("from_dma", source)):
                if value is not None and value not in dmas:
                    raise _not_a_dma(name, line, column, value, dmas)
        out.append(MeterLink(meter, dma, source))
    if not out:
        raise LeakageDataError(f"{name}: no meters", code="leak_no_rows", file=name)
    return out


def read_series(
    path: str | Path,
    key: str,
    value: str,
    quantity: Quantity | None = None,
    *,
    dmas: Collection[str] | None = None,
) -> pd.DataFrame:
    """A long ``time, KEY, VALUE`` CSV as a time × key table (15-minute or finer steps).

    ``quantity``: the values' plausible range (else any number); ``dmas``: the keys are DMAs
    and must be the network's."""
    name = Path(path).name
    df = _table(path, ("time", key, value))
    _check_dmas(df, key, name, dmas)
    df = pd.DataFrame(
        {
            "time": _times(df, name),
            key: df[key].str.strip(),
            value: _numbers(df, value, name, quantity),
        }
    )
    wide = df.pivot_table(index="time", columns=key, values=value, aggfunc="mean").sort_index()
    if len(wide) > 1:
        step = pd.Timedelta(pd.Series(wide.index).diff().median())
        if step > pd.Timedelta(minutes=15):
            raise LeakageDataError(
                f"{name}: readings every {step}, coarser than the 15 minutes that night-flow "
                "analysis needs",
                code="leak_coarse",
                file=name,
            )
    return wide


def read_flows(path: str | Path) -> pd.DataFrame:
    """``flows.csv`` (``time, meter, flow_m3h``): time × meter, each flow 0 to 100,000 m3/h."""
    return read_series(path, "meter", "flow_m3h", FLOW)


def read_pressure(path: str | Path, dmas: Collection[str] | None = None) -> pd.DataFrame:
    """``pressure.csv`` (``time, dma, pressure_m``): time × DMA, each 0 to 200 m; with ``dmas``
    a DMA the network does not have is refused."""
    return read_series(path, "dma", "pressure_m", PRESSURE, dmas=dmas)


def read_billing(path: str | Path, dmas: Collection[str] | None = None) -> dict[str, Billing]:
    """DMA → its bills over the period, one row a DMA; volumes 0 to 10^9 m3 (an empty cell:
    none; an empty ``residential_metered_m3``: estimated). With ``dmas`` (the network's) a row
    for a DMA the network does not have is refused."""
    name = Path(path).name
    cols = (
        "billed_metered_m3",
        "billed_unmetered_m3",
        "unbilled_metered_m3",
        "unbilled_unmetered_m3",
    )
    df = _table(path, ("dma", "start", "end", *cols))
    _check_dmas(df, "dma", name, dmas)
    values = {c: _numbers(df, c, name, BILLED).fillna(0.0) for c in cols}
    residential = (
        _numbers(df, "residential_metered_m3", name, replace(BILLED, blank="to have it estimated"))
        if "residential_metered_m3" in df.columns
        else None
    )
    out: dict[str, Billing] = {}
    first: dict[str, int] = {}
    for i in range(len(df)):
        dma = str(df["dma"].iloc[i]).strip()
        if dma in first:
            raise LeakageDataError(
                f"{name} line {i + 2}: dma {dma!r} has a second row (the first is line "
                f"{first[dma]}): one row a DMA for the period, its volumes added up",
                code="leak_second_row",
                file=name,
                line=i + 2,
                dma=dma,
                first=first[dma],
            )
        first[dma] = i + 2
        res = (
            None
            if residential is None or pd.isna(residential.iloc[i])
            else float(residential.iloc[i])
        )
        v = [float(values[c].iloc[i]) for c in cols]
        out[dma] = Billing(v[0], v[1], v[2], v[3], res)
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
            f"{name} line {row}: date {df['date'].iloc[row - 2]!r} is not a date "
            "(write 2026-09-01)",
            code="leak_not_time",
            file=name,
            line=row,
            column="date",
            value=str(df["date"].iloc[row - 2]),
        )
    volumes = _numbers(df, "volume_m3", name, PLANT)
    daily = volumes.groupby(dates.dt.date.to_numpy()).sum()
    if daily.empty:
        raise LeakageDataError(f"{name}: no volumes", code="leak_no_rows", file=name)
    return daily


def read_usage(path: str | Path) -> pd.DataFrame:
    """Monthly reads of non-household customers: ``customer, month, volume_m3[, night_m3h]``.

    Returns ``customer`` (str), ``month`` (``YYYY-MM``), ``volume_m3`` and ``night_m3h``
    (floats, NaN where not read): every read names its customer and month and gives its volume
    (0 to 10^7 m3); the night flow, where given, is 0 to 10^4 m3/h."""
    name = Path(path).name
    df = _table(path, ("customer", "month", "volume_m3"))
    customers = df["customer"].str.strip()
    if (customers == "").any():
        row = int(np.flatnonzero((customers == "").to_numpy())[0]) + 2
        raise LeakageDataError(
            f"{name} line {row}: customer '' is empty: write the customer's id",
            code="leak_cell",
            file=name,
            line=row,
            column="customer",
            value="",
            problem="empty",
        )
    months = pd.to_datetime(df["month"].str.strip(), errors="coerce", format="ISO8601")
    if months.isna().any():
        row = int(np.flatnonzero(months.isna().to_numpy())[0]) + 2
        raise LeakageDataError(
            f"{name} line {row}: month {df['month'].iloc[row - 2]!r} is not a month "
            "(write 2026-09)",
            code="leak_not_time",
            file=name,
            line=row,
            column="month",
            value=str(df["month"].iloc[row - 2]),
        )
    night = (
        _numbers(df, "night_m3h", name, NIGHT)
        if "night_m3h" in df.columns
        else pd.Series(np.nan, index=df.index)
    )
    return pd.DataFrame(
        {
            "customer": customers,
            "month": months.dt.strftime("%Y-%m"),
            "volume_m3": _numbers(df, "volume_m3", name, MONTHLY),
            "night_m3h": night,
        }
    )


def dma_inflow(flows: pd.DataFrame, meters: Sequence[MeterLink]) -> pd.DataFrame:
    """Net inflow of every DMA (m3/h) from its meters: in minus what leaves for other DMAs."""
    unknown = sorted(set(flows.columns) - {m.meter for m in meters})
    missing = sorted({m.meter for m in meters} - set(flows.columns))
    if missing:
        raise LeakageDataError(
            f"flows: no readings for meter(s) {', '.join(missing[:10])}",
            code="leak_meters_unread",
            meters=missing[:10],
        )
    if unknown:
        raise LeakageDataError(
            f"flows: meter(s) {', '.join(unknown[:10])} not in meters.csv: say which DMA they feed",
            code="leak_meters_unknown",
            meters=unknown[:10],
        )
    gaps = flows.isna().mean()
    if (gaps > 0.05).any():
        worst = str(gaps.idxmax())
        raise LeakageDataError(
            f"flows: meter {worst} misses {float(gaps.max()):.0%} of its readings; fill or drop "
            "the gap",
            code="leak_meter_gaps",
            meter=worst,
            percent=round(float(gaps.max()) * 100),
        )
    flows = flows.interpolate(limit=4).ffill().bfill()
    dmas = sorted({m.dma for m in meters})
    out = pd.DataFrame(0.0, index=flows.index, columns=dmas)
    for m in meters:
        out[m.dma] += flows[m.meter]
        if m.from_dma is not None and m.from_dma in out.columns:
            out[m.from_dma] -= flows[m.meter]
    return out
