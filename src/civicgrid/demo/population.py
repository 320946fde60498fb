"""The demo district's population: households in the buildings' flats, houses and tenancies.

Every building gets as many households and residents as its ``households``/``residents``
say (scaled when a population size is asked for): households of 1–6 composed like real ones
(a couple with a child, an elderly couple, three generations, an old person living alone…),
ages by the Chinese age pyramid (2020 census: 60+ ≈ 18–19 %), names fitting sex and
generation, valid resident ID numbers (region 330106, other Zhejiang codes for some who
moved in, other provinces for the ~5 % floating population), mobiles for adults, service
tags, a few special-group records (encrypted like every other one), and rooms: houses for
most flats (own, rented, empty, commercial), the owners and landlords, and tenancies.

Everything about a person passes ``registry.people.prepare_person`` (the checks and the
encryption of the form, the API and the ledger import) and is written by
``registry.bulk`` (``COPY`` on PostgreSQL), in batches inside one transaction: all or
nothing. Deterministic for a seed and a population size; ages are counted on 1 January of
the current year, so a seed gives the same people all year.

Pure planning (``plan_building``) is kept apart from writing, so tests and benchmarks can
look at the plan without a database.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import multiprocessing
import os
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.models import Area
from civicgrid.core import audit
from civicgrid.core.errors import UserError
from civicgrid.core.idnumber import make_id_number
from civicgrid.core.models import next_serial
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import bulk
from civicgrid.registry.models import Building, House, Household, SpecialGroupRecord, Tenancy
from civicgrid.registry.people import prepare_person, seal_special_record

from .layout import DISTRICT_CODE, rooms_per_floor
from .names import mobile, resident_name, surname

PEOPLE_PER_SCALE = 44_000  # residents the buildings of one --scale step hold (seed 1: 43,893)
BATCH_PEOPLE = 20_000  # people prepared and written per batch (memory stays flat for a million)

# Chinese population by five-year age band, per cent (7th census, 2020): 0–4 … 95–99.
PYRAMID = (5.4, 6.4, 6.2, 5.2, 5.3, 6.5, 8.8, 6.9, 6.6, 8.3, 8.8, 7.0, 5.2, 5.0, 3.4, 2.2, 1.5, 0.8, 0.3, 0.1)
_AGE_WEIGHTS = tuple(PYRAMID[a // 5] for a in range(100))
# Household sizes (2020: 2.62 people per household); adjusted per building to its residents.
SIZES = (1, 2, 3, 4, 5, 6)
SIZE_WEIGHTS = (25, 30, 21, 13, 7, 4)

HOME_REGION = DISTRICT_CODE
# Registered residents who came from elsewhere in Zhejiang keep the region of their first ID.
ZHEJIANG_REGIONS = ("330102", "330105", "330108", "330109", "330110", "330122", "330182", "330203", "330302",
                    "330402", "330602", "330702")
# The floating population's home counties and city districts in other provinces.
OTHER_PROVINCES = ("340104", "341221", "341222", "411524", "411525", "410105", "420106", "421127", "430104",
                   "431021", "360102", "362426", "510107", "511621", "520102", "522121", "320106", "370102",
                   "450103", "530102", "610113", "620102", "500103", "440106")
MINORITIES = ("回族", "满族", "畲族", "土家族", "苗族", "壮族", "蒙古族")
# The demo's ID sequence numbers are 000–499 (250 per sex, birth date and region); the sample
# ledgers (demo.ledgers) use 500–999, so a sample ledger never collides with the demo people.
SEQ_RANKS = 250

# Special groups, at most one per person: (group, share of the people it applies to: ages, sexes).
SPECIAL_SHARES = (
    ("mental", 0.0025, 18, 99, "MF"), ("released", 0.0015, 18, 99, "M"), ("released", 0.0002, 18, 99, "F"),
    ("correction", 0.0006, 18, 99, "MF"), ("drug", 0.0004, 18, 59, "MF"), ("youth", 0.003, 12, 25, "MF"),
    ("petition", 0.0004, 35, 99, "MF"),
)
SPECIAL_NOTES = {  # demo data, stored encrypted with the group
    "released": "刑满释放，安置帮教期内，每季度走访",
    "correction": "社区矫正期内，每月报到",
    "drug": "社区戒毒康复中，定期尿检",
    "mental": "在册患者，家属监护，每月随访",
    "youth": "重点关爱对象，学校与社区共同帮扶",
    "petition": "信访事项已受理，定期回访",
}


# --- ages, names and ID numbers ------------------------------------------------------------------
@lru_cache(maxsize=512)
def _cumulative(lo: int, hi: int) -> tuple[float, ...]:
    return tuple(accumulate(_AGE_WEIGHTS[lo:hi + 1]))


def age_between(rng: random.Random, lo: int, hi: int) -> int:
    """An age in ``lo``…``hi`` (inclusive), as often as the pyramid has it."""
    lo, hi = max(0, lo), min(99, hi)
    if lo >= hi:
        return max(0, min(99, lo))
    cum = _cumulative(lo, hi)
    return lo + bisect.bisect_right(cum, rng.random() * cum[-1])


def birth_date(rng: random.Random, age: int, reference: dt.date) -> dt.date:
    """A birth date giving ``age`` on ``reference`` (a 1 January)."""
    year = reference.year - 1 - age
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(366 if year % 4 == 0 else 365))


class IdNumbers:
    """Resident ID numbers unique within the demo: the sequence code counts up per region, birth
    date and sex (a full day moves the birth a day earlier)."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, int, str], int] = defaultdict(int)

    def take(self, region: str, birth: dt.date, sex: str) -> str:
        while True:
            key = (region, birth.toordinal(), sex)
            rank = self.used[key]
            if rank < SEQ_RANKS:
                self.used[key] = rank + 1
                return make_id_number(region, birth, rank * 2 + (1 if sex == "M" else 0), sex)
            birth -= dt.timedelta(days=1)


