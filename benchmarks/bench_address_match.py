"""Standard-address matching (门牌地址匹配): accuracy and speed beside brute-force rapidfuzz, in one run.

    .venv/bin/python benchmarks/bench_address_match.py [--scale 60] [--n 1000] [--seed 1]

What it does:
1. Builds the demo district's buildings at ``--scale`` with the pure demo generator
   (``civicgrid.demo.layout``; scale 60 ≈ 19,000 buildings, no database) and an
   ``AddressMatcher`` over their standard addresses (文三街6号枫丹新村1幢), timed.
2. Draws ``--n`` buildings (seeded) and writes each address the way a hotline seat or a
   ledger might, one kind of mess per query (the kinds and their shares are printed):
   clean, district/street prefix, 号 or 幢 left out, words in another order, traditional
   characters, Chinese numerals, 栋/号楼/座 and full-width digits, unit/room appended, one
   character mistyped (a homophone, as an input method makes them, or any common character)
   or dropped in the compound or in the road name, road and door number left out (compound
   and building only), and two or three of these combined.
3. Times ``matcher.match(query)`` per query (mean, p95) and reports top-1 and top-5 accuracy,
   overall and per kind.
4. Speed reference, same queries, same run: ``rapidfuzz.process.extractOne(query, addresses)``
   over every candidate string (default scorer WRatio), with its own top-1 for context.

Prints a table and one ``RESULT {json}`` line. Exit status 1 if top-1 < 95 %.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

KINDS = [
    "clean", "prefix", "missing_marker", "reorder", "traditional", "cn_numerals",
    "synonym_width", "unit_room", "typo_compound", "typo_road", "no_road", "combined",
]
STREETS = ["文新街道", "翠苑街道", "古荡街道", "西溪街道", "北山街道", "蒋村街道", "三墩镇"]
COMMUNITIES = ["文华社区", "嘉绿社区", "学院社区", "紫荆社区", "骆家庄村"]
PREFIXES = ["西湖区", "杭州市西湖区", "浙江省杭州市西湖区", "浙江省 杭州市 西湖区 ", ""]
CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """240 → 二百四十, 12 → 十二, 105 → 一百零五 (positional, as people say numbers)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return CN_DIGITS[hundreds] + "百"
    if rest < 10:
        return CN_DIGITS[hundreds] + "百零" + CN_DIGITS[rest]
    tail = cn_number(rest)
    return CN_DIGITS[hundreds] + "百" + ("一" + tail if tail.startswith("十") else tail)


