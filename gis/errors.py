"""Errors raised by the network model.

One hierarchy for the package: callers (the CLI, the API) catch :class:`NetworkError` and turn it
into a message and an exit code or a 4xx, in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: gis.validate imports this module (via gis.network)
    from gis.validate import ValidationReport


class NetworkError(Exception):
    """Base class of every error the network model raises.

    Like :class:`ops.errors.OpsError`, one a dispatcher meets carries a stable ``code`` and its
    ``params`` beside its English message, for the console to say it in the reader's language
    (``api.responses.refusal``; ``js/i18n.js`` ``"refusal:<code>"``)."""

    def __init__(self, *args: object, code: str | None = None, **params: object) -> None:
        super().__init__(*args)
        self.code = code
        self.params = params


class ValidationError(NetworkError):
    """The input data has problems that must be fixed before the network can be used."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        n = len(report.errors)
        super().__init__(
            f"{n} problem{'s' if n != 1 else ''} in the network data:\n{report}",
            code="network_invalid",
            problems=n,
        )


class UnreadableFile(NetworkError):
    """A file is missing, is not a format we read, or lacks a required layer."""


class UnknownPipe(NetworkError, KeyError):
    """A pipe id that the network does not have."""

    def __init__(self, pipe_id: str) -> None:
        self.pipe_id = pipe_id
        super().__init__(
            f"unknown pipe {pipe_id!r}: check the id against the pipes layer",
            code="unknown_pipe",
            pipe=pipe_id,
        )

    def __str__(self) -> str:
        return str(self.args[0])


class UnknownValve(NetworkError, KeyError):
    """A valve id that the network does not have."""

    def __init__(self, valve_id: str) -> None:
        self.valve_id = valve_id
        super().__init__(
            f"unknown valve {valve_id!r}: check the id against the valves layer",
            code="unknown_valve",
            valve=valve_id,
        )

    def __str__(self) -> str:
        return str(self.args[0])


class NoMap(NetworkError):
    """The network has no CRS, so nothing can be placed on or drawn on a map.

    The message says what cannot be done; each interface adds how to give the CRS (the command
    line's ``--crs``, the upload's ``crs`` field), which the library cannot know."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="no_map")


class OutsideNetwork(NetworkError):
    """A map point too far from every pipe to be snapped to one."""
