"""Errors raised by the utility's rules.

One hierarchy for the package: the CLI and the API catch :class:`OpsError` and turn it into a
message and an exit code or a 4xx, in one place. Every message says what is wrong and what to do.
"""

from __future__ import annotations


class OpsError(Exception):
    """Base class of every error :mod:`ops` raises."""


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
