"""The CJJ 92 grade's warnings and the leakage analysis's refusals carry a code and params
(issue 17: they stayed English in the Chinese console): the console words each code in its
language (js/i18n.js ``cjj92w:<code>``, ``refusal:<code>``), the English stays for logs and
the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gis.network import Network
from ops.leakage import analyse, cjj92_rate
from ops.leakage.cjj92 import WARNINGS, warning_text
from ops.leakage.errors import LeakageDataError


def _folder(folder: Path, dma: str, *, plants: bool, residential: bool, days: int = 2) -> None:
    """One DMA fed at a constant 100 m3/h: 2,400 m3 in a day; 3,000 m3 billed."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meters.csv").write_text(f"meter,dma,from_dma\nM-1,{dma},\n")
    times = pd.date_range("2026-09-01", periods=days * 96, freq="15min")
    rows = "".join(f"{t:%Y-%m-%dT%H:%M},M-1,100\n" for t in times)
    (folder / "flows.csv").write_text("time,meter,flow_m3h\n" + rows)
    head = "dma,start,end,billed_metered_m3,billed_unmetered_m3,unbilled_metered_m3,"
    head += "unbilled_unmetered_m3" + (",residential_metered_m3\n" if residential else "\n")
    line = f"{dma},2026-09-01,2026-09-03,3000,0,0,0" + (",1000\n" if residential else "\n")
    (folder / "billing.csv").write_text(head + line)
    if plants:
        (folder / "plant_output.csv").write_text(
            "date,plant,volume_m3\n2026-09-01,West,3000\n2026-09-02,West,3000\n"
        )


def test_the_grade_warnings_have_codes_and_params(tmp_path: Path, sample_city: Network) -> None:
    dma = sorted(sample_city.dma_names)[0]
    _folder(tmp_path / "bare", dma, plants=False, residential=False)
    c = analyse(tmp_path / "bare", sample_city).cjj92
    assert [code for code, _ in c.warning_codes] == ["residential_estimated", "supply_from_dma"]
    assert c.warning_codes[0][1] == {"dmas": dma, "m3_per_household_day": 0.3}
    # the English is the code's words with its params, as the CLI and logs print it
    assert list(c.warnings) == [warning_text(code, p) for code, p in c.warning_codes]
    assert "estimated for " + dma in c.warnings[0] and "trunk" in c.warnings[1]
    d = c.to_dict()
    assert d["warning_codes"] == [
        {"code": "residential_estimated", "params": {"dmas": dma, "m3_per_household_day": 0.3}},
        {"code": "supply_from_dma", "params": {}},
    ]
    assert d["warnings"] == list(c.warnings)
    _folder(tmp_path / "full", dma, plants=True, residential=True)
    full = analyse(tmp_path / "full", sample_city).cjj92
    assert full.warnings == () and full.warning_codes == ()
    assert full.to_dict()["warning_codes"] == []


def test_every_warning_code_has_words() -> None:
    assert set(WARNINGS) == {"residential_estimated", "supply_from_dma"}


def test_the_analysis_refusals_have_codes(tmp_path: Path, sample_city: Network) -> None:
    dma = sorted(sample_city.dma_names)[0]
    with pytest.raises(LeakageDataError) as err:
        cjj92_rate(0, 0, days=1, residential_metered_m3=0, mains_km_dn75=1, outlet_pressure_mpa=0.3)
    assert err.value.code == "leak_supply_not_positive"
    # a plant-output file short of a day of the period
    _folder(tmp_path / "plants", dma, plants=True, residential=True, days=3)
    with pytest.raises(LeakageDataError, match="no volume for 2026-09-03") as err:
        analyse(tmp_path / "plants", sample_city)
    assert err.value.code == "leak_plant_days_missing"
    assert err.value.params == {
        "file": "plant_output.csv",
        "days": "2026-09-03",
        "start": "2026-09-01",
        "end": "2026-09-03",
    }
    # flows of less than a day
    short = tmp_path / "short"
    _folder(short, dma, plants=False, residential=True)
    times = pd.date_range("2026-09-01", periods=40, freq="15min")
    rows = "".join(f"{t:%Y-%m-%dT%H:%M},M-1,100\n" for t in times)
    (short / "flows.csv").write_text("time,meter,flow_m3h\n" + rows)
    with pytest.raises(LeakageDataError, match="less than a day") as err:
        analyse(short, sample_city)
    assert err.value.code == "leak_flows_short" and err.value.params == {"file": "flows.csv"}
    # a metered DMA without its bills
    other = sorted(sample_city.dma_names)[1]
    billing = tmp_path / "billing"
    _folder(billing, dma, plants=False, residential=True)
    (billing / "meters.csv").write_text(f"meter,dma,from_dma\nM-1,{other},\n")
    with pytest.raises(LeakageDataError, match=f"no row for {other}") as err:
        analyse(billing, sample_city)
    assert err.value.code == "leak_billing_missing"
    assert err.value.params == {"file": "billing.csv", "dma": other}


def test_the_summary_refusals_have_codes() -> None:
    from ops.leakage.balance import combine
    from ops.leakage.night_flow import night_flows

    with pytest.raises(LeakageDataError, match="no DMA balances") as err:
        combine("system", [])
    assert err.value.code == "leak_no_balances"
    # readings of the day only (09:00-17:00): no night to take the minimum flow of
    day = pd.Series(50.0, index=pd.date_range("2026-09-01T09:00", "2026-09-01T17:00", freq="15min"))
    with pytest.raises(LeakageDataError, match="night window") as err:
        night_flows(day, None, 1.0)
    assert err.value.code == "leak_no_night_readings"
