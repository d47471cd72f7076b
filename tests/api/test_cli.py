"""The ``waterops`` command line: exit codes, JSON and GeoJSON shapes, messages without tracebacks.

Most tests call :func:`api.cli.main` in-process; a few run the real ``python -m api.cli``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer

from api.cli import main
from gis.io import read_network
from gis.segments import segment_network, segments_table
from tests.conftest import ORIGIN, ROOT, TEST_CRS, make_layers

wntr = pytest.importorskip("wntr")

NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"
TO_WGS84 = Transformer.from_crs(TEST_CRS, "EPSG:4326", always_xy=True)

ISOLATE_KEYS = {
    "valves_to_close",
    "bypassed_valves",
    "isolated_pipes",
    "isolated_nodes",
    "unintended_pipes",
    "unintended_nodes",
    "customers",
    "length_m",
    "streets",
    "area",
}

# A small network in Kaifeng (UTM 50N), metres from ORIGIN:
#
#   S -P1- A -P2- B -P3- C        V1 on P2 at A, V2 on P3 at B, V3 on P4 at B
#                 |               C1 (residential) on P3, C2 (hospital) on P4
#                 P4
#                 |
#                 D
NODES = [
    ("S", "source", 0.0, 0.0),
    ("A", "junction", 100.0, 0.0),
    ("B", "junction", 200.0, 0.0),
    ("C", "junction", 300.0, 0.0),
    ("D", "junction", 200.0, 100.0),
]
PIPES = [("P1", "S", "A"), ("P2", "A", "B"), ("P3", "B", "C"), ("P4", "B", "D")]
VALVES = [("V1", "P2", "A"), ("V2", "P3", "B"), ("V3", "P4", "B")]
CUSTOMERS = [("C1", "P3", "residential"), ("C2", "P4", "critical", "People's Hospital")]


def _lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS84 of a point ``x, y`` metres from ORIGIN."""
    lon, lat = TO_WGS84.transform(ORIGIN[0] + x, ORIGIN[1] + y)
    return float(lon), float(lat)


