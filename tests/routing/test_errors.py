"""One error hierarchy for ``routing`` (issue 15 item 3): what does not make a problem raises
:class:`routing.InvalidProblem` (files: :class:`routing.PlanInputError`), a
:class:`routing.RoutingError` the service maps to 422 once; each stays a ``ValueError``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString

import routing
from routing import HOUR, InvalidProblem, Job, PlanInputError, RoutingError, Shift, TimeWindow
from routing.bench import solver_options
from routing.io import read_jobs
from routing.model import Precedence
from routing.travel import RoadNetwork


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TimeWindow(10, 5), "time window ends (5) before it starts (10)"),
        (lambda: Shift(17 * HOUR, 8 * HOUR), "shift ends"),
        (lambda: Job("J1", (0.0, 0.0), 60, crews_required=3), "job J1: crews_required"),
        (lambda: Job("J2", (0.0, 0.0), -1), "job J2: negative duration"),
        (lambda: Precedence("a", "b", gap=60, max_gap=30), "precedence a -> b: max_gap"),
        (lambda: solver_options(1.0, {"speed": 2}), "SolverOptions has no field(s) speed"),
    ],
)
def test_values_that_make_no_problem_raise_invalid_problem(make: object, message: str) -> None:
    with pytest.raises(InvalidProblem) as caught:
        make()  # type: ignore[operator]
    assert message in str(caught.value)
    assert isinstance(caught.value, RoutingError) and isinstance(caught.value, ValueError)


def test_roads_without_a_crs_are_an_invalid_problem() -> None:
    roads = gpd.GeoDataFrame({"speed_kmh": [30.0]}, geometry=[LineString([(0, 0), (1, 1)])])
    with pytest.raises(InvalidProblem, match="the roads layer has no CRS"):
        RoadNetwork(roads)


def test_a_file_that_is_not_a_jobs_file_is_a_plan_input_error(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text("id,x\nJ1,3\n", encoding="utf-8")
    with pytest.raises(PlanInputError, match="lacks the column") as caught:
        read_jobs(path, dt.date(2026, 11, 26))
    assert isinstance(caught.value, InvalidProblem)
    assert routing.io.PlanInputError is PlanInputError  # its old home still names it
