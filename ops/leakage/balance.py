"""The IWA standard water balance of a DMA or the system."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from ops.leakage.errors import LeakageDataError


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
        raise LeakageDataError("no DMA balances to add up", code="leak_no_balances")
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
