"""Issue 16: who a notice cuts off, and "is my address affected?" in Chinese and pinyin, on the
sample city (its names are pinyin: ``No. 49 Nanhuan Lu``, ``Wei 3 Lu``)."""

from __future__ import annotations

import datetime as dt

import pytest

from gis.isolation import Isolator
from ops.calendar import TZ
from ops.errors import InvalidRequest
from ops.notices.lookup import customers_cut_off, find_affected, search_key
from ops.outages import Outage, create_outage, notice_content, publish, record_authority

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=TZ)


def outage(isolator: Isolator, pipe: str, days: int) -> Outage:
    plan = isolator.isolate(pipe)
    start = NOW + dt.timedelta(days=days)
    content = notice_content(
        plan, start, start + dt.timedelta(hours=6), "valve replacement", hotline="0371-00000000"
    )
    draft = create_outage(f"OUT-{pipe}", "planned", content, NOW)
    # approved by the water-supply authority (城市供水条例 §22), then published
    draft = record_authority(
        draft, "approval", "开封市城市管理局", NOW, "d", NOW, "汴城管供〔2026〕1号"
    )
    return publish(draft, NOW)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("纬三路", "wei3lu"),
        ("Wei 3 Lu", "wei3lu"),
        ("纬十一路", "wei11lu"),
        ("南环路", "nanhuanlu"),
        ("Nanhuan  LU", "nanhuanlu"),
        ("鼓楼街", "guloujie"),
    ],
)
def test_chinese_and_pinyin_names_have_one_key(text: str, key: str) -> None:
    assert search_key(text) == key


def test_the_customers_cut_off_are_the_ones_the_notice_counts(city_isolator: Isolator) -> None:
    out = outage(city_isolator, "P000300", 3)
    cut = customers_cut_off(city_isolator, out)
    assert len(cut) == out.content.customers_total > 0
    assert sum(c.accounts for c in cut) == out.content.accounts
    by_category: dict[str, int] = {}
    for c in cut:
        by_category[c.category] = by_category.get(c.category, 0) + 1
    assert by_category == {k: v for k, v in out.content.customers_by_category.items() if v}
    assert {c.street for c in cut} <= set(out.content.streets)
    assert all(c.address for c in cut)


def test_an_address_is_found_in_chinese_and_in_pinyin(city_isolator: Isolator) -> None:
    first, second = outage(city_isolator, "P000300", 3), outage(city_isolator, "P001100", 4)
    assert (first.content.streets, second.content.streets) == (("Wei 3 Lu",), ("Wei 9 Lu",))
    notices = [(o, customers_cut_off(city_isolator, o)) for o in (first, second)]
    someone = notices[0][1][0]
    number = someone.address.removeprefix("No. ").removesuffix(" Wei 3 Lu")
    assert someone.address == f"No. {number} Wei 3 Lu"
    for query in (someone.address, f"{number} wei 3 lu", f"纬三路{number}号", f"纬3路 {number}号"):
        found = find_affected(query, notices)
        assert [m.outage.id for m in found] == [first.id], query
        assert someone.address in found[0].addresses
        assert all(a.endswith(f"No. {number} Wei 3 Lu") for a in found[0].addresses)
    # a house number on that street that the outage does not cut off: not affected
    taken = {c.address for c in notices[0][1]}
    free = next(n for n in range(1, 2000) if f"No. {n} Wei 3 Lu" not in taken)
    assert find_affected(f"纬三路{free}号", notices) == []
    # a street alone: the notices on it, with the addresses cut off there
    found = find_affected("纬九路", notices)
    assert [m.outage.id for m in found] == [second.id]
    assert found[0].streets == ("Wei 9 Lu",)
    assert set(found[0].addresses) == {c.address for c in notices[1][1]}
    # a street of the city in neither notice
    assert find_affected("南环路", notices) == []
    # a rule of the query, not an HTTP one: a domain error, which the API maps once (422)
    with pytest.raises(InvalidRequest, match="at least"):
        find_affected("a", notices)


@pytest.mark.parametrize("query", ["weisanlu", "wei3lu", "纬三路", "纬3路", "Wei San Lu"])
def test_a_numbered_street_is_found_spelled_out_in_pinyin_and_with_digits(
    city_isolator: Isolator, query: str
) -> None:
    # 纬三路 is wei-san-lu in full pinyin; the data writes Wei 3 Lu
    first, second = outage(city_isolator, "P000300", 3), outage(city_isolator, "P001100", 4)
    notices = [(o, customers_cut_off(city_isolator, o)) for o in (first, second)]
    found = find_affected(query, notices)
    assert [m.outage.id for m in found] == [first.id], query
    assert found[0].streets == ("Wei 3 Lu",)
    assert set(found[0].addresses) == {c.address for c in notices[0][1]}


def test_an_estate_phase_is_found_by_erqi_and_by_er_qi_in_chinese(
    city_isolator: Isolator,
) -> None:
    out = outage(city_isolator, "P000300", 3)
    notices = [(out, customers_cut_off(city_isolator, out))]
    phase_two = sorted({c.name for c in notices[0][1] if c.name.endswith(" 2 Qi")})
    assert phase_two, "the sample city's estates have a 二期 on Wei 3 Lu"
    estate = phase_two[0]  # e.g. Tieta Xiaoqu 2 Qi, 铁塔小区二期
    zh = next(c.name_zh for c in notices[0][1] if c.name == estate)
    assert zh.endswith("二期")
    spelled = estate.removesuffix(" 2 Qi").replace(" ", "").lower() + "erqi"
    for query in (spelled, estate, zh, zh.removesuffix("二期") + "2期"):
        found = find_affected(query, notices)
        assert [m.outage.id for m in found] == [out.id], query
        assert estate in found[0].names, query
    assert set(find_affected("erqi", notices)[0].names) == set(phase_two)
    # the numeral is still a number: phase one is not phase two
    phase_one = find_affected(estate.removesuffix(" 2 Qi") + " 1 Qi", notices)
    assert all(estate not in m.names for m in phase_one)
