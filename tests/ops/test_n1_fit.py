"""N1 from the data (issue 17 leftover): a step in a DMA's night pressure (a PRV changed, a
step test) and the night flow that follows it give the DMA's FAVAD exponent; without a step
the documented default stays and the row says which was used."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gis.io import read_network
from ops.leakage import analyse
from ops.leakage.pressure import DEFAULT_N1, fit_n1
from sample_data.leakage import generate

CITY = Path(__file__).resolve().parents[2] / "sample_data" / "kaifeng.gpkg"


def nights(pressure: list[float], n1: float, l0: float = 20.0, seed: int = 1) -> pd.DataFrame:
    """Nights of a DMA: its night pressure and the net night flow FAVAD gives (1 % noise)."""
    rng = np.random.default_rng(seed)
    p = np.asarray(pressure)
    q = l0 * (p / p[0]) ** n1 * (1 + 0.01 * rng.standard_normal(len(p)))
    days = [dt.date(2026, 9, 1) + dt.timedelta(days=k) for k in range(len(p))]
    return pd.DataFrame({"night_pressure_m": p, "net_night_flow_m3h": q}, index=days)


def test_a_pressure_step_gives_the_dma_n1() -> None:
    rng = np.random.default_rng(3)
    pressure = [40.0 + 0.3 * rng.standard_normal() for _ in range(14)]
    pressure += [33.0 + 0.3 * rng.standard_normal() for _ in range(14)]
    fit = fit_n1(nights(pressure, 1.3))
    assert fit is not None
    assert fit.n1 == pytest.approx(1.3, abs=0.1)
    assert fit.step_m == pytest.approx(-7.0, abs=0.5)
    assert fit.on == dt.date(2026, 9, 15)
    # no step (the noise of a logger only): no fit, the default stays
    assert fit_n1(nights([40.0 + 0.3 * rng.standard_normal() for _ in range(28)], 1.3)) is None


def test_a_burst_at_the_step_is_not_an_n1() -> None:
    # the flow jumps up while the pressure falls: no N1 in the plausible range, no fit
    frame = nights([40.0] * 10 + [34.0] * 10, 1.0)
    frame.iloc[10:, 1] += 15.0
    assert fit_n1(frame) is None


def test_the_sample_dmas_with_a_pressure_change_get_their_n1(tmp_path: Path) -> None:
    truth = generate(tmp_path, seed=2022)
    network = read_network(CITY)
    report = analyse(tmp_path, network)

    # a step is a step test where no leak or burst starts within 4 days of it (the sample's
    # seed 2022: DMA-07's -7.6 m is clean; DMA-01's +9 m comes a day after a leak starts)
    def clean(change: dict[str, object]) -> bool:
        at = dt.datetime.fromisoformat(str(change["at"]))
        return all(
            e["dma"] != change["dma"]
            or abs(dt.datetime.fromisoformat(e["start"]) - at) > dt.timedelta(days=4)
            for e in truth["events"]
        )

    clean_steps = [c for c in truth["pressure_changes"] if clean(c)]
    assert [c["dma"] for c in clean_steps] == ["DMA-07"]
    fits = {d: fit_n1(frame) for d, frame in report.nightly.items()}
    assert {d for d, f in fits.items() if f is not None} == {"DMA-07"}
    fit = fits["DMA-07"]
    assert fit is not None and 0.9 - 0.1 <= fit.n1 <= 1.3 + 0.1  # the sample's N1: 0.9-1.3
    assert fit.step_m == pytest.approx(clean_steps[0]["delta_m"], abs=1.0)
    assert DEFAULT_N1 == 1.15
    json.dumps([f.to_dict() for f in fits.values() if f is not None])
