"""Generate a deterministic synthetic water network ("sample city") placed in Kaifeng, China.

The city is a slightly irregular street grid centred near 114.35 E, 34.80 N.  Pipes run under
the streets (offset 3 m from the road centreline), with trunk mains on every ~5th street and on
the ring road, distribution pipes on the other streets, dead-end branches into the blocks, two
water plants and an elevated tank on transmission mains, district metered areas (DMAs) with
normally-closed boundary valves and metered inlets, strategic valves, customers of five
categories, roads and maintenance depots.

Everything is a pure function of ``(pipes, seed)``: the only source of randomness is
:func:`numpy.random.default_rng` seeded with ``seed``.  The construction is vectorised with
numpy and shapely 2 array functions so that a million pipes generate in well under two minutes.

**The data is SYNTHETIC.**  Street names are real-sounding Kaifeng names, in pinyin (``street``,
``name``) and in Chinese (``street_zh``, ``name_zh``: 中山路, 纬三路), as are the estates (小区) and
the DMAs (片区), but the network, customers, facilities and attributes are invented.

Examples
--------
>>> from sample_data.generate import generate_city
>>> layers = generate_city(pipes=800, seed=7)
>>> sorted(layers)  # doctest: +NORMALIZE_WHITESPACE
['about', 'customers', 'depots', 'dmas', 'nodes', 'pipes', 'roads', 'valves']

Command line::

    python -m sample_data.generate [--pipes N] [--seed S] [--out PATH]
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

__all__ = [
    "DEFAULT_OUT",
    "DEFAULT_PIPES",
    "DEFAULT_SEED",
    "LAYER_NAMES",
    "OUTPUT_CRS",
    "WORK_CRS",
    "Layers",
    "generate_city",
    "main",
    "street_zh",
    "write_gpkg",
    "zh_number",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
ObjArray = NDArray[np.object_]
Layers = dict[str, gpd.GeoDataFrame | pd.DataFrame]
"""Layer name to GeoDataFrame (geometry layers) or DataFrame (``about``)."""

# --------------------------------------------------------------------------------------------
# Public constants
# --------------------------------------------------------------------------------------------

DEFAULT_PIPES = 3500
"""Default target number of pipes (the committed sample)."""
DEFAULT_SEED = 2022
"""Default random seed (the committed sample)."""
WORK_CRS = "EPSG:32650"
"""Metric CRS the city is built in (UTM zone 50N)."""
OUTPUT_CRS = "EPSG:4326"
"""CRS of the committed GeoPackage (WGS84 longitude/latitude)."""
DEFAULT_OUT = Path(__file__).resolve().parent / "kaifeng.gpkg"
"""Where the CLI writes by default (``sample_data/kaifeng.gpkg``)."""
LAYER_NAMES = ("nodes", "pipes", "valves", "customers", "dmas", "roads", "depots", "about")
"""GeoPackage layer names, in writing order."""

NOTICE = (
    "SYNTHETIC DATA — not a real network. A fictional water utility placed at Kaifeng, Henan, "
    "China for testing and demonstration; pipes, valves, customers, facilities and all "
    "attributes are invented. Street, estate and area names (pinyin and Chinese) are "
    "real-sounding names used for flavour only."
)

# --------------------------------------------------------------------------------------------
# Construction parameters
# --------------------------------------------------------------------------------------------

CENTRE_LONLAT = (114.35, 34.80)
PIPES_PER_INTERSECTION = 3.94  # calibrated: expected pipes per grid intersection
GRID_ASPECT = 2.0  # columns / rows
BLOCK_MIN_M, BLOCK_MAX_M = 160.0, 240.0
JITTER_M = 10.0
PIPE_OFFSET_M = 3.0  # pipes run this far south / east of the road centreline
VALVE_OFFSET_M = 3.0
DMA_CELLS = 10  # a DMA spans about this many grid lines in each direction
CUSTOMERS_PER_PIPE = 3.45
BRANCH_ROOT_SHARE = 0.25  # share of grid junctions with a dead-end branch
BRANCH_REACH = 0.28  # a branch reaches at most this share of the block depth
DROP_PROB = 0.06
EXERCISE_START = np.datetime64("2019-01-01")
EXERCISE_END = np.datetime64("2026-10-31")

ZONE_RESIDENTIAL, ZONE_COMMERCIAL, ZONE_INDUSTRIAL = 0, 1, 2
CLASS_ARTERIAL, CLASS_STREET, CLASS_LANE = 0, 1, 2
SPEED_KMH = np.array([50.0, 30.0, 15.0])

NODE_KINDS = np.array(["junction", "source", "tank"], dtype=object)
MATERIALS = np.array(["cast iron", "ductile iron", "steel", "PE"], dtype=object)
MAT_CI, MAT_DI, MAT_STEEL, MAT_PE = 0, 1, 2, 3
CATEGORIES = np.array(
    ["residential", "commercial", "industrial", "institution", "critical"], dtype=object
)
CAT_RES, CAT_COM, CAT_IND, CAT_INST, CAT_CRIT = 0, 1, 2, 3, 4
# cumulative category probabilities per zone, in the order critical, institution, commercial,
# industrial (residential takes the rest)
_CATEGORY_P = np.array(
    [
        [0.003, 0.012, 0.08, 0.00],  # residential zone
        [0.004, 0.030, 0.50, 0.00],  # commercial centre
        [0.002, 0.005, 0.10, 0.55],  # industrial area
    ]
)
CRITICAL_KINDS = np.array(
    ["hospital", "school", "kindergarten", "nursing home", "dialysis centre", "fire station"],
    dtype=object,
)
_CRITICAL_P = np.array([0.18, 0.30, 0.20, 0.12, 0.08, 0.12])
_CRITICAL_NAME = (
    ("Kaifeng No. ", " Hospital (synthetic)"),
    ("Kaifeng No. ", " Middle School (synthetic)"),
    ("Kaifeng No. ", " Kindergarten (synthetic)"),
    ("Kaifeng No. ", " Nursing Home (synthetic)"),
    ("Kaifeng Dialysis Centre ", " (synthetic)"),
    ("Kaifeng Fire Station ", " (synthetic)"),
)
_CRITICAL_DEMAND = np.array([250.0, 35.0, 8.0, 20.0, 45.0, 6.0])  # m3/d, median
_INSTITUTIONS = (
    "Kaifeng Municipal Government Office",
    "Henan University Campus",
    "Kaifeng University Campus",
    "District Government Office",
    "Kaifeng Tax Bureau Office",
    "Public Security Bureau Office",
    "Kaifeng Vocational College",
    "Kaifeng Museum",
)

_EW_MAIN = (
    "Ziyou Lu",
    "Xi Dajie",
    "Daliang Lu",
    "Zhengkai Dadao",
    "Dongjing Dadao",
    "Kaiyuan Lu",
    "Xinsong Lu",
    "Huanghe Dajie",
    "Songcheng Lu",
    "Yingbin Lu",
)
_NS_MAIN = (
    "Zhongshan Lu",
    "Jiefang Lu",
    "Jinming Dadao",
    "Xinqu Lu",
    "Gongye Lu",
    "Hubei Lu",
    "Xihe Lu",
    "Bianjing Lu",
    "Longting Lu",
    "Qingming Lu",
)
_EW_OLD = ("Gulou Jie", "Sihou Jie", "Caoshi Jie", "Dong Dajie", "Xiangguosi Jie", "Shuqian Jie")
_NS_OLD = ("Madao Jie", "Shudian Jie", "Beitu Jie", "Xue Jie", "Santi Jie", "Huoshenmiao Jie")
_DISTRICTS = ("Jinming", "Longting", "Gulou", "Shunhe", "Yuwangtai", "Xiangfu")

# Chinese names (name_zh, street_zh, estate_zh: docs/design.md §2) beside the pinyin ones
_STREETS_ZH = {
    "Ziyou Lu": "自由路",
    "Xi Dajie": "西大街",
    "Daliang Lu": "大梁路",
    "Zhengkai Dadao": "郑开大道",
    "Dongjing Dadao": "东京大道",
    "Kaiyuan Lu": "开元路",
    "Xinsong Lu": "新宋路",
    "Huanghe Dajie": "黄河大街",
    "Songcheng Lu": "宋城路",
    "Yingbin Lu": "迎宾路",
    "Zhongshan Lu": "中山路",
    "Jiefang Lu": "解放路",
    "Jinming Dadao": "金明大道",
    "Xinqu Lu": "新区路",
    "Gongye Lu": "工业路",
    "Hubei Lu": "湖北路",
    "Xihe Lu": "西河路",
    "Bianjing Lu": "汴京路",
    "Longting Lu": "龙亭路",
    "Qingming Lu": "清明路",
    "Gulou Jie": "鼓楼街",
    "Sihou Jie": "寺后街",
    "Caoshi Jie": "草市街",
    "Dong Dajie": "东大街",
    "Xiangguosi Jie": "相国寺街",
    "Shuqian Jie": "署前街",
    "Madao Jie": "马道街",
    "Shudian Jie": "书店街",
    "Beitu Jie": "北土街",
    "Xue Jie": "学街",
    "Santi Jie": "三题街",
    "Huoshenmiao Jie": "火神庙街",
    "Nanhuan Lu": "南环路",
    "Beihuan Lu": "北环路",
    "Xihuan Lu": "西环路",
    "Donghuan Lu": "东环路",
    "Xijiao Shuichang Lu": "西郊水厂路",
    "Nanjiao Shuichang Lu": "南郊水厂路",
    "Shuita Lu": "水塔路",
    "Xibei Shuguan Lu": "西北输管路",
}
_NUMBERED_ZH = {"Wei": "纬", "Jing": "经", "Lu": "路", "Dadao": "大道"}
_DISTRICTS_ZH = ("金明", "龙亭", "鼓楼", "顺河", "禹王台", "祥符")
_CRITICAL_NAME_ZH = (
    ("开封市第", "人民医院（虚构）"),
    ("开封市第", "中学（虚构）"),
    ("开封市第", "幼儿园（虚构）"),
    ("开封市第", "养老院（虚构）"),
    ("开封市第", "血液透析中心（虚构）"),
    ("开封市第", "消防站（虚构）"),
)
_INSTITUTIONS_ZH = (
    "开封市人民政府办公楼",
    "河南大学校区",
    "开封大学校区",
    "区人民政府办公楼",
    "开封市税务局办公楼",
    "公安局办公楼",
    "开封职业学院",
    "开封博物馆",
)
# estates (小区): one per block, a name and a kind of estate, then 二期, 三期 … past the pairs
_ESTATE_NAMES = (
    ("Songdu", "宋都"),
    ("Bianhe", "汴河"),
    ("Tieta", "铁塔"),
    ("Fanta", "繁塔"),
    ("Baogong", "包公"),
    ("Longhu", "龙湖"),
    ("Yangguang", "阳光"),
    ("Xingfu", "幸福"),
    ("Heping", "和平"),
    ("Jianshe", "建设"),
    ("Minsheng", "民生"),
    ("Shuguang", "曙光"),
    ("Hongqi", "红旗"),
    ("Dongfang", "东方"),
    ("Jinshui", "金水"),
    ("Wenhua", "文化"),
    ("Yuanlin", "园林"),
    ("Kaixuan", "凯旋"),
    ("Xinghua", "兴华"),
    ("Fuxing", "复兴"),
    ("Hexie", "和谐"),
    ("Jinqiao", "金桥"),
    ("Taiping", "太平"),
    ("Changqing", "长青"),
)
_ESTATE_KINDS = (
    ("Xiaoqu", "小区"),
    ("Jiayuan", "家园"),
    ("Huayuan", "花园"),
    ("Mingyuan", "名苑"),
    ("Xincun", "新村"),
    ("Gongyu", "公寓"),
    ("Lijing", "丽景"),
    ("Yayuan", "雅苑"),
)
_ESTATE_STRIDE = 97  # coprime with 24 x 8: neighbouring blocks get unrelated names
_ZH_DIGITS = "零一二三四五六七八九"


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _ids(prefix: str, n: int, width: int = 6) -> ObjArray:
    """Return ``n`` zero-padded ids ``prefix000001 ...`` as an object array of ``str``."""
    w = max(width, len(str(n)))
    nums = np.strings.zfill(np.arange(1, n + 1).astype(np.str_), w)
    return np.asarray(np.strings.add(prefix, nums).astype(object))


def _num_str(values: IntArray) -> NDArray[np.str_]:
    """Return integers as a numpy unicode array."""
    return np.asarray(values).astype(np.str_)


def _group_rank(keys: IntArray, order_key: FloatArray) -> tuple[IntArray, IntArray]:
    """Rank elements within groups.

    Parameters
    ----------
    keys : ndarray of int
        Group of every element.
    order_key : ndarray of float
        Sort key within a group.

    Returns
    -------
    order : ndarray of int
        Permutation sorting the elements by ``(keys, order_key)``.
    rank : ndarray of int
        Rank (0-based) of every element inside its group, in original element order.
    """
    order = np.lexsort((order_key, keys))
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    counts = np.diff(np.r_[starts, len(keys)])
    rank_sorted = np.arange(len(keys)) - np.repeat(starts, counts)
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = rank_sorted
    return order.astype(np.int64), rank


def _counter_within(keys: IntArray) -> IntArray:
    """Return a 1-based running number of each element among the elements with its key."""
    _, rank = _group_rank(keys, np.arange(len(keys), dtype=np.float64))
    return rank + 1


def _pick_main_lines(n: int, rng: np.random.Generator) -> BoolArray:
    """Mark the outer (ring) lines and about every 5th interior line as main streets."""
    main = np.zeros(n, dtype=bool)
    main[0] = main[-1] = True
    i = int(rng.integers(2, 5))
    while i < n - 2:
        main[i] = True
        i += int(rng.integers(4, 7))
    return main


def _pick_oneway(main: BoolArray, rng: np.random.Generator) -> BoolArray:
    """Make about 6 % (at least one) of the interior minor streets one-way."""
    candidates = np.flatnonzero(~main)
    oneway = np.zeros(len(main), dtype=bool)
    if len(candidates):
        k = max(1, round(0.06 * len(candidates)))
        oneway[rng.choice(candidates, size=k, replace=False)] = True
    return oneway


def zh_number(n: int) -> str:
    """A whole number from 0 to 9999 in Chinese numerals as names write it (十一, 一百零五)."""
    if not 0 <= n < 10000:
        raise ValueError(f"{n} is out of range 0-9999")
    if n < 10:
        return _ZH_DIGITS[n]
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += ("" if (unit == "十" and n < 20) else _ZH_DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


def street_zh(name: str) -> str:
    """The Chinese name of a street of the sample city (``Wei 3 Lu`` → 纬三路)."""
    if name in _STREETS_ZH:
        return _STREETS_ZH[name]
    words = name.split()
    if len(words) == 3 and words[1].isdigit() and words[0] in _NUMBERED_ZH:
        return _NUMBERED_ZH[words[0]] + zh_number(int(words[1])) + _NUMBERED_ZH[words[2]]
    raise ValueError(f"no Chinese name for the street {name!r}")


def _zh_of(names: ObjArray, translate: Any) -> ObjArray:
    """Translate an array of names one distinct name at a time (a few hundred, not per pipe)."""
    unique, inverse = np.unique(names.astype(str), return_inverse=True)
    return np.array([translate(str(u)) for u in unique], dtype=object)[inverse]


def _estates(block: IntArray) -> tuple[ObjArray, ObjArray]:
    """The estate (小区) of each block: pinyin and Chinese, unique per block."""
    pairs = len(_ESTATE_NAMES) * len(_ESTATE_KINDS)
    unique, inverse = np.unique(block, return_inverse=True)
    en, zh = [], []
    for b in unique.tolist():
        k = b * _ESTATE_STRIDE % pairs
        name, kind = _ESTATE_NAMES[k % len(_ESTATE_NAMES)], _ESTATE_KINDS[k // len(_ESTATE_NAMES)]
        phase = b // pairs + 1
        en.append(f"{name[0]} {kind[0]}" + (f" {phase} Qi" if phase > 1 else ""))
        zh.append(name[1] + kind[1] + (f"{zh_number(phase)}期" if phase > 1 else ""))
    return np.array(en, dtype=object)[inverse], np.array(zh, dtype=object)[inverse]


def _line_names(
    main: BoolArray,
    old_town: BoolArray,
    main_pool: Sequence[str],
    old_pool: Sequence[str],
    ring: tuple[str, str],
    numbered: str,
    rng: np.random.Generator,
) -> ObjArray:
    """Name the grid lines of one direction (one loop iteration per street, not per pipe)."""
    n = len(main)
    names = np.empty(n, dtype=object)
    pool = [main_pool[i] for i in rng.permutation(len(main_pool))]
    old = list(old_pool)
    k_main = k_street = 0
    for i in range(n):
        if i == 0 or i == n - 1:
            names[i] = ring[0] if i == 0 else ring[1]
        elif main[i]:
            k_main += 1
            names[i] = pool.pop(0) if pool else f"{numbered} {k_main} Dadao"
        elif old_town[i] and old:
            names[i] = old.pop(0)
        else:
            k_street += 1
            names[i] = f"{numbered} {k_street} Lu"
    return names


# The hydraulic data of the sources and the tank (issue 17, docs/hydraulics.md): the plants'
# outlet pressures above their ground (PLANT-1 0.45 MPa, PLANT-2 0.41 MPa, what keeps the peak
# hour's far ends above 20 m with the default roughness table) and the water tower's levels
# above its bottom (32 m above ground) and its diameter. Fixed values, no random draw: the
# other columns and the generator's random stream are unchanged.
_SOURCE_PRESSURE_M = {"PLANT-1": 46.0, "PLANT-2": 42.0}
_TANK = {"level_m": 5.0, "min_level_m": 0.5, "max_level_m": 8.0, "tank_diameter_m": 45.0}


def _hydraulic_node_columns(node_ids: ObjArray, elevation: FloatArray) -> dict[str, FloatArray]:
    """head_m for the plants, the levels and diameter for the tank; NaN elsewhere."""
    ids = node_ids.tolist()
    out = {name: np.full(len(ids), np.nan) for name in ("head_m", *_TANK)}
    for plant, pressure in _SOURCE_PRESSURE_M.items():
        i = ids.index(plant)
        out["head_m"][i] = round(float(elevation[i]) + pressure, 2)
    tank = ids.index("TANK-1")
    for name, value in _TANK.items():
        out[name][tank] = value
    return out


def _elevation(x: FloatArray, y: FloatArray, phase: FloatArray) -> FloatArray:
    """Smooth, flat terrain (Kaifeng lies on the Yellow River plain, ~70-80 m a.s.l.)."""
    xk, yk = x / 1000.0, y / 1000.0
    z = (
        74.0
        - 0.12 * xk
        + 0.10 * yk
        + 1.1 * np.sin(2 * np.pi * xk / 3.7 + phase[0]) * np.cos(2 * np.pi * yk / 2.9 + phase[1])
        + 0.5 * np.sin(2 * np.pi * (xk + yk) / 1.3 + phase[2])
    )
    return np.asarray(z, dtype=np.float64)


def _zone(x: FloatArray, y: FloatArray, half_w: float, half_h: float) -> IntArray:
    """Land use from coordinates relative to the centre: commercial core, industrial east."""
    zone = np.full(len(x), ZONE_RESIDENTIAL, dtype=np.int64)
    zone[(np.abs(x) < 0.22 * half_w) & (np.abs(y) < 0.30 * half_h)] = ZONE_COMMERCIAL
    zone[(x > 0.55 * half_w) & (y < 0.25 * half_h)] = ZONE_INDUSTRIAL
    return zone


def _material(dn: IntArray, year: IntArray, transmission: BoolArray, u: FloatArray) -> IntArray:
    """Pipe material code from diameter, installation year and a uniform draw ``u``."""
    mat = np.full(len(dn), MAT_DI, dtype=np.int64)
    large = dn >= 300
    mid = (dn >= 100) & (dn < 300)
    small = dn < 100
    mat[large & (year < 1985)] = np.where(u[large & (year < 1985)] < 0.5, MAT_CI, MAT_STEEL)
    mat[large & (year >= 1985)] = np.where(u[large & (year >= 1985)] < 0.85, MAT_DI, MAT_STEEL)
    m = mid & (year < 1990)
    mat[m] = np.where(u[m] < 0.9, MAT_CI, MAT_STEEL)
    m = mid & (year >= 1990)
    mat[m] = np.where(u[m] < 0.7, MAT_DI, MAT_PE)
    m = small & (year < 1995)
    mat[m] = np.where(u[m] < 0.6, MAT_STEEL, MAT_CI)
    mat[small & (year >= 1995)] = MAT_PE
    mat[transmission] = MAT_STEEL
    return mat


# --------------------------------------------------------------------------------------------
# Construction stages
# --------------------------------------------------------------------------------------------


@dataclass
class _Grid:
    """The street grid: intersections, lines and DMA / zone assignment."""

    nx: int
    ny: int
    cx: float  # UTM coordinates of the centre
    cy: float
    xs: FloatArray  # nominal column positions (relative to the centre)
    ys: FloatArray  # nominal row positions (relative to the centre)
    rx: FloatArray  # intersection coordinates, relative, flattened r * nx + c
    ry: FloatArray
    main_row: BoolArray
    main_col: BoolArray
    row_names: ObjArray
    col_names: ObjArray
    oneway_row: BoolArray
    oneway_col: BoolArray
    kx: int
    ky: int
    node_dma: IntArray  # DMA index of every intersection
    dma_cols: IntArray  # first grid column of every DMA column (length kx + 1)
    dma_rows: IntArray  # first grid row of every DMA row (length ky + 1)


def _build_grid(pipes: int, rng: np.random.Generator) -> _Grid:
    """Lay out the intersections, main streets, names, one-way streets and DMAs."""
    n_int = max(pipes, 60) / PIPES_PER_INTERSECTION
    ny = max(4, round(math.sqrt(n_int / GRID_ASPECT)))
    nx = max(4, round(n_int / ny))
    xs = np.r_[0.0, np.cumsum(rng.uniform(BLOCK_MIN_M, BLOCK_MAX_M, nx - 1))]
    ys = np.r_[0.0, np.cumsum(rng.uniform(BLOCK_MIN_M, BLOCK_MAX_M, ny - 1))]
    xs -= xs[-1] / 2.0
    ys -= ys[-1] / 2.0
    jx = rng.uniform(-JITTER_M, JITTER_M, (ny, nx))
    jy = rng.uniform(-JITTER_M, JITTER_M, (ny, nx))
    rx = (xs[None, :] + jx).ravel()
    ry = (ys[:, None] + jy).ravel()

    main_row = _pick_main_lines(ny, rng)
    main_col = _pick_main_lines(nx, rng)
    half_w, half_h = float(xs[-1]), float(ys[-1])
    old_row = np.abs(ys) < 0.30 * half_h
    old_col = np.abs(xs) < 0.22 * half_w
    row_names = _line_names(
        main_row, old_row, _EW_MAIN, _EW_OLD, ("Nanhuan Lu", "Beihuan Lu"), "Wei", rng
    )
    col_names = _line_names(
        main_col, old_col, _NS_MAIN, _NS_OLD, ("Xihuan Lu", "Donghuan Lu"), "Jing", rng
    )
    oneway_row = _pick_oneway(main_row, rng)
    oneway_col = _pick_oneway(main_col, rng)

    kx = max(1, round(nx / DMA_CELLS))
    ky = max(1, round(ny / DMA_CELLS))
    col_dma = np.arange(nx) * kx // nx
    row_dma = np.arange(ny) * ky // ny
    # DMA-01 is the north-west one, numbering row by row towards the south-east
    node_dma = ((ky - 1 - row_dma)[:, None] * kx + col_dma[None, :]).ravel().astype(np.int64)
    dma_cols = np.r_[np.searchsorted(col_dma, np.arange(kx)), nx].astype(np.int64)
    dma_rows = np.r_[np.searchsorted(row_dma, np.arange(ky)), ny].astype(np.int64)

    transformer = Transformer.from_crs(OUTPUT_CRS, WORK_CRS, always_xy=True)
    cx, cy = transformer.transform(*CENTRE_LONLAT)
    return _Grid(
        nx=nx,
        ny=ny,
        cx=round(float(cx), 2),
        cy=round(float(cy), 2),
        xs=xs,
        ys=ys,
        rx=rx,
        ry=ry,
        main_row=main_row,
        main_col=main_col,
        row_names=row_names,
        col_names=col_names,
        oneway_row=oneway_row,
        oneway_col=oneway_col,
        kx=kx,
        ky=ky,
        node_dma=node_dma,
        dma_cols=dma_cols,
        dma_rows=dma_rows,
    )


@dataclass
class _Edges:
    """Street segments between adjacent intersections that exist (after dropping a few)."""

    u: IntArray
    v: IntArray
    orient: IntArray  # 0 = east-west (u west of v), 1 = north-south (u south of v)
    line: IntArray  # row (east-west) or column (north-south) index
    main: BoolArray
    outer: BoolArray
    boundary: BoolArray  # crosses a DMA boundary
    oneway: BoolArray
    road_class: IntArray
    zone: IntArray
    name: ObjArray
    dn: IntArray
    year: IntArray


def _build_edges(g: _Grid, rng: np.random.Generator) -> _Edges:
    """Create the street segments with their classes, diameters and ages."""
    nx, ny = g.nx, g.ny
    r_h, c_h = np.divmod(np.arange(ny * (nx - 1), dtype=np.int64), nx - 1)
    r_v, c_v = np.divmod(np.arange((ny - 1) * nx, dtype=np.int64), nx)
    u = np.r_[r_h * nx + c_h, r_v * nx + c_v]
    v = np.r_[r_h * nx + c_h + 1, r_v * nx + c_v + nx]
    orient = np.r_[np.zeros(len(r_h), np.int64), np.ones(len(r_v), np.int64)]
    line = np.r_[r_h, c_v]
    ew = orient == 0
    main = np.where(ew, g.main_row[np.where(ew, line, 0)], g.main_col[np.where(ew, 0, line)])
    outer = np.where(ew, (line == 0) | (line == ny - 1), (line == 0) | (line == nx - 1))
    boundary = g.node_dma[u] != g.node_dma[v]
    oneway = np.where(ew, g.oneway_row[np.where(ew, line, 0)], g.oneway_col[np.where(ew, 0, line)])

    # Drop a few street segments (parks, railway, rivers).  Only east-west segments on even
    # rows and north-south segments on even columns may go, and no two dropped segments share
    # an intersection: the odd rows and columns then stay intact and every DMA stays connected.
    cand = (~main & ~outer & ~boundary & ~oneway & (line % 2 == 0)) & (
        rng.random(len(u)) < DROP_PROB
    )
    per_node = np.bincount(u[cand], minlength=nx * ny) + np.bincount(v[cand], minlength=nx * ny)
    drop = cand & (per_node[u] == 1) & (per_node[v] == 1)
    keep = ~drop

    half_w, half_h = float(g.xs[-1]), float(g.ys[-1])
    mx = (g.rx[u] + g.rx[v]) / 2.0
    my = (g.ry[u] + g.ry[v]) / 2.0
    zone = _zone(mx, my, half_w, half_h)
    lane = (zone == ZONE_COMMERCIAL) & ~main & ~oneway & ~outer & (rng.random(len(u)) < 0.35)
    road_class = np.where(main, CLASS_ARTERIAL, np.where(lane, CLASS_LANE, CLASS_STREET))
    name = np.where(ew, g.row_names[np.where(ew, line, 0)], g.col_names[np.where(ew, 0, line)])

    # diameters: one size per main street, a size per distribution segment, DN100 in lanes
    main_dn = np.array([300, 400, 500, 600], dtype=np.int64)
    row_dn = main_dn[rng.choice(4, size=ny, p=[0.3, 0.3, 0.25, 0.15])]
    col_dn = main_dn[rng.choice(4, size=nx, p=[0.3, 0.3, 0.25, 0.15])]
    dist_dn = np.array([100, 150, 200, 250], dtype=np.int64)[
        rng.choice(4, size=len(u), p=[0.25, 0.4, 0.25, 0.1])
    ]
    dn = np.where(
        main,
        np.where(ew, row_dn[np.where(ew, line, 0)], col_dn[np.where(ew, 0, line)]),
        np.where(lane, 100, dist_dn),
    )
    # older pipes in the centre, newer towards the edge; the industrial area from the 1970s on
    dist = np.sqrt((mx / half_w) ** 2 + (my / half_h) ** 2) / math.sqrt(2.0)
    year = 1962.0 + 50.0 * dist + rng.normal(0.0, 7.0, len(u))
    year = np.where(zone == ZONE_INDUSTRIAL, 1972.0 + rng.uniform(0.0, 30.0, len(u)), year)
    year_i = np.clip(np.round(year), 1958, 2024).astype(np.int64)

    return _Edges(
        u=u[keep],
        v=v[keep],
        orient=orient[keep],
        line=line[keep],
        main=main[keep],
        outer=outer[keep],
        boundary=boundary[keep],
        oneway=oneway[keep],
        road_class=road_class[keep].astype(np.int64),
        zone=zone[keep],
        name=name[keep],
        dn=dn[keep].astype(np.int64),
        year=year_i[keep],
    )


@dataclass
class _Net:
    """Nodes and pipes of the water network (coordinates relative to the centre)."""

    nx_: FloatArray  # node coordinates
    ny_: FloatArray
    nkind: IntArray  # 0 junction, 1 source, 2 tank
    nname: ObjArray
    elev_extra: FloatArray  # added to the ground elevation (tank height)
    pfrom: IntArray
    pto: IntArray
    pedge: IntArray  # street edge of the pipe (branch pipes: the parent edge), -1 for trunks
    pbranch: BoolArray
    ptrunk: BoolArray
    pdn: IntArray
    pyear: IntArray
    pstreet: ObjArray
    attach: list[int]  # intersection each trunk main (plant 1, plant 2, tank) connects to
    trunk_last: list[int]  # pipe of each trunk main that enters the grid
    trunk_roads: list[tuple[FloatArray, str]]  # road polyline (relative coordinates) and name


def _build_network(g: _Grid, e: _Edges, rng: np.random.Generator) -> _Net:
    """Split streets into pipes, add dead-end branches and the trunk mains."""
    n_int = g.nx * g.ny
    px = g.rx + PIPE_OFFSET_M
    py = g.ry - PIPE_OFFSET_M
    n_edges = len(e.u)

    # -- split street segments into 1-3 pipes (never the DMA boundary segments)
    k = rng.choice(np.array([1, 2, 3], dtype=np.int64), size=n_edges, p=[0.5, 0.4, 0.1])
    k = np.where(e.boundary, 1, k).astype(np.int64)
    t2 = rng.uniform(0.3, 0.7, n_edges)
    t3 = np.stack([rng.uniform(0.3, 0.45, n_edges), rng.uniform(0.55, 0.7, n_edges)], axis=1)
    n_mid = k - 1
    mid_edge = np.repeat(np.arange(n_edges), n_mid)
    mid_start = np.r_[0, np.cumsum(n_mid)[:-1]].astype(np.int64)
    mid_j = np.arange(len(mid_edge)) - mid_start[mid_edge]
    t_mid = np.where(k[mid_edge] == 2, t2[mid_edge], t3[mid_edge, np.minimum(mid_j, 1)])
    ux, uy, vx, vy = px[e.u], py[e.u], px[e.v], py[e.v]
    mid_x = ux[mid_edge] + t_mid * (vx - ux)[mid_edge]
    mid_y = uy[mid_edge] + t_mid * (vy - uy)[mid_edge]
    n_mid_total = len(mid_edge)
    mid_node0 = n_int + mid_start  # node index of the first mid-block junction of every edge

    pipe_edge = np.repeat(np.arange(n_edges), k)
    pipe_j = np.arange(len(pipe_edge)) - np.repeat(np.r_[0, np.cumsum(k)[:-1]], k)
    kk = k[pipe_edge]
    s_from = np.where(pipe_j == 0, e.u[pipe_edge], mid_node0[pipe_edge] + pipe_j - 1)
    s_to = np.where(pipe_j == kk - 1, e.v[pipe_edge], mid_node0[pipe_edge] + pipe_j)

    # -- dead-end branches into the blocks from mid-block junctions on distribution streets
    n_junctions = n_int + n_mid_total
    eligible = ~e.main[mid_edge]
    p_root = min(1.0, BRANCH_ROOT_SHARE * n_junctions / max(1, int(eligible.sum())))
    is_root = eligible & (rng.random(n_mid_total) < p_root)
    root = np.flatnonzero(is_root)
    r_edge = mid_edge[root]
    r_orient = e.orient[r_edge]
    r_line = e.line[r_edge]
    side = np.where(rng.random(len(root)) < 0.5, 1, -1)
    n_lines = np.where(r_orient == 0, g.ny, g.nx)
    side = np.where(r_line == 0, 1, np.where(r_line == n_lines - 1, -1, side))
    gap = np.empty(len(root))
    r_ew = r_orient == 0
    li, si = r_line[r_ew], side[r_ew]
    gap[r_ew] = np.abs(g.ys[li + si] - g.ys[li])
    li, si = r_line[~r_ew], side[~r_ew]
    gap[~r_ew] = np.abs(g.xs[li + si] - g.xs[li])
    kb = rng.choice(np.array([1, 2, 3], dtype=np.int64), size=len(root), p=[0.4, 0.35, 0.25])
    b_root = np.repeat(np.arange(len(root)), kb)
    b_start = np.r_[0, np.cumsum(kb)[:-1]].astype(np.int64)
    b_j = np.arange(len(b_root)) - b_start[b_root]
    seg = rng.uniform(0.55, 1.0, len(b_root)) * (BRANCH_REACH * gap / kb)[b_root]
    reach = np.cumsum(seg) - np.repeat(np.cumsum(seg)[b_start] - seg[b_start], kb)
    lateral = rng.uniform(-3.0, 3.0, len(b_root))
    root_x = mid_x[root][b_root]
    root_y = mid_y[root][b_root]
    bs = side[b_root]
    b_ew = r_orient[b_root] == 0
    b_x = root_x + np.where(b_ew, lateral, bs * reach)
    b_y = root_y + np.where(b_ew, bs * reach, lateral)
    b_node = n_int + n_mid_total + np.arange(len(b_root))
    b_from = np.where(b_j == 0, n_int + root[b_root], b_node - 1)
    b_to = b_node
    branch_dn = np.array([50, 75, 100], dtype=np.int64)[
        rng.choice(3, size=len(root), p=[0.3, 0.3, 0.4])
    ]
    branch_year = np.minimum(e.year[r_edge] + rng.integers(0, 21, len(root)), 2025).astype(np.int64)

    # -- trunk mains: plant 1 (west), plant 2 (south) and the elevated tank (north)
    node_x = [px, mid_x, b_x]
    node_y = [py, mid_y, b_y]
    next_node = n_int + n_mid_total + len(b_root)
    t_from: list[int] = []
    t_to: list[int] = []
    t_dn: list[int] = []
    t_year: list[int] = []
    t_street: list[str] = []
    trunk_last: list[int] = []
    attach: list[int] = []
    trunk_roads: list[tuple[FloatArray, str]] = []
    special_x: list[float] = []
    special_y: list[float] = []
    n_street_pipes = len(pipe_edge) + len(b_root)
    mid_row = int(np.argmin(np.where(g.main_row, np.abs(np.arange(g.ny) - g.ny / 2), 1e9)))
    col_s = int(np.argmin(np.where(g.main_col, np.abs(np.arange(g.nx) - 0.7 * g.nx), 1e9)))
    col_n = int(np.argmin(np.where(g.main_col, np.abs(np.arange(g.nx) - 0.3 * g.nx), 1e9)))
    specs = (
        (mid_row * g.nx, (-1.0, 0.0), 900.0, 3, [800, 900, 1000], "Xijiao Shuichang Lu"),
        (col_s, (0.0, -1.0), 1200.0, 4, [800, 1000], "Nanjiao Shuichang Lu"),
        ((g.ny - 1) * g.nx + col_n, (0.0, 1.0), 350.0, 2, [500, 600], "Shuita Lu"),
    )
    trunk_junctions: list[tuple[float, float]] = []
    for node, (dx, dy), length, n_seg, dns, street in specs:
        ax, ay = float(g.rx[node]), float(g.ry[node])
        steps = np.linspace(length, 0.0, n_seg + 1)
        road = np.stack([ax + dx * steps[::-1], ay + dy * steps[::-1]], axis=1)
        trunk_roads.append((road, street))
        dn = int(rng.choice(np.array(dns)))
        year = int(rng.integers(1985, 2011))
        chain: list[int] = []
        for i, s in enumerate(steps):
            xx, yy = ax + dx * s + PIPE_OFFSET_M, ay + dy * s - PIPE_OFFSET_M
            if i == 0:
                special_x.append(xx)
                special_y.append(yy)
                chain.append(-len(special_x))  # placeholder, fixed below
            elif i == n_seg:
                chain.append(node)
            else:
                trunk_junctions.append((xx, yy))
                chain.append(next_node)
                next_node += 1
        for a, b in itertools.pairwise(chain):
            t_from.append(a)
            t_to.append(b)
            t_dn.append(dn)
            t_year.append(year)
            t_street.append(street)
        trunk_last.append(n_street_pipes + len(t_from) - 1)
        attach.append(node)
    n_special_start = next_node
    # placeholders -1, -2, -3 refer to the plants and the tank appended after all junctions
    t_from_arr = np.array(t_from, dtype=np.int64)
    t_from_arr = np.where(t_from_arr < 0, n_special_start + (-t_from_arr - 1), t_from_arr)
    node_x += [np.array([p[0] for p in trunk_junctions]), np.array(special_x)]
    node_y += [np.array([p[1] for p in trunk_junctions]), np.array(special_y)]
    n_nodes = next_node + 3
    nkind = np.zeros(n_nodes, dtype=np.int64)
    nkind[n_special_start : n_special_start + 2] = 1
    nkind[n_special_start + 2] = 2
    nname = np.full(n_nodes, None, dtype=object)
    nname[n_special_start : n_special_start + 3] = [
        "Plant 1 (synthetic)",
        "Plant 2 (synthetic)",
        "Elevated tank 1 (synthetic)",
    ]
    elev_extra = np.zeros(n_nodes)
    elev_extra[n_special_start + 2] = 32.0

    n_trunk = len(t_from)
    return _Net(
        nx_=np.concatenate(node_x),
        ny_=np.concatenate(node_y),
        nkind=nkind,
        nname=nname,
        elev_extra=elev_extra,
        pfrom=np.r_[s_from, b_from, t_from_arr].astype(np.int64),
        pto=np.r_[s_to, b_to, np.array(t_to, dtype=np.int64)].astype(np.int64),
        pedge=np.r_[pipe_edge, r_edge[b_root], np.full(n_trunk, -1)].astype(np.int64),
        pbranch=np.r_[
            np.zeros(len(pipe_edge), bool), np.ones(len(b_root), bool), np.zeros(n_trunk, bool)
        ],
        ptrunk=np.r_[np.zeros(n_street_pipes, bool), np.ones(n_trunk, bool)],
        pdn=np.r_[e.dn[pipe_edge], branch_dn[b_root], np.array(t_dn, dtype=np.int64)],
        pyear=np.r_[e.year[pipe_edge], branch_year[b_root], np.array(t_year, dtype=np.int64)],
        pstreet=np.r_[e.name[pipe_edge], e.name[r_edge[b_root]], np.array(t_street, object)],
        attach=attach,
        trunk_last=trunk_last,
        trunk_roads=trunk_roads,
    )


@dataclass
class _Dmas:
    """DMA assignment of the pipes and the chosen inlets."""

    pipe_dma: IntArray  # -1 for trunk mains
    closed_pipe: BoolArray  # boundary pipes that are closed
    boundary_pipe: BoolArray
    inlets: list[list[int]]  # inlet pipes of every DMA (in meter order)


def _assign_dmas(g: _Grid, e: _Edges, net: _Net, rng: np.random.Generator) -> _Dmas:
    """Give every pipe its DMA and pick 1-2 open, metered inlets per DMA.

    DMAs next to the plants and the tank are fed by the trunk mains; every other DMA is fed
    through a boundary pipe from the DMA it was reached from in a breadth-first search, so the
    network stays connected with all other boundary pipes closed.
    """
    n_dma = g.kx * g.ky
    street = net.pedge >= 0
    edge = np.where(street, net.pedge, 0)
    pipe_dma = np.where(street, g.node_dma[e.u[edge]], -1).astype(np.int64)
    boundary_pipe = street & ~net.pbranch & e.boundary[edge]
    bp = np.flatnonzero(boundary_pipe)
    da = g.node_dma[e.u[net.pedge[bp]]]
    db = g.node_dma[e.v[net.pedge[bp]]]
    # inlets preferably on a main street
    score = rng.random(len(bp)) + np.where(e.main[net.pedge[bp]], 0.0, 1.0)
    side_dma = np.r_[da, db]
    side_nbr = np.r_[db, da]
    side_pipe = np.r_[bp, bp]
    side_score = np.r_[score, score]
    order = np.lexsort((side_score, side_dma))
    side_dma, side_nbr, side_pipe = side_dma[order], side_nbr[order], side_pipe[order]
    starts = np.searchsorted(side_dma, np.arange(n_dma + 1))

    neighbours: list[list[int]] = [
        sorted(set(side_nbr[starts[d] : starts[d + 1]].tolist())) for d in range(n_dma)
    ]
    inlets: list[list[int]] = [[] for _ in range(n_dma)]
    parent = np.full(n_dma, -2, dtype=np.int64)
    queue: deque[int] = deque()
    for node, pipe in zip(net.attach, net.trunk_last, strict=True):
        d = int(g.node_dma[node])
        inlets[d].append(pipe)
        if parent[d] == -2:
            parent[d] = -1
            queue.append(d)
    bfs_order: list[int] = []
    while queue:
        d = queue.popleft()
        bfs_order.append(d)
        for nb in neighbours[d]:
            if parent[nb] == -2:
                parent[nb] = d
                queue.append(nb)
    open_pipes: set[int] = set()

    def best(d: int, exclude_nbr: int, want_nbr: int) -> int:
        for i in range(starts[d], starts[d + 1]):
            pipe, nbr = int(side_pipe[i]), int(side_nbr[i])
            if pipe in open_pipes or nbr == exclude_nbr:
                continue
            if want_nbr >= 0 and nbr != want_nbr:
                continue
            return pipe
        return -1

    for d in bfs_order:
        if parent[d] >= 0:
            pipe = best(d, -1, int(parent[d]))
            inlets[d].append(pipe)
            open_pipes.add(pipe)
    second = rng.random(n_dma) < 0.45
    for d in bfs_order:
        if second[d] and len(inlets[d]) == 1:
            pipe = best(d, int(parent[d]), -1)
            if pipe >= 0:
                inlets[d].append(pipe)
                open_pipes.add(pipe)
    for d in range(n_dma):
        for pipe in inlets[d]:
            if not net.ptrunk[pipe]:
                pipe_dma[pipe] = d  # an inlet belongs to the DMA it feeds
    closed = boundary_pipe.copy()
    if open_pipes:
        closed[np.fromiter(open_pipes, dtype=np.int64)] = False
    assert np.all(parent != -2), "every DMA must be reachable"
    return _Dmas(pipe_dma=pipe_dma, closed_pipe=closed, boundary_pipe=boundary_pipe, inlets=inlets)


@dataclass
class _Valves:
    pipe: IntArray
    node: IntArray
    at_end: IntArray  # 0 = at from_node, 1 = at to_node
    closed: BoolArray


def _place_valves(net: _Net, dmas: _Dmas, rng: np.random.Generator) -> _Valves:
    """Strategic valves: N-1 at most junctions, gaps at ~10 %, one valve per boundary pipe."""
    n_nodes = len(net.nx_)
    n_pipes = len(net.pfrom)
    inc_pipe = np.r_[np.arange(n_pipes), np.arange(n_pipes)]
    inc_node = np.r_[net.pfrom, net.pto]
    inc_end = np.r_[np.zeros(n_pipes, np.int64), np.ones(n_pipes, np.int64)]
    degree = np.bincount(inc_node, minlength=n_nodes)
    u = rng.random(n_nodes)
    skip = np.where(u < 0.05, degree, np.where(u < 0.10, 2, 1))  # none / N-2 / N-1
    skip = np.where(net.nkind > 0, 0, skip)  # plant outlet and tank valves
    skip = np.where((net.nkind == 0) & (degree <= 1), degree, skip)  # no valve at a dead end
    # boundary pipes and trunk mains are the last to be left without a valve
    keep_last = dmas.boundary_pipe | net.ptrunk
    key = rng.random(len(inc_node)) + np.where(keep_last[inc_pipe], 10.0, 0.0)
    _, rank = _group_rank(inc_node, key)
    has = rank >= skip[inc_node]
    # every boundary pipe needs a valve (closed or, on an inlet, open)
    per_pipe = np.bincount(inc_pipe[has], minlength=n_pipes)
    force = dmas.boundary_pipe & (per_pipe == 0)
    has |= force[inc_pipe] & (inc_end == 0)
    v_pipe, v_node, v_end = inc_pipe[has], inc_node[has], inc_end[has]
    order = np.lexsort((v_end, v_pipe))
    v_pipe, v_node, v_end = v_pipe[order], v_node[order], v_end[order]
    # a closed boundary pipe is closed at its first valve
    first = np.r_[True, v_pipe[1:] != v_pipe[:-1]]
    closed = dmas.closed_pipe[v_pipe] & first
    return _Valves(pipe=v_pipe, node=v_node, at_end=v_end, closed=closed)


# The water tower's fill main (issue 17): with every normally-closed boundary valve shut, the
# tower fed only through its own DMA emptied by 11:00 (its DMA and the ones behind it drew on
# it, the plants reached it through three DMAs). A transmission main from PLANT-1 round the
# west and north of the city fills it, as a tower on its own main is filled; it has no
# customers and no DMA. Appended after every other item with its own random stream, so every
# other id, attribute and coordinate is unchanged.
TOWER_MAIN_STREET = "Xibei Shuguan Lu"
TOWER_MAIN_DN = 600
TOWER_MAIN_SEGMENT_M = 1000.0  # a line valve about every kilometre
TOWER_MAIN_STREAM = 1  # np.random.default_rng([seed, 1])


@dataclass
class _TowerMain:
    """The fill main of the water tower: new junctions, pipes, valves and its service road
    (coordinates relative to the centre; node indices into the network's nodes then these)."""

    nx_: FloatArray
    ny_: FloatArray
    pfrom: IntArray
    pto: IntArray
    vpipe: IntArray  # index among the new pipes
    vnode: IntArray
    vend: IntArray  # 0 = at from_node, 1 = at to_node
    road: FloatArray


def _tower_main(net: _Net) -> _TowerMain:
    """PLANT-1 north to the tower's latitude, then east to the tower, in ~1 km pipes with a
    valve at the plant, at every joint and at the tower; its road runs 3 m north-west of it,
    from the plant's access road to the tower's."""
    plant = int(np.flatnonzero(net.nkind == 1)[0])
    tank = int(np.flatnonzero(net.nkind == 2)[0])
    xp, yp = float(net.nx_[plant]), float(net.ny_[plant])
    xt, yt = float(net.nx_[tank]), float(net.ny_[tank])
    points: list[tuple[float, float]] = [(xp, yp)]
    for (xa, ya), (xb, yb) in (((xp, yp), (xp, yt)), ((xp, yt), (xt, yt))):
        n = max(1, math.ceil(math.hypot(xb - xa, yb - ya) / TOWER_MAIN_SEGMENT_M))
        points += [(xa + (xb - xa) * k / n, ya + (yb - ya) * k / n) for k in range(1, n + 1)]
    inner = np.array(points[1:-1])
    first = len(net.nx_)
    chain = np.r_[plant, first + np.arange(len(inner)), tank].astype(np.int64)
    n_pipes = len(chain) - 1
    # a valve on the first pipe at the plant, at each joint on the pipe towards the tower, and
    # on the last pipe at the tower
    vpipe = np.r_[np.arange(n_pipes), n_pipes - 1].astype(np.int64)
    vnode = np.r_[chain[:-1], tank].astype(np.int64)
    vend = np.r_[np.zeros(n_pipes, np.int64), 1].astype(np.int64)
    plant_road = net.trunk_roads[0][0][-1]
    tank_road = net.trunk_roads[2][0][-1]
    road = np.array([plant_road, (plant_road[0], tank_road[1]), tank_road], dtype=np.float64)
    return _TowerMain(
        nx_=inner[:, 0].copy(),
        ny_=inner[:, 1].copy(),
        pfrom=chain[:-1].copy(),
        pto=chain[1:].copy(),
        vpipe=vpipe,
        vnode=vnode,
        vend=vend,
        road=road,
    )


def _append_tower_main(
    net: _Net,
    frames: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame],
    node_ids: ObjArray,
    phase: FloatArray,
    origin: tuple[float, float],
    seed: int,
    crs: str,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The nodes, pipes, valves and roads with the tower's fill main appended (its junctions,
    pipes, valves and road numbered after the last of each), from its own random stream."""
    nodes, pipes, valves, roads = frames
    rng = np.random.default_rng([seed, TOWER_MAIN_STREAM])
    main = _tower_main(net)
    ox, oy = origin
    n_new = len(main.nx_)
    n_junctions = int((net.nkind == 0).sum())
    new_ids = _ids("J", n_junctions + n_new)[n_junctions:]
    ids = np.r_[node_ids, new_ids].astype(object)
    elev = _elevation(main.nx_, main.ny_, phase) + rng.normal(0.0, 0.1, n_new)
    extra_nodes = _frame(
        {
            "id": new_ids,
            "kind": np.full(n_new, "junction", dtype=object),
            "elevation_m": np.round(elev, 2),
            "name": np.full(n_new, None, dtype=object),
            **{name: np.full(n_new, np.nan) for name in ("head_m", *_TANK)},
        },
        shapely.points(main.nx_ + ox, main.ny_ + oy),
        crs,
    )
    xs = np.r_[net.nx_, main.nx_]
    ys = np.r_[net.ny_, main.ny_]
    n_pipes = len(main.pfrom)
    x0, y0, x1, y1 = xs[main.pfrom], ys[main.pfrom], xs[main.pto], ys[main.pto]
    pipe_ids = _ids("P", len(pipes) + n_pipes)[len(pipes) :]
    year = int(rng.integers(1995, 2016))
    street = np.full(n_pipes, TOWER_MAIN_STREET, dtype=object)
    coords = np.stack([np.c_[x0 + ox, y0 + oy], np.c_[x1 + ox, y1 + oy]], axis=1)
    extra_pipes = _frame(
        {
            "id": pipe_ids,
            "from_node": ids[main.pfrom],
            "to_node": ids[main.pto],
            "diameter_mm": np.full(n_pipes, TOWER_MAIN_DN, dtype=np.int64),
            "material": np.full(n_pipes, "steel", dtype=object),
            "install_year": np.full(n_pipes, year, dtype=np.int64),
            "street": street,
            "dma": np.full(n_pipes, None, dtype=object),
            "status": np.full(n_pipes, "open", dtype=object),
            "street_zh": _zh_of(street, street_zh),
        },
        shapely.linestrings(coords),
        crs,
    )
    n_valves = len(main.vpipe)
    vx0, vy0, vx1, vy1 = x0[main.vpipe], y0[main.vpipe], x1[main.vpipe], y1[main.vpipe]
    vlen = np.hypot(vx1 - vx0, vy1 - vy0)
    frac = np.minimum(VALVE_OFFSET_M, vlen / 3.0) / vlen
    frac = np.where(main.vend == 0, frac, 1.0 - frac)
    days = int((EXERCISE_END - EXERCISE_START) / np.timedelta64(1, "D"))
    exercised = (EXERCISE_START + rng.integers(0, days + 1, n_valves)).astype(str).astype(object)
    exercised[rng.random(n_valves) < 0.15] = None
    extra_valves = _frame(
        {
            "id": _ids("V", len(valves) + n_valves)[len(valves) :],
            "pipe_id": pipe_ids[main.vpipe],
            "node_id": ids[main.vnode],
            "kind": np.full(n_valves, "butterfly", dtype=object),
            "diameter_mm": np.full(n_valves, TOWER_MAIN_DN, dtype=np.int64),
            "normally_closed": np.zeros(n_valves, dtype=bool),
            "operable": rng.random(n_valves) >= 0.02,
            "last_exercised": exercised,
        },
        shapely.points(vx0 + frac * (vx1 - vx0) + ox, vy0 + frac * (vy1 - vy0) + oy),
        crs,
    )
    road_name = np.array([TOWER_MAIN_STREET], dtype=object)
    extra_roads = _frame(
        {
            "id": _ids("R", len(roads) + 1)[len(roads) :],
            "speed_kmh": np.array([30.0]),
            "name": road_name,
            "oneway": np.zeros(1, dtype=bool),
            "name_zh": _zh_of(road_name, street_zh),
        },
        [shapely.linestrings(main.road + np.array([ox, oy]))],
        crs,
    )

    def joined(frame: gpd.GeoDataFrame, extra: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        out = pd.concat([frame, extra], ignore_index=True)
        assert isinstance(out, gpd.GeoDataFrame)
        return out

    return (
        joined(nodes, extra_nodes),
        joined(pipes, extra_pipes),
        joined(valves, extra_valves),
        joined(roads, extra_roads),
    )


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------


def _frame(data: dict[str, Any], geometry: Any, crs: str) -> gpd.GeoDataFrame:
    """Build a GeoDataFrame in the working CRS and reproject it if needed."""
    gdf = gpd.GeoDataFrame(pd.DataFrame(data), geometry=geometry, crs=WORK_CRS)
    if crs != WORK_CRS:
        gdf = gdf.to_crs(crs)
    return gdf


def _customers(
    g: _Grid,
    e: _Edges,
    net: _Net,
    pipe_ids: ObjArray,
    x0: FloatArray,
    y0: FloatArray,
    x1: FloatArray,
    y1: FloatArray,
    length: FloatArray,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], FloatArray, FloatArray]:
    """Place customers along the pipes; return their columns and coordinates."""
    n_pipes = len(net.pfrom)
    edge = np.where(net.pedge >= 0, net.pedge, 0)
    zone = np.where(net.ptrunk, ZONE_RESIDENTIAL, e.zone[edge])
    density = np.array([1.0, 1.6, 0.5])[zone]
    weight = length * density * np.where(net.pbranch, 1.6, 1.0) * np.where(net.pdn >= 300, 0.3, 1.0)
    weight = np.where(net.ptrunk, 0.0, weight)
    target = CUSTOMERS_PER_PIPE * n_pipes
    counts = rng.poisson(weight * (target / weight.sum()))
    cp = np.repeat(np.arange(n_pipes), counts)
    n = len(cp)
    t = rng.uniform(0.1, 0.9, n)
    side = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    off = rng.uniform(8.0, 25.0, n)
    dx, dy = (x1 - x0)[cp] / length[cp], (y1 - y0)[cp] / length[cp]
    cx = x0[cp] + t * (x1 - x0)[cp] - side * off * dy
    cy = y0[cp] + t * (y1 - y0)[cp] + side * off * dx

    # category from the zone of the pipe
    czone = zone[cp]
    p = _CATEGORY_P[czone]
    uu = rng.random(n)
    cat = np.full(n, CAT_RES, dtype=np.int64)
    cum_crit = p[:, 0]
    cum_inst = cum_crit + p[:, 1]
    cum_com = cum_inst + p[:, 2]
    cum_ind = cum_com + p[:, 3]
    cat[uu < cum_ind] = CAT_IND
    cat[uu < cum_com] = CAT_COM
    cat[uu < cum_inst] = CAT_INST
    cat[uu < cum_crit] = CAT_CRIT

    crit_kind = rng.choice(len(CRITICAL_KINDS), size=n, p=_CRITICAL_P).astype(np.int64)
    crit_kind = np.where(cat == CAT_CRIT, crit_kind, -1)
    inst_kind = rng.integers(0, len(_INSTITUTIONS), n)
    inst_kind = np.where(cat == CAT_INST, inst_kind, -1)

    apartment = (cat == CAT_RES) & (rng.random(n) < np.where(net.pbranch[cp], 0.6, 0.25))
    apt_accounts = np.clip(np.round(np.exp(rng.normal(math.log(60.0), 0.6, n))), 8, 400)
    accounts = np.ones(n, dtype=np.int64)
    accounts[apartment] = apt_accounts[apartment].astype(np.int64)
    com = cat == CAT_COM
    accounts[com] = rng.geometric(0.5, n)[com]
    inst = cat == CAT_INST
    accounts[inst] = rng.integers(1, 6, n)[inst]

    noise = np.exp(rng.normal(0.0, 0.35, n))
    demand = np.select(
        [cat == CAT_RES, com, cat == CAT_IND, inst, cat == CAT_CRIT],
        [
            0.32 * accounts * noise,
            3.0 * accounts * np.exp(rng.normal(0.0, 0.8, n)),
            80.0 * np.exp(rng.normal(0.0, 0.9, n)),
            40.0 * np.exp(rng.normal(0.0, 0.6, n)),
            _CRITICAL_DEMAND[np.maximum(crit_kind, 0)] * noise,
        ],
    )
    demand = np.round(demand, 3)

    # names of critical customers and institutions, numbered per kind, in English and Chinese
    name = np.full(n, None, dtype=object)
    name_zh = np.full(n, None, dtype=object)
    crit = np.flatnonzero(cat == CAT_CRIT)
    if len(crit):
        kinds = crit_kind[crit]
        counter = _counter_within(kinds)
        num = _num_str(counter)
        pre = np.array([a for a, _ in _CRITICAL_NAME])[kinds]
        suf = np.array([b for _, b in _CRITICAL_NAME])[kinds]
        name[crit] = np.strings.add(np.strings.add(pre, num), suf).astype(object)
        name_zh[crit] = [
            f"{_CRITICAL_NAME_ZH[k][0]}{zh_number(c)}{_CRITICAL_NAME_ZH[k][1]}"
            for k, c in zip(kinds.tolist(), counter.tolist(), strict=True)
        ]
    insts = np.flatnonzero(inst)
    if len(insts):
        kinds = inst_kind[insts]
        counter = _counter_within(kinds)
        num = _num_str(counter)
        base = np.array(_INSTITUTIONS)[kinds]
        name[insts] = np.strings.add(
            np.strings.add(np.strings.add(base, " "), num), " (synthetic)"
        ).astype(object)
        name_zh[insts] = [
            f"{_INSTITUTIONS_ZH[k]}{c}号楼（虚构）"
            for k, c in zip(kinds.tolist(), counter.tolist(), strict=True)
        ]

    # estates (小区): the apartment buildings and the houses inside a block (on its branch
    # pipes) belong to the estate of the block they stand in; no random draw, so every other
    # column stays as it was
    col = np.clip(np.searchsorted(g.xs, cx) - 1, 0, g.nx - 2)
    row = np.clip(np.searchsorted(g.ys, cy) - 1, 0, g.ny - 2)
    in_estate = (cat == CAT_RES) & (apartment | net.pbranch[cp])
    estate = np.full(n, None, dtype=object)
    estate_zh = np.full(n, None, dtype=object)
    if in_estate.any():
        block = (row * (g.nx - 1) + col)[in_estate].astype(np.int64)
        estate[in_estate], estate_zh[in_estate] = _estates(block)

    # house numbers grow along the street, odd on one side and even on the other
    orient = np.where(net.ptrunk, 0, e.orient[edge])[cp]
    along = np.where(orient == 0, cx - (g.xs[0] - 200.0), (g.ys[-1] + 200.0) - cy)
    house = 1 + 2 * np.floor(along / 15.0).astype(np.int64) + (side < 0)
    street = net.pstreet[cp].astype(np.str_)
    address = np.strings.add(np.strings.add("No. ", _num_str(house)), " ")
    address = np.strings.add(address, street).astype(object)
    # the address as it is written in Chinese (No. 49 Nanhuan Lu: 南环路49号); no random draw
    address_zh = np.strings.add(
        np.strings.add(_zh_of(net.pstreet[cp], street_zh).astype(np.str_), _num_str(house)), "号"
    ).astype(object)

    crit_kind_s = np.full(n, None, dtype=object)
    crit_kind_s[crit] = CRITICAL_KINDS[crit_kind[crit]]
    columns: dict[str, Any] = {
        "id": _ids("C", n),
        "pipe_id": pipe_ids[cp],
        "category": CATEGORIES[cat],
        "accounts": accounts,
        "address": address,
        "critical_kind": crit_kind_s,
        "name": name,
        "demand_m3d": demand,
        "name_zh": name_zh,
        "estate": estate,
        "estate_zh": estate_zh,
        "address_zh": address_zh,
    }
    return columns, cx, cy


def _dma_polygons(g: _Grid) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Bounding boxes (relative coordinates) of the DMAs, split half-way between streets."""
    margin = 100.0

    def cuts(pos: FloatArray, first: IntArray) -> FloatArray:
        inner = (pos[first[1:-1] - 1] + pos[first[1:-1]]) / 2.0
        return np.r_[pos[0] - margin, inner, pos[-1] + margin]

    xc = cuts(g.xs, g.dma_cols)
    yc = cuts(g.ys, g.dma_rows)
    n_dma = g.kx * g.ky
    d = np.arange(n_dma)
    drow = g.ky - 1 - d // g.kx
    dcol = d % g.kx
    return xc[dcol], yc[drow], xc[dcol + 1], yc[drow + 1]


