"""The bad-file corpus (issue 12, items 4, 5 and 7) at the library and on the command line.

Every file is refused with a problem that names the layer, the row and the fix, or accepted and
then really usable: the network builds, isolates a break and draws its map layers as strict
JSON. Nothing raises, nothing prints "internal error" or a raw library message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest

from gis.errors import ValidationError
from gis.io import read_layers, read_network
from gis.network import Network
from gis.validate import Problem, ValidationReport, validate_layers
from tests.gis.bad_corpus import CASES, Case, case

pytest.importorskip("wntr")

# what a user must never read: raw messages of the libraries underneath
RAW = re.compile(
    r"NoneType|has no attribute|codec can't|sqlite3_|sqlite_master|\(ValueError\)|"
    r"not recognized as being|Traceback|could not convert|invalid literal",
    re.IGNORECASE,
)


def _report(built_case: Case, folder: Path) -> ValidationReport:
    built = built_case.build(folder)
    try:
        layers = read_layers(built.path, valves=built.valves, crs=built.crs)
    except ValidationError as exc:
        return exc.report
    return validate_layers(layers)


def _matches(problem: Problem, c: Case) -> bool:
    if problem.layer != c.layer or c.words not in problem.message:
        return False
    if c.layer == "file":  # the library names the file as the user gave it
        return problem.id is not None and Path(problem.id).name == c.row
    return problem.id == c.row


def _usable(network: Network) -> None:
    """An accepted network answers what the service asks of it, in strict JSON."""
    from gis.isolation import Isolator
    from gis.mapview import map_layer

    plan = Isolator(network).isolate([str(network.pipes.ids[0])], with_area=network.has_map)
    orjson.dumps(plan.to_dict(), option=orjson.OPT_SERIALIZE_NUMPY)
    if network.has_map:
        for layer in ("pipes", "valves", "customers", "sources"):
            json.loads(orjson.dumps(map_layer(network, layer)))  # NaN/inf would not pass


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_bad_file_gets_a_report_not_a_traceback(c: Case, tmp_path: Path) -> None:
    report = _report(c, tmp_path)
    for problem in report:
        assert not RAW.search(problem.message), problem
        assert problem.fix.strip(), problem
    if c.outcome == "refused":
        assert not report.ok, f"{c.name} was accepted:\n{report}"
        assert any(_matches(p, c) for p in report.errors), f"{c.name}:\n{report}"
    else:
        assert report.ok, f"{c.name} was refused:\n{report}"
        if c.layer is not None:
            assert any(_matches(p, c) for p in report.warnings), f"{c.name}:\n{report}"
        (tmp_path / "again").mkdir()
        built = c.build(tmp_path / "again")
        _usable(read_network(built.path, valves=built.valves, crs=built.crs))


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_bad_file_on_the_command_line(
    c: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import main

    built = c.build(tmp_path)
    argv = ["validate", str(built.path)]
    if built.valves is not None:
        argv += ["--valves", str(built.valves)]
    if built.crs is not None:
        argv += ["--crs", built.crs]
    status = main(argv)
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "internal error" not in text
    assert not RAW.search(text), text
    assert status == (1 if c.outcome == "refused" else 0), text


# -- details the table above does not show -----------------------------------------------------


def test_every_bad_row_is_named_not_only_the_first(tmp_path: Path) -> None:
    from tests.gis.bad_corpus import clean_layers, write_gpkg

    layers = clean_layers()
    layers["pipes"]["diameter_mm"] = ["DN300", "200", "DN150"]
    report = validate_layers(read_layers(write_gpkg(layers, tmp_path / "n.gpkg")))
    blamed = {p.id for p in report.errors if "diameter_mm" in p.message}
    assert blamed == {"P1", "P3"}, str(report)
    problem = next(p for p in report.errors if p.id == "P1")
    assert "'DN300'" in problem.message and "200" in problem.fix


def test_gbk_epanet_file_keeps_its_chinese_names(tmp_path: Path) -> None:
    built = case("inp-gbk").build(tmp_path)
    network = read_network(built.path, valves=built.valves)
    assert "新区三号" in set(network.nodes.ids.tolist())
    assert network.summary()["valves"] == 2
    assert any("GB18030" in w for w in network.warnings), network.warnings


def test_no_source_at_all_is_one_warning_not_one_per_part(tmp_path: Path) -> None:
    report = _report(case("no-source-at-all"), tmp_path)
    assert report.ok
    about_sources = [p for p in report.warnings if "source" in p.message]
    assert len(about_sources) == 1, str(report)
    assert "kind" in about_sources[0].fix


def test_utf8_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    from tests.gis.bad_corpus import SMALL_INP

    path = tmp_path / "bom.inp"
    path.write_bytes(SMALL_INP.encode("utf-8-sig"))
    assert read_network(path).summary()["pipes"] == 3
