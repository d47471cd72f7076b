"""A leakage upload takes ``plant_output.csv`` (issue 17): CJJ 92's supply Q_s is then the
plants' output (the demo's 4.1 %), not the DMAs' inflow (2.4 %, without the trunk mains'
losses, and a warning says so). Real files, the real analysis, on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sample_data.leakage import generate
from tests.api.conftest import Service, make_service

pytestmark = pytest.mark.slow

FIVE = ("meters", "flows", "billing", "pressure", "usage")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from make_service("sqlite", tmp_path_factory.mktemp("svc-plants"))


def _files(folder: Path, names: tuple[str, ...]) -> dict[str, tuple[str, bytes, str]]:
    return {n: (f"{n}.csv", (folder / f"{n}.csv").read_bytes(), "text/csv") for n in names}


def test_the_grade_uses_the_plants_output_when_uploaded(service: Service, tmp_path: Path) -> None:
    truth = generate(tmp_path, seed=2022)  # the demo's data
    r = service.post("/api/leakage/analyses", "engineer", files=_files(tmp_path, FIVE))
    assert r.status_code == 201, r.text
    inflow, system = r.json()["cjj92"], r.json()["system"]
    assert inflow["supply_source"] == "DMA inlet meters"
    assert inflow["supplied_m3"] == pytest.approx(system["system_input_m3"], abs=0.1)
    assert "supply_from_dma" in [w["code"] for w in inflow["warning_codes"]]
    files = _files(tmp_path, (*FIVE, "plant_output"))
    r = service.post("/api/leakage/analyses", "engineer", files=files)
    assert r.status_code == 201, r.text
    plants = r.json()["cjj92"]
    assert plants["supply_source"] == "plant outlet meters"
    # Q_s is the plants' output over the 56 days: the DMAs' inflow and the trunk mains' losses
    assert plants["supplied_m3"] == pytest.approx(truth["plant_output_m3"], rel=0.002)
    assert plants["supplied_m3"] > inflow["supplied_m3"]
    # R_WL = (Q_s - Q_a)/Q_s with the same registered use: the grade is against the plants
    registered = system["authorised_m3"]
    gross = 100 * (plants["supplied_m3"] - registered) / plants["supplied_m3"]
    assert plants["gross_rate_pct"] == pytest.approx(gross, abs=0.01)
    assert plants["rate_pct"] > inflow["rate_pct"] + 1  # the demo: 4.1 % against 2.4 %
    assert plants["warning_codes"] == [] and plants["warnings"] == []
    stored = service.get(f"/api/leakage/analyses/{r.json()['id']}", "viewer").json()
    assert stored["cjj92"] == plants
    # a plants' file short of a day is refused naming it, and nothing is kept
    short = (tmp_path / "plant_output.csv").read_text().splitlines()
    files["plant_output"] = ("plant_output.csv", "\n".join(short[:-3]).encode(), "text/csv")
    r = service.post("/api/leakage/analyses", "engineer", files=files)
    assert r.status_code == 422 and r.json()["code"] == "leak_plant_days_missing", r.text