def generate_city(
    pipes: int = DEFAULT_PIPES, seed: int = DEFAULT_SEED, crs: str = OUTPUT_CRS
) -> Layers:
    """Generate the synthetic Kaifeng sample city.

    Parameters
    ----------
    pipes : int, default 3500
        Target number of pipes; the result is within a few per cent of it.  Customers,
        valves, roads and the number of DMAs scale with it.
    seed : int, default 2022
        Seed for :func:`numpy.random.default_rng`.  The output is a pure function of
        ``(pipes, seed)``.
    crs : str, default "EPSG:4326"
        CRS of the returned geometry layers.  The city is built in ``EPSG:32650`` (UTM 50N);
        passing that CRS skips the reprojection (useful for benchmarks).

    Returns
    -------
    dict of str to GeoDataFrame or DataFrame
        The layers ``nodes``, ``pipes``, ``valves``, ``customers``, ``dmas``, ``roads``,
        ``depots`` (GeoDataFrames) and ``about`` (a plain key/value DataFrame).

    Raises
    ------
    ValueError
        If ``pipes`` is smaller than 100.
    """
    if pipes < 100:
        raise ValueError("pipes must be at least 100")
    rng = np.random.default_rng(seed)
    g = _build_grid(pipes, rng)
    e = _build_edges(g, rng)
    net = _build_network(g, e, rng)
    dmas = _assign_dmas(g, e, net, rng)
    valves = _place_valves(net, dmas, rng)
    ox, oy = g.cx, g.cy
    n_nodes, n_pipes, n_dma = len(net.nx_), len(net.pfrom), g.kx * g.ky

    # -- nodes
    phase = rng.uniform(0.0, 2 * np.pi, 3)
    elev = _elevation(net.nx_, net.ny_, phase) + rng.normal(0.0, 0.1, n_nodes) + net.elev_extra
    node_ids = np.empty(n_nodes, dtype=object)
    junction = net.nkind == 0
    node_ids[junction] = _ids("J", int(junction.sum()))
    node_ids[~junction] = np.array(["PLANT-1", "PLANT-2", "TANK-1"], dtype=object)
    nodes = _frame(
        {
            "id": node_ids,
            "kind": NODE_KINDS[net.nkind],
            "elevation_m": np.round(elev, 2),
            "name": net.nname,
            **_hydraulic_node_columns(node_ids, np.round(elev, 2)),
        },
        shapely.points(net.nx_ + ox, net.ny_ + oy),
        crs,
    )

    # -- pipes
    x0, y0 = net.nx_[net.pfrom], net.ny_[net.pfrom]
    x1, y1 = net.nx_[net.pto], net.ny_[net.pto]
    length = np.hypot(x1 - x0, y1 - y0)
    pipe_ids = _ids("P", n_pipes)
    dma_ids = np.asarray(
        np.strings.add("DMA-", np.strings.zfill(_num_str(np.arange(1, n_dma + 1)), 2)),
        dtype=object,
    )
    pipe_dma = np.full(n_pipes, None, dtype=object)
    in_dma = dmas.pipe_dma >= 0
    pipe_dma[in_dma] = dma_ids[dmas.pipe_dma[in_dma]]
    material = MATERIALS[_material(net.pdn, net.pyear, net.ptrunk, rng.random(n_pipes))]
    coords = np.stack([np.c_[x0 + ox, y0 + oy], np.c_[x1 + ox, y1 + oy]], axis=1)
    pipes_gdf = _frame(
        {
            "id": pipe_ids,
            "from_node": node_ids[net.pfrom],
            "to_node": node_ids[net.pto],
            "diameter_mm": net.pdn,
            "material": material,
            "install_year": net.pyear,
            "street": net.pstreet,
            "dma": pipe_dma,
            "status": np.full(n_pipes, "open", dtype=object),
            "street_zh": _zh_of(net.pstreet, street_zh),
        },
        shapely.linestrings(coords),
        crs,
    )

    # -- valves
    n_valves = len(valves.pipe)
    vdn = net.pdn[valves.pipe]
    vx0, vy0 = x0[valves.pipe], y0[valves.pipe]
    vx1, vy1 = x1[valves.pipe], y1[valves.pipe]
    vlen = length[valves.pipe]
    frac = np.minimum(VALVE_OFFSET_M, vlen / 3.0) / vlen
    frac = np.where(valves.at_end == 0, frac, 1.0 - frac)
    days = int((EXERCISE_END - EXERCISE_START) / np.timedelta64(1, "D"))
    exercised = (EXERCISE_START + rng.integers(0, days + 1, n_valves)).astype(str).astype(object)
    exercised[rng.random(n_valves) < 0.15] = None
    valves_gdf = _frame(
        {
            "id": _ids("V", n_valves),
            "pipe_id": pipe_ids[valves.pipe],
            "node_id": node_ids[valves.node],
            "kind": np.where(vdn >= 300, "butterfly", "gate").astype(object),
            "diameter_mm": vdn,
            "normally_closed": valves.closed,
            "operable": rng.random(n_valves) >= 0.02,
            "last_exercised": exercised,
        },
        shapely.points(vx0 + frac * (vx1 - vx0) + ox, vy0 + frac * (vy1 - vy0) + oy),
        crs,
    )

    # -- customers
    cust_cols, cx, cy = _customers(g, e, net, pipe_ids, x0, y0, x1, y1, length, rng)
    customers = _frame(cust_cols, shapely.points(cx + ox, cy + oy), crs)

    # -- DMAs
    bx0, by0, bx1, by1 = _dma_polygons(g)
    meters = []
    for d in range(n_dma):
        meters.append(",".join(f"M-{dma_ids[d]}-{i + 1}" for i in range(len(dmas.inlets[d]))))
    dcol = np.arange(n_dma) % g.kx
    area_idx = (dcol * len(_DISTRICTS) // g.kx).astype(np.int64)
    area = np.array(_DISTRICTS)[area_idx]
    dma_counter = _counter_within(area_idx)
    dma_names = np.strings.add(np.strings.add(area, " "), _num_str(dma_counter))
    dma_names_zh = np.array(
        [
            f"{_DISTRICTS_ZH[a]}{zh_number(c)}片区"
            for a, c in zip(area_idx.tolist(), dma_counter.tolist(), strict=True)
        ],
        dtype=object,
    )
    dmas_gdf = _frame(
        {
            "id": dma_ids,
            "name": dma_names.astype(object),
            "inlet_meters": np.array(meters, object),
            "name_zh": dma_names_zh,
        },
        shapely.box(bx0 + ox, by0 + oy, bx1 + ox, by1 + oy),
        crs,
    )

    # -- roads: street centrelines between intersections plus the plant / tank access roads
    forward = ~(e.oneway & (e.line % 2 == 1))
    ra = np.where(forward, e.u, e.v)
    rb = np.where(forward, e.v, e.u)
    rcoords = np.stack(
        [np.c_[g.rx[ra] + ox, g.ry[ra] + oy], np.c_[g.rx[rb] + ox, g.ry[rb] + oy]], 1
    )
    road_geoms = list(shapely.linestrings(rcoords))
    for road, _street in net.trunk_roads:
        road_geoms.append(shapely.linestrings(road + np.array([ox, oy])))
    n_roads = len(road_geoms)
    roads = _frame(
        {
            "id": _ids("R", n_roads),
            "speed_kmh": np.r_[SPEED_KMH[e.road_class], np.full(len(net.trunk_roads), 50.0)],
            "name": np.r_[e.name, np.array([s for _, s in net.trunk_roads], dtype=object)],
            "oneway": np.r_[e.oneway, np.zeros(len(net.trunk_roads), bool)],
            "name_zh": _zh_of(
                np.r_[e.name, np.array([s for _, s in net.trunk_roads], dtype=object)], street_zh
            ),
        },
        np.array(road_geoms, dtype=object),
        crs,
    )

    # -- depots on road intersections (north-west, east, south), on main streets
    def nearest_main(main: BoolArray, target: float) -> int:
        idx = np.arange(len(main))
        return int(np.argmin(np.where(main, np.abs(idx - target), 1e9)))

    depot_rc = (
        (nearest_main(g.main_row, 0.8 * (g.ny - 1)), nearest_main(g.main_col, 0.12 * (g.nx - 1))),
        (nearest_main(g.main_row, 0.5 * (g.ny - 1)), g.nx - 1),
        (0, nearest_main(g.main_col, 0.45 * (g.nx - 1))),
    )
    depot_nodes = np.array([r * g.nx + c for r, c in depot_rc])
    depots = _frame(
        {
            "id": np.array(["DEPOT-1", "DEPOT-2", "DEPOT-3"], dtype=object),
            "name": np.array(
                [
                    "North-West Depot (synthetic)",
                    "East Depot (synthetic)",
                    "South Depot (synthetic)",
                ],
                dtype=object,
            ),
        },
        shapely.points(g.rx[depot_nodes] + ox, g.ry[depot_nodes] + oy),
        crs,
    )

    # -- the water tower's fill main (appended: every other id and value is unchanged)
    nodes, pipes_gdf, valves_gdf, roads = _append_tower_main(
        net, (nodes, pipes_gdf, valves_gdf, roads), node_ids, phase, (ox, oy), seed, crs
    )

    about = pd.DataFrame(
        {
            "key": [
                "notice",
                "generator",
                "seed",
                "pipes_target",
                "crs",
                "centre_lonlat",
                "grid",
                "license",
            ],
            "value": [
                NOTICE,
                "sample_data.generate",
                str(seed),
                str(pipes),
                crs,
                f"{CENTRE_LONLAT[0]},{CENTRE_LONLAT[1]}",
                f"{g.nx}x{g.ny} intersections, {g.kx}x{g.ky} DMAs",
                "CC0-1.0 (synthetic data)",
            ],
        }
    )
    return {
        "nodes": nodes,
        "pipes": pipes_gdf,
        "valves": valves_gdf,
        "customers": customers,
        "dmas": dmas_gdf,
        "roads": roads,
        "depots": depots,
        "about": about,
    }


def write_gpkg(layers: Layers, path: str | Path) -> Path:
    """Write the layers to a GeoPackage, replacing the file if it exists.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame or DataFrame
        Output of :func:`generate_city`.  Layers without geometry are written as attribute
        tables.
    path : str or pathlib.Path
        Destination ``.gpkg`` file.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    names = [n for n in LAYER_NAMES if n in layers] + [n for n in layers if n not in LAYER_NAMES]
    for name in names:
        pyogrio.write_dataframe(layers[name], out, layer=name, driver="GPKG")
    return out


def _summary(layers: Layers) -> list[str]:
    """One line per layer: name, feature count and geometry type."""
    lines = []
    for name, df in layers.items():
        if isinstance(df, gpd.GeoDataFrame):
            kind = ",".join(sorted(set(df.geom_type.unique().tolist())))
        else:
            kind = "table"
        lines.append(f"{name:<10} {len(df):>9,} features  {kind}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: generate the city and write it to a GeoPackage.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Process exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sample_data.generate",
        description="Generate the SYNTHETIC Kaifeng sample water network as a GeoPackage.",
    )
    parser.add_argument("--pipes", type=int, default=DEFAULT_PIPES, help="target pipe count")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .gpkg path")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    layers = generate_city(pipes=args.pipes, seed=args.seed)
    t1 = time.perf_counter()
    out = write_gpkg(layers, args.out)
    t2 = time.perf_counter()
    for line in _summary(layers):
        print(line)
    size = out.stat().st_size / 1e6
    print(f"wrote {out} ({size:.2f} MB; generate {t1 - t0:.1f} s, write {t2 - t1:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
