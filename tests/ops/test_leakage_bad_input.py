"""Leakage data that parses as CSV but holds values no meter, logger or bill can give: the
readers refuse it with a :class:`LeakageDataError` that names the file, the line and the column
and says what to write instead (issue 15: errors below the routes are domain errors).

Each case is the generated sample data (``sample_data.leakage.generate``) with one cell
corrupted, analysed against the sample city."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gis.network import Network
from ops.errors import OpsError
from ops.leakage import LeakageDataError, analyse, read_flows
from sample_data.leakage import generate


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("leakage-good")
    generate(folder, seed=2022, days=28)
    return folder


def corrupt(good: Path, target: Path, name: str, line: int, column: str, value: str) -> Path:
    """A copy of the good folder with one cell (file line ``line``, 1 = the header) replaced."""
    shutil.copytree(good, target)
    lines = (target / name).read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    (target / name).write_text("\n".join(lines) + "\n")
    return target


BILLS = (
    "billed_metered_m3",
    "billed_unmetered_m3",
    "unbilled_metered_m3",
    "unbilled_unmetered_m3",
    "residential_metered_m3",
)

CASES = [
    # a meter feeding a DMA: a finite flow ≥ 0 and below what any main carries
    *[
        ("flows.csv", 100, "flow_m3h", v, fix)
        for v, fix in [
            ("-1e308", "is negative"),
            ("-3", "is negative"),
            ("inf", "is not finite"),
            ("-inf", "is not finite"),
            ("1e400", "is not finite"),  # overflows to inf when read
            ("1e308", "is too large"),
            ("NaN", "is not a number"),
        ]
    ],
    # average zone pressure in metres of head
    *[
        ("pressure.csv", 200, "pressure_m", v, fix)
        for v, fix in [
            ("-3", "is negative"),
            ("-1e308", "is negative"),
            ("5000", "is too large"),
            ("1e308", "is too large"),
            ("inf", "is not finite"),
            ("NaN", "is not a number"),
        ]
    ],
    # bills: volumes ≥ 0, finite, not more than a city uses in years
    *[("billing.csv", 3, c, "-5", "is negative") for c in BILLS],
    ("billing.csv", 4, "billed_metered_m3", "inf", "is not finite"),
    ("billing.csv", 4, "billed_metered_m3", "1e308", "is too large"),
    ("billing.csv", 4, "unbilled_unmetered_m3", "NaN", "is not a number"),
    # monthly reads of the outreach list
    *[
        ("usage.csv", 5, "volume_m3", v, fix)
        for v, fix in [
            ("lots", "is not a number"),
            ("NaN", "is not a number"),
            ("", "is empty"),
            ("-4", "is negative"),
            ("inf", "is not finite"),
            ("1e308", "is too large"),
        ]
    ],
    *[
        ("usage.csv", 7, "night_m3h", v, fix)
        for v, fix in [
            ("lots", "is not a number"),
            ("NaN", "is not a number"),
            ("-4", "is negative"),
            ("inf", "is not finite"),
        ]
    ],
    ("usage.csv", 9, "month", "Sept", "month"),
    # a DMA the network does not have
    ("meters.csv", 2, "dma", "DMA-99", "not a DMA of the network"),
    ("meters.csv", 4, "from_dma", "DMA-99", "not a DMA of the network"),
    ("billing.csv", 2, "dma", "DMA-99", "not a DMA of the network"),
    ("pressure.csv", 2, "dma", "DMA-99", "not a DMA of the network"),
]


@pytest.mark.parametrize(
    ("name", "line", "column", "value", "fix"),
    CASES,
    ids=[f"{c[0]}:{c[2]}={c[3] or 'empty'}" for c in CASES],
)
def test_a_bad_value_is_refused_naming_file_line_and_column(
    good: Path,
    tmp_path: Path,
    sample_city: Network,
    name: str,
    line: int,
    column: str,
    value: str,
    fix: str,
) -> None:
    folder = corrupt(good, tmp_path / "bad", name, line, column, value)
    with pytest.raises(LeakageDataError) as refused:
        analyse(folder, sample_city)
    message = str(refused.value)
    assert isinstance(refused.value, OpsError)  # the API maps it to 422 in one place
    assert message.startswith(f"{name} line {line}: {column} ")
    assert fix in message
    assert "write " in message  # and what to write instead
    assert "Traceback" not in message and "Error" not in message


def test_the_good_data_still_analyses(good: Path, sample_city: Network) -> None:
    report = analyse(good, sample_city)
    assert len(report.balances) == len(sample_city.dma_names)
    assert report.flags  # the outreach list read from usage.csv


def test_an_empty_night_use_is_a_missing_read_not_an_error(
    good: Path, tmp_path: Path, sample_city: Network
) -> None:
    folder = corrupt(good, tmp_path / "gap", "usage.csv", 7, "night_m3h", "")
    assert analyse(folder, sample_city).flags


def test_a_second_bill_for_a_dma_is_refused(
    good: Path, tmp_path: Path, sample_city: Network
) -> None:
    folder = tmp_path / "twice"
    shutil.copytree(good, folder)
    lines = (folder / "billing.csv").read_text().splitlines()
    (folder / "billing.csv").write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(LeakageDataError, match=rf"billing\.csv line {len(lines) + 1}: dma "):
        analyse(folder, sample_city)


def test_times_with_and_without_an_offset_are_refused(tmp_path: Path) -> None:
    flows = tmp_path / "flows.csv"
    flows.write_text("time,meter,flow_m3h\n2026-09-01T00:00,M-1,1\n2026-09-01T00:15+08:00,M-1,1\n")
    with pytest.raises(LeakageDataError, match=r"flows\.csv line 3: time .* has a time-zone"):
        read_flows(flows)
    # every time with its offset: read on Kaifeng time
    flows.write_text("time,meter,flow_m3h\n2026-08-31T16:00Z,M-1,1\n2026-09-01T00:15+08:00,M-1,2\n")
    assert [str(t) for t in read_flows(flows).index] == [
        "2026-09-01 00:00:00",
        "2026-09-01 00:15:00",
    ]
