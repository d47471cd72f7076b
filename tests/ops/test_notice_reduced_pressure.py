"""The notice's 降压区域 on both bases (issue 17): by hydraulics (EPANET, the sample city's model
built from its layers, the plan's valves closed at the outage's hour) it names the streets
where customers fall below the service pressure and how many, carries the polygon into the CAP
message and says "经水力计算"; without hydraulics it names the segments next to the shut area
and says it is an estimate. Golden texts in ``tests/ops/data/golden_hydraulic/`` (refreshed as
``tests/ops/test_notice_golden.py``'s, with WATEROPS_REFRESH_GOLDEN=1)."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from gis.hydraulic_model import ModelSettings, build_model
from gis.hydraulics import HydraulicEngine, PressureSettings, engine_for, isolation_impact
from gis.io import read_layers
from gis.isolation import IsolationPlan, Isolator
from gis.pressure_area import reduced_pressure_area
from ops.calendar import TZ
from ops.hydraulic_impact import ReducedPressure, outage_hour, reduced_pressure
from ops.notices import Issuer, render_cap, render_text
from ops.notices.page import render_page
from ops.outages import Outage, content_from_dict, publish, shutdown_outage
from tests.conftest import SAMPLE_CITY

GOLDEN = Path(__file__).parent / "data" / "golden_hydraulic"
REFRESH = os.environ.get("WATEROPS_REFRESH_GOLDEN") == "1"
NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ)
START = dt.datetime(2026, 11, 26, 7, 20, tzinfo=TZ)  # the peak hour: the run at 07:00
MAIN = "P002617"  # a 600 mm main: 6 service points newly below 0.20 MPa at 07:00
BURST = "P001493"  # the golden emergency: nobody outside the shut area below 0.14 MPa
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


@pytest.fixture(scope="module")
def engines(city_isolator: Isolator) -> Iterator[dict[float, HydraulicEngine]]:
    network = city_isolator.network
    model = build_model(read_layers(SAMPLE_CITY), network, ModelSettings())
    opened = {
        mpa: engine_for(
            model, network, outage_hour(START), PressureSettings(service_pressure_mpa=mpa)
        )
        for mpa in (0.14, 0.2)
    }
    yield opened
    for e in opened.values():
        e.close()


def outage(isolator: Isolator, pipe: str, engine: HydraulicEngine | None) -> Outage:
    network = isolator.network

    def by_hydraulics(plan: IsolationPlan) -> ReducedPressure:
        assert engine is not None
        impact = isolation_impact(engine, network, plan)
        return reduced_pressure(
            network, plan, impact, reduced_pressure_area(network, impact, plan, newly=True)
        )

    draft = shutdown_outage(
        "OUT-000009",
        "emergency",
        [pipe],
        isolator,
        START,
        START + dt.timedelta(hours=6),
        NOW,
        reason="emergency repair of a burst water main",
        reason_zh="供水管道爆管抢修",
        hotline="0371-00000000",
        hydraulic=by_hydraulics if engine is not None else None,
    )
    return publish(draft, NOW)


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REFRESH:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"refreshed {path.name}")
    want = path.read_text(encoding="utf-8")
    if text != want:
        diff = "\n".join(
            difflib.unified_diff(want.splitlines(), text.splitlines(), "golden", "now", lineterm="")
        )
        pytest.fail(f"{name} differs:\n{diff}")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("case", "pipe", "mpa"), [("main", MAIN, 0.2), ("burst", BURST, 0.14)])
def test_hydraulic_notice_text_is_the_golden_one(
    city_isolator: Isolator,
    engines: dict[float, HydraulicEngine],
    case: str,
    pipe: str,
    mpa: float,
    lang: str,
) -> None:
    o = outage(city_isolator, pipe, engines[mpa])
    assert o.content.reduced_pressure_basis == "hydraulic"
    golden(f"{case}-{mpa:.2f}.{lang}.txt", render_text(o, lang, Issuer()))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_topological_notice_text_is_the_golden_one(city_isolator: Isolator, lang: str) -> None:
    o = outage(city_isolator, MAIN, None)
    assert o.content.reduced_pressure_basis == "topological"
    assert o.content.reduced_pressure is None
    golden(f"main-topological.{lang}.txt", render_text(o, lang, Issuer()))


def test_the_hydraulic_area_is_the_impacts(
    city_isolator: Isolator, engines: dict[float, HydraulicEngine]
) -> None:
    """The notice's figures are the impact's: the customers newly below 0.20 MPa, their
    accounts, streets of the pipes serving them and not in the shut area; the text says so."""
    network = city_isolator.network
    o = outage(city_isolator, MAIN, engines[0.2])
    low = o.content.reduced_pressure
    assert low is not None
    plan = city_isolator.isolate([MAIN])
    impact = isolation_impact(engines[0.2], network, plan)
    newly = set(impact.newly_below_service)
    ids = {c for c, n in impact.customer_nodes if n in newly}
    assert low.customers == len(ids) == 6
    index = {str(c): i for i, c in enumerate(network.customers.ids)}
    assert low.accounts == sum(int(network.customers.accounts[index[c]]) for c in ids)
    assert low.streets and not set(low.streets) & set(plan.streets)
    assert o.content.reduced_pressure_streets == low.streets
    assert low.area is not None and low.area["type"] in ("Polygon", "MultiPolygon")
    assert low.hour == 7.0 and low.service_pressure_mpa == 0.2
    zh = render_text(o, "zh", Issuer())
    assert "降压区域：经水力计算（按07:00用水量，最低服务压力0.20MPa），停水期间" in zh
    assert f"约{low.customers}个供水点（约{low.accounts}户）" in zh
    # kept as stored: the content reads back the same (the service stores to_dict)
    assert content_from_dict(o.content.to_dict()) == o.content
    assert o.content.to_dict()["reduced_pressure_basis"] == "hydraulic"


def test_the_cap_message_carries_the_reduced_pressure_polygon(
    city_isolator: Isolator, engines: dict[float, HydraulicEngine]
) -> None:
    o = outage(city_isolator, MAIN, engines[0.2])
    root = etree.fromstring(render_cap(o, Issuer()).encode())
    for info in root.iter(f"{CAP}info"):
        areas = info.findall(f"{CAP}area")
        assert len(areas) == 2
        desc = areas[1].findtext(f"{CAP}areaDesc")
        lang = info.findtext(f"{CAP}language")
        assert desc.startswith("降压区域（经水力计算）" if lang == "zh-CN" else "Reduced pressure")
        assert areas[1].findall(f"{CAP}polygon")
    topological = etree.fromstring(render_cap(outage(city_isolator, MAIN, None), Issuer()).encode())
    assert all(len(i.findall(f"{CAP}area")) == 1 for i in topological.iter(f"{CAP}info"))


def test_the_page_says_the_basis(
    city_isolator: Isolator, engines: dict[float, HydraulicEngine]
) -> None:
    hydraulic = render_page(outage(city_isolator, MAIN, engines[0.2]), Issuer(), "zh")
    assert 'class="reduced-pressure basis-hydraulic"' in hydraulic
    assert "<dt>降压区域</dt>" in hydraulic and "经水力计算" in hydraulic
    topological = render_page(outage(city_isolator, MAIN, None), Issuer(), "en")
    assert 'class="reduced-pressure basis-topological"' in topological
    assert "not a hydraulic calculation" in topological
