"""Column mapping (issue 14): a utility's layer and column names, units and values to the
contract's — from a TOML or JSON file, or guessed from common English and Chinese names and
reported as guesses."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.errors import ValidationError
from gis.io import read_layers
from gis.mapping import (
    ColumnMapping,
    ColumnRule,
    LayerRule,
    MappingError,
    apply_rules,
    choose_layers,
    guess_mapping,
    layer_for_name,
    mapping_from_dict,
    read_mapping,
)
from gis.validate import validate_layers
from tests.conftest import ORIGIN, TEST_CRS

OX, OY = ORIGIN

TOML = """
# the utility's names
[pipes]
layer = "管线"
id = "编号"
diameter_mm = { column = "管径", unit = "m" }
length_m = { column = "LEN_FT", unit = "ft" }

[customers]
category = { column = "类别", values = { "居民" = "residential", "医院" = "critical" } }

[topology]
node_tolerance_m = 0.2
"""


def test_a_toml_and_a_json_mapping_are_the_same(tmp_path: Path) -> None:
    toml = tmp_path / "mapping.toml"
    toml.write_text(TOML, encoding="utf-8")
    mapping = read_mapping(toml)
    as_json = tmp_path / "mapping.json"
    as_json.write_text(json.dumps(mapping.to_dict(), ensure_ascii=False), encoding="utf-8")
    assert read_mapping(as_json) == mapping
    assert mapping.rule("pipes").layer == "管线"
    assert mapping.rule("pipes").columns["diameter_mm"] == ColumnRule("管径", "m")
    assert mapping.topology.node_tolerance_m == 0.2
    assert mapping.to_dict()["customers"]["category"]["values"]["医院"] == "critical"
    assert mapping_from_dict(mapping.to_dict()) == mapping


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"pipe": {"id": "X"}}, "'pipe' is not a layer of the contract"),
        ({"pipes": {"diameter": "DIAM"}}, "'diameter' is not a column of the contract's pipes"),
        ({"pipes": {"diameter_mm": {"column": "D", "unit": "yards"}}}, "unit 'yards'"),
        ({"pipes": {"material": {"column": "M", "unit": "mm"}}}, "has no unit"),
        ({"pipes": {"id": "A", "street": "A"}}, "takes A for two contract columns"),
        ({"topology": {"node_tolerance_m": -1}}, "node_tolerance_m must be a distance"),
        ({"topology": {"snap": 1}}, "has no setting snap"),
        ({"pipes": {"id": 7}}, "give the export's column name"),
    ],
)
def test_a_bad_mapping_says_what_to_fix(data: dict[str, object], words: str) -> None:
    with pytest.raises(MappingError, match=words.replace("(", r"\(")):
        mapping_from_dict(data)


def test_a_bad_mapping_file_is_a_problem_of_the_report(tmp_path: Path) -> None:
    bad = tmp_path / "mapping.toml"
    bad.write_text("[pipes\nid = 1", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_layers(tmp_path, mapping=bad)
    (problem,) = info.value.report.errors
    assert problem.layer == "mapping" and "cannot be read as TOML" in problem.message


@pytest.mark.parametrize(
    ("name", "layer"),
    [
        ("WaterMains", "pipes"),
        ("wMain", "pipes"),
        ("管线", "pipes"),
        ("给水管线.shp", "pipes"),
        ("kaifeng_pipes", "pipes"),
        ("SystemValves", "valves"),
        ("阀门", "valves"),
        ("ServiceConnections", "customers"),
        ("用户", "customers"),
        ("水表", "customers"),
        ("Junctions", "nodes"),
        ("节点", "nodes"),
        ("readme", None),
        ("city", None),
    ],
)
def test_layers_are_recognised_by_their_names(name: str, layer: str | None) -> None:
    assert layer_for_name(name) == layer


def test_the_mapping_and_the_contract_names_come_before_guesses() -> None:
    chosen, guessed, notes = choose_layers(["pipes", "WaterMains", "Valves_2019"], None)
    assert chosen == {"pipes": "pipes"} and not guessed["pipes"]
    mapping = ColumnMapping({"pipes": LayerRule("watermains")})
    chosen, guessed, notes = choose_layers(["pipes", "WaterMains"], mapping)
    assert chosen == {"pipes": "WaterMains"}
    chosen, _, notes = choose_layers(["Mains", "WaterMains"], None)
    assert "pipes" not in chosen and "could each be the pipes layer" in notes[0]
    chosen, _, notes = choose_layers(["a", "b"], ColumnMapping({"pipes": LayerRule("管线")}))
    assert "the mapping's pipes layer '管线' is not in the export (it has: a, b)" in notes[0]


def _frame(**columns: object) -> pd.DataFrame:
    return pd.DataFrame(columns)


@pytest.mark.parametrize(
    ("values", "unit"),
    [
        ([4, 6, 8, 12, 24], "inch"),  # a US export
        ([0.1, 0.15, 0.3, 0.6], "m"),
        ([100, 150, 300, 600], "mm"),
        ([50, 75, 100], "mm"),
    ],
)
def test_a_diameter_unit_is_guessed_from_the_values(values: list[float], unit: str) -> None:
    mapping = guess_mapping({"pipes": _frame(id=["a"] * len(values), DIAMETER=values)})
    rule = mapping.rule("pipes").columns["diameter_mm"]
    assert (rule.column, rule.unit, rule.guessed) == ("DIAMETER", unit, True)
    assert "median" in rule.why


def test_a_length_in_a_feet_crs_is_guessed_feet() -> None:
    mapping = guess_mapping({"pipes": _frame(id=["a"], LENGTH=[328.1])}, crs="EPSG:3089")
    assert mapping.rule("pipes").columns["length_m"].unit == "us_ft"
    metric = guess_mapping({"pipes": _frame(id=["a"], 管长=[100.0])}, crs=TEST_CRS)
    assert metric.rule("pipes").columns["length_m"].unit == "m"


def test_guesses_never_replace_what_the_layer_or_the_mapping_has() -> None:
    frame = _frame(id=["a"], diameter_mm=[100], DIAMETER=[4], MATERIAL=["PE"], MAT=["x"])
    given = ColumnMapping({"pipes": LayerRule(None, {"material": ColumnRule("MAT")})})
    mapping = guess_mapping({"pipes": frame}, given)
    columns = mapping.rule("pipes").columns
    assert "diameter_mm" not in columns and "id" not in columns
    assert columns["material"] == ColumnRule("MAT")


def test_units_are_converted() -> None:
    rule = LayerRule(
        None,
        {
            "diameter_mm": ColumnRule("DIAM_IN", "inch"),
            "length_m": ColumnRule("LEN_FT", "ft"),
            "elevation_m": ColumnRule("Z", "m"),
        },
    )
    frame = _frame(DIAM_IN=[8.0, 12.0, None], LEN_FT=[1000.0, 10.0, 3.0], Z=[1.0, 2.0, 3.0])
    out, problems = apply_rules(frame, "pipes", rule)
    assert problems == []
    np.testing.assert_allclose(out["diameter_mm"], [203.2, 304.8, np.nan])
    np.testing.assert_allclose(out["length_m"], [304.8, 3.048, 0.9144])
    # text among the numbers stays, for validation to quote
    out, _ = apply_rules(_frame(DIAM_IN=["8", "DN200"]), "pipes", rule)
    assert out["diameter_mm"].tolist() == [203.2, "DN200"]


def test_values_are_mapped_without_regard_to_case_and_spaces() -> None:
    values = {"居民": "residential", "Hospital": "critical"}
    rule = LayerRule(None, {"category": ColumnRule("TYPE", values=values)})
    out, _ = apply_rules(_frame(TYPE=["居民 ", "hospital", "villa"]), "customers", rule)
    assert out["category"].tolist() == ["residential", "critical", "villa"]  # villa: reported


def test_install_dates_become_years() -> None:
    rule = LayerRule(None, {"install_year": ColumnRule("INSTALLDATE")})
    out, _ = apply_rules(_frame(INSTALLDATE=["1995-06-01", "2001/3/4", None]), "pipes", rule)
    assert out["install_year"].tolist()[:2] == ["1995", "2001"]
    dates = pd.to_datetime(pd.Series(["1995-06-01", "2010-01-01"]))
    out, _ = apply_rules(pd.DataFrame({"INSTALLDATE": dates}), "pipes", rule)
    assert out["install_year"].tolist() == [1995.0, 2010.0]


def test_the_contract_columns_are_the_ones_validation_checks() -> None:
    from gis.mapping import CONTRACT_COLUMNS, contract_description
    from gis.validate import BOOL_COLUMNS, CHOICE_COLUMNS, NUMBER_COLUMNS, REQUIRED_COLUMNS

    for layer, columns in CONTRACT_COLUMNS.items():
        assert len(set(columns)) == len(columns), layer
        assert columns[: len(REQUIRED_COLUMNS[layer])] == REQUIRED_COLUMNS[layer]
    for checked in (NUMBER_COLUMNS, BOOL_COLUMNS, CHOICE_COLUMNS):
        for layer, columns in checked.items():
            assert set(columns) <= set(CONTRACT_COLUMNS[layer]), layer
    # a pipe's kind (pump ...) is a contract column: a mapping can give it, with its values
    assert "kind" in contract_description()["columns"]["pipes"]
    mapping = mapping_from_dict(
        {"pipes": {"kind": {"column": "类型", "values": {"泵": "pump", "管道": "pipe"}}}}
    )
    out, problems = apply_rules(_frame(类型=["管道", "泵"]), "pipes", mapping.rule("pipes"))
    assert problems == [] and out["kind"].tolist() == ["pipe", "pump"]


def test_a_column_the_mapping_names_must_exist() -> None:
    rule = LayerRule(None, {"diameter_mm": ColumnRule("DIAM")})
    _, problems = apply_rules(_frame(id=["a"], SIZE=[1]), "pipes", rule)
    assert problems == [
        "the mapping takes diameter_mm from column 'DIAM', which the layer does not have "
        "(it has: id, SIZE)"
    ]


def test_value_maps_are_guessed_for_categories_and_kinds() -> None:
    frames = {
        "customers": _frame(编号=["1", "2", "3", "4"], 用户类别=["居民", "商业", "医院", "villa"]),
        "nodes": _frame(编号=["1", "2"], 类型=["水厂", "三通"]),
        "valves": _frame(VALVEID=["1"], NORMALPOS=["Closed"]),
    }
    mapping = guess_mapping(frames)
    category = mapping.rule("customers").columns["category"]
    assert dict(category.values) == {
        "居民": "residential",
        "商业": "commercial",
        "医院": "critical",
    }  # villa: no guess, validation reports it
    assert dict(mapping.rule("nodes").columns["kind"].values) == {
        "水厂": "source",
        "三通": "junction",
    }
    assert dict(mapping.rule("valves").columns["normally_closed"].values) == {"Closed": "yes"}


def _write_export(folder: Path) -> Path:
    """A tiny export: Chinese names, diameters in metres, no topology."""
    folder.mkdir()
    pipes = gpd.GeoDataFrame(
        {"编号": ["G1", "G2"], "管径": [0.3, 0.2], "材质": ["球墨铸铁", "PE"]},
        geometry=[
            shapely.LineString([(OX, OY), (OX + 100, OY)]),
            shapely.LineString([(OX + 100, OY), (OX + 200, OY)]),
        ],
        crs=TEST_CRS,
    )
    nodes = gpd.GeoDataFrame(
        {"编号": ["S"], "类型": ["水厂"]}, geometry=[shapely.Point(OX, OY)], crs=TEST_CRS
    )
    users = gpd.GeoDataFrame(
        {"户号": ["U1"], "类别": ["居民"]},
        geometry=[shapely.Point(OX + 150, OY + 15)],
        crs=TEST_CRS,
    )
    for name, frame in (("管线", pipes), ("管点", nodes), ("用户", users)):
        frame.to_file(folder / f"{name}.geojson", engine="pyogrio")
    return folder


def test_an_export_reads_by_guesses_reported_as_such(tmp_path: Path) -> None:
    layers = read_layers(_write_export(tmp_path / "gis"))
    report = validate_layers(layers)
    assert report.ok, str(report)
    guessed = {p.layer: p.message for p in report.warnings if "guessed" in p.message}
    assert "layer '管线'; id ← 编号; diameter_mm ← 管径 (m, values 0.2–0.3" in guessed["pipes"]
    assert "material ← 材质" in guessed["pipes"]
    assert layers.pipes["diameter_mm"].tolist() == [300.0, 200.0]
    assert layers.nodes["kind"].tolist()[0] == "source"
    assert layers.customers is not None and layers.customers["pipe_id"].tolist() == ["G2"]
    saved = layers.mapping.to_dict()
    assert saved["pipes"]["diameter_mm"]["guessed"] is True
    assert mapping_from_dict(saved).rule("pipes").columns["diameter_mm"].unit == "m"
