"""Standard-address matching: normalise(), parse() and AddressMatcher on the demo's buildings (no database)."""

from __future__ import annotations

import random

import opencc
import pytest

from civicgrid.demo.layout import build_layout, buildings_for
from civicgrid.registry.address import AddressMatcher, AddressParts, Candidate, normalise, parse

TARGET = "文三街6号枫丹新村1幢"  # the first building of the demo at seed 1; its compound has 9 buildings


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return buildings_for(build_layout(seed=1, scale=4), seed=1)


@pytest.fixture(scope="module")
def candidates(rows) -> list[tuple[int, str]]:
    return [(i + 1, row["address"]) for i, row in enumerate(rows)]


@pytest.fixture(scope="module")
def matcher(candidates) -> AddressMatcher:
    return AddressMatcher(candidates)


@pytest.fixture(scope="module")
def target_id(candidates) -> int:
    return next(i for i, a in candidates if a == TARGET)


# Phases (20期), road ordinals (华星2街) and near-identical compounds, as at larger scales.
SMALL = [
    (1, "华星2街240号春江家园20期6幢"),
    (2, "华星2街240号春江家园20期7幢"),
    (3, "华星街12号春江家园2期6幢"),
    (4, "学院路14号嘉绿苑3幢"),
    (5, "学院路14号嘉绿苑4幢"),
    (6, "学院路16号嘉绿苑2期3幢"),
    (7, "文三街6号枫丹新村1幢"),
]


# --- normalise -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("文三街6号枫丹新村1幢", "文三街6号枫丹新村1幢"),
        ("三十二号", "32号"),
        ("十二幢", "12幢"),
        ("二期", "2期"),
        ("第二期", "2期"),
        ("二百四十号", "240号"),
        ("一百零五号", "105号"),
        ("三零一室", "301室"),
        ("文三街六号枫丹新村一幢", "文三街6号枫丹新村1幢"),
        ("文三街六枫丹新村一", "文三街6枫丹新村1"),  # after a road, and at the end, a numeral is a number
        ("枫丹新村一", "枫丹新村1"),
        ("一", "一"),
        ("文新街道三墩社区", "文新街道三墩社区"),
        ("文三街6號楓丹新村1棟", "文三街6号枫丹新村1幢"),
        ("ＡＢ文三街６号", "AB文三街6号"),
        ("枫丹新村1号楼", "枫丹新村1幢"),
        ("枫丹新村1栋", "枫丹新村1幢"),
        ("枫丹新村A座", "枫丹新村A幢"),
        ("枫丹新村1#楼", "枫丹新村1幢"),
        ("2单元301房", "2单元301室"),
        ("文三街 6号，枫丹新村（1幢）", "文三街6号枫丹新村1幢"),
        ("浙江省杭州市西湖区文新街道文三街6号", "西湖区文新街道文三街6号"),
        ("浙江省 杭州市 西湖区", "西湖区"),
        ("杭州市西湖区文三街6号", "西湖区文三街6号"),
        ("中国浙江省杭州市文三街6号", "文三街6号"),
        ("浙江省杭州市 文三街六號 楓丹新村十二棟 二單元三零一房", "文三街6号枫丹新村12幢2单元301室"),
        # Numerals that are names stay: 文一街, 三墩镇, 一品苑; 城市花园 is no city.
        ("文一街8号", "文一街8号"),
        ("三墩镇", "三墩镇"),
        ("一品苑3幢", "一品苑3幢"),
        ("城市花园3幢", "城市花园3幢"),
        ("", ""),
        ("  ！！ ", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


# --- parse ---------------------------------------------------------------------------------


def test_parse_full_address():
    assert parse("西湖区文新街道华星社区文三街6号枫丹新村1幢2单元301室") == AddressParts(
        district="西湖区", street="文新街道", community="华星社区", road="文三街", number="6",
        compound="枫丹新村", building="1", unit="2", room="301",
    )


@pytest.mark.parametrize(
    ("text", "road", "number", "compound", "building"),
    [
        ("文三街6号枫丹新村1幢", "文三街", "6", "枫丹新村", "1"),
        ("华星2街240号春江家园20期6幢", "华星2街", "240", "春江家园20期", "6"),
        ("学院路14号嘉绿苑3幢", "学院路", "14", "嘉绿苑", "3"),
        ("华星二街二百四十号春江家园二十期六栋", "华星二街", "240", "春江家园20期", "6"),
        ("枫丹新村1幢 文三街6号", "文三街", "6", "枫丹新村", "1"),
        ("文三街6枫丹新村1", "文三街", "6", "枫丹新村", "1"),
        ("文三6号枫丹新村1幢", "文三", "6", "枫丹新村", "1"),  # 街 dropped: the word before 号 is the road
        ("文三街6号枫丹新村3号", "文三街", "6", "枫丹新村", "3"),  # a building numbered with 号
        ("阳光小区5栋", "", "", "阳光小区", "5"),
        ("文三街6号", "文三街", "6", "", ""),
    ],
)
def test_parse_parts(text, road, number, compound, building):
    parts = parse(text)
    assert (parts.road, parts.number, parts.compound, parts.building) == (road, number, compound, building)


def test_parse_admin_prefix_and_unit_room():
    parts = parse("三墩镇骆家庄村华星街12号阳光小区3号楼2单元501室")
    assert parts.street == "三墩镇" and parts.community == "骆家庄村"
    assert (parts.road, parts.number, parts.compound, parts.building) == ("华星街", "12", "阳光小区", "3")
    assert (parts.unit, parts.room) == ("2", "501")


def test_parse_lettered_building():
    parts = parse("枫丹新村A座2单元301")
    assert (parts.compound, parts.building, parts.unit, parts.room) == ("枫丹新村", "A", "2", "301")


def test_parse_dashed_building_unit_room():
    parts = parse("枫丹新村1-2-301")
    assert (parts.compound, parts.building, parts.unit, parts.room) == ("枫丹新村", "1", "2", "301")


@pytest.mark.parametrize("text", ["", "   ", "！？"])
def test_parse_empty(text):
    assert parse(text) == AddressParts()


# --- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "文三街6号枫丹新村1幢",
        # 号 or 幢 missing
        "文三街6枫丹新村1",
        "文三街6号枫丹新村1",
        "文三街6枫丹新村1幢",
        # wrong order
        "枫丹新村1幢 文三街6号",
        "枫丹新村1幢文三街6号",
        # traditional characters
        "文三街6號楓丹新村1棟",
        # Chinese numerals
        "文三街六号枫丹新村一幢",
        "文三街六枫丹新村一",
        # one character mistyped or dropped in the compound or the road
        "文三街6号枫新村1幢",
        "文三街6号风丹新村1幢",  # homophone, as an input method offers it
        "文三街6号枫丹新材1幢",
        "文三街6号枫丹村1幢",
        "文山街6号枫丹新村1幢",
        "文街6号枫丹新村1幢",
        "文三6号枫丹新村1幢",
        # unit / room appended, prefixes, synonyms, full width
        "文三街6号枫丹新村1幢2单元301室",
        "文三街6号枫丹新村1幢 2单元 301",
        "文三街6号枫丹新村1-2-301",
        "西湖区文新街道文三街6号枫丹新村1幢",
        "浙江省杭州市西湖区 文三街６号 枫丹新村１号楼 ２单元３０１",
        "枫丹新村1栋",
    ],
)
def test_messy_queries_rank_the_building_first(matcher, target_id, query):
    result = matcher.match(query)
    assert result, query
    assert result[0].id == target_id and result[0].address == TARGET
    assert all(isinstance(c, Candidate) and 0 < c.score <= 1 for c in result)
    assert [c.score for c in result] == sorted((c.score for c in result), reverse=True)


