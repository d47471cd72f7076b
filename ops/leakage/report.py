"""The whole analysis of a folder of leakage data (``ops.leakage`` module doc)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gis.hydraulics import HydraulicModel
from gis.network import Network
from ops.leakage.balance import BalanceAssumptions, WaterBalance, combine, water_balance
from ops.leakage.bursts import BurstAlarm, BurstSettings, detect_bursts
from ops.leakage.cjj92 import (
    HOUSEHOLD_M3_PER_DAY,
    Cjj92Rate,
    cjj92_rate,
    estimated_residential_m3,
)
from ops.leakage.cjj92 import WarningCode as CjjWarning
from ops.leakage.errors import LeakageDataError
from ops.leakage.io import (
    dma_inflow,
    read_billing,
    read_flows,
    read_meters,
    read_plant_output,
    read_pressure,
    read_usage,
)
from ops.leakage.night_flow import NightFlowSettings, legitimate_night_use_m3h, night_flows
from ops.leakage.outreach import UsageFlag, high_use_flags
from ops.leakage.pressure import (
    DmaOutcome,
    PressureManagement,
    PressureStudy,
    PrvSettings,
    WarningCode,
    fit_n1,
    pressure_study,
    warning_codes,
)
from ops.leakage.surveys import DmaLeakage, dma_assets, rank_dmas
from ops.leakage.uarl import Ili, ili, uarl_l_per_day

# the defaults of ``analyse`` (frozen values, shared safely)
DEFAULT_ASSUMPTIONS = BalanceAssumptions()
DEFAULT_NIGHT = NightFlowSettings()
DEFAULT_BURSTS = BurstSettings()
DEFAULT_PRV = PrvSettings()


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
    pressure: list[PressureManagement] | None = None  # None: no hydraulic model given
    pressure_warnings: tuple[str, ...] = ()  # what pressure management could not analyse
    pressure_warning_codes: tuple[WarningCode, ...] = ()  # the same by code (code, params)

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
            "pressure_management": (
                None if self.pressure is None else [x.to_dict() for x in self.pressure]
            ),
            "pressure_management_warnings": list(self.pressure_warnings),
            "pressure_management_warning_codes": warning_codes(self.pressure_warning_codes),
        }


def analyse(
    folder: str | Path,
    network: Network,
    *,
    assumptions: BalanceAssumptions = DEFAULT_ASSUMPTIONS,
    night: NightFlowSettings = DEFAULT_NIGHT,
    bursts: BurstSettings = DEFAULT_BURSTS,
    outlet_pressure_mpa: float = 0.32,
    frost_depth_m: float = 0.5,
    target_ili: float = 1.5,
    private_m_per_connection: float = 0.0,
    household_m3_per_day: float = HOUSEHOLD_M3_PER_DAY,
    hydraulic_model: HydraulicModel | None = None,
    prv: PrvSettings = DEFAULT_PRV,
) -> LeakageReport:
    """Read a folder of leakage data (module doc) and analyse it.

    CJJ 92's supply Q_s is the plants' output (``plant_output.csv``) over the period where it
    is given, else the DMAs' inflow (without the trunk mains' losses: a warning says so). The
    households' volume for R1 is the bills' where given, else estimated
    (:func:`~ops.leakage.cjj92.estimated_residential_m3`, ``household_m3_per_day``). The
    system's UARL is the sum of its DMAs' (their pressures weighted by their infrastructure).

    With ``hydraulic_model`` (the network's EPANET model), pressure management by DMA
    (:func:`~ops.leakage.pressure.pressure_management`, ``prv``): each DMA's inlet PRV setting
    and the real losses it saves against today's zone pressure (``pressure.csv`` where given).
    """
    folder = Path(folder)
    assets = dma_assets(network)
    # every file read and checked before anything is computed: a bad cell is refused naming
    # its file, line and column, and so is a DMA the network does not have
    dmas = network_dmas(network, assets)
    meters = read_meters(folder / "meters.csv", dmas)
    flows = read_flows(folder / "flows.csv")
    inflow = dma_inflow(flows, meters)
    pressure = (
        read_pressure(folder / "pressure.csv", dmas) if (folder / "pressure.csv").exists() else None
    )
    billing = read_billing(folder / "billing.csv", dmas)
    plant_output = (
        read_plant_output(folder / "plant_output.csv")
        if (folder / "plant_output.csv").exists()
        else None
    )
    usage = read_usage(folder / "usage.csv") if (folder / "usage.csv").exists() else None
    if len(inflow) < 2 or inflow.index[-1] - inflow.index[0] < pd.Timedelta(hours=23):
        raise LeakageDataError(
            "flows: less than a day of readings; night flow needs whole nights (weeks for bursts)",
            code="leak_flows_short",
            file="flows.csv",
        )
    step_h = pd.Timedelta(pd.Series(inflow.index).diff().median()) / pd.Timedelta(hours=1)
    days = len(inflow) * step_h / 24.0
    balances, levels, nightly, alarms = [], [], {}, []
    for d in inflow.columns:
        if d not in billing:
            raise LeakageDataError(
                f"billing.csv: no row for {d}; every metered DMA needs its bills",
                code="leak_billing_missing",
                file="billing.csv",
                dma=d,
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
                avg_p,
            )
        )
    system = combine("system", balances)
    start = inflow.index[0].date()
    end = inflow.index[-1].date()
    cjj92_warnings: list[CjjWarning] = []
    residential_m3 = 0.0
    estimated = []
    for d in inflow.columns:
        given = billing[d].residential_metered_m3
        if given is None:
            a = assets.get(d, {"households": 0, "others": 0})
            bills = billing[d].billed_metered_m3
            given = estimated_residential_m3(
                bills, int(a["households"]), int(a["others"]), days, household_m3_per_day
            )
            estimated.append(d)
        residential_m3 += given
    if estimated:
        cjj92_warnings.append(
            (
                "residential_estimated",
                {"dmas": ", ".join(estimated), "m3_per_household_day": household_m3_per_day},
            )
        )
    if plant_output is not None:
        supplied = _plant_supply(plant_output, start, end, days)
        source = "plant outlet meters"
    else:
        supplied, source = system.system_input, "DMA inlet meters"
        cjj92_warnings.append(("supply_from_dma", {}))
    mains_dn75 = float(network.pipes.length_m[network.pipes.diameter_mm >= 75].sum()) / 1000.0
    rate = cjj92_rate(
        supplied,
        system.authorised,
        days=days,
        residential_metered_m3=residential_m3,
        mains_km_dn75=mains_dn75,
        outlet_pressure_mpa=outlet_pressure_mpa,
        frost_depth_m=frost_depth_m,
        supply_source=source,
        warnings=cjj92_warnings,
    )
    # the system's UARL at the pressure that makes it the sum of its DMAs' (UARL is linear in
    # P): each DMA's average pressure weighted by its 18·Lm + 0.8·Nc + 25·Lp
    private_km = [x.connections * private_m_per_connection / 1000 for x in levels]
    weights = [
        18.0 * x.mains_km + 0.8 * x.connections + 25.0 * lp
        for x, lp in zip(levels, private_km, strict=True)
    ]
    pressures = [x.night_pressure_m if x.pressure_m is None else x.pressure_m for x in levels]
    mean_p = (
        sum(w * q for w, q in zip(weights, pressures, strict=True)) / sum(weights)
        if sum(weights) > 0
        else 40.0
    )
    mains_km = sum(x.mains_km for x in levels)
    connections = sum(x.connections for x in levels)
    system_ili = ili(
        system.real_losses / days,
        mains_km,
        connections,
        connections * private_m_per_connection / 1000,
        mean_p,
    )
    flags: list[UsageFlag] = []
    if usage is not None:
        flags = high_use_flags(usage)
    study = None
    if hydraulic_model is not None:
        study = pressure_of(
            folder,
            network,
            hydraulic_model,
            pressure_losses(levels),
            prv=prv,
            nightly=nightly,
        )
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
        None if study is None else study.rows,
        () if study is None else study.warnings,
        () if study is None else study.warning_codes,
    )


def network_dmas(
    network: Network, assets: Mapping[str, Mapping[str, float]] | None = None
) -> set[str]:
    """The DMA ids the network has: its DMA layer's and its pipes' (``dma_assets``)."""
    return set(network.dma_names) | set(dma_assets(network) if assets is None else assets)


def pressure_losses(levels: Sequence[DmaLeakage]) -> dict[str, float]:
    """The real losses (m³/day) pressure management saves a share of: each DMA's night-flow
    estimate of the last 7 nights, the figure of the ranking (one source for both tables; the
    water balance's residual carries the apparent losses' assumptions and can be negative)."""
    return {x.dma: float(x.real_losses_m3d) for x in levels}


def metered_inlets(path: str | Path) -> dict[str, str]:
    """Pipe → the DMA its inlet meter feeds, from ``meters.csv`` where it has a ``pipe``
    column (optional: the meters' DMAs are what the balance needs)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.columns = [str(c).strip() for c in table.columns]
    if "pipe" not in table.columns or "dma" not in table.columns:
        return {}
    return {
        str(r["pipe"]).strip(): str(r["dma"]).strip()
        for _, r in table.iterrows()
        if str(r["pipe"]).strip() and str(r["dma"]).strip()
    }


def pressure_of(
    folder: str | Path,
    network: Network,
    hydraulic_model: HydraulicModel,
    real_losses_m3d: dict[str, float],
    *,
    prv: PrvSettings = DEFAULT_PRV,
    progress: Callable[[int, int, str], None] | None = None,
    nightly: Mapping[str, pd.DataFrame] | None = None,
    done: Mapping[str, DmaOutcome] | None = None,
    on_dma: Callable[[str, DmaOutcome], None] | None = None,
) -> PressureStudy:
    """Pressure management of the DMAs of a folder of leakage data: today's zone pressure the
    mean of ``pressure.csv`` where given, the inlets the meters' of ``meters.csv`` (its
    ``pipe`` column) where given, N1 fitted from a step of the night pressure in ``nightly``
    (:attr:`LeakageReport.nightly`; :func:`~ops.leakage.pressure.fit_n1`) where there is one
    (:func:`~ops.leakage.pressure.pressure_study`; ``done`` and ``on_dma`` as it takes them:
    the DMAs a stopped run had done, and each DMA's outcome as it is found)."""
    folder = Path(folder)
    measured: dict[str, float] = {}
    if (folder / "pressure.csv").exists():
        series = read_pressure(folder / "pressure.csv", network_dmas(network))
        measured = {str(d): float(series[d].mean()) for d in series.columns}
    return pressure_study(
        network,
        hydraulic_model,
        real_losses_m3d,
        measured_azp_m=measured,
        settings=prv,
        metered=metered_inlets(folder / "meters.csv"),
        progress=progress,
        n1_fitted={
            d: fit for d, frame in (nightly or {}).items() if (fit := fit_n1(frame)) is not None
        },
        done=done,
        on_dma=on_dma,
    )


def _plant_supply(daily: pd.Series, start: dt.date, end: dt.date, days: float) -> float:
    """The plants' output over the analysis period: every day's volume must be there."""
    wanted = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
    missing = [d for d in wanted if d not in daily.index]
    if missing:
        days_missing = ", ".join(d.isoformat() for d in missing[:5])
        days_missing += " …" if len(missing) > 5 else ""
        raise LeakageDataError(
            f"plant_output.csv: no volume for {days_missing}; the analysis runs {start} to "
            f"{end}: give every day's outlet volume",
            code="leak_plant_days_missing",
            file="plant_output.csv",
            days=days_missing,
            start=start.isoformat(),
            end=end.isoformat(),
        )
    # a period that starts or ends within a day counts that day's share
    return sum(float(daily[d]) for d in wanted) * days / len(wanted)
