"""Synthetic Chinese personal names and work phones for demo data (deterministic per RNG)."""

from __future__ import annotations

import random

# Common surnames, weighted roughly by frequency (王李张刘陈 first).
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯晨欣怡佳琪子涵梓萱一诺雨桐建国建华志强海燕春梅晓东文博俊杰"


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def work_phone(rng: random.Random, area_prefix: str = "0571") -> str:
    """A fixed-line work number in the demo city's format (not a real number range check)."""
    return f"{area_prefix}-8{rng.randrange(0, 10**7):07d}"


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"
