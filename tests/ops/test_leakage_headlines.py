"""The demo's leakage headlines that looked inconsistent (user trial), checked by hand on the
sample data the demo analyses (seed 2022, without its plant_output.csv, as the demo uploaded it
before issue 17): a CJJ 92 rate of 2.4 % (grade 1) beside an ILI of 7.12, real losses of 2.9 % of
the input beside a non-revenue water of 7 %. Both are right; the tests say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gis.network import Network
from ops.leakage import analyse
from sample_data.leakage import generate


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, sample_city: Network) -> Any:
    folder = tmp_path_factory.mktemp("leakage-demo")
    generate(folder)  # the demo's seed
    (folder / "plant_output.csv").unlink()  # Q_s the DMAs' inflow, as the demo had it
    return analyse(folder, sample_city)


def test_nrw_is_real_plus_apparent_losses_plus_unbilled_use(demo: Any) -> None:
    s = demo.to_dict()["system"]
    assert s["system_input_m3"] == pytest.approx(7_865_611.8, abs=1)
    assert s["real_losses_m3"] == pytest.approx(231_073.2, abs=1)
    # NRW = input − billed = 7,865,611.8 − 7,311,868 = 553,743.8 (7.04 %)
    assert s["non_revenue_m3"] == pytest.approx(7_865_611.8 - 7_311_868, abs=1)
    assert s["non_revenue_pct"] == pytest.approx(7.04)
    # = real 231,073.2 + apparent 246,743.6 (meter errors 7,342,239 x 0.03/0.97 = 227,079.6
    # + unauthorised 0.25 % x input = 19,664.0) + unbilled authorised 30,371 + 45,556
    assert s["meter_errors_m3"] == pytest.approx((7_311_868 + 30_371) * 0.03 / 0.97, abs=1)
    assert s["unauthorised_m3"] == pytest.approx(0.0025 * 7_865_611.8, abs=1)
    parts = s["real_losses_m3"] + s["apparent_losses_m3"] + 30_371 + 45_556
    assert parts == pytest.approx(s["non_revenue_m3"], abs=1)
    assert 100 * s["real_losses_m3"] / s["system_input_m3"] == pytest.approx(2.94, abs=0.01)


def test_cjj92_rate_and_ili_by_hand(demo: Any) -> None:
    c = demo.cjj92
    # R_WL = (Q_s − Q_a)/Q_s with Q_a billed + unbilled authorised: (7,865,611.8 − 7,387,795)
    # / 7,865,611.8 = 6.07 %: it holds the apparent losses as well as the real ones
    assert c.gross_rate == pytest.approx(100 * (7_865_611.8 - 7_387_795) / 7_865_611.8, abs=0.01)
    assert round(c.gross_rate, 2) == 6.07
    # R1 = 8 % x the households' metered share of supply (48 %) = 3.86; R2 = −0.08 (0.99 x
    # (A − 0.0693), A the km of mains from DN75 per 10⁴ m3 a year: with the water tower's 5.8 km
    # fill main, −0.19 without it)
    assert round(c.r1_residential, 2) == 3.86 and round(c.r2_mains_length, 2) == -0.08
    assert round(c.rate, 1) == 2.3 and c.grade_code == "grade_1"
    # ILI = CARL/UARL: 231,073.2 / 56 days = 4,126.3 m3/d against (18 x 349.3 km + 0.8 x 11,868
    # connections) x 36.7 m = 579.4 m3/d
    i = demo.to_dict()["ili"]
    assert i["carl_m3_per_day"] == pytest.approx(231_073.2 / 56, abs=0.1)
    mains = sum(x.mains_km for x in demo.levels)
    connections = sum(x.connections for x in demo.levels)
    assert connections == 11_868 and mains == pytest.approx(349.28, abs=0.01)
    uarl = (18 * mains + 0.8 * connections) * demo.system_ili.pressure_m / 1000
    assert i["uarl_m3_per_day"] == pytest.approx(uarl, abs=0.1)
    assert i["ili"] == 7.12
    # why both are right: each connection takes 7,865,611.8 / 56 / 11,868 = 11.8 m3 a day
    # (a block of flats: 206,478 households on 11,868 connections), so 348 l a connection a
    # day of real losses is 2.9 % of supply, yet 7 times the 49 l the UARL allows here
    per_connection_in = demo.system.system_input / 56 / connections
    assert per_connection_in == pytest.approx(11.8, abs=0.05)
    assert 1000 * i["carl_m3_per_day"] / connections == pytest.approx(348, abs=1)


def test_the_cli_report_says_why_a_good_grade_meets_a_poor_ili(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import main

    assert main(["leakage", "sample", "--out", str(tmp_path), "--seed", "2022"]) == 0
    (tmp_path / "plant_output.csv").unlink()
    capsys.readouterr()
    assert main(["leakage", "report", str(tmp_path)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "ILI 7.12" in text
    # 7,865,612 m3 / 56 days / 11,868 connections = 11.8 m3 a connection a day
    assert "11.8 m3 a connection a day" in text, text
    assert "unavoidable minimum" in text
    assert "Q_s is the DMAs' inflow" in text  # the demo has no plant outlet meters
