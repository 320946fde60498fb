"""Sample resident ledgers (台账) with a known share of deliberately bad rows, for trying the
import, for its tests and for ``benchmarks/bench_import.py``.

Every bad row is bad for exactly one reason, and the generator says which rows and why, so
a test can compare the preview with the truth.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from civicgrid.core.idnumber import make_id_number

from .names import mobile, person_name

HEADER = ["姓名", "证件类型", "证件号码", "联系电话", "户籍类型", "民族", "楼栋地址", "房号", "户号", "与户主关系", "标签"]
BAD_KINDS = ("checksum", "unknown_building", "duplicate_in_file", "outside", "bad_phone", "no_name")
# Ages by ten-year bands, roughly the 2020 census of an eastern city district: 60+ ≈ 19 %.
AGE_BANDS = ((0, 9), (10, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 79), (80, 99))
AGE_WEIGHTS = (11.5, 10.5, 12.0, 16.0, 14.5, 16.5, 11.0, 5.5, 2.5)
# Service-group tags beside the age ones: (label, share of the people old enough)
OTHER_TAGS = (("残疾人", 0.015, 0), ("低保对象", 0.01, 0), ("党员", 0.06, 18), ("退役军人", 0.012, 20),
              ("优抚对象", 0.004, 20), ("志愿者", 0.03, 14))
OTHER_REGIONS = ("330102", "330105", "330110", "340104", "320106", "410105", "510107", "420106")


@dataclass
class SampleLedger:
    header: list[str]
    rows: list[list[str]]
    bad: dict[int, str] = field(default_factory=dict)  # file row number (header = 1) → bad kind

    @property
    def good_count(self) -> int:
        return len(self.rows) - len(self.bad)


def people_ledger(
    addresses: list[str], n: int, *, bad_share: float = 0.01, seed: int = 1, outside: list[str] = (),
    region: str = "330106", id_offset: int = 0, today: dt.date | None = None, floating_share: float = 0.05,
) -> SampleLedger:
    """``n`` residents living at ``addresses`` (registered building addresses the importer may
    write to); ``outside`` are registered addresses outside the importer's jurisdiction.

    ID numbers are unique within the ledger; ``id_offset`` shifts the sequence numbers so
    ledgers with other offsets rarely share one. They never share one with the demo
    population (sequence codes 500–999 here, 000–499 there).
    """
    rng = random.Random(seed)
    today = today or dt.date.today()
    n_bad = round(n * bad_share)
    kinds = [k for k in BAD_KINDS if k != "outside" or outside]
    bad_at = sorted(rng.sample(range(1, n), n_bad))  # never the first row: a duplicate needs one before it if n_bad else []
    bad_kind = {i: kinds[j % len(kinds)] for j, i in enumerate(bad_at)}
    rows: list[list[str]] = []
    bad: dict[int, str] = {}
    household = 0
    last_good_id = ""
    used: set = set()
    members_left = 0
    for i in range(n):
        if members_left == 0:
            household += 1
            members_left = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6))
            address = rng.choice(addresses)
            room = f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
            relation = "户主"
        else:
            relation = rng.choice(("配偶", "子女", "子女", "父母", "孙子女"))
        members_left -= 1
        sex = rng.choice("MF")
        # ages by a rough pyramid; (region, birth date, sequence) drawn again if already used
        region_code = region if rng.random() > 0.05 else rng.choice(OTHER_REGIONS)
        while True:
            low, high = rng.choices(AGE_BANDS, AGE_WEIGHTS)[0]
            age = rng.randint(low, high)
            birth = today - dt.timedelta(days=age * 365 + rng.randrange(365))
            # sequence codes 500–999: the demo population (demo.population) uses 000–499
            seq = 500 + ((rng.randrange(250) + id_offset) % 250) * 2 + (1 if sex == "M" else 0)
            if (region_code, birth, seq) not in used:
                used.add((region_code, birth, seq))
                break
        number = make_id_number(region_code, birth, seq, sex)
        age = (today - birth).days // 365
        tags = []
        if age >= 60:
            tags.append("老年人")
        if age < 18:
            tags.append("未成年人")
        for label, share, min_age in OTHER_TAGS:
            if age >= min_age and rng.random() < share:
                tags.append(label)
        row = [person_name(rng), "居民身份证", number, mobile(rng) if age >= 16 else "",
               "流动人口" if rng.random() < floating_share else "户籍人口", "汉族", address, room,
               f"H{seed:02d}{household:08d}", relation, "、".join(tags)]
        kind = bad_kind.get(i)
        if kind == "checksum":
            row[2] = number[:17] + ("0" if number[17] != "0" else "1")
        elif kind == "unknown_building":
            row[6] = address + "不存在的楼"
        elif kind == "duplicate_in_file":
            row[2] = last_good_id
        elif kind == "outside":
            row[6] = rng.choice(outside)
        elif kind == "bad_phone":
            row[3] = "1381234"
        elif kind == "no_name":
            row[0] = ""
        if kind:
            bad[i + 2] = kind
            row[8] = f"X{seed:02d}{i:08d}"  # alone in its own household, so no good row depends on it
            row[9] = "户主"
        else:
            last_good_id = number
        rows.append(row)
    return SampleLedger(HEADER, rows, bad)