def test_exact_address_scores_one(matcher, target_id):
    best = matcher.match(TARGET)[0]
    assert (best.id, best.score) == (target_id, 1.0)


def test_wrong_building_scores_lower_than_the_exact_one(matcher, candidates):
    result = matcher.match("文三街6号枫丹新村2幢", limit=10)
    assert result[0].address == "文三街6号枫丹新村2幢"
    others = [c for c in result[1:] if c.address.startswith("文三街6号枫丹新村")]
    assert others and all(c.score < result[0].score for c in others)
    # A building the compound does not have: the compound's buildings still come first, lower than an exact hit.
    result = matcher.match("文三街6号枫丹新村99幢", limit=10)
    assert result and all(c.address.startswith("文三街6号枫丹新村") for c in result[:9])
    assert result[0].score < matcher.match(TARGET)[0].score


@pytest.mark.parametrize("query", ["文三街6号枫丹新村", "枫丹新村", "楓丹新村", "文三街6号"])
def test_missing_building_ranks_the_whole_compound_first(matcher, candidates, query):
    compound = [i for i, a in candidates if a.startswith("文三街6号枫丹新村")]
    result = matcher.match(query, limit=len(compound) + 5)
    head = result[: len(compound)]
    assert sorted(c.id for c in head) == sorted(compound)
    rest = result[len(compound):]
    assert all(c.score < min(h.score for h in head) for c in rest)
    assert [c.address for c in head][:2] == ["文三街6号枫丹新村1幢", "文三街6号枫丹新村2幢"]  # building order


