"""Evaluation rules (考核规则): the weights of each score and the grade bands, as data that the
district's administrators change (every indicator given, each 0–100, audited before and after)."""

from __future__ import annotations

import decimal

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.core import audit
from civicgrid.core.errors import UserError

from ..capabilities import CASES_MANAGE
from ..models import GradeBand, ScoreRule
from ..rules import is_unlimited
from .common import require


def _plain(number: decimal.Decimal) -> str:
    """40.00 → "40", 12.50 → "12.5"."""
    return format(number.normalize(), "f")


def _percent(value, field: str) -> decimal.Decimal:
    """A weight or a score: a number from 0 to 100 with at most two decimals."""
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 100 or number != number.quantize(
            decimal.Decimal("0.01")):
        raise UserError(_("%(field)s: give a number from 0 to 100 with at most two decimals.") % {"field": field},
                        field=field)
    return number.quantize(decimal.Decimal("0.01"))


def _every_percent(given: dict, keys: list[str], not_one: str) -> dict[str, decimal.Decimal]:
    """``given`` holds a percentage for each of ``keys`` and nothing else (``not_one``: the message
    for an unknown key, with %(field)s)."""
    unknown = sorted(set(given) - set(keys))
    if unknown:
        raise UserError(not_one % {"field": unknown[0]}, field=unknown[0])
    missing = [k for k in keys if k not in given]
    if missing:
        raise UserError(_("%(field)s is required.") % {"field": missing[0]}, field=missing[0])
    return {k: _percent(given[k], k) for k in keys}


def do_set_score_weights(*, actor, post: str, weights: dict) -> list[ScoreRule]:
    """Change the weights of one score (a lead unit's or a post's): every indicator of the post
    given, each 0–100, adding up to 100. Audited with the weights before and after."""
    require(is_unlimited(actor) or actor.has_capability(CASES_MANAGE),
             _("Only the district's administrators change the evaluation rules."))
    if post not in ScoreRule.Post.values:
        raise UserError(_("post: unknown post."), field="post")
    with transaction.atomic():
        rules = list(ScoreRule.objects.select_for_update().filter(post=post).order_by("pk"))
        new = _every_percent(weights, [r.indicator for r in rules], _("%(field)s: not an indicator of this score."))
        total = sum(new.values())
        if total != 100:
            raise UserError(_("weights: the weights of a score add up to 100, these add up to %(total)s.")
                            % {"total": _plain(total)}, field="weights")
        before = {r.indicator: _plain(r.weight) for r in rules}
        for r in rules:
            r.weight = new[r.indicator]
            r.save(update_fields=["weight"])
        audit.record("cases.evaluation.weights", actor=actor, object_type="cases.scorerule", object_id=post,
                     object_repr=str(ScoreRule.Post(post).label),
                     detail={"post": post, "before": before, "after": {k: _plain(v) for k, v in new.items()}})
    return rules


def do_set_grade_bands(*, actor, lowest: dict) -> list[GradeBand]:
    """Change the lowest score of each grade: every grade given, from 0 to 100, each grade below
    the one before it, and the last grade starting at 0. Audited with the bands before and after."""
    require(is_unlimited(actor) or actor.has_capability(CASES_MANAGE),
             _("Only the district's administrators change the evaluation rules."))
    with transaction.atomic():
        bands = list(GradeBand.objects.select_for_update().order_by("-lowest", "letter"))
        new = _every_percent(lowest, [b.letter for b in bands], _("%(field)s: not a grade."))
        for higher, lower in zip(bands, bands[1:], strict=False):
            if new[lower.letter] >= new[higher.letter]:
                raise UserError(_("%(field)s: grade %(lower)s starts below grade %(higher)s (%(value)s).")
                                % {"field": lower.letter, "lower": lower.letter, "higher": higher.letter,
                                   "value": _plain(new[higher.letter])}, field=lower.letter)
        if bands and new[bands[-1].letter] != 0:
            raise UserError(_("%(field)s: the last grade starts at 0.") % {"field": bands[-1].letter},
                            field=bands[-1].letter)
        before = {b.letter: _plain(b.lowest) for b in bands}
        for b in bands:
            b.lowest = new[b.letter]
            b.save(update_fields=["lowest"])
        audit.record("cases.evaluation.grades", actor=actor, object_type="cases.gradeband", object_id="*",
                     object_repr="A–E", detail={"before": before, "after": {k: _plain(v) for k, v in new.items()}})
    return bands


