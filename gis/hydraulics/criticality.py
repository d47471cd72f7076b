"""Hydraulic criticality: the cost of shutting each segment, and of each valve failing when
needed, one engine solve per isolation (in worker processes when asked)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gis.hydraulics.engine import HydraulicEngine
from gis.hydraulics.errors import NotSolved
from gis.hydraulics.impact import HydraulicImpact, isolation_impact, plan_closures
from gis.hydraulics.model import HydraulicModel
from gis.hydraulics.values import HydraulicState, PressureSettings
from gis.isolation import Isolator


@dataclass(frozen=True)
class SegmentHydraulics:
    """The hydraulic cost of shutting one segment (a break on one of its pipes)."""

    segment: int
    pipe_id: str  # a pipe of the segment (the break)
    valves_to_close: int
    not_served_m3h: float
    not_served_low_pressure_m3h: float
    cut_off_nodes: int
    below_service: int  # demand nodes below the service pressure beyond those cut off
    newly_below_service: int
    solved: bool = True  # False: EPANET found no solution with these valves closed (all 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "solved": self.solved,
            "segment": self.segment,
            "pipe": self.pipe_id,
            "valves_to_close": self.valves_to_close,
            "not_served_m3h": round(self.not_served_m3h, 3),
            "not_served_low_pressure_m3h": round(self.not_served_low_pressure_m3h, 3),
            "cut_off_nodes": self.cut_off_nodes,
            "below_service": self.below_service,
            "newly_below_service": self.newly_below_service,
        }


def hydraulic_criticality(
    engine: HydraulicEngine,
    isolator: Isolator,
    *,
    solve: Any = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> list[SegmentHydraulics]:
    """The hydraulic cost of shutting each segment that has a pipe, worst first (demand not
    served, then nodes newly below the service pressure). A shut-down EPANET cannot solve is a
    row with ``solved`` False, after the others (one such does not stop the table).

    ``workers`` above 1 shares the segments among that many processes, each with its own
    engine on the same snapshot (EPANET's project is not shareable; where processes cannot be
    forked, the table is computed here). ``solve`` (the benchmark's peer) runs here only.
    """
    seg = isolator.segmentation
    segments = [s for s in range(seg.n_segments) if len(seg.pipes_of(s))]
    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and solve is None and forkable and len(segments) > workers:
        out = _in_processes(engine, isolator, segments, workers, progress, _worker_rows)
    else:
        run = _without_flows(engine) if solve is None else solve
        out = _segment_rows(engine, isolator, segments, run, progress)
    out.sort(key=lambda r: (not r.solved, -r.not_served_m3h, -r.newly_below_service, r.segment))
    return out


def _without_flows(engine: HydraulicEngine) -> Callable[[Collection[str]], HydraulicState]:
    def run(closed: Collection[str]) -> HydraulicState:
        return engine.solve(closed, flows=False)

    return run


def _segment_rows(
    engine: HydraulicEngine,
    isolator: Isolator,
    segments: Sequence[int],
    run: Callable[[Collection[str]], HydraulicState],
    progress: Callable[[int, int], None] | None = None,
) -> list[SegmentHydraulics]:
    """The criticality rows of ``segments``, in their order."""
    network, seg = isolator.network, isolator.segmentation
    normal = run(())
    out: list[SegmentHydraulics] = []
    for k, s in enumerate(segments):
        pipe = str(network.pipes.ids[seg.pipes_of(s)[0]])
        plan = isolator.plan([pipe], isolator.cut([s]), with_area=False)
        try:
            impact = isolation_impact(
                engine, network, plan, normal=normal, solve=run, with_nodes=False
            )
        except NotSolved:
            closing = len(plan_closures(plan, engine.model.link_of)[0])
            out.append(SegmentHydraulics(s, pipe, closing, 0.0, 0.0, 0, 0, 0, solved=False))
        else:
            out.append(
                SegmentHydraulics(
                    segment=s,
                    pipe_id=pipe,
                    valves_to_close=len(impact.closed_links),
                    not_served_m3h=impact.not_served_m3h,
                    not_served_low_pressure_m3h=impact.not_served_low_pressure_m3h,
                    cut_off_nodes=len(impact.cut_off_nodes),
                    below_service=len(impact.below_service),
                    newly_below_service=len(impact.newly_below_service),
                )
            )
        if progress is not None:
            progress(k + 1, len(segments))
    return out


# A worker process's own engine and isolator (set once per process by _start_worker: an EPANET
# project cannot cross processes, and rebuilding the engine per chunk would cost its set-up).
_worker: dict[str, Any] = {}


def _start_worker(
    model: HydraulicModel,
    hour: float,
    settings: PressureSettings,
    always_closed: frozenset[str],
    isolator: Isolator,
) -> None:
    engine = HydraulicEngine(model, hour, settings, always_closed=always_closed)
    # closed when the worker ends (a pool's workers run multiprocessing's exit finalizers,
    # not the interpreter's): the engine's temporary directory goes with it
    multiprocessing.util.Finalize(engine, engine.close, exitpriority=10)
    _worker.update(engine=engine, isolator=isolator, run=_without_flows(engine))


def _worker_rows(segments: list[int]) -> list[SegmentHydraulics]:
    return _segment_rows(_worker["engine"], _worker["isolator"], segments, _worker["run"])


def _in_processes(
    engine: HydraulicEngine,
    isolator: Isolator,
    segments: Sequence[int],
    workers: int,
    progress: Callable[[int, int], None] | None,
    rows_of: Callable[[list[int]], list[Any]],
    on_rows: Callable[[list[Any]], None] | None = None,
) -> list[Any]:
    """``rows_of`` each chunk of ``segments`` (segment or valve indices) in ``workers``
    processes, each with its own engine; the rows in the order they come (each chunk's given
    to ``on_rows`` as it comes)."""
    # chunks small enough to share the work evenly and report progress, large enough that
    # the normal run each chunk starts with stays a small part
    size = max(1, min(64, len(segments) // (workers * 8) or 1))
    chunks = [list(segments[i : i + size]) for i in range(0, len(segments), size)]
    context = multiprocessing.get_context("fork")
    pool = context.Pool(
        workers,
        initializer=_start_worker,
        initargs=(engine.model, engine.hour, engine.settings, engine.always_closed, isolator),
    )
    out: list[Any] = []
    try:
        for rows in pool.imap_unordered(rows_of, chunks):
            out.extend(rows)
            if on_rows is not None:
                on_rows(rows)
            if progress is not None:
                progress(len(out), len(segments))
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    return out


@dataclass(frozen=True)
class ValveHydraulics:
    """What it costs hydraulically when one valve fails when needed (the worse of its sides):
    the extra demand not served and the extra nodes below the service pressure, beyond the
    isolation with the valve working (the hydraulic side of :mod:`gis.criticality`)."""

    valve_id: str
    pipe_id: str
    node_id: str
    extra_not_served_m3h: float
    extra_below_service: int
    worst_break_pipe: str | None
    unsolved_sides: int = 0  # sides whose isolation with the valve failed EPANET cannot solve

    def to_dict(self) -> dict[str, Any]:
        return {
            "unsolved_sides": self.unsolved_sides,
            "valve": self.valve_id,
            "pipe": self.pipe_id,
            "node": self.node_id,
            "extra_not_served_m3h": round(self.extra_not_served_m3h, 3),
            "extra_below_service": self.extra_below_service,
            "worst_break_pipe": self.worst_break_pipe,
        }


def hydraulic_valve_criticality(
    engine: HydraulicEngine,
    isolator: Isolator,
    *,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    scored: Iterable[ValveHydraulics] = (),
    on_rows: Callable[[list[ValveHydraulics]], None] | None = None,
) -> list[ValveHydraulics]:
    """The hydraulic cost of every valve failing when needed, worst first.

    As :func:`gis.criticality.valve_criticality`: a valve is needed when a pipe on one of its
    two sides breaks; failed, the crew closes the next valves out. Normally-closed valves,
    inoperable ones (the plans already go around them) and valves inside a loop score zero.
    A side whose isolation EPANET cannot solve (with the valve working or failed) is counted in
    ``unsolved_sides`` and left out of the cost. ``workers``: as
    :func:`hydraulic_criticality`.

    Parameters
    ----------
    scored
        Rows of valves already scored with the same engine settings and isolator (a table
        stopped half-way): kept as they are and not run again, so the table resumed is the
        table run in one go. Rows of valves the network does not have are dropped.
    on_rows
        Called with each batch of rows as they are scored (a valve in one process, a chunk
        in ``workers``), before ``progress`` counts them: a caller keeps them to resume.
    progress
        Valves scored (``scored`` included) of the network's valves.
    """
    valves = isolator.network.valves
    known = {str(v): i for i, v in enumerate(valves.ids)}
    kept = {r.valve_id: r for r in scored if r.valve_id in known}
    indices = [i for i in range(len(valves)) if str(valves.ids[i]) not in kept]
    total = len(valves)

    def counted(done: int, _: int) -> None:
        if progress is not None:
            progress(len(kept) + done, total)

    forkable = "fork" in multiprocessing.get_all_start_methods()
    if workers > 1 and forkable and len(indices) > workers:
        out = _in_processes(
            engine, isolator, indices, workers, counted, _worker_valve_rows, on_rows
        )
    elif indices:
        out = _valve_rows(engine, isolator, indices, counted, on_rows)
    else:
        out = []
    out.extend(kept.values())
    out.sort(key=lambda r: (-r.extra_not_served_m3h, -r.extra_below_service, r.valve_id))
    return out


def _worker_valve_rows(valves: list[int]) -> list[ValveHydraulics]:
    return _valve_rows(_worker["engine"], _worker["isolator"], valves)


def _valve_rows(
    engine: HydraulicEngine,
    isolator: Isolator,
    indices: Sequence[int],
    progress: Callable[[int, int], None] | None = None,
    on_rows: Callable[[list[ValveHydraulics]], None] | None = None,
) -> list[ValveHydraulics]:
    """The rows of the valves at ``indices``, in their order (each given to ``on_rows``
    as it is scored)."""
    network, seg = isolator.network, isolator.segmentation
    valves = network.valves
    run = _without_flows(engine)
    normal = run(())
    base: dict[int, HydraulicImpact | None] = {}
    seg_pipe_count = np.diff(seg.seg_pipes_ptr)

    def impact(side: int, failed: frozenset[int]) -> HydraulicImpact | None:
        pipe = str(network.pipes.ids[seg.pipes_of(side)[0]])
        plan = isolator.plan([pipe], isolator.cut([side], failed), with_area=False)
        try:
            return isolation_impact(
                engine, network, plan, normal=normal, solve=run, with_nodes=False
            )
        except NotSolved:
            return None

    out: list[ValveHydraulics] = []
    for k, v in enumerate(indices):
        c = int(seg.valve_cut[v])
        best: tuple[float, int] = (0.0, 0)
        worst_side: int | None = None
        unsolved = 0
        relevant = (
            bool(seg.cut_active[c])
            and bool(valves.operable[v])
            and not bool(valves.normally_closed[v])
        )
        if relevant:
            for side in sorted({int(seg.cut_side_pipe[c]), int(seg.cut_side_node[c])}):
                if seg_pipe_count[side] == 0:
                    continue
                if side not in base:
                    base[side] = impact(side, frozenset())
                failed = impact(side, frozenset({v}))
                working = base[side]
                if failed is None or working is None:
                    unsolved += 1
                    continue
                extra = (
                    failed.not_served_m3h - working.not_served_m3h,
                    len(failed.below_service) - len(working.below_service),
                )
                if extra > best:
                    best, worst_side = extra, side
        out.append(
            ValveHydraulics(
                valve_id=str(valves.ids[v]),
                pipe_id=str(network.pipes.ids[valves.pipe[v]]),
                node_id=str(network.nodes.ids[valves.node[v]]),
                extra_not_served_m3h=best[0],
                extra_below_service=best[1],
                worst_break_pipe=(
                    str(network.pipes.ids[seg.pipes_of(worst_side)[0]])
                    if worst_side is not None
                    else None
                ),
                unsolved_sides=unsolved,
            )
        )
        if on_rows is not None:
            on_rows(out[-1:])
        if progress is not None:
            progress(k + 1, len(indices))
    return out
