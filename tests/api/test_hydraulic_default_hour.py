"""The hour a hydraulic question asks when it names none is one rule with one home
(``gis.hydraulic_model.default_hour``, issue 17): the peak hour of a model built from GIS layers
(07:00 in the sample city), the file's start (0) for an EPANET file. The service warms that
engine at start, and the API, the CLI and the console ask it by default: a first hydraulic
isolation without an hour on a freshly started service finds the engine open."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import wntr

from api.cli import main, make_parser
from gis.hydraulic_model import build_model, default_hour, peak_hour
from gis.hydraulics import HydraulicModel
from gis.io import read_layers
from gis.network import build_network
from tests.api.conftest import make_service
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "sample_data" / "kaifeng.gpkg"
NET3 = Path(wntr.__file__).parent / "library" / "networks" / "Net3.inp"
MAIN = "P002617"  # a 600 mm main
URL = "/api/networks/1/isolation"


def test_the_default_hour_is_the_peak_of_a_gis_model_and_the_start_of_a_file() -> None:
    layers = read_layers(SAMPLE)
    model = build_model(layers, build_network(layers))
    assert default_hour(model) == float(peak_hour(model)) == 7.0
    assert default_hour(HydraulicModel.from_inp(NET3)) == 0.0


def test_the_cli_asks_the_default_hour_when_given_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for command in ("isolate", "criticality"):
        args = [command, str(SAMPLE), "--hydraulic"] + (["--pipe", "X"] * (command == "isolate"))
        assert make_parser().parse_args(args).hour is None  # not a copy of the rule's value
    assert main(["isolate", str(SAMPLE), "--pipe", "P000590", "--hydraulic", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hydraulic"]["hour"] == 7.0


def test_the_consoles_hour_is_the_services_default() -> None:
    """The console's hour field starts empty: the service answers its default hour, and the
    title says which (no 7 of its own)."""
    html = (ROOT / "api" / "web" / "static" / "console.html").read_text(encoding="utf-8")
    field = next(line for line in html.splitlines() if 'name="hour"' in line)
    assert 'value="' not in field, field
    js = (ROOT / "api" / "web" / "static" / "js" / "console" / "isolation.js").read_text(
        encoding="utf-8"
    )
    assert ": 7))" not in js


def test_a_query_without_an_hour_asks_the_warmed_engine(tmp_path: Path) -> None:
    service = make_service("sqlite", tmp_path, hydraulic_warm_up=True)
    s = next(service)
    try:
        engines = s.client.app.state.hydraulic_engines  # type: ignore[attr-defined]
        engines.warming.join(120)
        warm = (1, 7.0, 0.14, None)
        assert engines.open_keys() == (warm,)
        r = s.get(URL, params={"pipe": MAIN, "hydraulic": "true", "customers": "below"})
        assert r.status_code == 200, r.text
        assert r.json()["hydraulic"]["hour"] == 7.0
        assert engines.open_keys() == (warm,)  # answered on the warm engine, none opened
    finally:
        next(service, None)
