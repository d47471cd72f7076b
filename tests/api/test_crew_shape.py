"""One crew shape (issues 15 and 18): the core's CrewShift is the one home of a crew's fields and
defaults; the table row and the API's models are read from it and written to it by one mapper
each way, so a crew goes round every boundary unchanged. Fast: no service, no database."""

from __future__ import annotations

from pathlib import Path

from api.db import tables as t
from api.routes.crews import CrewIn, CrewOut
from api.store import crew_api, crew_columns, crew_dict, crew_value
from ops.dispatch import CrewShift
from ops.io import read_roster

ROSTER = read_roster(Path(__file__).parents[2] / "sample_data" / "roster.csv")
NO_LUNCH = CrewShift(
    "night-01", frozenset({"valve"}), (114.3, 34.8), lunch_from=None, lunch_to=None
)


def test_a_crew_goes_to_its_row_and_back_unchanged() -> None:
    for crew in [*ROSTER, NO_LUNCH]:
        row = t.Crew(**crew_columns(crew), active=True, version=3)
        assert crew_value(row) == crew
        assert crew_dict(row) == {**crew_api(crew), "active": True, "version": 3}
        # the declared answer is this one, field for field
        assert CrewOut.model_validate(crew_dict(row)).model_dump(mode="json") == crew_dict(row)


def test_a_crew_goes_to_the_api_and_back_unchanged() -> None:
    for crew in [*ROSTER, NO_LUNCH]:
        body = {k: v for k, v in crew_api(crew).items() if k != "id"}
        assert CrewIn.model_validate(body).to_shift(crew.id) == crew


def test_what_the_api_leaves_out_is_the_dataclass_default() -> None:
    made = CrewIn.model_validate({"skills": ["valve"], "depot": [114.3, 34.8]}).to_shift("C1")
    assert made == CrewShift("C1", frozenset({"valve"}), (114.3, 34.8))
    # the row's own default is the dataclass's too
    column = t.Crew.__table__.c.lunch_minutes
    assert column.default is not None and column.default.arg == CrewShift.lunch_minutes
