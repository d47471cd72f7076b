"""Issue 16 leftover: "is my address affected?" with an address written in Chinese as people
write it — their street and house number (纬三路49号), often after the province, city and
district (河南省开封市鼓楼区…) and before the compound, building, unit and room (…号院3号楼2单元
501室) — on the sample city, whose customers have their Chinese address (``address_zh``)
beside the pinyin one. The answer gives the Chinese addresses too."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.isolation import Isolator
from ops.calendar import TZ
from ops.notices.lookup import AffectedCustomer, customers_cut_off, find_affected
from ops.outages import Outage, create_outage, notice_content, publish, record_authority

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ)


def outage(isolator: Isolator, pipe: str, days: int) -> Outage:
    plan = isolator.isolate(pipe)
    start = NOW + dt.timedelta(days=days)
    content = notice_content(
        plan, start, start + dt.timedelta(hours=6), "valve replacement", hotline="0371-00000000"
    )
    draft = create_outage(f"OUT-{pipe}", "planned", content, NOW)
    draft = record_authority(
        draft, "approval", "开封市城市管理局", NOW, "d", NOW, "汴城管供〔2026〕1号"
    )
    return publish(draft, NOW)


@pytest.fixture(scope="module")
def notices(city_isolator: Isolator) -> list[tuple[Outage, tuple[AffectedCustomer, ...]]]:
    first, second = outage(city_isolator, "P000300", 3), outage(city_isolator, "P001100", 4)
    return [(o, customers_cut_off(city_isolator, o)) for o in (first, second)]


def test_the_customers_cut_off_carry_their_chinese_address(
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]],
) -> None:
    for _, customers in notices:
        assert customers
        for cu in customers:
            number = cu.address.removeprefix("No. ").split(" ")[0]
            assert cu.address_zh == f"{cu.street_zh}{number}号", cu


@pytest.mark.parametrize(
    "template",
    [
        "{zh}",  # 纬三路49号
        "开封市{zh}",
        "河南省开封市鼓楼区{zh}",
        "开封市 龙亭区 {zh}",
        "{zh}院",
        "{zh}院3号楼2单元501室",
        "鼓楼区{zh}附1号楼",
    ],
)
def test_an_address_written_in_chinese_is_found(
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]], template: str
) -> None:
    someone = next(c for c in notices[0][1] if c.street == "Wei 3 Lu")
    query = template.format(zh=someone.address_zh)
    found = find_affected(query, notices)
    assert [m.outage.id for m in found] == [notices[0][0].id], query
    match = found[0]
    assert someone.address in match.addresses, query
    # the same house on the same street only, and the answer in Chinese beside the pinyin
    assert set(match.addresses) == {someone.address}, query
    assert match.addresses_zh == (someone.address_zh,), query


def test_a_chinese_address_of_a_house_not_cut_off_is_not_affected(
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]],
) -> None:
    taken = {c.address for c in notices[0][1]}
    free = next(n for n in range(1, 2000) if f"No. {n} Wei 3 Lu" not in taken)
    assert find_affected(f"河南省开封市鼓楼区纬三路{free}号", notices) == []
    assert find_affected(f"开封市纬三路{free}号院3号楼", notices) == []
    # a street of the city in neither notice, with the city before it
    assert find_affected("开封市南环路", notices) == []


def test_a_street_with_the_city_before_it_gives_its_addresses_in_both_scripts(
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]],
) -> None:
    found = find_affected("开封市鼓楼区纬九路", notices)
    assert [m.outage.id for m in found] == [notices[1][0].id]
    assert found[0].streets == ("Wei 9 Lu",)
    cut = notices[1][1]
    assert set(found[0].addresses) == {c.address for c in cut}
    by_address = {c.address: c.address_zh for c in cut}
    assert found[0].addresses_zh == tuple(by_address[a] for a in found[0].addresses)
    assert all(a.startswith("纬九路") and a.endswith("号") for a in found[0].addresses_zh)


def test_an_estate_with_its_building_and_room(
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]],
) -> None:
    estate = next(c for c in notices[0][1] if c.name_zh and not c.name_zh.endswith("期"))
    found = find_affected(f"开封市{estate.name_zh}3号楼2单元501室", notices)
    assert [m.outage.id for m in found] == [notices[0][0].id]
    assert estate.name in found[0].names


def test_an_estate_phase_with_the_city_before_it_is_that_phase_only(
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]],
) -> None:
    two = next(c for c in notices[0][1] if c.name_zh.endswith("二期"))
    one = two.name.removesuffix(" 2 Qi")
    found = find_affected(f"开封市{two.name_zh}5栋", notices)
    assert [m.outage.id for m in found] == [notices[0][0].id]
    assert two.name in found[0].names
    assert one not in found[0].names


def test_the_export_gives_each_connection_its_chinese_address(
    notices: list[tuple[Outage, tuple[AffectedCustomer, ...]]],
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    from ops.notices.accounts import COLUMNS, accounts_csv, accounts_xlsx

    out, customers = notices[0]
    rows = list(csv.DictReader(io.StringIO(accounts_csv(out, customers).decode("utf-8-sig"))))
    # one row per service connection, with its accounts, its address in both scripts, its
    # category and its estate or unit
    assert [r["用户编号"] for r in rows] == [c.id for c in customers]
    assert sum(int(r["账户数"]) for r in rows) == out.content.accounts
    assert all(r["地址中文"] == c.address_zh != "" for r, c in zip(rows, customers, strict=True))
    assert all(r["地址"] == c.address for r, c in zip(rows, customers, strict=True))
    sheet = load_workbook(io.BytesIO(accounts_xlsx(out, customers)))["受影响账户"]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == COLUMNS
    column = COLUMNS.index("地址中文")
    assert [r[column] for r in table[1:]] == [c.address_zh for c in customers]