# --- households ------------------------------------------------------------------------------------
@dataclass
class Member:
    relation: str
    age: int
    sex: str
    family: str = ""  # surname


# Household types by size: (weight, whose age is drawn from the pyramid — the head's or the first
# child's —, youngest, oldest, spouse, children, parents of the head, child's spouse, grandchildren).
# The others' ages follow from it (a mother 23–35 at a birth, spouses a few years apart), so
# the ages of the whole population come out close to the pyramid.
TEMPLATES = {
    2: ((21, "head", 55, 88, True, 0, 0, False, 0),   # elderly couple (空巢)
        (28, "head", 22, 38, True, 0, 0, False, 0),   # young couple
        (28, "child", 0, 30, False, 1, 0, False, 0),  # one parent and a child
        (22, "head", 48, 85, False, 1, 0, False, 0)),  # widowed parent and an adult child
    3: ((72, "child", 0, 30, True, 1, 0, False, 0),   # couple and a child
        (16, "head", 50, 78, True, 1, 0, False, 0),   # elderly couple and an unmarried adult child
        (12, "child", 0, 20, False, 1, 1, False, 0)),  # one parent, a child and a grandparent
    4: ((45, "child", 2, 28, True, 2, 0, False, 0),   # couple and two children
        (35, "child", 0, 25, True, 1, 1, False, 0),   # couple, a child and a grandparent
        (20, "head", 50, 75, True, 1, 0, False, 1)),  # elderly couple, a child and a grandchild
    5: ((45, "child", 0, 20, True, 1, 2, False, 0),
        (30, "child", 3, 25, True, 2, 1, False, 0),
        (25, "head", 50, 75, True, 1, 0, True, 1)),   # three generations: the child married, at home
    6: ((55, "child", 3, 22, True, 2, 2, False, 0),
        (45, "head", 52, 78, True, 1, 0, True, 2)),
}
SINGLES = ((42, 20, 34), (32, 35, 59), (26, 60, 99))  # people living alone: (weight, youngest, oldest)


