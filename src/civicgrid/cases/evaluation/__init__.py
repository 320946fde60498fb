"""Evaluation (综合评价, R-CASE-5): figures of units, areas and posts over a period [start, end).

``figures`` counts the cases due, closed, on time… per lead unit and area, replaying each unit's
assignments from the case history, and holds the scoring (weights, grades) on ``core.indicators``;
``posts`` scores supervisors, shift leaders and dispatchers; ``publish`` is the public scoreboard,
who sees what, and the tables of the page and its export; ``periods`` reads the period asked for
(on ``core.periods``). Every indicator is defined in ``docs/cases.md``.
"""

from .figures import (
    INDICATORS,
    NOT_DUE,
    POSTS,
    RATING_POINTS,
    SATISFIED,
    Assignment,
    CaseFigures,
    Row,
    assignments,
    base,
    by_area,
    by_unit,
    due_cases,
    grade,
    grade_bands,
    handling_hours,
    ratio,
    score_rules,
    totals,
    weighted_score,
)
from .periods import Period, custom_period, last_full_month, month_period, parse_period, quarter_period
from .posts import Evaluation, by_post, dispatchers, evaluate, shift_leaders, supervisors
from .publish import CASE_COLUMNS, export_xlsx, fmt, formula, post_tables, public_scores, scope_for

__all__ = [
    "CASE_COLUMNS", "INDICATORS", "NOT_DUE", "POSTS", "RATING_POINTS", "SATISFIED", "Assignment", "CaseFigures",
    "Evaluation", "Period", "Row", "assignments", "base", "by_area", "by_post", "by_unit", "custom_period", "dispatchers",
    "due_cases", "evaluate", "export_xlsx", "fmt", "formula", "grade", "grade_bands", "handling_hours",
    "last_full_month", "month_period", "parse_period", "post_tables", "public_scores", "quarter_period", "ratio",
    "score_rules", "scope_for", "shift_leaders", "supervisors", "totals", "weighted_score",
]
