"""Synthetic Chinese personal names and work phones for demo data (deterministic per RNG)."""

from __future__ import annotations

import random

# Common surnames, weighted roughly by frequency (王李张刘陈 first).
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯晨欣怡佳琪子涵梓萱一诺雨桐建国建华志强海燕春梅晓东文博俊杰"


# Given names by the decade people were born in (a 1950s 建国 and a 2010s 梓萱), male and female.
GIVEN_BY_ERA = (
    (1959, "建国 建华 国强 国庆 德明 志刚 根生 福林 长生 文华 永康 金宝 宝林 振华 世昌 炳坤 水根 荣华",
     "秀英 桂英 秀兰 玉兰 淑珍 凤英 玉珍 金花 桂兰 素珍 月娥 彩凤 美玉 翠萍 爱华 杏娟 菊芳 阿娣"),
    (1979, "卫东 建平 利民 志强 建军 红兵 海涛 国平 伟 强 军 勇 明 刚 斌 平 华 晓东 建新 立新",
     "丽华 海燕 春梅 红梅 秀芳 丽萍 晓红 彩霞 芳 丽 敏 静 艳 娟 霞 红 燕 玲 慧 萍"),
    (1999, "浩 鹏 宇 洋 博 磊 杰 涛 俊杰 文博 思远 家豪 志鹏 建峰 晓峰 振宇 天翔 鑫 超 亮",
     "婷 倩 欣 雪 琳 佳 颖 丹 佳怡 雨婷 梦琪 晓雯 思思 婷婷 雅琴 诗琪 晶晶 璐 莹 蕾"),
    (9999, "子涵 浩宇 梓轩 宇轩 子墨 一鸣 奕辰 俊熙 沐辰 皓轩 子豪 睿泽 浩然 明轩 铭阳 一航 嘉懿 宇航",
     "梓萱 一诺 雨桐 欣怡 诗涵 若汐 语桐 思彤 安琪 芷若 梓涵 可馨 紫萱 欣妍 雨萱 梦瑶 沐晴 语嫣"),
)
_GIVEN = tuple((until, tuple(male.split()), tuple(female.split())) for until, male, female in GIVEN_BY_ERA)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "司徒", "东方")


def surname(rng: random.Random) -> str:
    """A surname by rough frequency; about one in 300 is a compound one (欧阳)."""
    return rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.003 else rng.choice(SURNAMES)


def resident_name(rng: random.Random, sex: str, birth_year: int, family: str | None = None) -> str:
    """A name fitting the person's sex and generation; ``family`` is the surname (drawn if None)."""
    male, female = next((m, f) for until, m, f in _GIVEN if birth_year <= until)
    return (family or surname(rng)) + rng.choice(male if sex == "M" else female)


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def work_phone(rng: random.Random, area_prefix: str = "0571") -> str:
    """A fixed-line work number in the demo city's format (not a real number range check)."""
    return f"{area_prefix}-8{rng.randrange(0, 10**7):07d}"


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"
