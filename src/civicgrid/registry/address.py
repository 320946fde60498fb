"""Standard-address matching (门牌地址匹配): free text → a registered building.

The idea follows GB/T 30428.3's address model (区 / 街道 / 社区 / 道路 + 门牌号 / 小区 / 幢 /
单元 / 室): a standard address is road + door number (号) + compound (小区) + building (幢),
e.g. ``文三街6号枫丹新村1幢``. A hotline seat's or a ledger's text is normalised (traditional →
simplified, full-width → half-width, Chinese numerals → digits where they are numbers, 栋/号楼/座
→ 幢, 房 → 室), parsed into parts, and matched against the registered buildings.

Matching is two-level. The buildings are grouped into *sites* (road, door number, compound);
an inverted index over the sites' road and compound names (character bigrams and skip-bigrams,
so one wrong or missing character still leaves shared keys), over (road, number) and over the
compound name finds a few dozen likely sites for a query without looking at the others. Those
are scored field by field (road, number, compound; each name compared by characters and by
pinyin, so homophone typing errors of an input method cost little) and then the building
number picks the building inside the site.

Pure Python, no Django: plain data in, plain data out.

    matcher = AddressMatcher((b.id, b.address) for b in buildings)
    matcher.match("文三街6號楓丹新村1棟 2单元301室")  # [Candidate(id=…, address='文三街6号枫丹新村1幢', score=1.0), …]
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import opencc
from pypinyin import lazy_pinyin
from rapidfuzz.distance import Indel

__all__ = ["AddressMatcher", "AddressParts", "Candidate", "normalise", "parse"]

_T2S = opencc.OpenCC("t2s.json")

# --- normalisation -------------------------------------------------------------------------

_BREAK = "|"  # parse() keeps word breaks (spaces, punctuation) as this; normalise() drops them
_CJK = "\u4e00-\u9fff\u3400-\u4dbf"
_NOT_KEPT = re.compile(rf"[^0-9A-Z{_CJK}#]+")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "幺": 1}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百千幺]+")
# Words after which a Chinese numeral is a number: 三十二号, 十二幢, 二期, 三零一室, 二单元.
_COUNTERS = ("号", "幢", "栋", "座", "单元", "室", "房", "期", "层", "楼", "户", "组", "#")
_ROAD_ENDS = "街路巷弄道"
_SYNONYMS = [
    (re.compile(r"第(?=\d+(?:期|幢|栋|座|号楼|单元|层|室))"), ""),
    (re.compile(r"([0-9A-Z]+)(?:号楼|号幢|号栋|#楼|#|栋|座|幢)"), r"\1幢"),
    (re.compile(r"(\d+)(?:号房|房间|房|室)"), r"\1室"),
    (re.compile(r"#"), _BREAK),
]
_PROVINCES = (
    "北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|"
    "贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门"
)
_COUNTRY = re.compile(r"^(?:中华人民共和国|中国)\|?")
_PROVINCE = re.compile(
    rf"^(?:{_PROVINCES})(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)\|?"
)
_PROVINCE_BARE = re.compile(rf"^(?:{_PROVINCES})(?=[{_CJK}]{{2,4}}?市)")
_CITY = re.compile(rf"^[{_CJK}]{{2,4}}?市\|?")
_CITY_BEFORE_DISTRICT = re.compile(rf"^[{_CJK}]{{2,4}}?市\|?(?=[{_CJK}]{{1,4}}?(?<!小)[区县])")
_BREAKS = re.compile(r"\|+")
# A break matters only where it parts two numbers or a name from a number (枫丹新村1 2单元); between
# words (枫 丹新村), before a counter (6 号) or before a numbered name part (东方苑 5期) it is noise.
_LOOSE_BREAK = re.compile(
    r"(?<![0-9A-Z])\|(?![0-9A-Z])"
    r"|(?<=[0-9])\|(?=期|号|幢|栋|座|单元|室|房|层|楼|#|街|路)"
    r"|\|(?=[0-9]+(?:期|街|路|巷|弄))"
)


def _cn_number(run: str) -> str:
    """三十二 → 32, 二百零五 → 205, 十 → 10; 三零一 → 301 (read digit by digit)."""
    if not any(ch in _CN_UNITS for ch in run):
        return "".join(str(_CN_DIGITS[ch]) for ch in run)
    total = current = 0
    for ch in run:
        if ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return str(total + current)


def _convert_numerals(s: str) -> str:
    """Chinese numerals → digits where they are numbers: before a counter (六号, 二期), after 第 or a
    road (文三街六), or closing the text after a number or a compound (…6号枫丹新村一, 枫丹新村一). Names
    keep theirs (文三街, 三墩镇, 一品苑)."""
    out: list[str] = []
    pos = 0
    seen_digit = False
    for m in _CN_RUN.finditer(s):
        start, end = m.span()
        after = s[end:]
        before = s[start - 1] if start else ""
        seen_digit = seen_digit or any(ch.isdigit() for ch in s[pos:start])
        is_number = (
            after.startswith(_COUNTERS)
            or before == "第"
            or (before != "" and before in "街路巷弄" and not after.startswith(("街", "路", "道")))
            or ((not after or after[0] == _BREAK) and (seen_digit or (before != "" and before in "村园苑寓期")))
        )
        out.append(s[pos:start])
        out.append(_cn_number(m.group()) if is_number else m.group())
        seen_digit = seen_digit or is_number
        pos = end
    out.append(s[pos:])
    return "".join(out)


def _drop_region(s: str) -> str:
    s = _COUNTRY.sub("", s)
    province = _PROVINCE.match(s) or _PROVINCE_BARE.match(s)
    if province:
        s = s[province.end():].lstrip(_BREAK)
        s = _CITY.sub("", s, count=1)
    else:
        s = _CITY_BEFORE_DISTRICT.sub("", s, count=1)
    return s.lstrip(_BREAK)


def _normalise(text: str) -> str:
    """Normalised text that keeps word breaks as ``|`` (parse needs them: 枫丹新村1 2单元)."""
    s = unicodedata.normalize("NFKC", text).upper()
    s = _T2S.convert(s)
    s = _NOT_KEPT.sub(_BREAK, s)
    s = _convert_numerals(_BREAKS.sub(_BREAK, s))
    s = _LOOSE_BREAK.sub("", s)
    for pattern, repl in _SYNONYMS:
        s = pattern.sub(repl, s)
    s = _BREAKS.sub(_BREAK, s).strip(_BREAK)
    return _drop_region(s)


def normalise(text: str) -> str:
    """Canonical form of an address: simplified, half-width, Arabic numbers, 幢/室, no spaces or punctuation.

    >>> normalise("浙江省杭州市 文三街六號 楓丹新村十二棟 二單元三零一房")
    '文三街6号枫丹新村12幢2单元301室'
    """
    return _normalise(text or "").replace(_BREAK, "")


# --- parsing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressParts:
    district: str = ""
    street: str = ""  # 街道 / 镇 / 乡
    community: str = ""  # 社区 / 村
    road: str = ""
    number: str = ""  # 门牌号, digits
    compound: str = ""  # 小区, with its phase (春江家园20期)
    building: str = ""  # 幢 number
    unit: str = ""
    room: str = ""


_DISTRICT = re.compile(rf"^[{_CJK}]{{1,5}}?[区县](?!道|路|街)")
_STREET = re.compile(rf"^[{_CJK}0-9]{{1,6}}?(?:街道|镇|乡)")
_COMMUNITY = re.compile(rf"^[{_CJK}0-9]{{1,6}}?(?:社区|村)")
_TOKEN = re.compile(r"(\d+|[A-Z]\d*(?=幢|单元|室))(号|幢|单元|室|层|楼)?")  # A座 → building A
_NAME_DIGITS = ("街", "路", "巷", "弄", "道", "期", "大道")  # digits before these belong to the name
_ROAD_RANK = re.compile(rf"[{_CJK}]\d")  # 华星2揭154号, 学院2结226: the 2 is in the road name
_ROAD_SPLIT = re.compile(rf"^(.+?(?:大道|[{_ROAD_ENDS}]))(?!道)(.+)$")
_AREA_WORDS = ("小区", "园区", "校区", "景区", "社区")
_COMPOUND_ENDS = (
    "花园", "小区", "新村", "家园", "公寓", "苑", "园", "村", "庭", "府", "城", "湾", "居", "大厦", "广场", "公馆",
    "里", "坊", "邸", "轩", "阁", "墅", "舍", "寓",
)
_PHASE = re.compile(r"\d+期")
_PHASE_ONLY = re.compile(r"\d+期$")  # 阳光锌村11期: a compound with a typo, not 村 + phase


def _strip_admin(name: str, fields: dict[str, str]) -> str:
    """Takes district / street / community words off the front of ``name`` into ``fields``."""
    m = _DISTRICT.match(name)
    if m and not m.group().endswith(_AREA_WORDS) and not _PHASE_ONLY.match(name, m.end()):
        fields.setdefault("district", m.group())
        name = name[m.end():]
    m = _STREET.match(name)
    if m and not _PHASE_ONLY.match(name, m.end()):
        fields.setdefault("street", m.group())
        name = name[m.end():]
    m = _COMMUNITY.match(name)
    if (
        m and not m.group().endswith("新村")
        and (m.group().endswith("社区") or name[m.end():])
        and not _PHASE_ONLY.match(name, m.end())
    ):
        fields.setdefault("community", m.group())
        name = name[m.end():]
    return name


def _tokens(s: str) -> list[tuple[str, str, str]]:
    """``("name", text, "")`` and ``("num", digits, unit-or-"")`` in order; breaks end a name."""
    tokens: list[tuple[str, str, str]] = []
    for chunk in s.split(_BREAK):
        name_start = 0
        for m in _TOKEN.finditer(chunk):
            if m.group(2) is None and (
                chunk.startswith(_NAME_DIGITS, m.end()) or _ROAD_RANK.match(chunk, m.end())
            ):
                continue  # 华星2街, 春江家园20期 (also 华星2揭154号, a typo): part of the name
            if m.start() > name_start:
                tokens.append(("name", chunk[name_start:m.start()], ""))
            tokens.append(("num", m.group(1), m.group(2) or ""))
            name_start = m.end()
        if name_start < len(chunk):
            tokens.append(("name", chunk[name_start:], ""))
    return tokens


def _is_admin(name: str) -> bool:
    """A leftover district, street or community word (not a compound such as 阳光小区)."""
    return name.endswith(("街道", "镇", "乡", "社区")) or (name.endswith(("区", "县")) and not name.endswith(_AREA_WORDS))


def _is_road(name: str) -> bool:
    return name.endswith(("大道", *_ROAD_ENDS)) and not name.endswith("街道")


def _parse(text: str) -> tuple[AddressParts, list[str]]:
    """The parts and the leftover name words that fitted no part (for the fuzzy fallback)."""
    fields: dict[str, str] = {}
    tokens = _tokens(_normalise(text or ""))
    # Names first: what each looks like (road: 文三街; compound: 枫丹新村, 春江家园20期).
    names: dict[int, tuple[str, str]] = {}  # token index -> (name, kind)
    for i, (kind, value, _) in enumerate(tokens):
        if kind == "name":
            name = _strip_admin(value, fields)
            split = _ROAD_SPLIT.match(name)
            if not name:
                continue
            if _is_road(name):
                names[i] = (name, "road")
            elif split and _is_road(split.group(1)):
                names[i] = (name, "split")
            elif _is_admin(name):
                names[i] = (name, "admin")
            elif name.endswith(_COMPOUND_ENDS) or _PHASE.search(name):
                names[i] = (name, "compound")
            else:
                names[i] = (name, "unknown")
    has_road = any(kind in ("road", "split") for _, kind in names.values())
    looks_compound = [i for i, (_, kind) in names.items() if kind == "compound"]
    if not has_road and len(looks_compound) > 1:
        # Two compound-like words and no road: the first, if a door number follows it, is a road whose
        # 街 went missing (花园街234号 → 花园234号府苑公寓…).
        first = looks_compound[0]
        if first + 1 < len(tokens) and tokens[first + 1][0] == "num" and tokens[first + 1][2] == "号":
            names[first] = (names[first][0], "unknown")
    has_compound = any(kind in ("compound", "split") for _, kind in names.values())
    extra: list[str] = []
    roles: list[str] = []  # role of each token: road, compound, number, building, unit, room, floor, ""
    for i, (kind, value, unit) in enumerate(tokens):
        if kind == "name":
            if i not in names:
                roles.append("")
                continue
            name, looks = names[i]
            following = tokens[i + 1][2] if i + 1 < len(tokens) and tokens[i + 1][0] == "num" else None
            if looks == "split" and "road" not in fields:
                fields["road"], name = _ROAD_SPLIT.match(name).group(1, 2)
                looks = "compound"
            if looks == "unknown":
                # A word before a door number is the road (文三6号, a 街 dropped); otherwise the compound.
                if not has_road and (following == "号" or (following == "" and has_compound)):
                    looks, has_road = "road", True
                elif not has_compound:
                    looks, has_compound = "compound", True
            role = looks if looks in ("road", "compound") else ""
            if not role or role in fields:
                extra.append(name)
                roles.append("")
                continue
            fields[role] = name
            roles.append(role)
            continue
        role = {"号": "number", "幢": "building", "单元": "unit", "室": "room", "层": "floor", "楼": "floor"}.get(unit)
        previous = roles[-1] if roles else ""
        if role == "number" and previous == "compound":
            role = "building"  # 枫丹新村3号: a building numbered with 号
        if role is None:  # an unlabelled number: its place says what it is
            if previous == "road" and "number" not in fields:
                role = "number"
            elif "building" not in fields and (previous == "compound" or "compound" in fields):
                role = "building"
            elif "building" in fields and len(value) >= 3 or "unit" in fields:
                role = "room"
            elif "building" in fields:
                role = "unit"
            elif "number" not in fields:
                role = "number"
            else:
                role = "building"
        fields.setdefault(role, value.lstrip("0") or "0")
        roles.append(role)
    fields.pop("floor", None)
    return AddressParts(**fields), extra


def parse(text: str) -> AddressParts:
    """Splits an address into its parts; a part that is not there is ""."""
    return _parse(text)[0]


# --- matching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    id: int
    address: str
    score: float


@lru_cache(maxsize=65536)
def _syllable(ch: str) -> str:
    return lazy_pinyin(ch)[0] if ch >= "\u3400" else ch


def _pinyin(name: str) -> tuple[str, ...]:
    return tuple(_syllable(ch) for ch in name)


_ARABIC_TO_CN = str.maketrans("0123456789", "零一二三四五六七八九")


def _road_key(road: str) -> str:
    """Road names compare with their ordinal digits in Chinese: 华星2街 = 华星二街."""
    return road.translate(_ARABIC_TO_CN)


def _grams(name: str) -> set[str]:
    """Character bigrams and skip-bigrams (a?b): one changed or missing character keeps some."""
    grams = {name[i:i + 2] for i in range(len(name) - 1)}
    grams.update(name[i] + "\x00" + name[i + 2] for i in range(len(name) - 2))
    if len(name) == 1:
        grams.add(name)
    return grams


def _similarity(a: str, b: str, a_py: tuple[str, ...], b_py: tuple[str, ...]) -> float:
    """Share of characters in common, or of pinyin syllables (homophone typing errors) a bit less."""
    chars = Indel.normalized_similarity(a, b)
    if chars == 1.0:
        return 1.0
    return max(chars, 0.95 * Indel.normalized_similarity(a_py, b_py))


class _Site:
    __slots__ = ("road", "road_py", "number", "compound", "compound_py", "buildings", "site_id")

    def __init__(self, site_id: int, road: str, number: str, compound: str):
        self.site_id = site_id
        self.road = _road_key(road)
        self.road_py = _pinyin(self.road)
        self.number = number
        self.compound = compound
        self.compound_py = _pinyin(compound)
        self.buildings: list[tuple[str, int, str]] = []  # (building, id, address)


# Field weights of the site score; a field missing from the query does not count.
_W_ROAD, _W_NUMBER, _W_COMPOUND = 0.20, 0.25, 0.55
_SPARSE_PENALTY = 0.25  # score × (1 − 0.25 × weight of the fields the query lacks)
_BUILDING_EXACT, _BUILDING_OTHER, _BUILDING_UNKNOWN = 1.0, 0.8, 0.9
_SHORTLIST = 24  # sites scored in full per query
_MIN_SCORE = 0.5


class AddressMatcher:
    """Matches free-text addresses to registered buildings' standard addresses.

    ``candidates``: ``(building id, standard address)`` pairs. Build once (≈ 0.5 s for 20,000
    buildings) and reuse; ``match`` is read-only and safe to call from several threads.
    """

    def __init__(self, candidates: Iterable[tuple[int, str]]):
        self._sites: list[_Site] = []
        by_key: dict[tuple[str, str, str], _Site] = {}
        for building_id, address in candidates:
            parts, extra = _parse(address)
            compound = parts.compound or "".join(extra)
            key = (parts.road, parts.number, compound)
            site = by_key.get(key)
            if site is None:
                site = by_key[key] = _Site(len(self._sites), parts.road, parts.number, compound)
                self._sites.append(site)
            site.buildings.append((parts.building, building_id, address))
        for site in self._sites:
            site.buildings.sort(key=lambda b: (_building_order(b[0]), b[1]))

        postings: dict[str, list[int]] = {}
        road_number: dict[tuple[str, str], list[int]] = {}
        compound_sites: dict[str, list[int]] = {}
        number_sites: dict[str, list[int]] = {}
        for site in self._sites:
            for gram in _grams(site.road) | _grams(site.compound):
                postings.setdefault(gram, []).append(site.site_id)
            road_number.setdefault((site.road, site.number), []).append(site.site_id)
            compound_sites.setdefault(site.compound, []).append(site.site_id)
            number_sites.setdefault(site.number, []).append(site.site_id)
        n = max(1, len(self._sites))
        # Each gram weighs by its rarity (idf), so 花园 or 新村 count for little.
        self._postings = {
            gram: (math.log(1 + n / len(ids)), np.array(ids, dtype=np.int32)) for gram, ids in postings.items()
        }
        self._road_number = {key: np.array(ids, dtype=np.int32) for key, ids in road_number.items()}
        self._compound = {key: np.array(ids, dtype=np.int32) for key, ids in compound_sites.items()}
        self._number = {key: np.array(ids, dtype=np.int32) for key, ids in number_sites.items()}

    def __len__(self) -> int:
        return sum(len(site.buildings) for site in self._sites)

    def match(self, text: str, limit: int = 5) -> list[Candidate]:
        """Best ``limit`` buildings for ``text``, best first; [] if nothing is plausible."""
        if limit <= 0 or not text:
            return []
        parts, extra = _parse(text)
        road = _road_key(parts.road)
        compound = parts.compound
        names = [n for n in (road, compound, *extra) if n]
        if not names:
            return []

        # 1. Shortlist of sites through the inverted index: summed idf of the grams they share.
        grams: set[str] = set()
        for name in names:
            grams |= _grams(name)
        hits = [self._postings[g] for g in grams if g in self._postings]
        if not hits:
            return []
        ids = np.concatenate([h[1] for h in hits])
        weights = np.repeat([h[0] for h in hits], [len(h[1]) for h in hits])
        votes = np.bincount(ids, weights=weights, minlength=len(self._sites))
        if parts.number:
            exact = self._road_number.get((road, parts.number))
            if exact is not None:
                votes[exact] += 20.0
            same_number = self._number.get(parts.number)
            if same_number is not None:
                votes[same_number] += np.where(votes[same_number] > 0, 3.0, 0.0)
        exact = self._compound.get(compound)
        if exact is not None:
            votes[exact] += 20.0
        k = min(_SHORTLIST, len(votes))
        top = np.argpartition(-votes, k - 1)[:k]
        shortlist = [int(sid) for sid in top[np.argsort(-votes[top], kind="stable")] if votes[sid] > 0]

        # 2. Field-by-field score of each shortlisted site. Words the parse could not place
        # (``extra``) may still be the road or the compound: each field takes its best.
        road_options = [(r, _pinyin(r)) for r in ([road] + extra if road else [])]
        compound_options = [(c, _pinyin(c)) for c in ([compound] if compound else []) + extra]
        loose = "" if compound or not extra else road + "".join(extra)
        loose_py = _pinyin(loose)
        scored: list[tuple[float, int, _Site]] = []
        for sid in shortlist:
            site = self._sites[sid]
            total = weight = 0.0
            if road_options:
                total += _W_ROAD * max(_similarity(r, site.road, r_py, site.road_py) for r, r_py in road_options)
                weight += _W_ROAD
            if parts.number:
                if parts.number == site.number:
                    total += _W_NUMBER
                elif site.number:  # a mistyped number (16 for 18) keeps a little
                    total += _W_NUMBER * 0.5 * Indel.normalized_similarity(parts.number, site.number)
                weight += _W_NUMBER
            if compound_options:
                best = max(_similarity(c, site.compound, c_py, site.compound_py) for c, c_py in compound_options)
                if loose:  # no compound found: the words may run road and compound together
                    whole = site.road + site.compound
                    best = max(best, _similarity(loose, whole, loose_py, site.road_py + site.compound_py))
                total += _W_COMPOUND * best
                weight += _W_COMPOUND
            # A query that names fewer fields says less: 文三街 alone fits sixty compounds equally.
            scored.append((total / weight * (1 - _SPARSE_PENALTY * (1 - weight)), sid, site))
        scored.sort(key=lambda t: (-t[0], t[1]))

        # 3. Buildings of the best sites: the building number picks inside a site.
        results: list[tuple[float, int, int, int, str]] = []
        floor = _MIN_SCORE  # the limit-th best score so far: sites below it cannot enter
        for site_score, sid, site in scored:
            if site_score * _BUILDING_EXACT < floor:
                break
            for order, (building, building_id, address) in enumerate(site.buildings):
                if not parts.building:
                    factor = _BUILDING_UNKNOWN
                elif building == parts.building:
                    factor = _BUILDING_EXACT
                else:
                    factor = _BUILDING_OTHER
                score = site_score * factor
                if score >= _MIN_SCORE:
                    results.append((score, sid, order, building_id, address))
            if len(results) >= limit:
                floor = max(floor, heapq.nlargest(limit, [r[0] for r in results])[-1])
        best = heapq.nsmallest(limit, results, key=lambda r: (-r[0], r[1], r[2]))
        return [Candidate(building_id, address, round(score, 4)) for score, _, _, building_id, address in best]


def _building_order(building: str) -> tuple[int, str]:
    return (int(building), "") if building.isdigit() else (1 << 30, building)
