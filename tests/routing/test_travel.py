"""Travel times (``routing.travel``): straight line, plane, and over a road layer.

The road tests use a hand-made street block in Kaifeng whose times can be worked out by hand, and
the sample city's roads, checked against an independent networkx Dijkstra.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from routing.model import Crew, Job, Location, Problem, Shift
from routing.solver import SolverOptions, solve
from routing.travel import Euclidean, RoadNetwork, StraightLine, TravelMatrix, haversine_m
from tests.conftest import ORIGIN, SAMPLE_CITY, TEST_CRS

TO_WGS84 = Transformer.from_crs(TEST_CRS, "EPSG:4326", always_xy=True)
TO_UTM = Transformer.from_crs("EPSG:4326", TEST_CRS, always_xy=True)
UNREACHABLE = 1_000_000_000


def lonlat(x: float, y: float) -> Location:
    """A point ``x``, ``y`` metres east and north of the test origin in Kaifeng, as lon/lat."""
    lon, lat = TO_WGS84.transform(ORIGIN[0] + x, ORIGIN[1] + y)
    return (float(lon), float(lat))


def local(p: Location) -> tuple[float, float]:
    x, y = TO_UTM.transform(p[0], p[1])
    return (float(x) - ORIGIN[0], float(y) - ORIGIN[1])


def great_circle(a: Location, b: Location) -> float:
    """Haversine in plain math (independent of ``routing.travel.haversine_m``)."""
    r = 6_371_008.8
    la1, la2 = math.radians(a[1]), math.radians(b[1])
    dla, dlo = la2 - la1, math.radians(b[0] - a[0])
    h = math.sin(dla / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dlo / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


# --------------------------------------------------------------------------------------------
# Straight line and plane

KAIFENG: tuple[Location, ...] = (
    (114.31005, 34.81),
    (114.39339, 34.8026),
    (114.34655, 34.78199),
    (114.35, 34.80),
    (114.35, 34.80),  # the same place twice
)


def test_straight_line_matrix_is_symmetric_with_zero_diagonal() -> None:
    model = StraightLine()
    m = model.matrix(KAIFENG)
    assert m.seconds.shape == m.meters.shape == (5, 5)
    assert m.seconds.dtype == np.int64
    assert np.array_equal(m.seconds, m.seconds.T)
    assert np.allclose(m.meters, m.meters.T)
    assert np.all(np.diag(m.seconds) == 0) and np.all(np.diag(m.meters) == 0)
    assert m.seconds[3, 4] == 0
    for i, a in enumerate(KAIFENG):
        for j, b in enumerate(KAIFENG):
            metres = great_circle(a, b) * 1.35
            assert m.meters[i, j] == pytest.approx(metres, rel=1e-9, abs=1e-6)
            exact = metres / (25 / 3.6)
            assert exact - 1e-6 <= m.seconds[i, j] < exact + 1  # rounded up to whole seconds


@pytest.mark.parametrize(("speed", "detour"), [(25.0, 1.35), (40.0, 1.0)])
def test_straight_line_speed_and_detour(speed: float, detour: float) -> None:
    a, b = KAIFENG[0], KAIFENG[1]
    m = StraightLine(speed_kmh=speed, detour=detour).matrix([a, b])
    d = great_circle(a, b)
    assert 7_500 < d < 7_800  # the two depots are about 7.7 km apart
    assert m.seconds[0, 1] == pytest.approx(d * detour / (speed / 3.6), abs=1.0)
    assert m.seconds[0, 1] >= d * detour / (speed / 3.6)  # rounded up, never down
    assert StraightLine().path(a, b) == [a, b]


def test_haversine_one_degree_of_latitude() -> None:
    d = haversine_m(np.array([[114.3, 34.0]]), np.array([[114.3, 35.0], [114.3, 34.0]]))
    assert d.shape == (1, 2)
    assert d[0, 0] == pytest.approx(111_195, rel=1e-3)
    assert d[0, 1] == 0.0


def test_euclidean_scales_and_rounds_up() -> None:
    m = Euclidean(scale=1).matrix([(0.0, 0.0), (3.0, 4.0), (1.0, 1.0)])
    assert m.seconds[0, 1] == 5 and m.meters[0, 1] == pytest.approx(5.0)
    assert m.seconds[0, 2] == 2  # sqrt(2) rounded up
    m = Euclidean(scale=1000).matrix([(0.0, 0.0), (1.0, 1.0)])
    assert m.seconds[0, 1] == 1415
    assert m.seconds[1, 0] == 1415 and m.seconds[0, 0] == 0


# --------------------------------------------------------------------------------------------
# A hand-made street block
#
#   D (0,1000) ---------- C (1000,1000)
#   |                      |
#   |                      |
#   A (0,0) ---one-way---> B (1000,0) ==fast/slow== E (2000,0)        F (5000,5000) -- G
#
# All streets 36 km/h (10 m/s) but B-E: two parallel roads, 50 km/h and 10 km/h; A->B is one-way
# (in the direction the line is drawn); F-G is not connected to the rest.

A, B, C, D, E, F, G = (
    (0, 0),
    (1000, 0),
    (1000, 1000),
    (0, 1000),
    (2000, 0),
    (5000, 5000),
    (
        5100,
        5000,
    ),
)


def block_roads(
    oneway_drawn_from_a: bool = True, with_oneway_column: bool = True
) -> gpd.GeoDataFrame:
    ab = [A, B] if oneway_drawn_from_a else [B, A]
    rows = [
        ("AB", ab, 36.0, True),
        ("BC", [B, C], 36.0, False),
        ("CD", [C, (500, 1000), D], 36.0, False),  # a vertex in the middle
        ("DA", [D, A], 36.0, False),
        ("BE-fast", [B, E], 50.0, False),
        ("BE-slow", [E, B], 10.0, False),
        ("FG", [F, G], 36.0, False),
    ]
    data: dict[str, object] = {
        "id": [r[0] for r in rows],
        "speed_kmh": [r[2] for r in rows],
    }
    if with_oneway_column:
        data["oneway"] = [r[3] for r in rows]
    geometry = [shapely.LineString([lonlat(x, y) for x, y in r[1]]) for r in rows]
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")


@pytest.fixture(scope="module")
def block() -> RoadNetwork:
    return RoadNetwork(block_roads())


PLACES = [lonlat(*A), lonlat(*B), lonlat(*E), lonlat(*F), lonlat(0, -100)]  # last: 100 m off A


def test_block_network_has_a_node_per_vertex(block: RoadNetwork) -> None:
    assert block.n_nodes == 8  # A B C D, mid C-D, E, F, G


def test_times_follow_the_road_graph(block: RoadNetwork) -> None:
    m = block.matrix(PLACES)
    s = m.seconds
    assert s[0, 1] == pytest.approx(100, abs=1)  # A -> B on the one-way street
    assert s[1, 0] == pytest.approx(300, abs=1)  # B -> C -> D -> A around the block
    assert s[1, 2] == pytest.approx(72, abs=1)  # the faster of the two parallel roads
    assert s[2, 1] == pytest.approx(72, abs=1)
    assert s[0, 2] == pytest.approx(172, abs=1)
    assert s[2, 0] == pytest.approx(372, abs=1)
    # 100 m off the road at 10 km/h access speed: 36 s to reach A, and 36 s back from it
    assert s[4, 1] == pytest.approx(136, abs=1)
    assert s[1, 4] == pytest.approx(336, abs=1)
    assert np.all(np.diag(s) == 0)
    assert m.meters[0, 1] == pytest.approx(1000, abs=0.5)
    assert m.meters[1, 0] == pytest.approx(3000, abs=0.5)
    assert m.meters[4, 1] == pytest.approx(1100, abs=0.5)


def test_unreachable_pairs_are_huge(block: RoadNetwork) -> None:
    s = block.matrix(PLACES).seconds
    for i in (0, 1, 2, 4):
        assert s[i, 3] >= UNREACHABLE and s[3, i] >= UNREACHABLE
    # and huge is still small enough to add up in a route without overflowing
    assert s.max() < 2**40


def test_one_way_follows_the_drawing_direction() -> None:
    reversed_ab = RoadNetwork(block_roads(oneway_drawn_from_a=False)).matrix(PLACES[:2]).seconds
    assert reversed_ab[1, 0] == pytest.approx(100, abs=1)
    assert reversed_ab[0, 1] == pytest.approx(300, abs=1)
    two_way = RoadNetwork(block_roads(with_oneway_column=False)).matrix(PLACES[:2]).seconds
    assert two_way[0, 1] == pytest.approx(100, abs=1)
    assert two_way[1, 0] == pytest.approx(100, abs=1)


def test_projected_roads_give_the_same_times(block: RoadNetwork) -> None:
    projected = RoadNetwork(block_roads().to_crs(TEST_CRS))
    assert np.abs(projected.matrix(PLACES).seconds - block.matrix(PLACES).seconds).max() <= 1


def _kentucky_roads() -> gpd.GeoDataFrame:
    """A 4 x 4 km grid of streets every 500 m at (-86.23, 37.12), in WGS84, 30 km/h, and a
    50 km/h avenue along its diagonal (issue 14: a utility in Kentucky draws in EPSG:3089, US
    survey feet). Streets cross at their vertices."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True)
    to_wgs84 = Transformer.from_crs("EPSG:32616", "EPSG:4326", always_xy=True)
    x0, y0 = to_utm.transform(-86.23, 37.12)
    steps = range(0, 4001, 500)

    def line(points: list[tuple[int, int]]) -> shapely.LineString:
        return shapely.LineString([to_wgs84.transform(x0 + x, y0 + y) for x, y in points])

    lines = [line([(x, k) for x in steps]) for k in steps]
    lines += [line([(k, y) for y in steps]) for k in steps]
    lines.append(line([(k, k) for k in steps]))
    speeds = [30.0] * (len(lines) - 1) + [50.0]
    return gpd.GeoDataFrame({"speed_kmh": speeds}, geometry=lines, crs="EPSG:4326")