def _write_gpkg(path: Path, **kwargs: Any) -> Path:
    layers = make_layers(**kwargs)
    at = dict(zip(layers.nodes["id"], layers.nodes.geometry, strict=True))
    valves = gpd.GeoDataFrame(
        layers.valves, geometry=[at[n] for n in layers.valves["node_id"]], crs=layers.nodes.crs
    )
    frames = {"nodes": layers.nodes, "pipes": layers.pipes, "valves": valves}
    if layers.customers is not None:
        frames["customers"] = layers.customers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, gdf in frames.items():
            gdf.to_file(path, layer=name, engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def kaifeng(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "kaifeng_small.gpkg"
    return _write_gpkg(path, nodes=NODES, pipes=PIPES, valves=VALVES, customers=CUSTOMERS)


@pytest.fixture(scope="module")
def bad_gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "bad.gpkg"
    return _write_gpkg(
        path,
        nodes=NODES,
        pipes=PIPES,
        # V8: unknown pipe; V9: node C is not an end of P2
        valves=[*VALVES, ("V8", "P77", "A"), ("V9", "P2", "C")],
        customers=[*CUSTOMERS, ("C9", "P88", "residential")],
    )


@pytest.fixture(scope="module")
def net3_valves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wn = wntr.network.WaterNetworkModel(str(NET3))
    layer = wntr.network.generate_valve_layer(wn, "strategic", 1, seed=11)
    path = tmp_path_factory.mktemp("cli") / "net3_valves.csv"
    layer.to_csv(path)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, stdout, stderr = _run(capsys, *argv)
    assert code == 0, stderr
    return json.loads(stdout)


def _coordinates(geometry: dict[str, Any]) -> np.ndarray:
    return np.asarray(geometry["coordinates"], dtype=float).reshape(-1, 2)


# -- validate ----------------------------------------------------------------------------------


def test_validate_bad_geopackage_exits_1_and_lists_the_problems(
    capsys: pytest.CaptureFixture[str], bad_gpkg: Path
) -> None:
    code, stdout, stderr = _run(capsys, "validate", str(bad_gpkg))
    assert code == 1
    for ident in ("V8", "V9", "C9"):
        assert ident in stderr
        assert ident not in stdout  # problems go to stderr, stdout stays for data
    assert "error" in stderr


def test_validate_bad_geopackage_json(capsys: pytest.CaptureFixture[str], bad_gpkg: Path) -> None:
    code, stdout, _ = _run(capsys, "validate", str(bad_gpkg), "--json")
    assert code == 1
    report = json.loads(stdout)
    assert report["ok"] is False
    assert report["errors"] == 3
    blamed = {(p["layer"], p["id"]) for p in report["problems"] if p["severity"] == "error"}
    assert blamed == {("valves", "V8"), ("valves", "V9"), ("customers", "C9")}
    assert all(p["fix"] for p in report["problems"])


def test_validate_net3_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = _run(capsys, "validate", str(NET3), "--crs", "EPSG:32650")
    assert code == 0
    assert "no problems found" in stdout
    assert "pipes 119" in stdout
    # without a CRS it is still valid, and the report says it cannot be mapped (issue 14)
    code, stdout, _ = _run(capsys, "validate", str(NET3))
    assert code == 0
    assert "0 errors, 1 warnings" in stdout and "no CRS" in stdout
    assert "pipes 119" in stdout


def test_validate_missing_file_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "none.gpkg"
    code, stdout, _ = _run(capsys, "validate", str(missing), "--json")
    assert code == 1
    report = json.loads(stdout)
    assert report["ok"] is False
    assert [(p["layer"], p["id"]) for p in report["problems"]] == [("file", str(missing))]

    code, stdout, stderr = _run(capsys, "isolate", str(missing), "--pipe", "P1")
    assert code == 1
    assert "does not exist" in stderr


@pytest.mark.parametrize(("which", "expected"), [("bad", 1), ("net3", 0)])
def test_validate_in_a_real_process(which: str, expected: int, bad_gpkg: Path) -> None:
    network = bad_gpkg if which == "bad" else NET3
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    # Net3 with the CRS of its coordinates (without one, the report warns that it has none)
    crs = ["--crs", "EPSG:32650"] if which == "net3" else []
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", "validate", str(network), *crs],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == expected, proc.stderr
    assert "Traceback" not in proc.stderr
    if which == "bad":
        assert "V8" in proc.stderr
        assert "P77" not in proc.stdout
    else:
        assert "no problems found" in proc.stdout


# -- segments ----------------------------------------------------------------------------------


def test_segments_json_covers_every_pipe_once(
    capsys: pytest.CaptureFixture[str], net3_valves: Path
) -> None:
    data = _json(capsys, "segments", str(NET3), "--valves", str(net3_valves), "--json")
    assert set(data) == {"segments"}
    segments = data["segments"]
    assert len(segments) > 1
    for row in segments:
        assert set(row) == {"id", "pipes", "nodes", "valves"}
    network = read_network(NET3, valves=net3_valves)
    assert Counter(p for row in segments for p in row["pipes"]) == Counter(
        network.pipes.ids.tolist()
    )
    assert Counter(n for row in segments for n in row["nodes"]) == Counter(
        network.nodes.ids.tolist()
    )
    valve_ids = set(network.valves.ids.tolist())
    assert {v for row in segments for v in row["valves"]} <= valve_ids
    assert segments == segments_table(network, segment_network(network))


def test_segments_json_on_a_small_network(
    capsys: pytest.CaptureFixture[str], kaifeng: Path
) -> None:
    data = _json(capsys, "segments", str(kaifeng), "--json")
    by_pipes = {tuple(row["pipes"]): row for row in data["segments"]}
    assert set(by_pipes) == {("P1",), ("P2",), ("P3",), ("P4",)}
    assert sorted(by_pipes[("P1",)]["nodes"]) == ["A", "S"]
    assert by_pipes[("P1",)]["valves"] == ["V1"]
    assert sorted(by_pipes[("P2",)]["valves"]) == ["V1", "V2", "V3"]
    assert by_pipes[("P3",)]["nodes"] == ["C"]
    assert by_pipes[("P3",)]["valves"] == ["V2"]
    assert sorted(row["id"] for row in data["segments"]) == [0, 1, 2, 3]


def test_segments_table_output(capsys: pytest.CaptureFixture[str], kaifeng: Path) -> None:
    code, stdout, _ = _run(capsys, "segments", str(kaifeng))
    assert code == 0
    assert "segments" in stdout
    assert "valves inside loops" in stdout


# -- isolate -----------------------------------------------------------------------------------


def test_isolate_json_keys_and_plan(capsys: pytest.CaptureFixture[str], kaifeng: Path) -> None:
    plan = _json(capsys, "isolate", str(kaifeng), "--pipe", "P3", "--json")
    assert set(plan) >= ISOLATE_KEYS
    assert [v["id"] for v in plan["valves_to_close"]] == ["V2"]
    assert plan["bypassed_valves"] == []
    assert plan["isolated_pipes"] == ["P3"]
    assert plan["isolated_nodes"] == ["C"]
    assert plan["unintended_pipes"] == []
    assert plan["unintended_nodes"] == []
    assert plan["customers"]["total"] == 1
    assert plan["customers"]["by_category"]["residential"] == 1
    assert plan["length_m"] == pytest.approx(100.0)
    assert plan["streets"] == ["Street P3"]
    assert plan["area"]["type"] in ("Polygon", "MultiPolygon")
    # the valve is given where a crew finds it: longitude, latitude of node B
    assert plan["valves_to_close"][0]["location"] == pytest.approx(_lonlat(200, 0), abs=1e-6)


def test_isolate_names_why_a_valve_is_not_needed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The table output says why each boundary valve need not close, as the JSON does: here
    VP, on a pump's outlet, that water cannot pass into the shut pump (issue 14)."""
    from tests.gis.test_flow_direction import pump_outlet_spec

    flow = pump_outlet_spec()
    spec = flow.spec
    layers = make_layers(spec.nodes, spec.pipes, spec.valves, spec.customers)
    layers.pipes["direction"] = [
        "one-way" if p in flow.one_way else "both" for p in layers.pipes["id"]
    ]
    path = tmp_path / "pump.gpkg"
    layers.nodes.to_file(path, layer="nodes", engine="pyogrio")
    layers.pipes.to_file(path, layer="pipes", engine="pyogrio")
    valves = tmp_path / "valves.csv"
    layers.valves.rename(columns={"pipe_id": "link", "node_id": "node"}).to_csv(valves, index=False)
    code, stdout, stderr = _run(
        capsys, "isolate", str(path), "--valves", str(valves), "--pipe", "PU"
    )
    assert code == 0, stderr
    assert "Not needed: VP (one-way: water cannot pass it into the shut area)" in stdout
    plan = _json(capsys, "isolate", str(path), "--valves", str(valves), "--pipe", "PU", "--json")
    assert [(v["id"], v["reason"]) for v in plan["valves_not_needed"]] == [
        ("VP", "one-way: water cannot pass it into the shut area")
    ]


def test_isolate_with_a_failed_valve(capsys: pytest.CaptureFixture[str], kaifeng: Path) -> None:
    plan = _json(capsys, "isolate", str(kaifeng), "--pipe", "P3", "--inoperable", "V2", "--json")
    assert [(v["id"], v.get("reason")) for v in plan["bypassed_valves"]] == [
        ("V2", "reported failed")
    ]
    assert [v["id"] for v in plan["valves_to_close"]] == ["V1"]
    assert sorted(plan["isolated_pipes"]) == ["P2", "P3"]
    # the branch to D has no source once B is shut: the hospital loses water too
    assert plan["unintended_pipes"] == ["P4"]
    assert plan["unintended_nodes"] == ["D"]
    assert plan["customers"]["total"] == 2
    assert [c["name"] for c in plan["customers"]["critical"]] == ["People's Hospital"]


def test_isolate_several_pipes_reports_the_overlap(
    capsys: pytest.CaptureFixture[str], kaifeng: Path
) -> None:
    plan = _json(capsys, "isolate", str(kaifeng), "--pipe", "P3,P4", "--json")
    assert plan["breaks"] == ["P3", "P4"]
    assert sorted(plan["isolated_pipes"]) == ["P3", "P4"]
    assert "overlap" in plan
    assert plan["overlap"]["extra_pipes"] == []


def test_isolate_geojson_is_wgs84(capsys: pytest.CaptureFixture[str], kaifeng: Path) -> None:
    data = _json(capsys, "isolate", str(kaifeng), "--pipe", "P3", "--geojson")
    assert data["type"] == "FeatureCollection"
    roles = Counter(f["properties"]["role"] for f in data["features"])
    assert roles == {"area": 1, "valve_close": 1, "pipe_isolated": 1}
    lon0, lat0 = _lonlat(0, 0)
    assert 114.0 < lon0 < 115.0 and 34.5 < lat0 < 35.0  # ORIGIN really is in Kaifeng
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        xy = _coordinates(feature["geometry"])
        assert np.all(np.abs(xy[:, 0] - lon0) < 0.01), feature
        assert np.all(np.abs(xy[:, 1] - lat0) < 0.01), feature
    by_role = {f["properties"]["role"]: f for f in data["features"]}
    valve = by_role["valve_close"]
    assert valve["properties"]["id"] == "V2"
    assert _coordinates(valve["geometry"])[0] == pytest.approx(_lonlat(200, 0), abs=1e-7)
    pipe = by_role["pipe_isolated"]
    assert pipe["properties"]["id"] == "P3"
    assert _coordinates(pipe["geometry"]) == pytest.approx(
        np.array([_lonlat(200, 0), _lonlat(300, 0)]), abs=1e-7
    )
    area = by_role["area"]
    assert area["geometry"]["type"] == "Polygon"
    assert area["properties"]["breaks"] == ["P3"]


@pytest.mark.parametrize(
    ("x", "y", "pipe"),
    [(50, 8, "P1"), (150, -8, "P2"), (280, 5, "P3"), (210, 50, "P4"), (195, 90, "P4")],
)
def test_isolate_at_snaps_to_the_nearest_pipe(
    x: float, y: float, pipe: str, capsys: pytest.CaptureFixture[str], kaifeng: Path
) -> None:
    lon, lat = _lonlat(x, y)
    code, stdout, stderr = _run(capsys, "isolate", str(kaifeng), "--at", f"{lon},{lat}", "--json")
    assert code == 0, stderr
    assert json.loads(stdout)["breaks"] == [pipe]
    assert f"snapped to pipe {pipe}" in stderr


def test_isolate_at_far_from_every_pipe(capsys: pytest.CaptureFixture[str], kaifeng: Path) -> None:
    lon, lat = _lonlat(0, 5000)
    code, stdout, stderr = _run(capsys, "isolate", str(kaifeng), "--at", f"{lon},{lat}")
    assert code == 1
    assert "no pipe within" in stderr
    assert stdout == ""


@pytest.mark.parametrize("text", ["114.35", "north,east", "234.3,34.8"])
def test_isolate_at_bad_point(text: str, capsys: pytest.CaptureFixture[str], kaifeng: Path) -> None:
    code, _, stderr = _run(capsys, "isolate", str(kaifeng), "--at", text)
    assert code == 1
    assert "error" in stderr


def test_isolate_unknown_pipe(capsys: pytest.CaptureFixture[str], kaifeng: Path) -> None:
    code, stdout, stderr = _run(capsys, "isolate", str(kaifeng), "--pipe", "P99", "--json")
    assert code == 1
    assert "'P99'" in stderr
    assert stdout == ""


def test_isolate_unknown_inoperable_valve(
    capsys: pytest.CaptureFixture[str], kaifeng: Path
) -> None:
    code, stdout, stderr = _run(
        capsys, "isolate", str(kaifeng), "--pipe", "P3", "--inoperable", "V2,VX7", "--json"
    )
    assert code == 1
    assert "'VX7'" in stderr
    assert stdout == ""


def test_isolate_epanet_without_crs_by_id(capsys: pytest.CaptureFixture[str]) -> None:
    plan = _json(capsys, "isolate", str(NET3), "--pipe", "101", "--json")
    assert set(plan) >= ISOLATE_KEYS
    assert plan["area"] is None  # no CRS, no map
    assert "101" in plan["isolated_pipes"]


def test_isolate_geojson_without_crs_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    # BUG: gis/io.py plan_to_geojson raises ValueError for a network without CRS, and
    # api.cli.main only catches NetworkError: the user gets a traceback instead of
    # "exit 1: this network has no CRS (pass --crs)".
    code, stdout, stderr = _run(capsys, "isolate", str(NET3), "--pipe", "101", "--geojson")
    assert code == 1
    assert "CRS" in stderr
    assert stdout == ""


# -- criticality -------------------------------------------------------------------------------


def test_criticality_json_has_one_row_per_valve(
    capsys: pytest.CaptureFixture[str], kaifeng: Path
) -> None:
    data = _json(capsys, "criticality", str(kaifeng), "--json")
    assert set(data) == {"valves"}
    rows = data["valves"]
    assert sorted(r["valve"] for r in rows) == ["V1", "V2", "V3"]
    for r in rows:
        assert {"valve", "pipe", "node", "extra_customers", "extra_length_m"} <= set(r)
    # most critical first: V2 failing puts the hospital's branch out too
    assert rows[0]["valve"] == "V2"
    assert rows[0]["extra_critical"] == 1
    customers = [r["extra_customers"] for r in rows]
    assert customers == sorted(customers, reverse=True)


def test_criticality_json_on_net3(capsys: pytest.CaptureFixture[str], net3_valves: Path) -> None:
    data = _json(capsys, "criticality", str(NET3), "--valves", str(net3_valves), "--json")
    network = read_network(NET3, valves=net3_valves)
    assert Counter(r["valve"] for r in data["valves"]) == Counter(network.valves.ids.tolist())


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = _run(capsys)
    assert code == 2
    assert "validate" in stdout and "isolate" in stdout


# -- a point west of Greenwich (issue 14) ------------------------------------------------------


@pytest.fixture(scope="module")
def kentucky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.gis.feet_city import write_feet_city

    return write_feet_city(tmp_path_factory.mktemp("cli") / "kentucky.gpkg")


@pytest.mark.parametrize(
    "at", [["--at", "-86.23,37.12"], ["--at=-86.23,37.12"], ["--at", "-86.23, 37.12"]]
)
def test_isolate_at_a_negative_longitude(
    at: list[str], capsys: pytest.CaptureFixture[str], kentucky: Path
) -> None:
    # BUG: argparse read "-86.23,37.12" as an option: "expected one argument"
    plan = _json(capsys, "isolate", str(kentucky), *at, "--json")
    assert plan["isolated_pipes"] == ["P1"]  # the point is the source's end of P1


def test_repair_and_notice_take_a_negative_longitude_too(
    capsys: pytest.CaptureFixture[str], kentucky: Path
) -> None:
    data = _json(capsys, "repair", str(kentucky), "--at", "-86.23,37.12", "--json")
    assert data["pipe"] == "P1"


def test_negative_longitude_through_the_installed_command(kentucky: Path) -> None:
    command = Path(sys.executable).with_name("waterops")
    assert command.exists(), command
    proc = subprocess.run(
        [str(command), "isolate", str(kentucky), "--at", "-86.23,37.12", "--json"],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["isolated_pipes"] == ["P1"]


# -- no CRS: what the table says, what to pass (issue 14) -----------------------------------------


def test_plan_table_without_crs_labels_local_coordinates(
    capsys: pytest.CaptureFixture[str], net3_valves: Path
) -> None:
    code, stdout, _ = _run(
        capsys, "isolate", str(NET3), "--valves", str(net3_valves), "--pipe", "101"
    )
    assert code == 0
    assert "lon, lat" not in stdout  # they are the file's x, y
    assert "x, y" in stdout


def test_no_crs_on_the_command_line_says_pass_crs(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = _run(capsys, "isolate", str(NET3), "--pipe", "101", "--geojson")
    assert code == 1 and stdout == ""
    assert "--crs" in stderr


def test_reader_warnings_are_printed_once_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    rules = ROOT / "tests" / "gis" / "data" / "epanet" / "clocktime_rules.inp"
    code, _, stderr = _run(capsys, "isolate", str(rules), "--pipe", "P2", "--json")
    assert code == 0
    stderr = " ".join(stderr.split())  # as rich wrapped it
    assert "[RULES] was not read" in stderr
    assert "warning: WARNING" not in stderr and "UserWarning" not in stderr
