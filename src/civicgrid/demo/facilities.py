"""The demo district's city components (部件) and organisations (组织), in bulk.

Components: a few dozen per grid of the common classes of the seeded catalogue (manhole
covers, street lamps, hydrants, litter bins, street trees, bus shelters…), most along the
grid's edges (the roads run there), their grid derived from the position as always, and
their 16-digit codes numbered like ``actions.do_create_component`` does (district 6 + class
4 + serial 6, the serials reserved with ``core.models.next_serial``, one reservation per
class). Organisations: per community a party committee, resident units and social
organisations; per grid a party branch and enterprises and shops with valid unified social
credit codes (GB 32100). Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from django.db import transaction
from shapely.geometry import shape

from civicgrid.areas.index import locate_many
from civicgrid.areas.models import Area
from civicgrid.core.idnumber import make_uscc, normalise_phone, validate_uscc
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions as registry_actions
from civicgrid.registry.models import Building, ComponentClass, Organisation

from .layout import COMPOUND_WORDS, DISTRICT_CODE, ROAD_WORDS
from .names import person_name, work_phone

# Per grid: (class code, fewest, most, where): "road" along the grid's edges, "inside" anywhere.
COMPONENT_PLAN = (
    ("0101", 1, 3, "road"),    # 上水井盖
    ("0102", 1, 3, "road"),    # 污水井盖
    ("0103", 2, 4, "road"),    # 雨水井盖
    ("0105", 0, 2, "road"),    # 电力井盖
    ("0107", 0, 2, "road"),    # 通讯井盖
    ("0111", 0, 1, "road"),    # 燃气井盖
    ("0114", 1, 3, "road"),    # 消防栓
    ("0116", 4, 8, "road"),    # 路灯
    ("0203", 0, 2, "road"),    # 公交站亭
    ("0206", 1, 2, "road"),    # 交通标志牌
    ("0215", 0, 2, "inside"),  # 非机动车停放点
    ("0307", 2, 5, "road"),    # 垃圾箱
    ("0308", 1, 3, "inside"),  # 垃圾分类投放点
    ("0310", 0, 2, "inside"),  # 宣传栏
    ("0402", 4, 10, "road"),   # 行道树
    ("0605", 1, 2, "road"),    # 监控电子眼
    ("0606", 0, 1, "inside"),  # 健身设施
    ("0607", 0, 2, "inside"),  # 充电桩
)
STATES = (("intact", 90), ("damaged", 5), ("missing", 2), ("occupied", 3))
OWNERS = {  # default department kind of the class → owner (主管部门) and maintainer (养护单位)
    "chengguan": ("区城市管理局", "区市政设施养护中心"),
    "housing": ("区住房和城乡建设局", "区交通设施养护中心"),
    "sanitation": ("区环境卫生管理中心", "区环卫作业服务公司"),
    "landscaping": ("区园林绿化管理中心", "区园林养护工程公司"),
    "other": ("区城市管理局", "属地街道办事处"),
}


def load_components(seed: int = 1, *, root_code: str = DISTRICT_CODE,
                    progress: Callable[[str], None] = print) -> int:
    """Components in every grid under ``root_code``; one transaction, one audit row."""
    if not ComponentClass.objects.exists():  # a database flushed after its migrations (tests)
        from civicgrid.registry.catalogues import seed_catalogues
        from civicgrid.registry.models import InfoClass, InfoItem

        seed_catalogues(ComponentClass, InfoClass, InfoItem)
    classes = {c.code: c for c in ComponentClass.objects.all()}
    plan = [spec for spec in COMPONENT_PLAN if spec[0] in classes]
    grids = list(Area.objects.filter(level=Area.Level.GRID, code__startswith=root_code).exclude(boundary=None)
                 .order_by("code"))
    rng = random.Random(f"demo-components:{seed}")
    wanted: list[tuple[str, str, float, float]] = []  # grid, class code, lon, lat
    for grid in grids:
        polygon = shape(grid.boundary)
        ring = list(polygon.exterior.coords)
        edges = list(zip(ring, ring[1:], strict=False))
        cx, cy = polygon.centroid.x, polygon.centroid.y
        for code, fewest, most, where in plan:
            for _n in range(rng.randint(fewest, most)):
                (x0, y0), (x1, y1) = rng.choice(edges)
                t = rng.random()
                ex, ey = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                s = rng.uniform(0.02, 0.07) if where == "road" else rng.uniform(0.15, 0.85)  # towards the centre
                wanted.append((grid.code, code, round(ex + s * (cx - ex), 7), round(ey + s * (cy - ey), 7)))
    located = locate_many([w[2] for w in wanted], [w[3] for w in wanted]) if wanted else []
    placed = [(code, w) for code, w in zip(located, wanted, strict=True) if code == w[0]]  # the position decides
    states, weights = zip(*STATES, strict=True)
    rows = []
    for _grid_code, (_g, class_code, lon, lat) in placed:
        cls = classes[class_code]
        owner, maintainer = OWNERS.get(cls.department, OWNERS["other"])
        rows.append({"cls": cls, "lon": lon, "lat": lat, "owner_unit": owner, "maintainer_unit": maintainer,
                     "state": rng.choices(states, weights)[0]})
    registry_actions.do_bulk_create_components(rows, actor=SYSTEM, area_code=root_code)
    progress(f"components: {len(rows):,} in {len(grids):,} grids")
    return len(rows)


# --- organisations ----------------------------------------------------------------------------------
INDUSTRIES = ("科技", "贸易", "餐饮管理", "物业管理", "文化传媒", "建筑装饰", "电子商务", "教育咨询", "医药",
              "网络技术", "信息技术", "广告", "家政服务", "健康管理")
SHOPS = ("便利店", "超市", "面馆", "水果店", "药店", "理发店", "快递驿站", "干洗店", "五金店", "早餐店", "花店",
         "烟酒店")
RESIDENT_UNITS = ("{c}幼儿园", "{w}小学", "{c}卫生服务站", "{w}派出所{c}警务室", "{w}邮政支局", "{w}供电营业所",
                  "{w}中学")
SOCIAL = (("{c}老年协会", "filed", ""), ("{c}志愿者服务队", "filed", ""), ("{c}文体协会", "filed", ""),
          ("杭州市西湖区{w}社会工作服务中心", "registered", "52"), ("西湖区{w}居家养老服务中心", "registered", "52"),
          ("西湖区{w}社区发展基金会", "registered", "53"))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(body: str) -> str:
    """The 9-character organisation code (GB 11714) of 8 digits: the digits and their check character."""
    check = 11 - sum(int(d) * w for d, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def load_organisations(seed: int = 1, *, root_code: str = DISTRICT_CODE,
                       progress: Callable[[str], None] = print) -> int:
    """Organisations in every community and grid under ``root_code``; one transaction, one audit row."""
    rng = random.Random(f"demo-organisations:{seed}")
    areas = list(Area.objects.filter(code__startswith=root_code, level__in=[Area.Level.COMMUNITY, Area.Level.GRID])
                 .order_by("code"))
    buildings: dict[str, list[Building]] = {}  # by grid and by community
    for b in Building.objects.filter(area_code__startswith=root_code).exclude(area_code="").order_by("id"):
        buildings.setdefault(b.area_code, []).append(b)
        buildings.setdefault(b.area_code[:12], []).append(b)
    used_codes = set(Organisation.objects.exclude(credit_code="").values_list("credit_code", flat=True))

    def credit_code(prefix: str, district: str) -> str:
        while True:
            code = make_uscc(f"{prefix}{district}{organisation_code(f'{rng.randrange(10**8):08d}')}")
            if code not in used_codes:
                used_codes.add(code)
                return validate_uscc(code)

    def at(building: Building, **values) -> Organisation:
        values.setdefault("contact_name", person_name(rng))
        values.setdefault("contact_phone", normalise_phone(work_phone(rng)))
        return Organisation(building=building, address=building.address, lon=building.lon, lat=building.lat,
                            area_code=building.area_code, **values)

    committees, others, branches = {}, [], []  # branches: (community code, organisation)
    for area in areas:
        if area.level == Area.Level.COMMUNITY:
            inside = buildings.get(area.code, [])
            if not inside:
                continue
            district, word = area.code[:6], area.name.removesuffix("社区").removesuffix("村")
            committees[area.code] = at(inside[0], kind=Organisation.Kind.PARTY, name=f"中共{area.name}委员会",
                                       party_level=Organisation.PartyLevel.COMMITTEE)
            for template in rng.sample(RESIDENT_UNITS, rng.randint(1, 3)):
                name = template.format(c=area.name, w=word)
                public = not name.endswith("警务室")  # a police post is part of its station
                others.append(at(rng.choice(inside), kind=Organisation.Kind.RESIDENT_UNIT, name=name,
                                 credit_code=credit_code("12", district) if public else "",
                                 employees=rng.randint(8, 120)))
            for template, status, prefix in rng.sample(SOCIAL, rng.randint(1, 3)):
                others.append(at(rng.choice(inside), kind=Organisation.Kind.SOCIAL, social_status=status,
                                 name=template.format(c=area.name, w=word),
                                 credit_code=credit_code(prefix, district) if prefix else ""))
        else:
            inside = buildings.get(area.code, [])
            if not inside:
                continue
            district = area.code[:6]
            branches.append((area.code[:12], at(inside[0], kind=Organisation.Kind.PARTY, name=f"{area.name}党支部",
                                                party_level=Organisation.PartyLevel.BRANCH)))
            for _n in range(rng.randint(2, 5)):
                word = rng.choice(COMPOUND_WORDS + ROAD_WORDS)
                if rng.random() < 0.5:
                    name, prefix, staff = f"杭州{word}{rng.choice(INDUSTRIES)}有限公司", "91", rng.randint(3, 300)
                else:  # 个体工商户
                    name, prefix, staff = f"西湖区{word}{rng.choice(SHOPS)}", "92", rng.randint(1, 8)
                others.append(at(rng.choice(inside), kind=Organisation.Kind.ENTERPRISE, name=name,
                                 credit_code=credit_code(prefix, district), employees=staff))
    with transaction.atomic():
        registry_actions.do_bulk_create_organisations(list(committees.values()), actor=SYSTEM, area_code=root_code)
        for community, branch in branches:
            branch.parent = committees.get(community)
        registry_actions.do_bulk_create_organisations(others + [b for _c, b in branches], actor=SYSTEM,
                                                      area_code=root_code)
        count = len(committees) + len(others) + len(branches)
    kinds = Counter(o.kind for o in [*committees.values(), *others, *(b for _c, b in branches)])
    progress("organisations: " + ", ".join(f"{kind} {n:,}" for kind, n in sorted(kinds.items())))
    return count