@pytest.mark.parametrize("crs", ["EPSG:3089", "EPSG:3857"])
def test_roads_in_feet_or_web_mercator_give_the_times_of_their_utm_zone(crs: str) -> None:
    """EPSG:3089 counts US survey feet and Web Mercator 1.25 "metres" per metre at 37°: road
    lengths are measured in the UTM zone instead, as gis measures pipes (spatial.crs)."""
    roads = _kentucky_roads()
    to_wgs84 = Transformer.from_crs("EPSG:32616", "EPSG:4326", always_xy=True)
    x0, y0 = Transformer.from_crs("EPSG:4326", "EPSG:32616", always_xy=True).transform(
        -86.23, 37.12
    )
    places = [
        tuple(to_wgs84.transform(x0 + x, y0 + y))
        for x, y in ((0, 0), (4000, 4000), (4000, 0), (1500, 3000), (250, 2000))
    ]
    utm = RoadNetwork(roads.to_crs("EPSG:32616")).matrix(places)
    other = RoadNetwork(roads.to_crs(crs)).matrix(places)
    off = ~np.eye(len(places), dtype=bool)
    assert utm.meters[0, 1] == pytest.approx(4000 * math.sqrt(2), rel=0.01)  # the avenue
    np.testing.assert_allclose(other.seconds[off], utm.seconds[off], rtol=0.01)
    np.testing.assert_allclose(other.meters[off], utm.meters[off], rtol=0.01)