class Messer:
    """Turns a standard address into a messy one of a given kind (seeded, deterministic)."""

    def __init__(self, rng: random.Random):
        import opencc
        from pypinyin import lazy_pinyin

        self.rng = rng
        self.s2t = opencc.OpenCC("s2t.json")
        # Common characters (GB2312 level 1) by pinyin: homophones an input method offers.
        self.common = []
        for hi in range(0xB0, 0xD8):
            for lo in range(0xA1, 0xFF):
                try:
                    self.common.append(bytes([hi, lo]).decode("gb2312"))
                except UnicodeDecodeError:
                    pass
        self.by_sound: dict[str, list[str]] = defaultdict(list)
        for ch in self.common:
            self.by_sound[lazy_pinyin(ch)[0]].append(ch)
        self.sound = {ch: lazy_pinyin(ch)[0] for ch in self.common}
        self.pinyin = lazy_pinyin

    def typo(self, name: str) -> str:
        """One character of ``name`` (not a digit, not 期) changed or dropped."""
        positions = [i for i, ch in enumerate(name) if not ch.isdigit() and ch != "期"]
        i = self.rng.choice(positions)
        ch = name[i]
        roll = self.rng.random()
        if roll < 0.25:
            return name[:i] + name[i + 1:]
        if roll < 0.7:
            sound = self.sound.get(ch) or self.pinyin(ch)[0]
            options = [c for c in self.by_sound.get(sound, []) if c != ch]
            if options:
                return name[:i] + self.rng.choice(options) + name[i + 1:]
        other = ch
        while other == ch:
            other = self.rng.choice(self.common)
        return name[:i] + other + name[i + 1:]

    def make(self, parts, kind: str) -> tuple[str, str]:
        """(messy text, the kind actually applied: 'combined' names its pieces)."""
        rng = self.rng
        flags = {kind}
        if kind == "combined":
            flags = set(rng.sample(["prefix", "missing_marker", "reorder", "traditional", "cn_numerals",
                                    "synonym_width", "unit_room"], rng.randint(2, 3)))
            if rng.random() < 0.3:
                flags.add(rng.choice(["typo_compound", "typo_road", "no_road"]))
        road, compound = parts.road, parts.compound
        number, building = parts.number, parts.building
        if "typo_road" in flags:
            road = self.typo(road)
        if "typo_compound" in flags:
            compound = self.typo(compound)
        if "cn_numerals" in flags:
            number, building = cn_number(int(number)), cn_number(int(building))
            if rng.random() < 0.5 and compound.endswith("期"):
                head = compound.rstrip("0123456789期")
                compound = head + cn_number(int(compound[len(head):-1])) + "期"
        hao, zhuang = "号", "幢"
        if "missing_marker" in flags:
            which = rng.choice(["hao", "zhuang", "both"])
            hao = "" if which in ("hao", "both") else hao
            zhuang = "" if which in ("zhuang", "both") else zhuang
        if "synonym_width" in flags and zhuang:
            zhuang = rng.choice(["栋", "号楼", "座", "#", "号"])
        if "traditional" in flags and zhuang == "幢" and rng.random() < 0.5:
            zhuang = "棟"
        first = f"{road}{number}{hao}" if "no_road" not in flags else ""
        second = f"{compound}{building}{zhuang}"
        if "reorder" in flags:
            text = second + rng.choice(["", " ", "，", "/"]) + first
        else:
            text = first + second
        if "unit_room" in flags:
            unit, floor, flat = rng.randint(1, 4), rng.randint(1, 18), rng.randint(1, 4)
            room = f"{floor}{flat:02d}"
            style = rng.choice(["full", "no_shi", "dash", "spaced"])
            sep = "" if zhuang and "reorder" not in flags else " "
            if "cn_numerals" in flags and rng.random() < 0.5:
                unit_s, room_s = CN_DIGITS[unit], "".join(CN_DIGITS[int(d)] for d in room)
            else:
                unit_s, room_s = str(unit), room
            tail = {"full": f"{unit_s}单元{room_s}室", "no_shi": f"{unit_s}单元{room_s}",
                    "dash": f"-{unit}-{room}", "spaced": f" {unit_s}单元 {room_s}室"}[style]
            text = text + (sep if style != "dash" else "") + tail
        if "prefix" in flags:
            prefix = rng.choice(PREFIXES) + rng.choice(STREETS) + (rng.choice(COMMUNITIES) if rng.random() < 0.4 else "")
            text = prefix + rng.choice(["", " "]) + text
        if "traditional" in flags:
            text = self.s2t.convert(text)
        if "synonym_width" in flags:
            text = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() and rng.random() < 0.7 else c for c in text)
            cuts = [i for i in range(1, len(text)) if not (text[i - 1].isdigit() and text[i].isdigit())]
            if rng.random() < 0.5:  # a space between two words (never inside a number)
                cut = rng.choice(cuts)
                text = text[:cut] + " " + text[cut:]
        return text, "+".join(sorted(flags)) if kind == "combined" else kind


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=60, help="demo scale (60 ≈ 19,000 buildings)")
    parser.add_argument("--n", type=int, default=1000, help="messy addresses to match")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-reference", action="store_true", help="skip the brute-force rapidfuzz run")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()
    import rapidfuzz
    from rapidfuzz import process

    from civicgrid.demo.layout import build_layout, buildings_for
    from civicgrid.registry.address import AddressMatcher, parse

    rows = buildings_for(build_layout(seed=args.seed, scale=args.scale), seed=args.seed)
    candidates = [(i + 1, row["address"]) for i, row in enumerate(rows)]
    t0 = time.perf_counter()
    matcher = AddressMatcher(candidates)
    build_s = time.perf_counter() - t0

    rng = random.Random(f"address-bench-{args.seed}")
    messer = Messer(rng)
    queries: list[tuple[str, str, int]] = []  # (kind, text, expected id)
    for k in range(args.n):
        building_id, address = rng.choice(candidates)
        kind = KINDS[k % len(KINDS)]
        text, _detail = messer.make(parse(address), kind)
        queries.append((kind, text, building_id))

    times: list[float] = []
    top1: Counter[str] = Counter()
    top5: Counter[str] = Counter()
    per_kind: Counter[str] = Counter()
    misses: list[tuple[str, str, str, str]] = []
    address_of = dict(candidates)
    for kind, text, expected in queries:
        t = time.perf_counter()
        result = matcher.match(text, limit=5)
        times.append(time.perf_counter() - t)
        per_kind[kind] += 1
        ids = [c.id for c in result]
        if ids[:1] == [expected]:
            top1[kind] += 1
        elif len(misses) < 12:
            misses.append((kind, text, address_of[expected], result[0].address if result else "—"))
        if expected in ids:
            top5[kind] += 1

    ref_times: list[float] = []
    ref_top1 = 0
    if not args.no_reference:
        choices = [a for _, a in candidates]
        for _kind, text, expected in queries:
            t = time.perf_counter()
            best = process.extractOne(text, choices)
            ref_times.append(time.perf_counter() - t)
            ref_top1 += best is not None and candidates[best[2]][0] == expected

    n = len(queries)
    mean_ms = statistics.fmean(times) * 1e3
    p95_ms = sorted(times)[int(0.95 * (n - 1))] * 1e3
    acc1, acc5 = sum(top1.values()) / n, sum(top5.values()) / n
    print(f"candidates: {len(candidates):,} buildings in {len(matcher._sites):,} sites (scale {args.scale})   "
          f"queries: {n:,} (seed {args.seed})")
    print(f"index build: {build_s:.3f} s")
    print(f"{'kind':16}{'share':>8}{'top-1':>9}{'top-5':>9}")
    for kind in KINDS:
        c = per_kind[kind]
        if c:
            print(f"{kind:16}{c / n:>8.1%}{top1[kind] / c:>9.1%}{top5[kind] / c:>9.1%}")
    print(f"{'all':16}{1:>8.0%}{acc1:>9.1%}{acc5:>9.1%}")
    print(f"query time: mean {mean_ms:.3f} ms, p95 {p95_ms:.3f} ms")
    result_json = {
        "candidates": len(candidates),
        "sites": len(matcher._sites),
        "queries": n,
        "top1": round(acc1, 4),
        "top5": round(acc5, 4),
        "top1_by_kind": {k: round(top1[k] / per_kind[k], 4) for k in KINDS if per_kind[k]},
        "build_s": round(build_s, 3),
        "query_mean_ms": round(mean_ms, 3),
        "query_p95_ms": round(p95_ms, 3),
    }
    if ref_times:
        ref_mean = statistics.fmean(ref_times) * 1e3
        print(f"reference rapidfuzz.process.extractOne over all {len(candidates):,} strings: "
              f"mean {ref_mean:.3f} ms/query, top-1 {ref_top1 / n:.1%}; matcher is {ref_mean / mean_ms:.1f}× faster")
        result_json.update({
            "reference_mean_ms": round(ref_mean, 3),
            "reference_top1": round(ref_top1 / n, 4),
            "speedup": round(ref_mean / mean_ms, 1),
        })
    if misses:
        print("first misses (kind | query | expected | got):")
        for miss in misses:
            print("  " + " | ".join(miss))
    result_json.update({
        "python": platform.python_version(),
        "rapidfuzz": rapidfuzz.__version__,
        "cpu_count": os.cpu_count(),
    })
    print("RESULT " + json.dumps(result_json, ensure_ascii=False))
    return 0 if acc1 >= 0.95 else 1


if __name__ == "__main__":
    raise SystemExit(main())
