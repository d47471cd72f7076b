"""Issue 16: the notice names its places as a Chinese utility's does — streets, estates (小区) and
areas (片区) in Chinese in the Chinese text, pinyin in the English one; the road sections
``X路（A路—B路）``; the roads bounding the area (东至/西至/南至/北至) from the geometry; the
estates and units by name, capped. On the sample city (its pinyin and Chinese names)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from gis.isolation import Isolator, surroundings
from ops.calendar import TZ
from ops.notices import render_text
from ops.notices.accounts import COLUMNS, account_rows
from ops.notices.lookup import customers_cut_off, find_affected
from ops.outages import (
    NoticeContent,
    Outage,
    content_from_dict,
    create_outage,
    notice_content,
    publish,
    record_authority,
)
from ops.places import cut_off, places

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ)
# pipes of the sample city on streets of both directions, in the centre and at the edge
PIPES = ("P000300", "P001200", "P002000", "P000050", "P002500", "P001700", "P000900")


def notice(isolator: Isolator, pipes: list[str], with_places: bool = True) -> Outage:
    plan = isolator.isolate(pipes)
    start = NOW + dt.timedelta(days=2)
    content = notice_content(
        plan,
        start,
        start + dt.timedelta(hours=6),
        "valve replacement",
        surroundings=surroundings(isolator, plan),
        hotline="0371-00000000",
        reason_zh="阀门更换",
        isolator=isolator if with_places else None,
    )
    draft = create_outage("OUT-" + "-".join(pipes), "planned", content, NOW)
    draft = record_authority(
        draft, "approval", "开封市城市管理局", NOW, "d", NOW, "汴城管供〔2026〕1号"
    )
    return publish(draft, NOW)


def _street_pipes(isolator: Isolator, street: str) -> np.ndarray:
    return np.flatnonzero(isolator.network.pipes.street == street)


def _extent(isolator: Isolator, pipes: np.ndarray) -> tuple[float, float, float, float]:
    net = isolator.network
    xy = np.r_[net.nodes.xy[net.pipes.start[pipes]], net.nodes.xy[net.pipes.end[pipes]]]
    return (
        float(xy[:, 0].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].min()),
        float(xy[:, 1].max()),
    )


@pytest.mark.parametrize("pipe", PIPES)
def test_the_bounding_roads_lie_beyond_the_area_on_their_side(
    city_isolator: Isolator, pipe: str
) -> None:
    plan = city_isolator.isolate(pipe)
    where = places(city_isolator, plan)
    assert len(where.bounds) >= 3, where.bounds  # the ring road's outer side has no road
    net = city_isolator.network
    shut = np.array([net.pipe_index(p) for p in (*plan.isolated_pipes, *plan.unintended_pipes)])
    x0, x1, y0, y1 = _extent(city_isolator, shut)
    for side, road in where.bounds.items():
        rx0, rx1, ry0, ry1 = _extent(city_isolator, _street_pipes(city_isolator, road))
        east_west = side in ("south", "north")
        # the road runs across the side it bounds, and reaches past the area on it
        assert (rx1 - rx0 > ry1 - ry0) == east_west, (side, road)
        if side == "east":
            assert rx1 >= x1 - 30 and rx0 <= x1 + 300, road
        if side == "west":
            assert rx0 <= x0 + 30 and rx1 >= x0 - 300, road
        if side == "north":
            assert ry1 >= y1 - 30 and ry0 <= y1 + 300, road
        if side == "south":
            assert ry0 <= y0 + 30 and ry1 >= y0 - 300, road
    # no street the area runs along bounds it, and opposite sides are different roads
    assert where.bounds.get("east") != where.bounds.get("west")
    assert where.bounds.get("north") != where.bounds.get("south")


@pytest.mark.parametrize("pipe", PIPES)
def test_a_section_runs_between_two_cross_streets_at_its_ends(
    city_isolator: Isolator, pipe: str
) -> None:
    plan = city_isolator.isolate(pipe)
    where = places(city_isolator, plan)
    net = city_isolator.network
    shut = {net.pipe_index(p) for p in (*plan.isolated_pipes, *plan.unintended_pipes)}
    for section in where.sections:
        assert section.street in plan.streets
        assert len({section.street, section.start, section.end}) == 3
        # the cross streets meet the street: some node joins a pipe of each
        mine = _street_pipes(city_isolator, section.street)
        nodes = set(net.pipes.start[mine]) | set(net.pipes.end[mine])
        for cross in (section.start, section.end):
            theirs = _street_pipes(city_isolator, cross)
            assert nodes & (set(net.pipes.start[theirs]) | set(net.pipes.end[theirs])), cross
        # and the shut stretch lies between them
        a = _extent(city_isolator, _street_pipes(city_isolator, section.start))
        b = _extent(city_isolator, _street_pipes(city_isolator, section.end))
        stretch = _extent(city_isolator, np.array(sorted(shut & set(mine.tolist()))))
        runs_east_west = stretch[1] - stretch[0] >= stretch[3] - stretch[2]
        if runs_east_west:  # west to east
            assert a[0] <= stretch[0] + 30 and stretch[1] - 30 <= b[1]
        else:  # north to south
            assert a[3] >= stretch[3] - 30 and stretch[2] + 30 >= b[2]
    assert where.sections, "a single pipe of the grid lies on a street between two others"


def test_apart_areas_have_their_sections_but_no_four_bounds(city_isolator: Isolator) -> None:
    plan = city_isolator.isolate(["P000300", "P001800"])
    where = places(city_isolator, plan)
    assert where.bounds == {}
    assert {s.street for s in where.sections} >= {"Wei 3 Lu"}


def test_the_estates_and_units_are_those_of_the_customers_cut_off(
    city_isolator: Isolator,
) -> None:
    net = city_isolator.network
    assert net.customers.estate is not None  # the sample city has the column
    for pipe in PIPES:
        plan = city_isolator.isolate(pipe)
        where = places(city_isolator, plan)
        picked = cut_off(city_isolator, plan)
        assert len(picked) == plan.customers.total
        of = net.customers.estate[picked]
        estates = {str(e) for e in of if e}
        assert set(where.estates) == estates
        accounts = {e: int(net.customers.accounts[picked][of == e].sum()) for e in estates}
        assert [accounts[e] for e in where.estates] == sorted(accounts.values(), reverse=True)
        critical = {c.name for c in plan.customers.critical}
        assert not set(where.units) & critical
        for name in (*where.estates, *where.units, *plan.streets, *where.bounds.values()):
            assert re.fullmatch(r"[\u3400-\u9fff0-9（）]+", where.names_zh[name]), name


def test_the_chinese_notice_names_places_in_chinese_and_the_english_one_in_pinyin(
    city_isolator: Isolator,
) -> None:
    outage = notice(city_isolator, ["P000300"])
    c = outage.content
    zh, en = render_text(outage, "zh"), render_text(outage, "en")
    places_zh = [line for line in zh.splitlines() if line.startswith(("停水范围", "区域四至"))]
    assert len(places_zh) == 2
    for line in places_zh:
        assert not re.search("[A-Za-z]", line), line
    s = c.sections[0]
    assert f"{c.zh(s.street)}（{c.zh(s.start)}—{c.zh(s.end)}）" in zh
    assert f"{s.street} ({s.start} to {s.end})" in en
    assert "东至" + c.zh(c.bounds["east"]) in zh and "北至" + c.zh(c.bounds["north"]) in zh
    assert f"{c.bounds['east']} to the east" in en
    assert "（" + c.zh(c.neighbourhoods[0]) in zh and c.zh(c.neighbourhoods[0]).endswith("片区")
    assert "涉及小区：" + "、".join(c.zh(e) for e in c.estates) + "。" in zh
    assert "Estates: " + ", ".join(c.estates) + "." in en
    for estate in c.estates:
        assert c.zh(estate) not in en


def test_without_the_network_a_notice_names_streets_as_the_data_has_them(
    city_isolator: Isolator,
) -> None:
    outage = notice(city_isolator, ["P000300"], with_places=False)
    zh = render_text(outage, "zh")
    assert "停水范围：Wei 3 Lu沿线" in zh
    assert "四至" not in zh and "涉及小区" not in zh


def test_estates_and_units_are_capped_and_counted() -> None:
    start = dt.datetime(2026, 12, 3, 9, 0, tzinfo=TZ)
    estates = tuple(f"Estate {i}" for i in range(15))
    content = NoticeContent(
        reason="works",
        reason_zh="施工",
        start=start,
        end=start + dt.timedelta(hours=4),
        streets=("Wei 3 Lu",),
        customers_by_category={"residential": 30},
        customers_total=30,
        accounts=900,
        hotline="0371-00000000",
        estates=estates,
        units=("Unit A", "Unit B"),
        names_zh={**{e: f"小区{i}" for i, e in enumerate(estates)}, "Unit A": "甲单位"},
    )
    draft = create_outage("OUT-CAP", "emergency", content, start - dt.timedelta(hours=1))
    outage = publish(draft, start - dt.timedelta(hours=1))
    zh, en = render_text(outage, "zh"), render_text(outage, "en")
    shown = "、".join(f"小区{i}" for i in range(10))
    assert f"涉及小区：{shown}等15个小区。" in zh
    assert "小区10" not in zh
    assert "涉及单位：甲单位、Unit B。" in zh  # no Chinese name: as the data has it
    assert "Estates: " + ", ".join(estates[:10]) + " and 5 more (15 estates)." in en


def test_the_places_are_kept_with_the_notice(city_isolator: Isolator) -> None:
    c = notice(city_isolator, ["P000300"]).content
    assert c.sections and c.bounds and c.estates and c.names_zh
    back = content_from_dict(c.to_dict())
    assert back == c


def test_estates_and_units_are_found_by_their_chinese_names(city_isolator: Isolator) -> None:
    outage = notice(city_isolator, ["P000300"])
    cut = customers_cut_off(city_isolator, outage)
    estate = outage.content.estates[0]
    estate_zh = outage.content.zh(estate)
    assert any(cu.name == estate and cu.name_zh == estate_zh for cu in cut)
    for query in (estate_zh, estate):
        (match,) = find_affected(query, [(outage, cut)])
        assert match.names == (estate,)
    street_zh = outage.content.zh("Wei 3 Lu")
    (match,) = find_affected(street_zh, [(outage, cut)])
    assert match.streets == ("Wei 3 Lu",)
    assert find_affected("建设银行", [(outage, cut)]) == []


def test_a_unit_with_an_english_name_is_found_by_its_chinese_one(
    city_isolator: Isolator,
) -> None:
    """The sample city's units are named in English (``Kaifeng No. 1 Hospital``) and in Chinese
    (开封市第一人民医院): the Chinese finds them, though its pinyin is not the English."""
    net = city_isolator.network
    named = [
        i
        for i, n in enumerate(net.customers.name.tolist())
        if n and n == n and str(n) in net.names_zh
    ]
    cust = net.customers
    i = named[0]
    pipe = str(net.pipes.ids[cust.pipe[i]])
    outage = notice(city_isolator, [pipe])
    cut = customers_cut_off(city_isolator, outage)
    name = str(cust.name[i])
    zh = net.names_zh[name]
    core = re.split(r"[0-9（]", zh)[0][-6:]  # a digit and 号 would be read as a house number
    found = [m for m in find_affected(core, [(outage, cut)]) if name in m.names]
    assert found, (name, zh)


def test_the_accounts_export_gives_the_chinese_names_beside_the_data_s(
    city_isolator: Isolator,
) -> None:
    outage = notice(city_isolator, ["P000300"])
    c = outage.content
    rows = [
        dict(zip(COLUMNS, r, strict=True))
        for r in account_rows(outage, customers_cut_off(city_isolator, outage))
    ]
    assert {r["道路"] for r in rows} == {"Wei 3 Lu"}
    assert {r["道路中文名"] for r in rows} == {c.zh("Wei 3 Lu")} == {"纬三路"}
    in_estates = [r for r in rows if r["小区/单位"] in c.estates]
    assert {r["小区/单位"] for r in in_estates} == set(c.estates)
    assert all(r["小区/单位中文名"] == c.zh(r["小区/单位"]) for r in in_estates)
    assert all(r["小区/单位中文名"] == "" for r in rows if not r["小区/单位"])