@pytest.mark.parametrize(
    ("crs", "lonlat"),
    [
        ("EPSG:4326", (114.35, 34.8)),  # degrees: the UTM zone
        ("EPSG:3089", (-86.23, 37.12)),  # US survey feet: the UTM zone
        ("EPSG:3857", (114.35, 34.8)),  # Web Mercator: the UTM zone
        ("EPSG:32650", (114.35, 34.8)),  # a UTM zone: itself
        ("EPSG:4547", (114.35, 34.8)),  # CGCS2000 3-degree Gauss-Krüger: itself
    ],
)
def test_routing_measures_in_the_crs_gis_measures_in(crs: str, lonlat: tuple[float, float]) -> None:
    """routing may not import gis: its copy of the metres rule must choose as gis's does."""
    import pandas as pd

    from gis.io import NetworkLayers
    from routing.travel import metric_crs

    points = gpd.GeoDataFrame(
        {"id": ["a", "b"]},
        geometry=[shapely.Point(lonlat), shapely.Point(lonlat[0] + 0.05, lonlat[1] + 0.05)],
        crs="EPSG:4326",
    ).to_crs(crs)
    layers = NetworkLayers(nodes=points, pipes=points, valves=pd.DataFrame())
    assert metric_crs(points) == layers.metric_crs()
    assert (metric_crs(points) == points.crs) == (crs in ("EPSG:32650", "EPSG:4547"))


def test_roads_without_crs_are_refused() -> None:
    roads = block_roads().set_crs(None, allow_override=True)
    with pytest.raises(ValueError, match="CRS"):
        RoadNetwork(roads)


def test_matrices_are_cached(block: RoadNetwork) -> None:
    first = block.matrix(PLACES)
    assert block.matrix(PLACES) is first
    assert block.matrix([tuple(p) for p in PLACES]) is first  # equal places, new list
    assert block.matrix(PLACES[:3]) is not first
    small = RoadNetwork(block_roads(), cache_size=1)
    one = small.matrix(PLACES[:2])
    assert small.matrix(PLACES[:2]) is one
    small.matrix(PLACES[:3])
    again = small.matrix(PLACES[:2])
    assert again is not one  # evicted
    assert np.array_equal(again.seconds, one.seconds)