def compose_household(rng: random.Random, size: int) -> list[Member]:
    """Members of a household of ``size`` (1–6), head first: relation, age on the reference day, sex."""
    def other(sex: str) -> str:
        return "F" if sex == "M" else "M"

    def any_sex() -> str:
        return "M" if rng.random() < 0.51 else "F"

    if size == 1:
        _w, lo, hi = rng.choices(SINGLES, weights=[s[0] for s in SINGLES])[0]
        age = age_between(rng, lo, hi)
        sex = ("F" if rng.random() < 0.64 else "M") if age >= 60 else any_sex()  # mostly widows
        return [Member("户主", age, sex)]

    templates = TEMPLATES[size]
    _w, anchor, lo, hi, spouse, children, parents, in_law, grandchildren = rng.choices(
        templates, weights=[t[0] for t in templates])[0]
    head_sex = "M" if rng.random() < 0.68 else "F"
    gap = rng.randint(-1, 5)  # the husband a little older, as a rule
    first_child = None
    if anchor == "child":
        first_child = age_between(rng, lo, hi)
        mother = first_child + rng.randint(23, 35)
        head_age = mother if head_sex == "F" else mother + gap
    else:
        head_age = age_between(rng, lo, hi)
    head = Member("户主", min(99, head_age), head_sex)
    members = [head]
    mother_age = head.age if head_sex == "F" else head.age - gap
    if spouse:
        partner = Member("配偶", min(99, max(20, head.age - gap if head_sex == "M" else head.age + gap)),
                         other(head_sex))
        members.append(partner)
    child_ages: list[int] = []
    for n in range(children):
        if n == 0:
            age = first_child if first_child is not None else max(0, mother_age - rng.randint(23, 35))
        else:
            age = max(0, child_ages[0] - rng.randint(1, 8))
        child_ages.append(age)
        members.append(Member("子女", age, any_sex()))
    if parents:
        father = min(99, head.age + rng.randint(25, 35))
        mother = min(99, max(head.age + 20, father - rng.randint(0, 4)))
        if parents == 2:
            members += [Member("父母", father, "M"), Member("父母", mother, "F")]
        else:  # mostly a widowed mother
            members.append(Member("父母", father, "M") if rng.random() < 0.35 else Member("父母", mother, "F"))
    youngest_parent = child_ages[0] if child_ages else head.age - 27
    if in_law and child_ages:
        child = next(m for m in members if m.relation == "子女")
        partner_age = max(20, child.age + rng.randint(-3, 3))
        members.append(Member("儿媳" if child.sex == "M" else "女婿", partner_age, other(child.sex)))
        youngest_parent = min(child.age, partner_age)
    for _n in range(grandchildren):  # grandchildren living with their grandparents are young
        members.append(Member("孙子女", rng.randint(0, max(0, min(16, youngest_parent - 22))), any_sex()))
    for m in members:
        m.age = min(99, max(0, m.age))
    _surnames(rng, members)
    return members


def _surnames(rng: random.Random, members: list[Member]) -> None:
    """Children take the father's surname; the head's father the head's; spouses keep their own."""
    head = members[0]
    head.family = surname(rng)
    husband = head if head.sex == "M" else next((m for m in members if m.relation == "配偶"), None)
    line = husband.family if husband is head else surname(rng) if husband else head.family
    son_in_law = None
    for m in members[1:]:
        if m.relation == "配偶":
            m.family = line if m.sex == "M" else surname(rng)
        elif m.relation == "子女":
            m.family = line
        elif m.relation == "父母":
            m.family = head.family if m.sex == "M" else surname(rng)
        elif m.relation == "女婿":
            m.family = son_in_law = surname(rng)
        elif m.relation == "儿媳":
            m.family = surname(rng)
        else:  # 孙子女
            m.family = son_in_law or line


@dataclass
class Resident:
    data: dict  # input for prepare_person
    age: int
    tags: list[str]
    special: str = ""  # a special group, or ""


@dataclass
class HouseholdPlan:
    unit: int
    floor: int
    room: str
    floating: bool
    members: list[Resident]
    use: str  # House.Use of the flat
    registered_house: bool  # the flat is in the house register
    owner: int | None = None  # index (in the building) of the household whose head owns the flat


@dataclass
class BuildingPlan:
    building_id: int
    address: str
    area_code: str
    units: int
    households: list[HouseholdPlan] = field(default_factory=list)
    other_houses: list[tuple[int, int, str, str, int | None]] = field(default_factory=list)  # unit, floor, room, use, owner

    @property
    def people(self) -> int:
        return sum(len(h.members) for h in self.households)


