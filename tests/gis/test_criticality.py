"""Valve criticality: the extra customers cut off when a valve fails at the moment it is needed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from gis.criticality import ValveCriticality, valve_criticality
from gis.isolation import Isolator
from tests.gis.test_isolation import Oracle, Spec, cut_off, networks, ring_spec


def by_id(results: list[ValveCriticality]) -> dict[str, ValveCriticality]:
    return {r.valve_id: r for r in results}


def branch_spec() -> Spec:
    """A line with a loop at its end, a branch behind an inoperable valve, and a normally-closed
    valve to a part that is never fed::

        S –P1– a –P2– b –P3– c –P4– d –P7– f –P8– g
                      |      |      |
                      P9     P5     P6
                      |      |      |
                      h      e –––––+   (P6: e–d)

    Valves: V1 (P1 at a), V2 (P2 at b), V3 (P3 at c), VL (P5 at e, inside the loop c–d–e),
    VN (P7 at d, normally closed), VX (P9 at b, inoperable), VG (P8 at f).
    Segments: {S, P1}, {a, P2}, {b, P3}, {P9, h}, {c, P4, d, P5, e, P6}, {P7, f}, {P8, g};
    the last two never get water.
    """
    return Spec(
        nodes=(
            ("S", "source", 0.0, 0.0),
            ("a", "junction", 100.0, 0.0),
            ("b", "junction", 200.0, 0.0),
            ("c", "junction", 300.0, 0.0),
            ("d", "junction", 400.0, 0.0),
            ("e", "junction", 300.0, 100.0),
            ("f", "junction", 500.0, 0.0),
            ("g", "junction", 600.0, 0.0),
            ("h", "junction", 200.0, 100.0),
        ),
        pipes=(
            ("P1", "S", "a"),
            ("P2", "a", "b"),
            ("P3", "b", "c"),
            ("P4", "c", "d"),
            ("P5", "c", "e"),
            ("P6", "e", "d"),
            ("P7", "d", "f"),
            ("P8", "f", "g"),
            ("P9", "b", "h"),
        ),
        valves=(
            ("V1", "P1", "a", True, False),
            ("V2", "P2", "b", True, False),
            ("V3", "P3", "c", True, False),
            ("VL", "P5", "e", True, False),
            ("VN", "P7", "d", True, True),
            ("VX", "P9", "b", False, False),
            ("VG", "P8", "f", True, False),
        ),
        customers=(
            ("C1", "P1", "residential", None),
            ("C2", "P2", "residential", None),
            ("C3", "P2", "critical", "Clinic"),
            ("C4", "P3", "commercial", None),
            ("C5", "P3", "commercial", None),
            ("C6", "P3", "commercial", None),
            ("C7", "P9", "residential", None),
            ("C8", "P9", "residential", None),
            ("C9", "P4", "residential", None),
            ("C10", "P4", "residential", None),
            ("C11", "P4", "residential", None),
            ("C12", "P4", "residential", None),
            ("C13", "P6", "residential", None),
        ),
    )


def test_branch_network_scores_by_hand() -> None:
    # V3 fails for a break on c's side (5 customers): the crew goes back to V2, and b's
    # segment (3) with the branch behind the inoperable VX (2) loses water too: +5.
    # V2 fails for a break on b's side: a's segment (2, one critical) joins: +2.
    # V1 fails for a break on a's side: the source segment (1) joins: +1.
    # On the other sides the failure costs nothing: what lies beyond is dry anyway.
    results = valve_criticality(Isolator(branch_spec().build()))
    r = by_id(results)

    assert [x.valve_id for x in results] == ["V3", "V2", "V1", "VG", "VL", "VN", "VX"]
    assert [x.extra_customers for x in results] == [5, 2, 1, 0, 0, 0, 0]
    assert (r["V3"].extra_pipes, r["V3"].extra_length_m) == (2, pytest.approx(200.0))
    assert r["V3"].worst_break_pipe in {"P4", "P5", "P6"}
    assert (r["V2"].extra_critical, r["V2"].worst_break_pipe) == (1, "P3")
    assert (r["V1"].extra_critical, r["V1"].worst_break_pipe) == (0, "P2")
    assert r["V1"].extra_accounts == 1
    assert r["V1"].extra_length_m == pytest.approx(100.0)
    # loop-internal, normally closed and inoperable valves score zero
    for vid in ("VL", "VN", "VX"):
        assert r[vid].extra_customers == 0
        assert r[vid].extra_pipes == 0
        assert r[vid].worst_break_pipe is None
    assert r["VN"].normally_closed and not r["VX"].operable
    # VG separates two parts that never get water (behind VN): nobody there loses water
    assert r["VG"].extra_customers == 0
    assert r["V3"].to_dict()["valve"] == "V3"
    assert r["V3"].to_dict()["extra_customers"] == 5


def test_ring_scores_by_hand() -> None:
    # Ring segments seg_i = {R_i, r_(i+1)} (i = 0..3) and seg4 = {R4, r5, R5, r0, P0, S}, joined
    # seg4 -V0- seg0 -V1- seg1 -V2- seg2 -V3- seg3 -V4- seg4; R_i has i + 1 customers (21).
    # V0 fails for a break in seg0: the source segment joins and the whole ring is dry: 21 - 1.
    # V4 fails for a break in seg3: likewise 21 - 4. V1..V3: the neighbour segment joins.
    results = valve_criticality(Isolator(ring_spec().build()))
    assert [(x.valve_id, x.extra_customers) for x in results] == [
        ("V0", 20),
        ("V4", 17),
        ("V3", 4),
        ("V2", 3),
        ("V1", 2),
    ]
    r = by_id(results)
    assert r["V0"].worst_break_pipe == "R0"
    assert r["V4"].worst_break_pipe == "R3"
    assert r["V3"].worst_break_pipe == "R2"


def test_progress_is_reported() -> None:
    calls: list[tuple[int, int]] = []
    valve_criticality(Isolator(ring_spec().build()), progress=lambda i, n: calls.append((i, n)))
    assert calls and calls[-1] == (5, 5)
    assert all(n == 5 for _, n in calls)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=networks(max_nodes=15))
def test_criticality_is_the_worst_side_extra_loss(spec: Spec) -> None:
    isolator = Isolator(spec.build())
    oracle = Oracle(spec)
    results = valve_criticality(isolator)

    assert sorted(r.valve_id for r in results) == sorted(v[0] for v in spec.valves)
    keys = [
        (-r.extra_customers, -r.extra_critical, -r.extra_accounts, -r.extra_length_m, r.valve_id)
        for r in results
    ]
    assert keys == sorted(keys)

    def customers(pipes: set[str]) -> int:
        return len(oracle.customers_on(pipes))

    def extra(pipe: str, valve: str) -> tuple[int, int]:
        without = cut_off(isolator.isolate(pipe, with_area=False))
        failed = cut_off(isolator.isolate(pipe, [valve], with_area=False))
        assert without <= failed, "a failed valve can only make the shutdown bigger"
        return customers(failed) - customers(without), len(failed - without)

    for r in results:
        vid, pipe, node, operable, normally_closed = oracle.valve[r.valve_id]
        assert (r.pipe_id, r.node_id) == (pipe, node)
        assert (r.operable, r.normally_closed) == (operable, normally_closed)
        sides = {frozenset(oracle.segment(("P", pipe))), frozenset(oracle.segment(("N", node)))}
        expected = 0
        for side in sides:
            side_pipes = sorted(p for k, p in side if k == "P")
            if side_pipes:
                expected = max(expected, extra(side_pipes[0], vid)[0])
        assert r.extra_customers == expected, vid
        assert r.extra_accounts == expected
        if len(sides) == 1 or not operable or normally_closed:
            assert r.extra_customers == 0
        if r.worst_break_pipe is None:
            assert (r.extra_customers, r.extra_pipes) == (0, 0)
        else:
            assert (r.extra_customers, r.extra_pipes) == extra(r.worst_break_pipe, vid)