def assert_path(
    path: Sequence[Location], a: Location, b: Location, corners: list[tuple[int, int]]
) -> None:
    assert path[0] == a and path[-1] == b
    inner = [local(p) for p in path[1:-1]]
    assert len(inner) == len(corners), inner
    for (x, y), (cx, cy) in zip(inner, corners, strict=True):
        assert x == pytest.approx(cx, abs=0.01) and y == pytest.approx(cy, abs=0.01)
    for p in path:
        assert 114.0 < p[0] < 115.0 and 34.0 < p[1] < 35.5  # lon/lat, in Kaifeng


def test_path_follows_the_roads(block: RoadNetwork) -> None:
    a, b = lonlat(*A), lonlat(*B)
    assert_path(block.path(a, b), a, b, [A, B])
    assert_path(block.path(b, a), b, a, [B, C, (500, 1000), D, A])
    off = lonlat(0, -100)
    assert_path(block.path(off, lonlat(*E)), off, lonlat(*E), [A, B, E])
    # same road node: straight
    near_a = lonlat(3, 2)
    assert block.path(a, near_a) == [a, near_a]
    # no road path: straight
    f = lonlat(*F)
    assert block.path(a, f) == [a, f]


def test_path_time_matches_matrix_time(block: RoadNetwork) -> None:
    b, a = lonlat(*B), lonlat(*A)
    pts = [local(p) for p in block.path(b, a)][1:-1]
    length = sum(math.dist(p, q) for p, q in itertools.pairwise(pts))
    assert length == pytest.approx(3000, abs=0.1)
    assert block.matrix([b, a]).seconds[0, 1] == pytest.approx(length / 10.0, abs=1)


def test_solver_routes_follow_one_way_streets(block: RoadNetwork) -> None:
    a, b = lonlat(*A), lonlat(*B)
    crew = Crew("c", frozenset(), a, (Shift(8 * 3600, 17 * 3600),))
    problem = Problem((crew,), (Job("at-b", b, 600),), travel=block)
    plan = solve(problem, SolverOptions(seconds=0.3))
    (route,) = plan.routes
    (stop,) = route.stops
    assert stop.travel == pytest.approx(100, abs=1)  # with the one-way street
    assert route.travel_time == pytest.approx(400, abs=2)  # and back around the block
    assert route.distance_m == pytest.approx(4000, abs=1)
    assert route.geometry is not None and route.geometry["type"] == "LineString"
    coords = [tuple(p) for p in route.geometry["coordinates"]]
    assert coords[0] == a and coords[-1] == a
    assert b in coords
    corners = [local(p) for p in coords]
    for corner in (C, D):
        assert any(math.dist(p, corner) < 0.01 for p in corners)


# --------------------------------------------------------------------------------------------
# The sample city


@pytest.fixture(scope="module")
def city_roads() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE_CITY, layer="roads")


@pytest.fixture(scope="module")
def city(city_roads: gpd.GeoDataFrame) -> RoadNetwork:
    return RoadNetwork(city_roads)


@pytest.fixture(scope="module")
def city_places(city_roads: gpd.GeoDataFrame) -> list[Location]:
    depots = gpd.read_file(SAMPLE_CITY, layer="depots")
    rng = np.random.default_rng(2026)
    x0, y0, x1, y1 = city_roads.total_bounds
    random = list(
        zip(rng.uniform(x0, x1, 50).tolist(), rng.uniform(y0, y1, 50).tolist(), strict=True)
    )
    return [(float(p.x), float(p.y)) for p in depots.geometry] + random


def test_city_matrix_is_fast_and_sound(city: RoadNetwork, city_places: list[Location]) -> None:
    started = time.perf_counter()
    m = city.matrix(city_places)
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0, f"53 places took {elapsed:.2f} s"
    n = len(city_places)
    assert m.seconds.shape == (n, n)
    assert np.all(np.diag(m.seconds) == 0)
    assert m.seconds.max() < UNREACHABLE, "the sample city's road graph is strongly connected"
    crow = haversine_m(np.asarray(city_places), np.asarray(city_places))
    # nobody drives faster than the fastest road, nor shorter than the crow flies
    assert np.all(m.seconds >= np.floor(crow / (50 / 3.6)) - 1)
    off = ~np.eye(n, dtype=bool)
    assert np.all(m.meters[off] >= 0.99 * crow[off])
    assert np.all(m.seconds[off] > 0)
    # the triangle inequality holds on the road graph (up to rounding of each leg)
    s = m.seconds
    via = (s[:, :, None] + s[None, :, :]).min(axis=1)
    assert np.all(s <= via)