def household_sizes(rng: random.Random, households: int, people: int) -> list[int]:
    """``households`` sizes of 1–6 adding up to ``people`` (which must lie in households…6×households)."""
    sizes = rng.choices(SIZES, weights=SIZE_WEIGHTS, k=households)
    diff = people - sum(sizes)
    while diff > 0:
        i = rng.randrange(households)
        if sizes[i] < 6:
            sizes[i] += 1
            diff -= 1
    while diff < 0:
        i = rng.randrange(households)
        if sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
    return sizes


def _tags(rng: random.Random, age: int, sex: str, alone: bool, dibao: bool) -> list[str]:
    tags = []
    if age >= 60:
        tags.append("elderly")
        if alone:
            tags.append("alone")
    if age < 18:
        tags.append("minor")
    if rng.random() < (0.004 if age < 18 else 0.011 if age < 60 else 0.04):
        tags.append("disabled")
    if dibao:
        tags.append("dibao")
    party = age >= 18 and rng.random() < (0.03 if age < 30 else 0.06 if age < 60 else 0.085)
    if party:
        tags.append("party")
    veteran = age >= 20 and rng.random() < (0.035 if sex == "M" else 0.002)
    if veteran:
        tags.append("veteran")
    if (veteran and rng.random() < 0.25) or (age >= 18 and rng.random() < 0.001):
        tags.append("youfu")
    if 16 <= age <= 75 and rng.random() < (0.15 if party else 0.04):
        tags.append("volunteer")
    return sorted(tags)


def _special(rng: random.Random, age: int, sex: str) -> str:
    if age < 12:
        return ""
    for group, share, low, high, sexes in SPECIAL_SHARES:
        if low <= age <= high and sex in sexes and rng.random() < share:
            return group
    return ""


def plan_building(rng: random.Random, building: dict, households: int, people: int, ids: IdNumbers,
                  reference: dt.date) -> BuildingPlan:
    """Households and rooms of one building (``building``: id, address, area_code, floors, units)."""
    floors = max(1, building["floors"])
    per_floor = rooms_per_floor(floors)
    units = max(building.get("units") or 1, math.ceil(households * 1.1 / (floors * per_floor)))
    plan = BuildingPlan(building["id"], building["address"], building["area_code"], units)
    if households == 0:
        return plan
    rooms = [(u, f, k) for u in range(1, units + 1) for f in range(1, floors + 1) for k in range(1, per_floor + 1)]
    taken = sorted(rng.sample(range(len(rooms)), households))
    free = sorted(set(range(len(rooms))) - set(taken))
    for size, index in zip(household_sizes(rng, households, people), taken, strict=True):
        unit, floor, k = rooms[index]
        members = compose_household(rng, size)
        head = members[0]
        floating = rng.random() < (0.075 if head.age < 50 else 0.02)
        dibao = not floating and rng.random() < 0.012
        region = rng.choice(OTHER_PROVINCES) if floating else (building["area_code"][:6] or HOME_REGION)
        ethnicity = "汉族" if rng.random() < 0.98 else rng.choice(MINORITIES)
        room = f"{floor}{k:02d}"
        residents = []
        for m in members:
            birth = birth_date(rng, m.age, reference)
            own_region = region
            if not floating and m.age >= 18 and rng.random() < 0.18:
                own_region = rng.choice(ZHEJIANG_REGIONS)
            data = {
                "name": resident_name(rng, m.sex, birth.year, m.family),
                "id_number": ids.take(own_region, birth, m.sex),
                "residence": "floating" if floating else "registered",
                "ethnicity": ethnicity,
                "relation": m.relation,
                "address": f"{building['address']}{unit}单元{room}室",
            }
            if rng.random() < (0.0 if m.age < 14 else 0.5 if m.age < 18 else 0.6 if m.age >= 80 else 0.97):
                data["phone"] = mobile(rng)
            residents.append(Resident(data, m.age, _tags(rng, m.age, m.sex, size == 1, dibao),
                                      _special(rng, m.age, m.sex)))
        rented = floating or rng.random() < 0.10
        plan.households.append(HouseholdPlan(
            unit, floor, room, floating, residents, House.Use.RENTED if rented else House.Use.OWN,
            registered_house=rented or rng.random() < 0.65,
        ))
    # Owners: an owner-occupier's head owns the flat; a rented flat belongs to another household here.
    owners = [i for i, h in enumerate(plan.households) if h.use == House.Use.OWN]
    for i, h in enumerate(plan.households):
        h.owner = i if h.use == House.Use.OWN else (rng.choice(owners) if owners and rng.random() < 0.8 else None)
    # Empty flats in the register (about one in sixteen) and a shop or two on some ground floors.
    empty = rng.sample(free, min(len(free), round(households * rng.uniform(0.03, 0.09))))
    empty_set = set(empty)
    ground = [i for i in free if rooms[i][1] == 1 and i not in empty_set]
    shops = rng.sample(ground, min(len(ground), rng.choice((0, 0, 0, 1, 2))))
    for index, use in sorted([(i, House.Use.EMPTY) for i in empty] + [(i, House.Use.COMMERCIAL) for i in shops]):
        unit, floor, k = rooms[index]
        owner = rng.choice(owners) if owners and use == House.Use.EMPTY and rng.random() < 0.5 else None
        plan.other_houses.append((unit, floor, f"{floor}{k:02d}", use, owner))
    return plan


