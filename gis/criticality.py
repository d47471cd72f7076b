"""Valve criticality: what it costs when a valve fails at the moment it is needed.

A valve is needed when a pipe in one of the two segments it separates breaks. If it then will not
close, the crew must go to the next valves out, and more customers lose water. The criticality of
a valve is that extra loss, for a break on the worse of its two sides (the valve-failure
consequence of Jun & Loganathan 2007 / Giustolisi et al.). The valve-maintenance programme ranks
valves by it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gis.isolation import Cut, Isolator
from gis.network import CUSTOMER_CATEGORIES

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ValveCriticality:
    """The extra loss when one valve fails when needed (worst side)."""

    valve_id: str
    pipe_id: str
    node_id: str
    extra_customers: int
    extra_accounts: int
    extra_critical: int
    extra_length_m: float
    extra_pipes: int
    worst_break_pipe: str | None  # a pipe on the side where the failure costs most
    operable: bool
    normally_closed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "valve": self.valve_id,
            "pipe": self.pipe_id,
            "node": self.node_id,
            "extra_customers": self.extra_customers,
            "extra_accounts": self.extra_accounts,
            "extra_critical": self.extra_critical,
            "extra_length_m": round(self.extra_length_m, 1),
            "extra_pipes": self.extra_pipes,
            "worst_break_pipe": self.worst_break_pipe,
            "operable": self.operable,
            "normally_closed": self.normally_closed,
        }


def valve_criticality(
    isolator: Isolator,
    *,
    progress: Progress | None = None,
) -> list[ValveCriticality]:
    """Criticality of every valve, most critical first.

    Normally-closed valves (they are shut already), valves inside a loop (closing them never
    isolates anything) and inoperable valves (they already fail; the isolation plans count
    with that) score zero.
    """
    network, seg, units = isolator.network, isolator.segmentation, isolator.units
    valves = network.valves
    critical_code = CUSTOMER_CATEGORIES.index("critical")
    seg_pipe_count = np.diff(seg.seg_pipes_ptr)
    unit_pipe_count = np.diff(units.unit_pipes_ptr)
    baseline: dict[int, Cut] = {}

    def cost(lost: frozenset[int]) -> tuple[int, int, int, float, int]:
        """What the supply units ``lost`` hold."""
        if not lost:
            return (0, 0, 0, 0.0, 0)
        u = np.fromiter(lost, dtype=np.int64)
        return (
            int(units.unit_customers[u].sum()),
            int(units.unit_accounts[u].sum()),
            int(units.unit_customers[u, critical_code].sum()),
            float(units.unit_length_m[u].sum()),
            int(unit_pipe_count[u].sum()),
        )

    results: list[ValveCriticality] = []
    total = len(valves)
    for v in range(total):
        c = int(seg.valve_cut[v])
        sides = {int(seg.cut_side_pipe[c]), int(seg.cut_side_node[c])}
        best = (0, 0, 0, 0.0, 0)
        worst_side: int | None = None
        relevant = (
            bool(seg.cut_active[c])
            and bool(valves.operable[v])
            and not bool(valves.normally_closed[v])
        )
        if relevant:
            for side in sides:
                if seg_pipe_count[side] == 0:
                    continue  # no pipe to break on this side
                base = baseline.get(side)
                if base is None:
                    base = baseline[side] = isolator.cut([side])
                failed = isolator.cut([side], frozenset({v}))
                before = base.isolated_units | base.unintended
                after = failed.isolated_units | failed.unintended
                extra = cost(frozenset(after - before))
                if extra > best:
                    best, worst_side = extra, side
        worst_pipe = (
            str(network.pipes.ids[seg.pipes_of(worst_side)[0]]) if worst_side is not None else None
        )
        results.append(
            ValveCriticality(
                valve_id=str(valves.ids[v]),
                pipe_id=str(network.pipes.ids[valves.pipe[v]]),
                node_id=str(network.nodes.ids[valves.node[v]]),
                extra_customers=best[0],
                extra_accounts=best[1],
                extra_critical=best[2],
                extra_length_m=best[3],
                extra_pipes=best[4],
                worst_break_pipe=worst_pipe,
                operable=bool(valves.operable[v]),
                normally_closed=bool(valves.normally_closed[v]),
            )
        )
        if progress is not None and (v % 256 == 0 or v == total - 1):
            progress(v + 1, total)
    results.sort(
        key=lambda r: (
            -r.extra_customers,
            -r.extra_critical,
            -r.extra_accounts,
            -r.extra_length_m,
            r.valve_id,
        )
    )
    return results
