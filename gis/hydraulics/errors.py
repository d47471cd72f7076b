"""The errors of the hydraulic runs: each message names what to fix."""

from __future__ import annotations

from collections.abc import Sequence

from gis.errors import NetworkError


class HydraulicError(NetworkError):
    """The hydraulic model cannot answer: the message names what to fix."""


class HydraulicDataError(HydraulicError):
    """The hydraulic model has data an engine cannot use (missing elevations, zero diameters …).

    ``problems`` lists each (element, what is wrong, what to fix)."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str, str]]) -> None:
        self.problems = tuple(problems)
        shown = [f"{what} {message}: {fix}" for what, message, fix in self.problems[:20]]
        more = len(self.problems) - len(shown)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(
            f"{source}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} "
            "in the hydraulic data:\n  " + "\n  ".join(shown) + tail,
            code="hydraulic_data_invalid",
            source=source,
            problems=len(self.problems),
        )


class NotSolved(HydraulicError):
    """EPANET found no hydraulic solution for a scenario."""
