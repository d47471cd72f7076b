"""Errors raised by the utility's rules.

One hierarchy for the package: the CLI and the API catch :class:`OpsError` and turn it into a
message and an exit code or a 4xx, in one place. Every message says what is wrong and what to do.
"""

from __future__ import annotations


class OpsError(Exception):
    """Base class of every error :mod:`ops` raises.

    Besides its English message (the API's ``detail``), a refusal a dispatcher meets carries a
    stable ``code`` and its ``params`` (JSON values): the console says it in the reader's
    language from ``"refusal:<code>"`` of ``js/i18n.js`` and falls back to the message. The raise
    names them (``tests/web/test_refusals.py`` finds every ``code=`` and its params)::

        raise Conflict(f"job {job} is {status} ...", code="job_transition", job=job, ...)
    """

    def __init__(self, *args: object, code: str | None = None, **params: object) -> None:
        super().__init__(*args)
        self.code = code
        self.params = params


class CalendarConfigError(OpsError):
    """An office-hours setting or a holiday override file that cannot be used."""


class UnknownConnectionType(OpsError):
    """A connection-application type that Table 1 does not have."""


class InvalidRequest(OpsError):
    """Input that breaks a rule of the utility; the message says which and how to fix it."""


class NotFound(OpsError):
    """A thing asked for by its id (a job, a ticket, a plan, a network) that does not exist."""


class Conflict(OpsError):
    """A step that where the thing stands does not allow (a closed job reopened, a completed
    application completed again, a network that failed validation used)."""


class UnknownCrew(InvalidRequest):
    """A crew named in a request that the roster does not have."""


class LeadTimeTooShort(OpsError):
    """A planned outage published with less notice than the rules require."""


class NoticeStateError(Conflict):
    """A lifecycle step that the notice's current state does not allow."""
