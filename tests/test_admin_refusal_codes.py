"""The refusals an admin or the command line meets carry their code and params (issue 18
point 5): a holiday file, a column mapping, a roster, the connection rules' settings, each
refused on real input, as the console's words (js/i18n.js ``refusal:<code>``) need them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gis.mapping import MappingError, mapping_from_dict, read_mapping
from ops.calendar import HolidaySchedule
from ops.connections import ConnectionRules
from ops.errors import CalendarConfigError, InvalidRequest
from ops.io import read_roster

SAMPLE = Path(__file__).parents[1] / "sample_data"


def test_a_holiday_file_that_is_not_toml(tmp_path: Path) -> None:
    bad = tmp_path / "holidays.toml"
    bad.write_text("[2027\nholidays = ['2027-01-01']\n", encoding="utf-8")
    with pytest.raises(CalendarConfigError) as refused:
        HolidaySchedule.load(bad)
    assert refused.value.code == "holidays_file_not_toml"
    assert refused.value.params["file"] == "holidays.toml"
    assert "is not a valid TOML file" in str(refused.value)


def test_a_holiday_range_out_of_its_year(tmp_path: Path) -> None:
    bad = tmp_path / "holidays.toml"
    bad.write_text("[2027]\nholidays = ['2026-12-31..2027-01-01']\n", encoding="utf-8")
    with pytest.raises(CalendarConfigError) as refused:
        HolidaySchedule.load(bad)
    assert refused.value.code == "holidays_not_in_year"
    assert refused.value.params["value"] == "2026-12-31..2027-01-01"
    assert refused.value.params["year"] == 2027


def test_a_mapping_file_missing_and_a_unit_unknown(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as refused:
        read_mapping(tmp_path / "nowhere.toml")
    assert refused.value.code == "mapping_file_missing"
    assert refused.value.params["file"].endswith("nowhere.toml")
    with pytest.raises(MappingError) as refused:
        mapping_from_dict({"pipes": {"diameter_mm": {"column": "DN", "unit": "furlong"}}})
    assert refused.value.code == "mapping_unit"
    assert refused.value.params["layer"] == "pipes"
    assert refused.value.params["column"] == "diameter_mm"
    assert refused.value.params["unit"] == "furlong"
    assert "mm" in refused.value.params["units"]


def test_a_roster_refused_names_the_row(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    shutil.copy(SAMPLE / "roster.csv", roster)
    lines = roster.read_text(encoding="utf-8").splitlines()
    roster.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")  # a crew twice
    with pytest.raises(InvalidRequest) as refused:
        read_roster(roster)
    assert refused.value.code == "roster_duplicate_crew"
    assert refused.value.params["row"] == len(lines) + 1
    assert refused.value.params["crew"] == lines[1].split(",")[0]


def test_a_roster_without_a_column_keeps_the_readers_code(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    rows = (SAMPLE / "roster.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    keep = [i for i, name in enumerate(header) if name != "shift_end"]
    roster.write_text(
        "\n".join(",".join(r.split(",")[i] for i in keep) for r in rows) + "\n", encoding="utf-8"
    )
    with pytest.raises(InvalidRequest) as refused:
        read_roster(roster)
    assert refused.value.code == "plan_columns_missing"
    assert refused.value.params["columns"] == ["shift_end"]
    assert refused.value.params["table"] == "roster"


def test_a_connection_rule_setting_refused() -> None:
    with pytest.raises(InvalidRequest) as refused:
        ConnectionRules.from_config({"fast_limits": [{"max_dn_mm": 25, "days": 1}]})
    assert refused.value.code == "connection_last_row_bounded"
    assert refused.value.params == {"setting": "fast_limits"}