def test_city_times_equal_networkx_dijkstra(
    city: RoadNetwork, city_roads: gpd.GeoDataFrame, city_places: list[Location]
) -> None:
    """An independent oracle: a networkx DiGraph of the projected roads, nearest node by brute
    force, access at 10 km/h."""
    projected = city_roads.to_crs(TEST_CRS)
    graph = nx.DiGraph()
    for line, speed, oneway in zip(
        projected.geometry, projected["speed_kmh"], projected["oneway"], strict=True
    ):
        pts = [(round(x, 3), round(y, 3)) for x, y in line.coords]
        for p, q in itertools.pairwise(pts):
            t = math.dist(p, q) / (speed / 3.6)
            for u, v in ((p, q),) if oneway else ((p, q), (q, p)):
                if not graph.has_edge(u, v) or graph[u][v]["t"] > t:
                    graph.add_edge(u, v, t=t)
    nodes = list(graph.nodes)
    xy = np.asarray(nodes)
    places = city_places[:12]
    snapped = []
    for lon, lat in places:
        x, y = TO_UTM.transform(lon, lat)
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        k = int(d.argmin())
        snapped.append((nodes[k], d[k] / (10 / 3.6)))
    m = city.matrix(places)
    for i, (u, au) in enumerate(snapped):
        dist = nx.single_source_dijkstra_path_length(graph, u, weight="t")
        for j, (v, av) in enumerate(snapped):
            if i == j:
                continue
            expected = dist[v] + au + av
            assert m.seconds[i, j] == pytest.approx(expected, abs=1.5), (i, j)


def test_city_one_way_street_costs_a_detour_against_its_direction(
    city: RoadNetwork, city_roads: gpd.GeoDataFrame
) -> None:
    one_ways = city_roads[city_roads["oneway"]]
    lengths = one_ways.to_crs(TEST_CRS).length.to_numpy()
    checked = 0
    for (_, road), length in zip(one_ways.iloc[:5].iterrows(), lengths[:5], strict=True):
        start, end = road.geometry.coords[0], road.geometry.coords[-1]
        m = city.matrix([start, end])
        assert m.seconds[0, 1] <= math.ceil(length / (road["speed_kmh"] / 3.6)) + 1
        assert m.seconds[1, 0] > m.seconds[0, 1]
        checked += 1
    assert checked == 5


def test_city_path_starts_and_ends_at_the_places(
    city: RoadNetwork, city_roads: gpd.GeoDataFrame, city_places: list[Location]
) -> None:
    a, b = city_places[0], city_places[1]
    path = city.path(a, b)
    assert path[0] == a and path[-1] == b
    assert len(path) > 3
    # it follows the roads: every inner point is a road vertex
    vertices = shapely.get_coordinates(city_roads.to_crs(TEST_CRS).geometry.to_numpy())
    for p in path[1:-1]:
        x, y = TO_UTM.transform(*p)
        assert np.hypot(vertices[:, 0] - x, vertices[:, 1] - y).min() < 0.01
    # and its length is the road distance of the matrix (fastest path, close to the shortest)
    length = sum(great_circle(p, q) for p, q in itertools.pairwise(path[1:-1]))
    m: TravelMatrix = city.matrix([a, b])
    access = great_circle(path[0], path[1]) + great_circle(path[-2], path[-1])
    assert m.meters[0, 1] <= length + access + 1.0


@pytest.mark.parametrize(
    ("yes", "no"), [("yes", "no"), ("Y", "N"), ("1", "0"), ("true", "false"), ("是", "否")]
)
def test_one_way_written_as_text(yes: str, no: str) -> None:
    """A GeoPackage or Shapefile from a utility often writes the flag as text: "no" is two-way
    (it was read as one-way, since any non-empty text is true)."""
    roads = block_roads()
    roads["oneway"] = [yes if flag else no for flag in roads["oneway"]]
    s = RoadNetwork(roads).matrix(PLACES[:3]).seconds
    assert s[0, 1] == pytest.approx(100, abs=1)  # A -> B along the one-way street
    assert s[1, 0] == pytest.approx(300, abs=1)  # and back around the block
    assert s[2, 1] == pytest.approx(72, abs=1)  # E -> B on the fast road: two-way
