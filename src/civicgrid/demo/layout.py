"""Synthetic district geometry: streets, communities and grids that tile each other exactly.

The district is a lattice of grid cells whose inner vertices are jittered, so
grids look irregular; a community is a block of cells and a street a block of
communities. Every polygon is built from the same vertex lattice, so
neighbours share edges exactly and a parent is exactly the union of its
children. Pure functions of (seed, scale): no database, so benchmarks can use
them directly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from .names import person_name, work_phone

DISTRICT_CODE = "330106"  # GB/T 2260: 浙江省杭州市西湖区 (the demo's data are synthetic)
DISTRICT_NAME = "西湖区（演示）"
ORIGIN = (120.05, 30.22)  # south-west corner, lon/lat
# A demo city (``civicgrid demo --districts N``): the first district is the one above, the others
# lie east of it, side by side (GB/T 2260 codes of 杭州市's districts; the data are synthetic).
CITY_CODE = "330100"
CITY_NAME = "杭州市（演示）"
CITY_DISTRICTS = [
    (DISTRICT_CODE, DISTRICT_NAME), ("330105", "拱墅区（演示）"), ("330102", "上城区（演示）"),
    ("330108", "滨江区（演示）"), ("330109", "萧山区（演示）"), ("330110", "余杭区（演示）"),
    ("330111", "富阳区（演示）"), ("330112", "临安区（演示）"), ("330113", "临平区（演示）"),
    ("330114", "钱塘区（演示）"), ("330122", "桐庐县（演示）"), ("330127", "淳安县（演示）"),
    ("330182", "建德市（演示）"),
]
CELL_M = 350.0  # one grid cell, metres
COMMUNITY_CELLS = (5, 2)  # cells per community (columns, rows): 10 grids
M_PER_DEG_LAT = 110_574.0

STREET_NAMES = [
    "文新街道", "翠苑街道", "古荡街道", "西溪街道", "北山街道", "灵隐街道", "留下街道", "转塘街道",
    "蒋村街道", "三墩镇", "双浦镇", "之江街道",
]
COMMUNITY_WORDS = [
    "文华", "嘉绿", "学院", "紫荆", "青枫", "竹径", "桂花", "梅苑", "兰亭", "松木", "翠柏", "星洲",
    "益乐", "府苑", "德加", "登云", "金祝", "申花", "丰潭", "三坝", "华星", "骆家庄", "香樟", "枫华",
]
ROAD_WORDS = [
    "文一", "文二", "文三", "学院", "教工", "古墩", "莫干山", "丰潭", "紫金港", "天目山", "余杭塘", "保俶",
    "西溪", "留和", "崇义", "星光", "竞舟", "华星", "登云", "沈半", "花园", "青枫", "桂语", "梅林",
]


@dataclass
class AreaSpec:
    code: str
    level: str
    name: str
    ring: list[tuple[float, float]]
    kind: str = "urban"
    responsible_name: str = ""
    responsible_phone: str = ""


@dataclass
class Layout:
    seed: int
    scale: int
    areas: list[AreaSpec] = field(default_factory=list)
    roads: list[dict] = field(default_factory=list)  # {"name", "coords": [(lon, lat), ...], "length_m"}
    cells: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # grid code -> 4 corners

    @property
    def grids(self) -> list[AreaSpec]:
        return [a for a in self.areas if a.level == "grid"]

    def feature_collection(self) -> dict:
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {
                        "code": a.code, "name": a.name, "kind": a.kind,
                        "responsible_name": a.responsible_name, "responsible_phone": a.responsible_phone,
                    },
                    "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in a.ring]]},
                }
                for a in self.areas
            ],
        }


def _dims(scale: int) -> tuple[int, int, int, int]:
    """Communities in columns × rows, and communities per street block (columns × rows)."""
    communities = 4 * max(1, scale)
    cols = math.ceil(math.sqrt(communities))
    rows = math.ceil(communities / cols)
    street_cols = max(1, min(4, cols // 2))
    street_rows = max(1, min(5, rows))
    return cols, rows, street_cols, street_rows


def build_layout(seed: int = 1, scale: int = 1, *, district_code: str = DISTRICT_CODE,
                 district_name: str = DISTRICT_NAME, origin: tuple[float, float] = ORIGIN) -> Layout:
    rng = random.Random(seed if district_code == DISTRICT_CODE else f"{seed}-{district_code}")
    cols, rows, street_cols, street_rows = _dims(scale)
    cw, ch = COMMUNITY_CELLS
    nx, ny = cols * cw, rows * ch
    lon0, lat0 = origin
    deg_x = 1 / (111_320.0 * math.cos(math.radians(lat0)))
    deg_y = 1 / M_PER_DEG_LAT
    jitter = 0.18 * CELL_M

    # Vertex lattice in metres, jittered; district edges stay straight.
    verts: list[list[tuple[float, float]]] = []
    for i in range(nx + 1):
        column = []
        for j in range(ny + 1):
            x, y = i * CELL_M, j * CELL_M
            if 0 < i < nx:
                x += rng.uniform(-jitter, jitter)
            if 0 < j < ny:
                y += rng.uniform(-jitter, jitter)
            column.append((round(lon0 + x * deg_x, 7), round(lat0 + y * deg_y, 7)))
        verts.append(column)

    def block_ring(i0: int, j0: int, i1: int, j1: int) -> list[tuple[float, float]]:
        ring = [verts[i][j0] for i in range(i0, i1)]
        ring += [verts[i1][j] for j in range(j0, j1)]
        ring += [verts[i][j1] for i in range(i1, i0, -1)]
        ring += [verts[i0][j] for j in range(j1, j0, -1)]
        return ring + [ring[0]]

    layout = Layout(seed=seed, scale=scale)
    layout.areas.append(AreaSpec(district_code, "district", district_name, block_ring(0, 0, nx, ny)))

    street_no = 0
    used_names: set[str] = set()
    for sy in range(0, rows, street_rows):
        for sx in range(0, cols, street_cols):
            street_no += 1
            s_code = f"{district_code}{street_no:03d}"
            s_name = STREET_NAMES[street_no - 1] if street_no <= len(STREET_NAMES) else f"第{street_no}街道"
            c1, r1 = min(sx + street_cols, cols), min(sy + street_rows, rows)
            kind = "rural" if s_name.endswith("镇") else "urban"
            layout.areas.append(AreaSpec(s_code, "street", s_name, block_ring(sx * cw, sy * ch, c1 * cw, r1 * ch), kind))
            community_no = 0
            for cy in range(sy, r1):
                for cx in range(sx, c1):
                    community_no += 1
                    c_code = f"{s_code}{community_no:03d}"
                    c_name = _community_name(rng, used_names, kind)
                    i0, j0 = cx * cw, cy * ch
                    layout.areas.append(AreaSpec(c_code, "community", c_name, block_ring(i0, j0, i0 + cw, j0 + ch), kind))
                    grid_no = 0
                    for gy in range(ch):
                        for gx in range(cw):
                            grid_no += 1
                            g_code = f"{c_code}{grid_no:03d}"
                            i, j = i0 + gx, j0 + gy
                            layout.areas.append(
                                AreaSpec(g_code, "grid", f"{c_name}第{grid_no}网格", block_ring(i, j, i + 1, j + 1), kind)
                            )
                            layout.cells[g_code] = [verts[i][j], verts[i + 1][j], verts[i + 1][j + 1], verts[i][j + 1]]

    # Responsible staff: a separate RNG, so names never move the geometry.
    people_rng = random.Random(f"{seed}-people" if district_code == DISTRICT_CODE else f"{seed}-people-{district_code}")
    for area in layout.areas:
        area.responsible_name = person_name(people_rng)
        area.responsible_phone = work_phone(people_rng)

    # Roads run along every lattice line: avenues south–north (路), streets west–east (街).
    for i in range(nx + 1):
        coords = [verts[i][j] for j in range(ny + 1)]
        layout.roads.append({"name": _road_name(i, "路"), "coords": coords, "length_m": _length(coords, deg_x, deg_y)})
    for j in range(ny + 1):
        coords = [verts[i][j] for i in range(nx + 1)]
        layout.roads.append({"name": _road_name(j, "街"), "coords": coords, "length_m": _length(coords, deg_x, deg_y)})
    return layout


def build_city(seed: int = 1, scale: int = 1, districts: int = 3) -> tuple[AreaSpec, list[Layout]]:
    """A city of ``districts`` districts of the same size side by side (west to east) and the
    city's own area around them (its outline: the districts' outer edges, which are straight)."""
    if not 1 <= districts <= len(CITY_DISTRICTS):
        raise ValueError(f"districts: 1 to {len(CITY_DISTRICTS)}")
    layouts: list[Layout] = []
    for code, name in CITY_DISTRICTS[:districts]:
        # Each starts at the previous one's east edge, to the last digit: the edges are shared.
        lon0 = max(x for x, _y in layouts[-1].areas[0].ring) if layouts else ORIGIN[0]
        layouts.append(build_layout(seed, scale, district_code=code, district_name=name, origin=(lon0, ORIGIN[1])))
    # The outline: south edges west to east, the last east edge, north edges east to west, the
    # first west edge — the districts' own boundary vertices, so edges are shared exactly.
    rings = [lay.areas[0].ring[:-1] for lay in layouts]
    ring = _outline(rings)
    people_rng = random.Random(f"{seed}-city")
    city = AreaSpec(CITY_CODE, "city", CITY_NAME, ring, responsible_name=person_name(people_rng),
                    responsible_phone=work_phone(people_rng))
    return city, layouts


def _outline(rings: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """The union of rectangles-with-vertices side by side, as one ring (counter-clockwise)."""
    import shapely
    from shapely.geometry import Polygon

    merged = shapely.union_all([Polygon(r) for r in rings]).simplify(0)
    if merged.geom_type != "Polygon":  # not touching: the box around them
        merged = merged.envelope
    return [(round(x, 7), round(y, 7)) for x, y in merged.exterior.coords]


def _community_name(rng: random.Random, used: set[str], kind: str) -> str:
    suffix = "村" if kind == "rural" else "社区"
    for _ in range(50):
        name = rng.choice(COMMUNITY_WORDS) + suffix
        if name not in used:
            used.add(name)
            return name
    name = f"{rng.choice(COMMUNITY_WORDS)}{len(used) + 1}{suffix}"
    used.add(name)
    return name


def _road_name(n: int, suffix: str) -> str:
    word = ROAD_WORDS[n % len(ROAD_WORDS)]
    rank = n // len(ROAD_WORDS)
    return f"{word}{suffix}" if rank == 0 else f"{word}{rank + 1}{suffix}"


def _length(coords, deg_x: float, deg_y: float) -> float:
    return round(
        sum(math.hypot((b[0] - a[0]) / deg_x, (b[1] - a[1]) / deg_y) for a, b in zip(coords, coords[1:], strict=False)),
        1,
    )


COMPOUND_WORDS = [
    "金色", "阳光", "翠苑", "嘉绿", "文鼎", "府苑", "枫丹", "紫金", "锦绣", "和家", "春江", "桂语", "绿城", "润和",
    "香樟", "星洲", "东方", "世纪", "学府", "湖畔", "清水", "耀江", "广厦", "天阳", "景芳", "德胜", "荷花", "雅居",
]
COMPOUND_SUFFIXES = ["花园", "小区", "苑", "新村", "家园", "公寓"]


def _compound_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(100):
        name = rng.choice(COMPOUND_WORDS) + rng.choice(COMPOUND_SUFFIXES)
        if name not in used:
            used.add(name)
            return name
    base = rng.choice(COMPOUND_WORDS) + rng.choice(COMPOUND_SUFFIXES)
    phase = 2
    while f"{base}{phase}期" in used:
        phase += 1
    used.add(f"{base}{phase}期")
    return f"{base}{phase}期"


def buildings_for(layout: Layout, seed: int) -> list[dict]:
    """Buildings inside every grid cell with households counts; most grids fit the 300–500 rule,
    about one in ten deliberately does not, so the sizing report has something to show.

    Each grid holds one residential compound (小区) with its own door number (门牌号) on the
    road along its community's row, so standard addresses — road, number, compound,
    building (幢) — are unique: 文一街28号金色花园3幢.
    """
    rng = random.Random(seed * 7919 + 17)
    street_names = {j: _road_name(j, "街") for j in range(1000)}
    next_number: dict[str, int] = {}
    used_compounds: set[str] = set()
    rows = []
    for grid in layout.grids:
        corners = layout.cells[grid.code]
        roll = rng.random()
        count = rng.randint(3, 4) if roll < 0.05 else rng.randint(13, 15) if roll < 0.10 else rng.randint(7, 9)
        row_index = int(grid.code[-3:]) > 5  # upper or lower row of the community
        road = street_names[(int(grid.code[9:12]) * 2 + row_index) % 1000]
        number = next_number.get(road, 0) + rng.randint(1, 3) * 2
        next_number[road] = number
        compound = _compound_name(rng, used_compounds)
        for k in range(count):
            u, v = rng.uniform(0.12, 0.88), rng.uniform(0.12, 0.88)
            lon = (1 - u) * (1 - v) * corners[0][0] + u * (1 - v) * corners[1][0] + u * v * corners[2][0] + (
                1 - u) * v * corners[3][0]
            lat = (1 - u) * (1 - v) * corners[0][1] + u * (1 - v) * corners[1][1] + u * v * corners[2][1] + (
                1 - u) * v * corners[3][1]
            households = rng.randint(40, 60)
            rows.append({
                "address": f"{road}{number}号{compound}{k + 1}幢",
                "name": f"{compound}{k + 1}幢",
                "lon": round(lon, 7),
                "lat": round(lat, 7),
                "floors": rng.choice([6, 6, 7, 11, 18, 24]),
                "households": households,
                "residents": round(households * rng.uniform(2.3, 3.1)),
            })
            rows[-1]["units"] = units_for(rows[-1]["floors"], households)
    return rows


def rooms_per_floor(floors: int) -> int:
    """Flats per floor and entrance (单元): two in a walk-up, four in a high-rise with lifts."""
    return 2 if floors <= 7 else 4


def units_for(floors: int, households: int) -> int:
    """Entrances a building needs for its households, with about one flat in eight to spare."""
    return max(1, math.ceil(households * 1.15 / (floors * rooms_per_floor(floors))))