# --- writing -------------------------------------------------------------------------------------------
@dataclass
class PopulationStats:
    people: int = 0
    households: int = 0
    houses: int = 0
    tenancies: int = 0
    special_records: int = 0
    seconds: float = 0.0
    tags: Counter = field(default_factory=Counter)

    def line(self) -> str:
        rate = self.people / self.seconds if self.seconds else 0
        return (f"people: {self.people:,} in {self.households:,} households, houses: {self.houses:,}, "
                f"tenancies: {self.tenancies:,}, special-group records: {self.special_records:,} "
                f"({self.seconds:.1f} s, {rate:,.0f} people/s)")


def allocate(buildings: list[dict], people: int) -> list[tuple[int, int]]:
    """(households, people) per building: ``people`` shared out by the buildings' residents (exactly,
    by cumulative rounding), households kept in the buildings' ratio, 1–6 people each."""
    total = sum(b["residents"] for b in buildings)
    if total == 0 or people == 0:
        return [(0, 0)] * len(buildings)
    factor = people / total
    out, cumulative, given = [], 0, 0
    for b in buildings:
        cumulative += b["residents"]
        n = round(cumulative * factor) - given
        given += n
        if n == 0:
            out.append((0, 0))
            continue
        ratio = (b["households"] or max(1, b["residents"] // 3)) / max(1, b["residents"])
        households = min(n, max(math.ceil(n / 6), round(n * ratio)))
        out.append((households, n))
    return out


def load_population(seed: int = 1, people: int | None = None, *, root_code: str = DISTRICT_CODE,
                    progress: Callable[[str], None] = print, today: dt.date | None = None,
                    workers: int | None = None, ids: IdNumbers | None = None) -> PopulationStats:
    """Fill the buildings under ``root_code`` with people (``people``: how many; default what the
    buildings' ``residents`` say). One transaction; one audit row.

    ``workers``: processes preparing people (checks, encryption, blind indexes) while this one
    plans and writes; by default up to 4 for populations of 100,000 or more, where fork() is
    safe (see ``Preparer``). The result does not depend on it. ``ids``: the ID numbers already
    given (the districts of a demo city share them, so nobody's number repeats).
    """
    reference = dt.date((today or dt.date.today()).year, 1, 1)
    buildings = list(Building.objects.filter(area_code__startswith=root_code).exclude(area_code="").order_by("id")
                     .values("id", "address", "area_code", "floors", "units", "households", "residents"))
    target = sum(b["residents"] for b in buildings) if people is None else people
    stats = PopulationStats()
    if not buildings or target <= 0:
        return stats
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if target >= 100_000 else 0
    officers = dict(Area.objects.filter(level=Area.Level.GRID, code__startswith=root_code)
                    .values_list("code", "responsible_name"))
    ids = IdNumbers() if ids is None else ids
    started = time.perf_counter()
    changed: dict[str, dict[int, int]] = {"households": {}, "residents": {}, "units": {}}
    with transaction.atomic(), Preparer(workers) as preparer:
        pending = None  # the batch being prepared by the workers while the one before is written

        def write(batch, prepared) -> None:
            _write(batch, prepared.get(), stats, seed, reference, officers)
            if target >= 100_000:
                progress(f"people: {stats.people:,} of {target:,} "
                         f"({stats.people / (time.perf_counter() - started):,.0f}/s)")

        batch: list[BuildingPlan] = []
        allocation = allocate(buildings, target)
        for n, (building, (households, count)) in enumerate(zip(buildings, allocation, strict=True)):
            rng = random.Random(f"demo-population:{seed}:{building['address']}")
            plan = plan_building(rng, building, households, count, ids, reference)
            for key, value in (("households", households), ("residents", count), ("units", plan.units)):
                if building[key] != value:
                    changed[key][building["id"]] = value
            batch.append(plan)
            if sum(p.people for p in batch) >= BATCH_PEOPLE or n == len(buildings) - 1:
                submitted = (batch, preparer.submit([r.data for p in batch for h in p.households for r in h.members]))
                if pending is not None:
                    write(*pending)
                pending, batch = submitted, []
        if pending is not None:
            write(*pending)
        for column, values in changed.items():  # a population of another size than the buildings said
            bulk.update_column(Building, column, values)
        stats.seconds = time.perf_counter() - started
        audit.record("demo.population.bulk_create", actor=SYSTEM, object_type="registry.person", area_code=root_code,
                     detail={"seed": seed, "people": stats.people, "households": stats.households,
                             "houses": stats.houses, "tenancies": stats.tenancies,
                             "special_records": stats.special_records})
    progress(stats.line())
    return stats


def _prepare_many(data: list[dict]) -> list[dict]:
    """``prepare_person`` of each (in a worker process, or in this one)."""
    out = []
    for item in data:
        prepared = prepare_person(item)
        if prepared.errors:  # the generator's own bug: stop, nothing is written
            raise UserError(f"demo person {item['address']}: {prepared.errors}")
        out.append(prepared.values)
    return out


class _Done:
    def __init__(self, data: list[dict]) -> None:
        self.data = data

    def get(self) -> list[dict]:
        return _prepare_many(self.data)


class Preparer:
    """Prepares people in forked worker processes (``workers`` ≥ 2), or here when asked.

    Forked workers see this process as it is (settings, data key, active language) and touch
    no database: they inherit the connection but never use it, and leave through os._exit.
    Only where fork() exists and this process runs no other thread (fork() in a threaded
    one, such as the development server, could copy a lock another thread holds).
    """

    CHUNK = 2_000

    def __init__(self, workers: int) -> None:
        self.pool = None
        if (workers >= 2 and threading.active_count() == 1
                and "fork" in multiprocessing.get_all_start_methods()):
            self.pool = multiprocessing.get_context("fork").Pool(workers)

    def submit(self, data: list[dict]):
        if self.pool is None:
            return _Done(data)  # prepared when written
        result = self.pool.map_async(_prepare_many, [data[i:i + self.CHUNK] for i in range(0, len(data), self.CHUNK)])
        return _Joined(result)

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


class _Joined:
    def __init__(self, result) -> None:
        self.result = result

    def get(self) -> list[dict]:
        return [values for chunk in self.result.get() for values in chunk]


def _write(plans: list[BuildingPlan], prepared: list[dict], stats: PopulationStats, seed: int,
           reference: dt.date, officers: dict[str, str]) -> None:
    """Store a batch: people first, pointing at households and houses whose ids are reserved
    (foreign keys are checked at commit), then those with their heads and owners."""
    rng = random.Random(f"demo-houses:{seed}:{plans[0].address}")
    house_rows, house_owner = [], []  # owner: (plan, household) whose head owns the flat, or None
    household_house: dict[tuple[int, int], int] = {}
    for p, plan in enumerate(plans):
        for h, hh in enumerate(plan.households):
            if hh.registered_house:
                household_house[p, h] = len(house_rows)
                house_rows.append(_house_row(rng, plan, hh.unit, hh.floor, hh.room, hh.use))
                house_owner.append((p, hh.owner) if hh.owner is not None else None)
        for unit, floor, room, use, owner in plan.other_houses:
            house_rows.append(_house_row(rng, plan, unit, floor, room, use))
            house_owner.append((p, owner) if owner is not None else None)
    order = [(p, h) for p, plan in enumerate(plans) for h in range(len(plan.households))]
    house_ids = bulk.reserve_ids(House, len(house_rows))
    household_ids = bulk.reserve_ids(Household, len(order))

    rows, tags, where = [], [], {}  # where: (plan, household, member) → row
    values_of = iter(prepared)
    for n, (p, h) in enumerate(order):
        plan, hh = plans[p], plans[p].households[h]
        pos = household_house.get((p, h))
        for m, resident in enumerate(hh.members):
            values = next(values_of)
            values.update(building_id=plan.building_id, house_id=house_ids[pos] if pos is not None else None,
                          household_id=household_ids[n], area_code=plan.area_code)
            where[p, h, m] = len(rows)
            rows.append(values)
            tags.append(resident.tags)
            stats.tags.update(resident.tags)
    person_ids = bulk.insert_people(rows, tags=tags, actor_name=SYSTEM.get_username(), note=_("demo population"))

    def person(p: int, h: int, m: int = 0) -> int:
        return person_ids[where[p, h, m]]

    for row, owner in zip(house_rows, house_owner, strict=True):
        row["landlord_id"] = person(*owner) if owner is not None else None
    bulk.insert_rows(House, house_rows, ids=house_ids)
    # Household numbers as do_create_household gives them: grid code + the grid's serial.
    per_grid = Counter(plans[p].area_code for p, _h in order)
    serial = {code: next_serial(f"household:{code}", n) for code, n in sorted(per_grid.items())}
    household_rows = []
    for p, h in order:
        plan, hh = plans[p], plans[p].households[h]
        pos = household_house.get((p, h))
        household_rows.append({
            "number": f"{plan.area_code}{serial[plan.area_code]:05d}", "head_id": person(p, h),
            "building_id": plan.building_id, "house_id": house_ids[pos] if pos is not None else None,
            "area_code": plan.area_code, "address": f"{plan.address}{hh.unit}单元{hh.room}室",
        })
        serial[plan.area_code] += 1
    bulk.insert_rows(Household, household_rows, ids=household_ids)

    # Tenancies of the adults in rented flats; special-group records, sealed as the action does.
    tenancies, special = [], []
    for p, h in order:
        plan, hh = plans[p], plans[p].households[h]
        pos = household_house.get((p, h))
        for m, resident in enumerate(hh.members):
            if hh.use == House.Use.RENTED and pos is not None and resident.age >= 18:
                tenancies.append({
                    "house_id": house_ids[pos], "tenant_id": person(p, h, m), "area_code": plan.area_code,
                    "start": reference - dt.timedelta(days=rng.randrange(30, 1500)),
                    "police_filed": rng.random() < 0.85,
                })
            if resident.special:
                since = reference - dt.timedelta(days=rng.randrange(30, 2000))
                special.append({"person_id": person(p, h, m), "area_code": plan.area_code, "active": True,
                                **seal_special_record(resident.special, note=SPECIAL_NOTES[resident.special],
                                                      since=since, officer=officers.get(plan.area_code, ""))})
    bulk.insert_rows(Tenancy, tenancies)
    bulk.insert_rows(SpecialGroupRecord, special)
    stats.people += len(person_ids)
    stats.households += len(household_ids)
    stats.houses += len(house_ids)
    stats.tenancies += len(tenancies)
    stats.special_records += len(special)


def _house_row(rng: random.Random, plan: BuildingPlan, unit: int, floor: int, room: str, use: str) -> dict:
    area = rng.uniform(60, 200) if use == House.Use.COMMERCIAL else rng.uniform(38, 145)
    return {"building_id": plan.building_id, "unit": unit, "floor": floor, "number": room, "use": use,
            "floor_area_m2": Decimal(f"{area:.2f}"), "area_code": plan.area_code}
