"""A utility's own files as they come (issue 14): EPANET models with constructs WNTR cannot
parse, text in other encodings, valve CSVs with other separators, WNTR's own warnings, and ids
that are numbers. Each is read, and what was skipped or guessed is in the validation report."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis.errors import ValidationError
from gis.io import read_layers, read_network
from gis.validate import Problem, ValidationReport, validate_layers
from tests.conftest import make_layers
from tests.gis.bad_corpus import GBK_TEXT, SMALL_INP

pytest.importorskip("wntr")

# -- ids that are numbers ----------------------------------------------------------------------


def test_valves_at_different_pipe_ends_are_not_in_series_whatever_the_ids() -> None:
    # pipe 29 at node 252 and pipe 292 at node 52: a key "29" + "\x00" + "252" lost its NUL
    # with pandas 3 string columns, and both became "29252" (false "valves in series").
    layers = make_layers(
        nodes=[
            ("1", "source", 0, 0),
            ("252", "junction", 100, 0),
            ("52", "junction", 200, 0),
            ("7", "junction", 300, 0),
        ],
        pipes=[("10", "1", "252"), ("29", "252", "52"), ("292", "52", "7")],
        valves=[("0", "29", "252"), ("1", "292", "52"), ("2", "292", "52")],
    )
    report = validate_layers(layers)
    in_series = [p.id for p in report.warnings if "same pipe end" in p.message]
    assert in_series == ["2"], str(report)  # only the real duplicate


# -- EPANET files WNTR cannot read whole -------------------------------------------------------

DATA = Path(__file__).parent / "data" / "epanet"


def _warnings_about(report: ValidationReport, *words: str) -> list[Problem]:
    return [p for p in report.warnings if all(w in p.message for w in words)]


def test_clock_time_rules_are_skipped_and_reported() -> None:
    # MICROPOLIS: "could not convert string to float: '6 AM'" refused the whole file
    path = DATA / "clocktime_rules.inp"
    report = validate_layers(read_layers(path))
    assert report.ok, str(report)
    (skipped,) = _warnings_about(report, "[RULES]")
    assert (skipped.layer, skipped.id) == ("file", str(path))
    assert "'6 AM'" in skipped.message and "line 45" in skipped.message
    assert "SYSTEM CLOCKTIME >= 6 AM" in skipped.message
    network = read_network(path)
    assert network.summary()["pipes"] == 6  # 4 pipes, the pump and the PRV
    assert any("[RULES]" in w for w in network.warnings)


def test_an_invalid_start_clock_time_is_skipped_with_epanets_own_reason() -> None:
    # EXNET: "(Error 200) one or more errors in input file" hid "(Error 213) ... '20 PM'"
    path = DATA / "start_clocktime.inp"
    report = validate_layers(read_layers(path))
    assert report.ok, str(report)
    (skipped,) = _warnings_about(report, "[TIMES]")
    assert "Error 213" in skipped.message and "Start ClockTime 20 PM" in skipped.message
    assert "Error 200" not in skipped.message
    assert read_network(path).summary()["nodes"] == 7


def test_a_bad_section_the_model_needs_is_refused_with_the_real_cause(tmp_path: Path) -> None:
    text = (DATA / "start_clocktime.inp").read_text()
    path = tmp_path / "bad.inp"
    path.write_text(
        text.replace(" V1    J2     J4     100   PRV", " V1    J2     J4     100   XYZ")
    )
    with pytest.raises(ValidationError) as info:
        read_network(path)
    (problem,) = info.value.report.errors
    assert "Error 213" in problem.message and "valve type" in problem.message, problem
    assert "Error 200" not in problem.message
    assert str(tmp_path) not in problem.message and "waterops-inp" not in problem.message


def test_wntr_warnings_go_into_the_report_not_to_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Balerma: WNTR printed "UserWarning: Changing the headloss formula from H-W to D-W ..."
    text = (DATA / "clocktime_rules.inp").read_text()
    path = tmp_path / "dw.inp"
    path.write_text(
        text.replace(" Headloss  H-W", " Headloss  D-W").replace(
            "[CURVES]\n", "[CURVES]\n C9    10  10\n"
        )
    )
    capfd.readouterr()
    # with the CRS of its coordinates (without one, the report also warns that it has none)
    report = validate_layers(read_layers(path, crs="EPSG:32650"))
    printed = capfd.readouterr()
    assert printed.err == "" and printed.out == ""
    assert report.ok
    # one line per unused curve, in words; WNTR's note on switching its own default to the
    # file's D-W formula is not about the file
    assert [p.message for p in report.warnings if "[RULES]" not in p.message] == [
        '[CURVES] curve "C9" is used by no pump, valve or tank (it is kept, and ignored)'
    ]
    assert all(p.fix for p in report.warnings)


def test_the_capture_of_warnings_ends_with_the_read() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_layers(DATA / "clocktime_rules.inp")
        warnings.warn("someone else's", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["someone else's"]


# -- text as utilities' tools write it ---------------------------------------------------------


def _inp(tmp_path: Path, text: str, encoding: str, name: str = "network.inp") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    "csv",
    [
        "link;node\nP2;J1\nP3;J2\n",  # Excel with a comma as the decimal mark
        "link\tnode\nP2\tJ1\nP3\tJ2\n",
        "link|node\nP2|J1\nP3|J2\n",
        "\ufeffLink;Node\nP2;J1\nP3;J2\n",  # and a byte-order mark, and capitals
        " link , node \nP2,J1\nP3,J2\n",
    ],
    ids=["semicolon", "tab", "bar", "bom-capitals", "spaces"],
)
def test_valve_csv_separator_and_header_as_they_come(csv: str, tmp_path: Path) -> None:
    inp = _inp(tmp_path, SMALL_INP, "utf-8")
    valves = tmp_path / "valves.csv"
    valves.write_text(csv, encoding="utf-8")
    network = read_network(inp, valves=valves)
    assert network.valves.ids.tolist() == ["0", "1"]
    assert [network.pipes.ids[p] for p in network.valves.pipe] == ["P2", "P3"]


def test_gbk_semicolon_valve_csv_with_a_gbk_network(tmp_path: Path) -> None:
    inp = _inp(tmp_path, GBK_TEXT(SMALL_INP), "gbk")
    valves = tmp_path / "valves.csv"
    valves.write_bytes(
        "编号;link;node;备注\nV1;P2;J1;东门阀\nV2;P3;新区三号;新区三号阀门\n".encode("gbk")
    )
    layers = read_layers(inp, valves=valves)
    report = validate_layers(layers)
    assert report.ok, str(report)
    guessed = {(p.layer, Path(str(p.id)).name) for p in _warnings_about(report, "GB18030")}
    assert guessed == {("file", "network.inp"), ("valves", "valves.csv")}
    network = read_network(inp, valves=valves)
    assert network.nodes.ids[network.valves.node[1]] == "新区三号"


def test_latin1_epanet_file(tmp_path: Path) -> None:
    text = SMALL_INP.replace("small test network", "Réseau de la Forêt, près de l'église")
    inp = _inp(tmp_path, text.replace("J3", "Brücke"), "latin-1")
    network = read_network(inp)
    assert "Brücke" in network.nodes.ids.tolist()
    assert any("CP1252" in w for w in network.warnings)


def test_an_encoding_that_cannot_be_told_shows_how_each_reads(tmp_path: Path) -> None:
    inp = _inp(tmp_path, SMALL_INP.replace("J3", "Jöns"), "latin-1")
    with pytest.raises(ValidationError) as info:
        read_network(inp)
    (problem,) = info.value.report.errors
    assert "'Jöns'" in problem.message  # as Windows-1252 reads it
    assert "line 8" in problem.message
    assert "UTF-8" in problem.fix
