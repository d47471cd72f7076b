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
- ``plant_output.csv`` ``date, plant, volume_m3``: the plants' outlet meters, a day's volume
  per plant (optional: CJJ 92's total supply; without it the DMAs' inflow stands in).
- ``usage.csv`` ``customer, month, volume_m3, night_m3h``: monthly reads of non-household
  customers (for the outreach list).

Every assumption that the data cannot give is a parameter with the default stated in
docs/leakage.md (meter under-registration, unauthorised use, legitimate night use, the FAVAD
exponent, the survey rate).

Modules: ``io`` (reading the CSVs, the DMAs' net inflows), ``balance`` (IWA water balance),
``cjj92`` (CJJ 92-2016 rate and grade), ``uarl`` (UARL and ILI), ``night_flow`` (MNF, FAVAD),
``bursts`` (CUSUM on night flow), ``surveys`` (DMA levels, ranking, leak-survey jobs),
``outreach`` (high-water-use customers), ``report`` (``analyse``: the whole folder). The public
names are re-exported here: ``from ops.leakage import analyse``.
"""

from ops.leakage.balance import (
    BalanceAssumptions,
    Billing,
    WaterBalance,
    combine,
    water_balance,
)
from ops.leakage.bursts import BurstAlarm, BurstSettings, detect_bursts
from ops.leakage.cjj92 import (
    GRADE_1,
    GRADE_2,
    HOUSEHOLD_M3_PER_DAY,
    NATIONAL_TARGET,
    Cjj92Rate,
    cjj92_rate,
    estimated_residential_m3,
)
from ops.leakage.errors import LeakageDataError
from ops.leakage.io import (
    MeterLink,
    dma_inflow,
    read_billing,
    read_flows,
    read_meters,
    read_plant_output,
    read_pressure,
    read_series,
    read_usage,
)
from ops.leakage.night_flow import NightFlowSettings, legitimate_night_use_m3h, night_flows
from ops.leakage.outreach import UsageFlag, high_use_flags
from ops.leakage.report import LeakageReport, analyse
from ops.leakage.surveys import DmaLeakage, dma_assets, rank_dmas, survey_jobs
from ops.leakage.uarl import Ili, ili, uarl_l_per_day, uarl_range_warnings

__all__ = [
    "GRADE_1",
    "GRADE_2",
    "HOUSEHOLD_M3_PER_DAY",
    "NATIONAL_TARGET",
    "BalanceAssumptions",
    "Billing",
    "BurstAlarm",
    "BurstSettings",
    "Cjj92Rate",
    "DmaLeakage",
    "Ili",
    "LeakageDataError",
    "LeakageReport",
    "MeterLink",
    "NightFlowSettings",
    "UsageFlag",
    "WaterBalance",
    "analyse",
    "cjj92_rate",
    "combine",
    "detect_bursts",
    "dma_assets",
    "dma_inflow",
    "estimated_residential_m3",
    "high_use_flags",
    "ili",
    "legitimate_night_use_m3h",
    "night_flows",
    "rank_dmas",
    "read_billing",
    "read_flows",
    "read_meters",
    "read_plant_output",
    "read_pressure",
    "read_series",
    "read_usage",
    "survey_jobs",
    "uarl_l_per_day",
    "uarl_range_warnings",
    "water_balance",
]