@pytest.mark.parametrize(
    "query", ["", "   ", "！！！", "hello world", "123456", "1幢", "今天天气很好", "你好", "西湖区", "文新街道"]
)
def test_garbage_returns_nothing(matcher, query):
    assert matcher.match(query) == []


def test_empty_matcher_and_addresses_without_building():
    assert AddressMatcher([]).match("文三街6号枫丹新村1幢") == []
    only = AddressMatcher([(1, "学院路14号嘉绿苑")])
    assert [c.id for c in only.match("学院路14号嘉绿苑3幢")] == [1]


def test_limit(matcher):
    assert len(matcher.match("枫丹新村", limit=3)) == 3
    assert matcher.match("枫丹新村", limit=0) == []


def test_phases_road_ordinals_and_near_names():
    m = AddressMatcher(SMALL)
    assert m.match("华星2街240号春江家园20期6幢")[0].id == 1
    assert m.match("华星二街二百四十号春江家园二十期七栋")[0].id == 2
    assert m.match("春江家园2期6幢")[0].id == 3  # not 20期
    assert m.match("春江家园20期6幢")[0].id == 1
    assert m.match("嘉绿苑3幢")[0].id == 4  # not 嘉绿苑2期
    assert m.match("嘉绿苑二期三幢")[0].id == 6
    assert m.match("学院路14号嘉绿园4幢")[0].id == 5  # 园 for 苑: same sound
    assert m.match("學院路14號嘉綠苑3座")[0].id == 4
    assert len(m) == len(SMALL)


def test_candidates_may_be_any_iterable():
    m = AddressMatcher(iter(SMALL))
    assert m.match("枫丹新村1幢")[0] == Candidate(7, "文三街6号枫丹新村1幢", m.match("枫丹新村1幢")[0].score)


# --- accuracy on 1,000 messy addresses -----------------------------------------------------

CN = "零一二三四五六七八九"
COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定"


def cn_number(n: int) -> str:
    if n < 10:
        return CN[n]
    if n < 20:
        return "十" + (CN[n % 10] if n % 10 else "")
    if n < 100:
        return CN[n // 10] + "十" + (CN[n % 10] if n % 10 else "")
    head, rest = divmod(n, 100)
    if not rest:
        return CN[head] + "百"
    return CN[head] + "百" + ("零" + CN[rest] if rest < 10 else cn_number(rest).replace("十", "一十", 1)
                             if rest < 20 else cn_number(rest))


def test_cn_number_helper():
    assert [cn_number(n) for n in (6, 12, 20, 32, 105, 112, 240)] == [
        "六", "十二", "二十", "三十二", "一百零五", "一百一十二", "二百四十"]


def messy(rng: random.Random, s2t, address: str) -> str:
    p = parse(address)
    road, number, compound, building = p.road, p.number, p.compound, p.building
    kind = rng.choice(["clean", "prefix", "missing", "reorder", "traditional", "numerals", "typo_compound",
                       "typo_road", "unit_room", "synonym"])
    if kind in ("typo_compound", "typo_road"):
        name = compound if kind == "typo_compound" else road
        i = rng.randrange(len(name))
        name = name[:i] + ("" if rng.random() < 0.3 else rng.choice(COMMON)) + name[i + 1:]
        road, compound = (road, name) if kind == "typo_compound" else (name, compound)
    if kind == "numerals":
        number, building = cn_number(int(number)), cn_number(int(building))
    hao, zhuang = "号", "幢"
    if kind == "missing":
        hao, zhuang = rng.choice([("", "幢"), ("号", ""), ("", "")])
    if kind == "synonym":
        zhuang = rng.choice(["栋", "号楼", "座"])
    first, second = f"{road}{number}{hao}", f"{compound}{building}{zhuang}"
    text = f"{second} {first}" if kind == "reorder" else first + second
    if kind == "prefix":
        text = rng.choice(["西湖区", "杭州市西湖区", "浙江省杭州市西湖区"]) + rng.choice(["文新街道", "翠苑街道"]) + text
    if kind == "unit_room":
        text += rng.choice(["2单元301室", " 3单元1102", "-1-502"])
    if kind == "traditional":
        text = s2t.convert(text)
    return text


def test_accuracy_on_1000_messy_addresses(matcher, candidates):
    rng = random.Random(20261122)
    s2t = opencc.OpenCC("s2t.json")
    hits = 0
    misses = []
    for _ in range(1000):
        building_id, address = rng.choice(candidates)
        query = messy(rng, s2t, address)
        result = matcher.match(query, limit=1)
        if result and result[0].id == building_id:
            hits += 1
        else:
            misses.append((query, address))
    assert hits >= 950, misses[:10]
