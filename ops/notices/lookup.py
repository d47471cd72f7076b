"""Who a notice cuts off, and "is my address affected?": the customers of an outage (for the
public search and the SMS platform's export), and a search of them and of the notice's streets
by address, estate or street, in Chinese characters or pinyin.

The sample city's names are pinyin (``No. 49 Nanhuan Lu``, ``Wei 3 Lu``); people type 南环路49号
or 纬三路. Both sides are brought to one key: Chinese numerals to digits, characters to toneless
pinyin (pypinyin), then lower-case letters and digits only — so ``纬三路`` and ``Wei 3 Lu`` are
both ``wei3lu``. People also spell the number out in pinyin (``weisanlu``, ``tietaxiaoquerqi``
for 铁塔小区二期), so every name has a second key with its numbers read out (``weisanlu``), and
a query matches when either of its keys is part of the name's key of the same kind. A place is
also compared by its Chinese name where the data has one (the ``*_zh`` columns,
``Network.names_zh``): a unit named in English (``Kaifeng No. 1 Hospital``) is found by
人民医院, whose pinyin is not its English.

People write a Chinese address whole: the province, city and district before the street
(河南省开封市鼓楼区纬三路49号) and the compound, building, unit and room after the house number
(…49号院3号楼2单元501室). The building and what follows it are not part of the place; and a
street is found when its whole name is in the query (so what comes before it does not matter),
as well as when the query is part of its name. The answer gives each address in Chinese too,
where the data has it (``customers.address_zh``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pypinyin import lazy_pinyin

from gis.isolation import Isolator
from gis.network import CUSTOMER_CATEGORIES
from ops.errors import InvalidRequest
from ops.outages import Outage
from ops.places import cut_off

# the shortest key worth searching: fewer letters match half the city
MIN_KEY = 2
DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
DIGITS |= {"八": 8, "九": 9}
_NUMERALS = "零一二三四五六七八九"
_ZH_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+")
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class AffectedCustomer:
    """A service connection an outage cuts off (one point may serve many accounts)."""

    id: str
    address: str
    category: str
    accounts: int
    street: str
    name: str  # the estate or unit (小区、单位) where the data names it, else ""
    street_zh: str = ""  # the street's Chinese name (name_zh columns), where the data has one
    name_zh: str = ""  # the estate's or unit's Chinese name, where the data has one
    address_zh: str = ""  # the address in Chinese (南环路49号), where the data has it


@dataclass(frozen=True)
class NoticeMatch:
    """One notice that the searched place is in: what matched, and how much."""

    outage: Outage
    addresses: tuple[str, ...]  # matching addresses of customers cut off (sorted)
    names: tuple[str, ...]  # matching estates or units cut off
    streets: tuple[str, ...]  # matching streets of the notice
    reduced_pressure: tuple[str, ...]  # matching streets where only the pressure drops
    # the Chinese of each of ``addresses``, in their order ("" where the data has none)
    addresses_zh: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()  # matching areas (片区) the notice names

    @property
    def verdict(self) -> str:
        """What the match tells the resident, the strongest first: ``cut_off`` (an address,
        estate or unit cut off), ``street`` (a street of the shut area: the house number
        decides), ``area`` (an area the notice names: the street decides), or
        ``reduced_pressure`` (the water stays on; the pressure may be low)."""
        if self.addresses or self.names:
            return "cut_off"
        if self.streets:
            return "street"
        if self.areas:
            return "area"
        return "reduced_pressure"


def customers_cut_off(isolator: Isolator, outage: Outage) -> tuple[AffectedCustomer, ...]:
    """The customers that ``outage`` cuts off: those of the supply units its isolation shuts
    (isolated and unintended), as :meth:`gis.isolation.Isolator.customer_impact` counts them.

    ``isolator`` is the :class:`gis.isolation.Isolator` of the outage's network. A notice
    without breaks (made by hand, no isolation) cuts off no one it can name.
    """
    c = outage.content
    if not c.breaks:
        return ()
    plan = isolator.isolate(list(c.breaks), list(c.failed_valves), with_area=False)
    network = isolator.network
    cust = network.customers
    streets = network.pipes.street
    estates = cust.estate
    addresses_zh = cust.address_zh
    zh = network.names_zh
    out = []
    for i in cut_off(isolator, plan).tolist():
        pipe = int(cust.pipe[i])
        street = _text(streets[pipe]) if pipe >= 0 else ""
        name = (_text(estates[i]) if estates is not None else "") or _text(cust.name[i])
        out.append(
            AffectedCustomer(
                id=str(cust.ids[i]),
                address=_text(cust.address[i]),
                category=CUSTOMER_CATEGORIES[int(cust.category[i])],
                accounts=int(cust.accounts[i]),
                street=street,
                name=name,
                street_zh=zh.get(street, ""),
                name_zh=zh.get(name, ""),
                address_zh=_text(addresses_zh[i]) if addresses_zh is not None else "",
            )
        )
    return tuple(sorted(out, key=lambda a: (a.street, _house(a.address) or 0, a.address, a.id)))


def search_key(text: str) -> str:
    """The key a name is compared by: Chinese numerals as digits, characters as toneless
    pinyin, then lower-case letters and digits only (``纬三路`` → ``wei3lu``)."""
    text = _ZH_NUMBER.sub(lambda m: str(_zh_number(m.group())), text)
    if _HAN.search(text):
        text = "".join(lazy_pinyin(text))
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def spelled_key(text: str) -> str:
    """The key with the numbers read out in pinyin, as people type them: ``纬三路``, ``纬3路``
    and ``Wei 3 Lu`` are all ``weisanlu``, ``Tieta Xiaoqu 2 Qi`` is ``tietaxiaoquerqi``."""
    text = _ZH_NUMBER.sub(lambda m: _zh_numeral(_zh_number(m.group())), text)
    text = re.sub(r"\d+", lambda m: _zh_numeral(int(m.group())), text)
    if _HAN.search(text):
        text = "".join(lazy_pinyin(text))
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def find_affected(
    query: str, notices: Sequence[tuple[Outage, Sequence[AffectedCustomer]]]
) -> list[NoticeMatch]:
    """The notices whose customers or streets match ``query`` (an address, an estate or unit,
    or a street; Chinese or pinyin), each with what matched; none when nothing does.

    A house number (``49号``, ``No. 49``, or a leading ``49``) must be the customer's; the rest
    of the query must be part of the address, the estate or the street. A query with less
    than two letters or one character of a place is refused (:class:`ops.errors.InvalidRequest`).
    """
    house, place = _split_house(_without_building(query))
    key = (search_key(place), spelled_key(place))
    # an area as people name it: 龙亭, 龙亭片区, or the district, 开封市龙亭区, for 龙亭二片区
    district = _AREA_AFFIXES.sub("", place)
    area_key = (search_key(district), spelled_key(district)) if district else key
    if len(key[0]) < MIN_KEY:
        raise InvalidRequest(
            "give at least two letters or one character of the place", code="place_query_too_short"
        )
    # an estate or unit whose whole name is in the query (开封市铁塔小区3号楼), unless a longer
    # one found so is (铁塔小区二期 names phase two, not 铁塔小区 too)
    whole = {
        cu.name
        for _, customers in notices
        for cu in customers
        if cu.name and _named_in(key, cu.name, cu.name_zh)
    }
    whole = {n for n in whole if not any(n != m and search_key(n) in search_key(m) for m in whole)}
    out = []
    for outage, customers in notices:
        addresses: dict[str, str] = {}
        names = set()
        for cu in customers:
            if house is not None and _house(cu.address) != house:
                continue
            if _matches(
                key, _strip_house(cu.address), cu.street, cu.street_zh, _strip_house(cu.address_zh)
            ) or _named_in(key, cu.street, cu.street_zh):
                addresses[cu.address] = cu.address_zh
            elif cu.name and (cu.name in whole or _matches(key, cu.name, cu.name_zh)):
                names.add(cu.name)
        c = outage.content

        def street_found(s: str, names_zh: dict[str, str] = c.names_zh) -> bool:
            zh = names_zh.get(s, "")
            return _matches(key, s, zh) or _named_in(key, s, zh)

        # a house number decides by the houses cut off, where the data numbers them
        numbered = house is not None and any(_house(cu.address) is not None for cu in customers)
        streets = () if numbered else tuple(s for s in c.streets if street_found(s))
        reduced = tuple(s for s in c.reduced_pressure_streets if street_found(s))

        def area_found(a: str, names_zh: dict[str, str] = c.names_zh) -> bool:
            zh = names_zh.get(a, "")
            return street_found(a) or _matches(area_key, a, zh)

        areas = () if house is not None else tuple(a for a in c.neighbourhoods if area_found(a))
        if addresses or names or streets or reduced or areas:
            ordered = tuple(sorted(addresses, key=lambda a: (_house(a) or 0, a)))
            out.append(
                NoticeMatch(
                    outage,
                    ordered,
                    tuple(sorted(names)),
                    streets,
                    reduced,
                    tuple(addresses[a] for a in ordered),
                    areas,
                )
            )
    return sorted(out, key=lambda m: (m.outage.content.start, m.outage.id))


def _matches(key: tuple[str, str], *names: str) -> bool:
    """The query's key (digits, spelled out) is part of one of the names (a place's name and
    its Chinese name) by the key of the same kind."""
    digits, spelled = key
    return any(
        name and (digits in search_key(name) or spelled in spelled_key(name)) for name in names
    )


# a street's whole name found inside a longer query (河南省开封市鼓楼区纬三路): only names of at
# least this many letters, so that a short name is not found in every long query
MIN_NAMED_KEY = 4


def _named_in(key: tuple[str, str], *names: str) -> bool:
    """One of the names (a street, an estate, and their Chinese names) is whole in the query,
    by the key of the same kind: the city and district written before it do not hide it."""
    digits, spelled = key
    for name in names:
        if not name:
            continue
        d, s = search_key(name), spelled_key(name)
        if (len(d) >= MIN_NAMED_KEY and d in digits) or (len(s) >= MIN_NAMED_KEY and s in spelled):
            return True
    return False


# a building, unit, floor or room inside the compound, and what follows it: 3号楼2单元501室,
# 5栋, 2单元, 501室 (the house number before it, 49号 or 49号院, stays)
_BUILDING = re.compile(
    r"(?:附?[\d零〇一二两三四五六七八九十百]+\s*(?:号楼|栋|幢|单元|号室|室|层|楼)).*$"
)


# the province and city before an area, 片区 or 区 after it (开封市龙亭区, 龙亭片区)
_AREA_AFFIXES = re.compile(r"^(?:\S*?省)?(?:\S*?市)?\s*|(?:片区|区)\s*$")


def _without_building(query: str) -> str:
    return _BUILDING.sub("", query.strip())


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value)  # NaN is no text


def _zh_number(numeral: str) -> int:
    """一 → 1, 十一 → 11, 二十三 → 23, 一百零五 → 105 (as street and house numbers are written)."""
    total, current = 0, 0
    for ch in numeral:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + DIGITS[ch] if current else DIGITS[ch]
    return total + current


def _zh_numeral(number: int) -> str:
    """3 → 三, 11 → 十一, 23 → 二十三, 105 → 一百零五, 110 → 一百一十 (the inverse of
    :func:`_zh_number`); 1000 and more digit by digit (2026 → 二零二六), as they are read."""
    if number >= 1000:
        return "".join(_NUMERALS[int(d)] for d in str(number))
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    out = f"{_NUMERALS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _NUMERALS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones or not number:
        out += _NUMERALS[ones]
    return out


_HOUSE_PATTERNS = (
    re.compile(r"(\d+)\s*号院?"),  # 南环路49号, 南环路49号院
    re.compile(r"\bno\.?\s*(\d+)", re.IGNORECASE),  # No. 49 Nanhuan Lu
    re.compile(r"^\s*(\d+)\s+(?=\D)"),  # 49 Nanhuan Lu
    # after the street's word: Sihou Jie 440, 寺后街440 (not Wei 3, a street half typed)
    re.compile(
        r"(?:lu|jie|dajie|dadao|dao|xiang|hutong|路|街|道|巷|胡同)\s*(\d+)\s*$", re.IGNORECASE
    ),
)


def _split_house(query: str) -> tuple[int | None, str]:
    text = _ZH_NUMBER.sub(lambda m: str(_zh_number(m.group())), query.strip())
    for pattern in _HOUSE_PATTERNS:
        m = pattern.search(text)
        if m:
            return int(m.group(1)), (text[: m.start()] + " " + text[m.end() :]).strip()
    return None, text


def _house(address: str) -> int | None:
    number, _ = _split_house(address)
    return number


def _strip_house(address: str) -> str:
    return _split_house(address)[1]
