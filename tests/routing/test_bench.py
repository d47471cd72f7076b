"""The Solomon harness: parsing, solving and checking a solution under the conventions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routing.bench import check_solution, main, read_solomon, route_distance, solve_solomon

SHARED = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "solomon"

TINY = """TINY

VEHICLE
NUMBER     CAPACITY
  3         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      50         50          0          0        300          0
    1      60         50         10          0        100         10
    2      70         50         10         20        120         10
    3      50         70          5          0        200         10
    4      50         80          5         50        150         10
    5      30         50         10          0        250         10
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.txt"
    path.write_text(TINY)
    return path


def test_read_solomon(tiny: Path) -> None:
    instance = read_solomon(tiny)
    assert (instance.name, instance.vehicles, instance.capacity) == ("TINY", 3, 20)
    assert instance.depot == (50.0, 50.0) and instance.depot_due == 300
    assert [c[0] for c in instance.customers] == [1, 2, 3, 4, 5]
    assert instance.customers[1] == (2, 70.0, 50.0, 10, 20, 120, 10)


def test_solve_tiny_instance_is_feasible_and_optimal(tiny: Path) -> None:
    result = solve_solomon(tiny, 2.0)
    instance = read_solomon(tiny)
    assert result["feasible"] and not check_solution(instance, result["routes"])
    assert result["distance"] == pytest.approx(
        sum(route_distance(instance, r) for r in result["routes"]), abs=0.01
    )
    # capacity 20: 1-2 together (40), and 3-4-5 (20 + 10 + √1300 + 20) is the optimum
    assert result["distance"] == pytest.approx(40 + 50 + 1300**0.5, abs=0.01)


def test_check_solution_finds_violations(tiny: Path) -> None:
    instance = read_solomon(tiny)
    assert check_solution(instance, [[1, 2, 3, 4, 5]])  # load 40 > 20
    assert any("due" in p for p in check_solution(instance, [[3, 4, 5, 1], [2]]))
    assert check_solution(instance, [[1], [2]])  # customers missing


def test_bench_cli_json(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solomon", str(tiny), "--seconds", "1", "--single", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"vehicles", "distance", "routes"}
    assert sorted(c for r in data["routes"] for c in r) == [1, 2, 3, 4, 5]


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="shared Solomon data not beside the repo")
def test_c101_within_a_few_percent_of_best_known() -> None:
    result = solve_solomon(SHARED / "C101.txt", 5.0)
    assert result["feasible"]
    assert result["distance"] <= 828.94 * 1.05
