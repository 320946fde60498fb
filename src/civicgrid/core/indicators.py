"""Indicator arithmetic shared by evaluations, dashboards and assessments.

A rate is always Σ numerator ÷ Σ denominator over what it covers — never an average of the rates
of the parts — and None when nothing was due (no denominator). A score is a weighted sum of
indicator values (each 0–1) over the indicators that have data, as 0–100; a grade is the first
band whose lowest score the score reaches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Fraction:
    """A numerator and a denominator that add up across areas and periods."""

    numerator: float = 0
    denominator: float = 0

    @property
    def value(self) -> float | None:
        return ratio(self.numerator, self.denominator)

    def __add__(self, other: Fraction) -> Fraction:
        return Fraction(self.numerator + other.numerator, self.denominator + other.denominator)


def rolled_up(parts: Iterable[Fraction]) -> Fraction:
    """Σ numerators over Σ denominators."""
    total = Fraction()
    for part in parts:
        total = total + part
    return total


def weighted_score(values: dict, rules: Iterable[tuple[str, float, bool]]) -> float | None:
    """Σ weight × value (or 1 − value where inverted) over the indicators with data, as 0–100.
    ``rules`` are (indicator, weight, invert)."""
    total = weight_sum = 0.0
    for indicator, weight, invert in rules:
        value = values.get(indicator)
        if value is None:
            continue
        weight = float(weight)
        total += weight * ((1 - value) if invert else value)
        weight_sum += weight
    return round(100 * total / weight_sum, 2) if weight_sum else None


def grade(score: float | None, bands: list[tuple[float, str]]) -> str:
    """The grade of ``score`` from ``bands`` (lowest score, grade), best first; "" without a score."""
    if score is None or not bands:
        return ""
    for lowest, letter in bands:
        if score >= lowest:
            return letter
    return bands[-1][1]


def traffic_light(value: float | None, target: float | None, *, higher_is_better: bool = True,
                  margin: float = 0.05) -> str:
    """"met", "near" (within ``margin`` of the target, relative) or "missed"; "" without data."""
    if value is None or target is None:
        return ""
    if (value >= target) if higher_is_better else (value <= target):
        return "met"
    gap = (target - value) if higher_is_better else (value - target)
    scale = abs(target) or 1
    return "near" if gap / scale <= margin else "missed"
