"""Errors raised by the utility's rules.

One hierarchy for the package: the CLI and the API catch :class:`OpsError` and turn it into a
message and an exit code or a 4xx, in one place. Every message says what is wrong and what to do.
"""

from __future__ import annotations


class OpsError(Exception):
    """Base class of every error :mod:`ops` raises."""


class CalendarYearMissing(OpsError):
    """The working-day calendar has no holiday schedule for a year."""

    def __init__(self, year: int, covered: tuple[int, int] | None, override: str | None) -> None:
        self.year = year
        span = f"{covered[0]}–{covered[1]}" if covered else "no years"
        where = override or "ops/data/holidays.toml"
        super().__init__(
            f"no holiday schedule for {year}: the calendar knows {span}. When the State "
            f"Council publishes the {year} schedule "
            f"(国务院办公厅关于{year}年部分节假日安排的通知), add its days off and make-up "
            f"working days to {where} under [{year}]"
        )


class CalendarConfigError(OpsError):
    """An office-hours setting or a holiday override file that cannot be used."""


class UnknownConnectionType(OpsError):
    """A connection-application type that Table 1 does not have."""


class InvalidRequest(OpsError):
    """Input that breaks a rule of the utility; the message says which and how to fix it."""


class LeadTimeTooShort(OpsError):
    """A planned outage published with less notice than the rules require."""


class NoticeStateError(OpsError):
    """A lifecycle step that the notice's current state does not allow."""
