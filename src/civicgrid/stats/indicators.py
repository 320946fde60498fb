"""The surveys' indicators (``stats`` declares them like any app): 知晓率 and 满意率 of the answers
recorded in the period, per grid: answers "yes" to awareness questions ÷ awareness answers; answers
1–3 to satisfaction questions ÷ satisfaction answers (every question of every response counts)."""

from __future__ import annotations

from collections import defaultdict

from .models import SurveyQuestion, SurveyResponse


def _rate(prefix: str, period, kind: str, good) -> dict:
    positions = defaultdict(set)
    for survey_id, position in SurveyQuestion.objects.filter(kind=kind).values_list("survey_id", "position"):
        positions[survey_id].add(str(position))
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    rows = SurveyResponse.objects.filter(area_code__startswith=prefix, recorded_at__gte=period.start,
                                         recorded_at__lt=period.end).values_list("survey_id", "area_code", "answers")
    for survey_id, code, answers in rows.iterator(2000):
        for position in positions.get(survey_id, ()):
            value = (answers or {}).get(position)
            if value is None:
                continue
            out[code][1] += 1
            out[code][0] += 1 if good(value) else 0
    return {code: (v[0], v[1]) for code, v in out.items()}


def awareness(prefix: str, period) -> dict:
    return _rate(prefix, period, SurveyQuestion.Kind.AWARENESS, lambda v: v is True)


def satisfaction(prefix: str, period) -> dict:
    return _rate(prefix, period, SurveyQuestion.Kind.SATISFACTION, lambda v: isinstance(v, int) and 1 <= v <= 3)
