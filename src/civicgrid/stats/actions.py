"""The writes of ``stats``: refreshing the cache of indicator values, and setting targets.

``do_refresh`` computes every indicator for every cached period under an area prefix ("" = all)
and replaces the cached rows under it in one transaction per indicator and period.
``do_refresh_changed`` is the incremental refresh: the areas the audit log shows touched since the
last run (every action writes an audit row with the area code of what it changed), grouped into
a few prefixes, are recomputed for the indicators of the apps that wrote them — for every cached
period (a case closed today changes the month it was dispatched in); figures of the register as
it stands (``stock``) only for the periods not yet over.
"""

from __future__ import annotations

import re as _re
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import audit, plugins
from civicgrid.core import periods as P
from civicgrid.core.access import require_capability
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import ensure_in_scope, in_scope
from civicgrid.core.workflow import lock_row

from . import catalogue
from .capabilities import STATS_TARGETS
from .models import IndicatorValue, RefreshRun, Target

MAX_PREFIXES = 40  # more touched areas than this: refresh coarser prefixes


def _rows(indicator: plugins.Indicator, period: P.Period, prefix: str, values: dict, now) -> list:
    return [IndicatorValue(indicator=indicator.code, period=period.code, kind=period.kind, area_code=code,
                           numerator=num, denominator=den, computed_at=now)
            for code, (num, den) in values.items() if code.startswith(prefix) and (num or den)]


def _replace(indicator: plugins.Indicator, periods: list[P.Period], prefixes: list[str], rows: list,
             exact: set[str] | None = None) -> int:
    """The cached rows of one indicator under ``prefixes`` (or with the ``exact`` codes) for
    ``periods``, replaced in one transaction."""
    from django.db.models import Q

    under = Q(pk__in=[])
    if exact is not None:
        under = Q(area_code__in=sorted(exact))
    for prefix in prefixes if exact is None else ():
        under |= Q(area_code__startswith=prefix)
    with transaction.atomic():
        IndicatorValue.objects.filter(under, indicator=indicator.code, period__in=[p.code for p in periods]).delete()
        IndicatorValue.objects.bulk_create(rows, batch_size=5000)
        roll_up(indicator.code, [p.code for p in periods])
    return len(rows)


def roll_up(indicator: str, periods: list[str]) -> None:
    """Rewrite the roll-ups (``IndicatorRollup``) of an indicator's periods from its cached rows: one
    grouped INSERT … SELECT per level, inside the caller's transaction."""
    from django.db import connection

    from .models import ROLLUP_DIGITS, IndicatorRollup

    IndicatorRollup.objects.filter(indicator=indicator, period__in=periods).delete()
    values, rollup = IndicatorValue._meta.db_table, IndicatorRollup._meta.db_table
    marks = ", ".join(["%s"] * len(periods))
    with connection.cursor() as cursor:
        for digits in ROLLUP_DIGITS:
            cursor.execute(
                f"INSERT INTO {rollup} (indicator, period, prefix, digits, numerator, denominator) "
                f"SELECT indicator, period, SUBSTR(area_code, 1, {digits}), {digits}, SUM(numerator), "
                f"SUM(denominator) FROM {values} WHERE indicator = %s AND period IN ({marks}) "
                f"AND LENGTH(area_code) >= {digits} GROUP BY indicator, period, SUBSTR(area_code, 1, {digits})",
                [indicator, *periods])


def common_prefix(prefixes: list[str]) -> str:
    first, last = min(prefixes), max(prefixes)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _compute(indicators, periods, prefixes, now, *, past_stock: bool, exact: set[str] | None = None,
             times: dict | None = None) -> int:
    """Compute each indicator for the periods over the prefixes' common prefix (one query per period,
    whatever the number of prefixes) and replace its rows under the prefixes, one transaction per
    indicator and period. Periods outermost: the indicators of one period share work through
    ``plugins.shared`` (health's figures come from one pass per grid), dropped before the next
    period. A stock figure is computed once. ``exact``: the rows of these area codes only (grids
    touched and the areas above them) instead of everything under the prefixes. ``times``:
    indicator code → the times its changes are counted at (``Indicator.changed_times``); only the
    periods holding one are recomputed."""
    written = 0
    scope = common_prefix(prefixes)
    plans = []
    for indicator in indicators:
        chosen = [p for p in periods if not (indicator.stock and p.end <= now and not past_stock)]
        if times is not None and times.get(indicator.code) is not None:
            at = times[indicator.code]
            chosen = [p for p in chosen if any(p.start <= t < p.end for t in at)]
        if chosen:
            plans.append((indicator, plugins.resolve(indicator.compute), {p.code for p in chosen}))
    stock: dict[str, dict] = {}
    for period in periods:
        with plugins.computing():
            for indicator, compute, chosen in plans:
                if period.code not in chosen:
                    continue
                if indicator.stock:
                    if indicator.code not in stock:
                        stock[indicator.code] = compute(scope, period)
                    values = stock[indicator.code]
                elif exact is not None and indicator.changed_times:
                    values = compute(scope, period, codes=exact)  # only the touched grids' records
                else:
                    values = compute(scope, period)
                if exact is not None:
                    values = {c: v for c, v in values.items() if c in exact}
                elif len(prefixes) > 1:
                    values = {c: v for c, v in values.items() if any(c.startswith(p) for p in prefixes)}
                written += _replace(indicator, [period], prefixes, _rows(indicator, period, scope, values, now), exact)
    return written


def do_refresh(*, actor, periods: list[P.Period] | None = None, indicators: list[str] | None = None,
               prefix: str = "") -> RefreshRun:
    """Recompute everything under ``prefix`` (the whole deployment by default)."""
    started = time.perf_counter()
    now = timezone.now()
    periods = periods if periods is not None else catalogue.cached_periods(now)
    chosen = [i for i in catalogue.indicators() if indicators is None or i.code in indicators]
    written = _compute(chosen, periods, [prefix], now, past_stock=True)
    run = RefreshRun.objects.create(kind=RefreshRun.Kind.FULL, started_at=now, finished_at=timezone.now(),
                                    periods=len(periods), prefixes=[prefix], values=written,
                                    seconds=round(time.perf_counter() - started, 3))
    audit.record("stats.refresh", actor=actor, area_code=prefix,
                 detail={"kind": "full", "values": written, "periods": len(periods)})
    return run


def touched_since(moment) -> dict[str, set[str]]:
    """{app label: area codes of its actions} from the audit log since ``moment`` ("" = everywhere)."""
    return {app: codes for app, (codes, _objects) in _touched(moment).items()}


def _touched(moment) -> dict[str, tuple[set[str], set[tuple[str, str]]]]:
    """{app label: (area codes, (object type, object id) of the records) of its actions since ``moment``}."""
    out: dict[str, tuple[set[str], set[tuple[str, str]]]] = {}
    rows = (AuditLog.objects.filter(at__gte=moment, outcome=AuditLog.Outcome.OK)
            .exclude(action__startswith="stats.").values_list("action", "area_code", "object_type", "object_id")
            .distinct())
    for action, code, object_type, object_id in rows:
        if audit.is_read(action):  # a search or a sensitive read changes nothing
            continue
        codes, objects = out.setdefault(action.split(".")[0], (set(), set()))
        codes.add(code or "")
        objects.add((object_type or "", object_id or ""))
    return out


GRID_DIGITS = 15
MAX_EXACT = 5000  # more touched grids than this: refresh whole prefixes


def exact_codes(codes: set[str]) -> set[str] | None:
    """When every touched code is a grid's (nothing lies below a grid), the rows to rewrite are those
    of these grids and of the areas above them (per-community figures); else None."""
    if not codes or len(codes) > MAX_EXACT or any(len(c) != GRID_DIGITS for c in codes):
        return None
    return {c[:n] for c in codes for n in CODE_DIGITS}


CODE_DIGITS = (2, 4, 6, 9, 12, 15)  # the lengths an area code can have (GB/T 2260 and the grid levels)


def group_prefixes(codes: set[str]) -> list[str]:
    """Few prefixes covering ``codes``: their communities (12 digits), or coarser when many."""
    if "" in codes:
        return [""]
    for digits in (12, 9, 6, 4):
        prefixes = sorted({c[:digits] for c in codes})
        if len(prefixes) <= MAX_PREFIXES:
            return _minimal(prefixes)
    return [""]


def _minimal(prefixes: list[str]) -> list[str]:
    out: list[str] = []
    for p in sorted(prefixes, key=len):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return sorted(out)


def do_refresh_changed(*, actor, periods: list[P.Period] | None = None) -> RefreshRun:
    """The incremental refresh (see the module)."""
    started = time.perf_counter()
    now = timezone.now()
    last = RefreshRun.objects.order_by("-started_at").first()
    if last is None:
        return do_refresh(actor=actor, periods=periods)
    periods = periods if periods is not None else catalogue.cached_periods(now)
    touched = _touched(last.started_at)
    written, all_prefixes = 0, set()
    for app, (codes, objects) in touched.items():
        chosen = [i for i in catalogue.indicators() if i.app == app]
        if not chosen:
            continue
        prefixes = group_prefixes(codes)
        all_prefixes.update(prefixes)
        exact = exact_codes(codes)
        found: dict[str, list | None] = {}  # one call per function, shared by its indicators
        times = {}
        for ind in chosen:
            if ind.changed_times:
                if ind.changed_times not in found:
                    found[ind.changed_times] = plugins.resolve(ind.changed_times)(sorted(objects))
                times[ind.code] = found[ind.changed_times]
        # Figures declaring ``changed_times`` count each record in its own area: those of the touched
        # grids only; the others (a facility's reach crosses grids) under the touched prefixes.
        local = [i for i in chosen if i.changed_times]
        others = [i for i in chosen if not i.changed_times]
        written += _compute(local, periods, prefixes, now, past_stock=False, exact=exact, times=times)
        written += _compute(others, periods, prefixes, now, past_stock=False)
    run = RefreshRun.objects.create(kind=RefreshRun.Kind.INCREMENTAL, started_at=now, finished_at=timezone.now(),
                                    periods=len(periods), prefixes=sorted(all_prefixes), values=written,
                                    seconds=round(time.perf_counter() - started, 3))
    audit.record("stats.refresh", actor=actor, detail={"kind": "incremental", "values": written,
                                                        "prefixes": sorted(all_prefixes)[:20]})
    return run


# --- targets ------------------------------------------------------------------------------------------
def _check_target(indicator: str, area_code: str, period: str, value) -> tuple[plugins.Indicator, str, float]:
    errors = {}
    ind = catalogue.get(indicator)
    if ind is None:
        errors["indicator"] = _("Indicator: choose one of the list.")
    code = ""
    if period:
        try:
            code = P.parse(period).code
        except ValueError:
            errors["period"] = _("Period: write a year (2025), half-year (2025S1), quarter (2025Q2) or month "
                                 "(202509), or leave it empty for the plan's horizon.")
    try:
        number = float(value)
        if number != number or abs(number) > 1e12:
            raise ValueError
    except (TypeError, ValueError):
        number = 0.0
        errors["value"] = _("Target: write a number.")
    if errors:
        raise UserError(_("The target was not saved."), errors=errors)
    return ind, code, number


def do_set_target(*, actor, indicator: str, area_code: str, value, period: str = "", horizon: str = "",
                  source: str = "", phrase: str = "") -> Target:
    """Set (or change) the target of an indicator for an area and period; an area's own target
    overrides the one it inherits from above."""
    require_capability(actor, STATS_TARGETS)
    errors = {}
    try:
        _ind, period_code, number = _check_target(indicator, area_code, period, value)
    except UserError as exc:
        errors.update(exc.errors)
    source = (source or "").strip()
    if not source:
        errors["source"] = _("Source: name the plan or document this target comes from.")
    if not area_code and not in_scope(actor, area_code, STATS_TARGETS):
        # No area chosen: the whole deployment is the platform's (or a city level's) — say so beside the field.
        errors["area_code"] = _("Area: choose an area of your jurisdiction.")
    if errors:
        raise UserError(_("The target was not saved."), errors=errors)
    ensure_in_scope(actor, area_code, STATS_TARGETS)  # another area's code: refused (403) and audited
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(indicator=indicator, area_code=area_code,
                                                           period=period_code).first()
        if target is None:
            target = Target.objects.create(indicator=indicator, area_code=area_code, period=period_code,
                                           horizon=horizon[:50], value=number, source=source[:200],
                                           phrase=phrase[:500], set_by=plugins_actor(actor))
        else:
            target.value, target.source, target.phrase, target.horizon = number, source[:200], phrase[:500], horizon[:50]
            target.set_by = plugins_actor(actor)
            target.version += 1
            target.save()
        audit.record("stats.target.set", actor=actor, obj=target, detail={"value": number, "period": period_code})
    return target


def do_set_breakdown(*, actor, target: Target, quarters: dict[int, object], expected_version: int | None = None):
    """The quarterly breakdown (季度分解表) of a year's target: the targets of its four quarters."""
    require_capability(actor, STATS_TARGETS)
    ensure_in_scope(actor, target.area_code, STATS_TARGETS)
    if len(target.period) != 4:
        raise UserError(_("Only a year's target has a quarterly breakdown."), field="period")
    errors, numbers = {}, {}
    for q in (1, 2, 3, 4):
        raw = quarters.get(q, "")
        if raw in ("", None):
            continue
        try:
            numbers[q] = float(raw)
            if numbers[q] != numbers[q]:
                raise ValueError
        except (TypeError, ValueError):
            errors[f"q{q}"] = _("Quarter %(q)s: write a number.") % {"q": q}
    if errors:
        raise UserError(_("The breakdown was not saved."), errors=errors)
    with transaction.atomic():
        locked = lock_row(target, expected_version)
        for q, number in numbers.items():
            Target.objects.update_or_create(
                indicator=locked.indicator, area_code=locked.area_code, period=f"{locked.period}Q{q}",
                defaults={"value": number, "source": locked.source, "phrase": _("quarterly breakdown of %(p)s")
                          % {"p": locked.period}, "breakdown_of": locked, "set_by": plugins_actor(actor)})
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit.record("stats.target.breakdown", actor=actor, obj=locked, detail={"quarters": numbers})
    return locked


def plugins_actor(actor):
    from civicgrid.core.history import actor_row

    return actor_row(actor)


# --- report forms (报表) ---------------------------------------------------------------------------
def _due_date(template, period: P.Period):
    import datetime as dt

    return period.last_day + dt.timedelta(days=template.due_days)


def do_issue_reports(*, actor, template, period: P.Period) -> int:
    """Open the reports of a period for every area of the template's level below the actor's own
    areas (reviewers issue their children's forms); existing ones are left alone. Returns how many."""
    from civicgrid.areas.models import Area
    from civicgrid.core.scoping import scope_codes

    from .capabilities import STATS_REVIEW
    from .models import ReportInstance

    require_capability(actor, STATS_REVIEW)
    if period.kind != template.period_kind:
        raise UserError(_("This form is filled per %(kind)s.") % {"kind": template.get_period_kind_display()},
                        field="period")
    codes = scope_codes(actor, STATS_REVIEW)
    areas = (Area.objects.filter(level=template.level, code__startswith=template.owner_code)
             .select_related("parent").defer("boundary"))
    if codes is not None:
        from django.db.models import Q

        q = Q(pk__in=[])
        for code in codes:
            q |= Q(code__startswith=code)
        areas = areas.filter(q)
    due = _due_date(template, period)
    with transaction.atomic():
        lock_row(template)  # against a change of its cells while the first reports are opened
        have = set(ReportInstance.objects.filter(template=template, period=period.code)
                   .values_list("area_code", flat=True))
        rows = [ReportInstance(template=template, period=period.code, area_code=a.code, due_date=due,
                               reviewer_code=a.parent.code if a.parent_id else "")
                for a in areas if a.code not in have]
        ReportInstance.objects.bulk_create(rows)
        audit.record("stats.report.issue", actor=actor, area_code=(codes or [""])[0] if codes else "",
                     object_type="stats.reporttemplate", object_id=str(template.pk), object_repr=template.name,
                     detail={"period": period.code, "reports": len(rows)})
    return len(rows)


def _auto_values(instance) -> dict:
    """The indicator cells' figures of the report's area and period, from the cache."""
    from . import queries

    period = P.parse(instance.period)
    cells = [c for c in instance.template.cells.all() if c.kind == "indicator"]
    codes = [c.indicator for c in cells]
    totals = queries.sums([instance.area_code], [period.code], codes)
    out = {}
    for cell in cells:
        ind = catalogue.get(cell.indicator)
        n, d = totals.get((cell.indicator, instance.area_code, period.code), (0.0, 0.0))
        out[cell.pk] = catalogue.value_of(ind, n, d) if ind else None
    return out


def do_fill_report(*, actor, instance, expected_version: int | None = None, now=None):
    """Not started → draft, the indicator cells filled from the data."""
    from .models import ReportValue
    from .rules import REPORT_FLOW

    with transaction.atomic():
        locked = REPORT_FLOW.lock(instance, expected_version)
        REPORT_FLOW.require(actor, locked, "fill")
        values = _auto_values(locked)
        ReportValue.objects.bulk_create([
            ReportValue(instance=locked, cell=cell, number=values.get(cell.pk), auto=cell.kind == "indicator")
            for cell in locked.template.cells.all()])
        REPORT_FLOW.advance(locked, "fill", actor=actor, at=now)
    return locked


def _check_values(instance, entries: dict) -> dict:
    """{cell id: number or text} from the form, checked; UserError naming each bad cell's label."""
    errors, clean = {}, {}
    for cell in instance.template.cells.all():
        if cell.kind == "indicator":
            continue
        raw = entries.get(cell.pk, entries.get(str(cell.pk)))
        raw = "" if raw is None else str(raw).strip()
        field = f"cell_{cell.pk}"
        if cell.kind == "number":
            if raw == "":
                clean[cell.pk] = None
                continue
            try:
                number = float(raw)
                if number != number or number < 0 or number > 1e12:
                    raise ValueError
                clean[cell.pk] = number
            except ValueError:
                errors[field] = _("%(label)s: write a number of 0 or more.") % {"label": cell.label}
        else:
            if "\x00" in raw or len(raw) > 500:
                errors[field] = _("%(label)s: at most 500 characters.") % {"label": cell.label}
            clean[cell.pk] = raw
    if errors:
        raise UserError(_("The report was not saved."), errors=errors)
    return clean


def do_edit_report(*, actor, instance, entries: dict, refill: bool = False, expected_version: int | None = None,
                   now=None):
    """Change the entered cells of a draft or returned report (and refill its indicator cells)."""
    from .models import ReportValue
    from .rules import REPORT_FLOW

    with transaction.atomic():
        locked = REPORT_FLOW.lock(instance, expected_version)
        REPORT_FLOW.require(actor, locked, "edit")
        clean = _check_values(locked, entries)
        values = {v.cell_id: v for v in locked.values.all()}
        auto = _auto_values(locked) if refill else {}
        for cell in locked.template.cells.all():
            row = values.get(cell.pk) or ReportValue(instance=locked, cell=cell, auto=cell.kind == "indicator")
            if cell.kind == "indicator":
                if refill:
                    row.number = auto.get(cell.pk)
            elif cell.kind == "number":
                row.number = clean.get(cell.pk)
            else:
                row.text = clean.get(cell.pk, "")
            row.save()
        REPORT_FLOW.advance(locked, "edit", actor=actor, at=now)
    return locked


def do_submit_report(*, actor, instance, expected_version: int | None = None, now=None):
    """Draft or returned → submitted; late when submitted after the due day (local calendar)."""
    from .rules import REPORT_FLOW

    now = now or timezone.now()
    with transaction.atomic():
        locked = REPORT_FLOW.lock(instance, expected_version)
        REPORT_FLOW.require(actor, locked, "submit")
        missing = [v.cell.label for v in locked.values.select_related("cell")
                   if v.cell.required and v.cell.kind == "number" and v.number is None]
        if missing:
            raise UserError(_("Fill in before submitting: %(cells)s.") % {"cells": "、".join(missing)},
                            field="values")
        locked.submitted_at = now
        locked.late = P.today(now) > locked.due_date
        REPORT_FLOW.advance(locked, "submit", actor=actor, fields=["submitted_at", "late"], at=now,
                            detail={"late": locked.late})
    return locked


def do_review_report(*, actor, instance, step: str, note: str = "", expected_version: int | None = None,
                     now=None):
    """The level above accepts, returns (with comments) or unlocks an accepted report."""
    from .rules import REPORT_FLOW

    if step not in ("accept", "return", "unlock"):
        raise UserError(_("No such step."), field="step")
    note = (note or "").strip()
    if step in ("return", "unlock") and not note:
        raise UserError(_("Comments: say what is to be corrected."), field="note")
    if "\x00" in note or len(note) > 1000:
        raise UserError(_("Comments: at most 1,000 characters."), field="note")
    with transaction.atomic():
        locked = REPORT_FLOW.lock(instance, expected_version)
        REPORT_FLOW.require(actor, locked, step)
        locked.reviewed_at = now or timezone.now()
        locked.review_note = note
        REPORT_FLOW.advance(locked, step, actor=actor, note=note, fields=["reviewed_at", "review_note"], at=now)
    return locked


# --- assessment (考核) -----------------------------------------------------------------------------
YEAR_SHARE = {"year": 1.0, "half": 0.5, "quarter": 0.25, "month": 1 / 12}


def rule_points(rule, value: float | None, target: float | None, higher_is_better: bool) -> float | None:
    """0–1 for one rule, None without data (the rule then does not count)."""
    if value is None:
        return None
    if rule.rule == "band":
        if rule.low is None or rule.high is None or rule.low == rule.high:
            return None
        share = (value - rule.low) / (rule.high - rule.low)
    else:
        if target is None:
            return None
        if higher_is_better:
            share = value / target if target else 1.0
        else:
            share = target / value if value else 1.0
    return max(0.0, min(1.0, share))


def do_assess(*, actor, scheme, period: P.Period) -> int:
    """Score every area of the scheme's level below the actor's areas for the period, from the cached
    figures: Σ weight × points over the rules with data, as 0–100; grade; funding. Published results
    are left as they are. Returns how many results were written."""
    from civicgrid.areas.models import Area
    from civicgrid.core.indicators import grade, weighted_score
    from civicgrid.core.scoping import scope_codes

    from . import queries
    from .capabilities import STATS_REVIEW
    from .models import AssessmentResult
    from .seeds import GRADES

    require_capability(actor, STATS_REVIEW)
    if period.kind != scheme.period_kind:
        raise UserError(_("This scheme assesses per %(kind)s.") % {"kind": scheme.get_period_kind_display()},
                        field="period")
    codes = scope_codes(actor, STATS_REVIEW)
    areas = [a for a in Area.objects.filter(level=scheme.level, code__startswith=scheme.owner_code)
             .values_list("code", flat=True)
             if codes is None or any(a.startswith(c) and a != c for c in codes)]
    rules = list(scheme.rules.all())
    indicators = [r.indicator for r in rules] + ([scheme.persons_indicator] if scheme.persons_indicator else [])
    totals = queries.sums(areas, [period.code], indicators)
    targets = queries.targets_for_many([r.indicator for r in rules], areas, period)
    now = timezone.now()
    written = 0
    with transaction.atomic():
        published = set(AssessmentResult.objects.filter(scheme=scheme, period=period.code, published=True,
                                                        area_code__in=areas).values_list("area_code", flat=True))
        for code in areas:
            if code in published:
                continue
            detail, shares = [], {}
            for r in rules:
                ind = catalogue.get(r.indicator)
                if ind is None:
                    continue
                value = catalogue.value_of(ind, *totals.get((r.indicator, code, period.code), (0.0, 0.0)))
                target = targets[code].get(r.indicator)
                points = rule_points(r, value, target.value if target else None, ind.higher_is_better)
                shares[r.indicator] = points
                detail.append({"indicator": r.indicator, "weight": r.weight, "value": value,
                               "target": target.value if target else None, "points": points})
            score = weighted_score(shares, [(r.indicator, r.weight, False) for r in rules])
            persons = 0.0
            if scheme.persons_indicator:
                persons = totals.get((scheme.persons_indicator, code, period.code), (0.0, 0.0))[0]
            funding = round(scheme.base_funding * (score or 0) / 100
                            + scheme.per_person * persons * YEAR_SHARE.get(period.kind, 1.0), 2)
            AssessmentResult.objects.update_or_create(
                scheme=scheme, period=period.code, area_code=code,
                defaults={"score": score, "grade": grade(score, GRADES), "funding": funding, "detail": detail,
                          "computed_at": now})
            written += 1
        audit.record("stats.assessment.compute", actor=actor, area_code=(codes or [""])[0] if codes else "",
                     object_type="stats.assessmentscheme", object_id=str(scheme.pk), object_repr=scheme.name,
                     detail={"period": period.code, "results": written})
    return written


def do_publish_assessment(*, actor, scheme, period: P.Period) -> int:
    """Publish the results of the areas below the actor's (定期发布): the areas then see them."""
    from civicgrid.core.scoping import scope_q

    from .capabilities import STATS_REVIEW
    from .models import AssessmentResult

    require_capability(actor, STATS_REVIEW)
    with transaction.atomic():
        lock_row(scheme)  # against a change of its rules while its first results are published
        qs = AssessmentResult.objects.filter(scope_q(actor, capability=STATS_REVIEW), scheme=scheme,
                                             period=period.code, published=False)
        n = qs.update(published=True, published_at=timezone.now())
        audit.record("stats.assessment.publish", actor=actor, object_type="stats.assessmentscheme",
                     object_id=str(scheme.pk), object_repr=scheme.name, detail={"period": period.code, "results": n})
    return n


# --- surveys (问卷) ----------------------------------------------------------------------------------
def do_record_response(*, actor, survey, area_code: str, answers: dict, at=None):
    """Record one resident's answers in a grid of the actor's area: awareness yes/no, satisfaction
    1 (非常满意) … 5 (非常不满意); every question answered."""
    from .capabilities import STATS_SURVEY

    require_capability(actor, STATS_SURVEY)
    with transaction.atomic():
        # The questions read under the survey's lock: a change of them waits, or is refused once
        # this response exists.
        survey = lock_row(survey)
        return _record_response(actor, survey, area_code, answers, at)


def _record_response(actor, survey, area_code, answers, at):
    from civicgrid.areas.models import Area
    from civicgrid.core.history import actor_row

    from .capabilities import STATS_SURVEY
    from .models import SurveyResponse

    errors, clean = {}, {}
    if not Area.objects.filter(code=str(area_code)[:15], level="grid", code__startswith=survey.owner_code).exists():
        errors["area_code"] = _("Grid: choose a grid of your area.")
    for q in survey.questions.all():
        raw = answers.get(str(q.position), answers.get(q.position))
        if q.kind == "awareness":
            if raw in (True, "yes", "1", 1, "true"):
                clean[str(q.position)] = True
            elif raw in (False, "no", "0", 0, "false"):
                clean[str(q.position)] = False
            else:
                errors[f"q{q.position}"] = _("Question %(n)s: answer yes or no.") % {"n": q.position}
        else:
            try:
                value = int(raw)
                if not 1 <= value <= 5:
                    raise ValueError
                clean[str(q.position)] = value
            except (TypeError, ValueError):
                errors[f"q{q.position}"] = _("Question %(n)s: choose 1 (very satisfied) to 5 (very dissatisfied).") % {
                    "n": q.position}
    if errors:
        raise UserError(_("The answers were not recorded."), errors=errors)
    ensure_in_scope(actor, area_code, STATS_SURVEY)
    response = SurveyResponse.objects.create(survey=survey, area_code=area_code, answers=clean,
                                             recorded_at=at or timezone.now(), recorded_by=actor_row(actor))
    audit.record("stats.survey.response", actor=actor, obj=response)
    return response


# --- definitions: report forms, assessment schemes, surveys (pages /stats/define/) -------------------
# Each belongs to an area (``owner_code``, a scope prefix; "" = the whole deployment, the platform's
# seeds): administrators holding ``stats.admin`` define them for their area and edit those of their
# area; the whole deployment's are edited by administrators of the top of the tree. Once a form has
# reports, a scheme published results or a survey responses, what those recorded values mean (cells,
# period, level; rules, weights and funding; questions) is frozen: the change is refused and a new
# definition is to be made. Names, sources, the due rule of later forms and "active" stay editable.
_CODE = _re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")


def can_define(actor, owner_code: str) -> bool:
    """May ``actor`` edit a definition of the area ``owner_code``?"""
    from civicgrid.areas.models import Area, scope_code
    from civicgrid.core.scoping import scope_codes

    from .capabilities import STATS_ADMIN

    if not actor.has_capability(STATS_ADMIN):
        return False
    codes = scope_codes(actor, STATS_ADMIN)
    if codes is None:
        return True
    if owner_code == "":
        roots = {scope_code(c) for c in Area.objects.filter(parent__isnull=True).values_list("code", flat=True)}
        return any(c in roots for c in codes)
    return any(owner_code.startswith(c) for c in codes)


def _owner_of(actor) -> str:
    from civicgrid.core.scoping import scope_codes

    from .capabilities import STATS_ADMIN

    codes = scope_codes(actor, STATS_ADMIN)
    return "" if codes is None else (codes[0] if codes else "")


def _text(data: dict, key: str, label, errors: dict, *, required: bool = True, max_length: int = 100) -> str:
    value = str(data.get(key) or "").strip()
    if "\x00" in value:
        errors[key] = _("%(label)s: remove the control characters.") % {"label": label}
    elif required and not value:
        errors[key] = _("%(label)s: required.") % {"label": label}
    elif len(value) > max_length:
        errors[key] = _("%(label)s: at most %(n)s characters.") % {"label": label, "n": max_length}
    return value


def _float(raw, key: str, label, errors: dict, *, required: bool = True, minimum: float | None = None):
    raw = "" if raw is None else str(raw).strip()
    if raw == "":
        if required:
            errors[key] = _("%(label)s: required.") % {"label": label}
        return None
    try:
        number = float(raw)
        if number != number or abs(number) > 1e12 or (minimum is not None and number < minimum):
            raise ValueError
        return number
    except ValueError:
        if minimum is not None:
            errors[key] = _("%(label)s: write a number of %(min)s or more.") % {"label": label, "min": f"{minimum:g}"}
        else:
            errors[key] = _("%(label)s: write a number.") % {"label": label}
        return None


def _choice(data: dict, key: str, label, choices, errors: dict) -> str:
    value = str(data.get(key) or "")
    if value not in {str(c) for c in choices}:
        errors[key] = _("%(label)s: choose one of the list.") % {"label": label}
    return value


def _indicator(raw, key: str, label, errors: dict, *, required: bool = True) -> str:
    code = str(raw or "").strip()
    if not code and not required:
        return ""
    if catalogue.get(code) is None:
        errors[key] = _("%(label)s: choose an indicator of the list.") % {"label": label}
    return code


def _header(data: dict, errors: dict, model, existing) -> dict:
    """Code, name, source, active — common to the three definitions."""
    out = {}
    if existing is None:
        code = str(data.get("code") or "").strip()
        if not _CODE.match(code):
            errors["code"] = _("Code: 1–20 letters, digits, '-' or '_', starting with a letter or digit.")
        elif model.objects.filter(code=code).exists():
            errors["code"] = _("Code: %(code)s is taken; choose another.") % {"code": code}
        out["code"] = code
    out["name"] = _text(data, "name", _("Name"), errors)
    out["source"] = _text(data, "source", _("Source document"), errors, required=False, max_length=200)
    out["active"] = bool(data.get("active")) if existing is not None else True
    return out


def _rows_of(rows: list[dict], fields: tuple[str, ...]) -> list[tuple[int, dict]]:
    """The non-empty rows of a table in the form, with their index (the fields' error keys)."""
    return [(i, r) for i, r in enumerate(rows) if any(str(r.get(f) or "").strip() for f in fields)]


def _positions(rows, errors: dict, label) -> list[int]:
    out = []
    for i, r in rows:
        raw = str(r.get("position") or "").strip()
        try:
            n = int(raw) if raw else (max(out) + 1 if out else 1)
            if not 1 <= n <= 999:
                raise ValueError
        except ValueError:
            errors[f"{label}-{i}-position"] = _("Order: a whole number from 1 to 999.")
            n = 0
        if n and n in out:
            errors[f"{label}-{i}-position"] = _("Order: %(n)s is used twice.") % {"n": n}
        out.append(n)
    return out


def _save_definition(actor, model, obj, header: dict, fields: dict, expected_version, frozen=None):
    """Create, or change the locked row; ``frozen(locked row)`` raises when what it would change is
    frozen — checked under the lock, which the writers of reports, results and responses take too."""
    with transaction.atomic():
        if obj is None:
            obj = model.objects.create(owner_code=_owner_of(actor), **header, **fields)
            created = True
        else:
            obj = lock_row(obj, expected_version)
            if frozen is not None:
                frozen(obj)
            for k, v in {**header, **fields}.items():
                setattr(obj, k, v)
            obj.version += 1
            obj.save()
            created = False
        return obj, created


def do_save_report_template(*, actor, template=None, data: dict, cells: list[dict],
                            expected_version: int | None = None):
    """Create or change a report form and its cells (indicator cells or entries, with label and
    order). Once reports exist for it, its cells, period and level are frozen (refused)."""
    from civicgrid.areas.models import Area

    from .capabilities import STATS_ADMIN
    from .models import ReportCell, ReportTemplate

    require_capability(actor, STATS_ADMIN)
    if template is not None and not can_define(actor, template.owner_code):
        raise NotPermitted(_("Your role does not allow this."))
    errors: dict = {}
    header = _header(data, errors, ReportTemplate, template)
    fields = {
        "period_kind": _choice(data, "period_kind", _("Period"), ReportTemplate.PeriodKind.values, errors),
        "level": _choice(data, "level", _("Filled by the level"), Area.Level.values, errors),
    }
    due = _float(data.get("due_days"), "due_days", _("Due, days after the period's last day"), errors)
    if due is not None and (due != int(due) or not -60 <= due <= 366):
        errors["due_days"] = _("Due, days after the period's last day: a whole number from -60 to 366.")
    fields["due_days"] = int(due) if due is not None and "due_days" not in errors else 0
    rows = _rows_of(cells, ("label", "indicator", "unit"))
    if not rows:
        errors["cells"] = _("Cells: add at least one cell.")
    positions = _positions(rows, errors, "cell")
    clean = []
    for (i, r), pos in zip(rows, positions, strict=True):
        label = _text(r, "label", _("Label"), {}, max_length=100)
        if not label:
            errors[f"cell-{i}-label"] = _("Label: required.")
        elif len(label) > 100:
            errors[f"cell-{i}-label"] = _("Label: at most %(n)s characters.") % {"n": 100}
        kind = str(r.get("kind") or "")
        if kind not in ReportCell.Kind.values:
            errors[f"cell-{i}-kind"] = _("Kind: choose one of the list.")
        indicator = ""
        if kind == ReportCell.Kind.INDICATOR:
            indicator = _indicator(r.get("indicator"), f"cell-{i}-indicator",
                                   _("%(label)s: indicator") % {"label": label or pos}, errors)
        unit = str(r.get("unit") or "").strip()[:20]
        clean.append({"position": pos, "label": label, "kind": kind, "indicator": indicator, "unit": unit,
                      "required": bool(r.get("required")) and kind == ReportCell.Kind.NUMBER})
    if errors:
        raise UserError(_("The report form was not saved."), errors=errors)
    clean.sort(key=lambda c: c["position"])

    def frozen(template):
        if not template.instances.exists():
            return
        old = [{"position": c.position, "label": c.label, "kind": c.kind, "indicator": c.indicator, "unit": c.unit,
                "required": c.required} for c in template.cells.order_by("position")]
        if old != clean or fields["period_kind"] != template.period_kind or fields["level"] != template.level:
            n = template.instances.count()
            raise UserError(_("Not saved: %(n)s reports of this form exist; its cells, period and level can no "
                              "longer change — make a new form instead.") % {"n": n}, field="cells", code="frozen")

    with transaction.atomic():
        obj, created = _save_definition(actor, ReportTemplate, template, header, fields, expected_version, frozen)
        if created or not obj.instances.exists():
            obj.cells.all().delete()
            ReportCell.objects.bulk_create([ReportCell(template=obj, **c) for c in clean])
        audit.record("stats.define.report", actor=actor, area_code=obj.owner_code,
                     object_type="stats.reporttemplate", object_id=str(obj.pk), object_repr=obj.name,
                     detail={"created": created, "cells": len(clean), "version": obj.version})
    return obj


def do_save_scheme(*, actor, scheme=None, data: dict, rules: list[dict], expected_version: int | None = None):
    """Create or change an assessment scheme: its rules (indicator, weight, scoring rule — the
    weights add up to 100) and funding parameters. Once results of it are published, its rules,
    period, level and funding are frozen (refused); unpublished results are replaced when scored again."""
    from civicgrid.areas.models import Area

    from .capabilities import STATS_ADMIN
    from .models import AssessmentRule, AssessmentScheme, ReportTemplate

    require_capability(actor, STATS_ADMIN)
    if scheme is not None and not can_define(actor, scheme.owner_code):
        raise NotPermitted(_("Your role does not allow this."))
    errors: dict = {}
    header = _header(data, errors, AssessmentScheme, scheme)
    fields = {
        "period_kind": _choice(data, "period_kind", _("Period"), ReportTemplate.PeriodKind.values, errors),
        "level": _choice(data, "level", _("Assessed level"), Area.Level.values, errors),
        "base_funding": _float(data.get("base_funding"), "base_funding", _("Base funding (yuan)"), errors,
                               minimum=0),
        "per_person": _float(data.get("per_person") or "0", "per_person",
                             _("Funding per person served and year (yuan)"), errors, minimum=0),
        "persons_indicator": _indicator(data.get("persons_indicator"), "persons_indicator",
                                        _("Persons served (indicator)"), errors, required=False),
    }
    if fields["per_person"] and not fields["persons_indicator"] and "persons_indicator" not in errors:
        errors["persons_indicator"] = _("Persons served (indicator): choose the indicator counting the persons "
                                        "when funding is paid per person.")
    rows = _rows_of(rules, ("indicator", "weight", "low", "high"))
    if not rows:
        errors["rules"] = _("Rules: add at least one scored indicator.")
    clean, total, seen = [], 0.0, set()
    for i, r in rows:
        ind = _indicator(r.get("indicator"), f"rule-{i}-indicator", _("Indicator"), errors)
        if ind and ind in seen:
            errors[f"rule-{i}-indicator"] = _("Indicator: scored twice; keep one rule per indicator.")
        seen.add(ind)
        weight = _float(r.get("weight"), f"rule-{i}-weight", _("Weight"), errors, minimum=0)
        if weight is not None and weight <= 0:
            errors[f"rule-{i}-weight"] = _("Weight: more than 0.")
        total += weight or 0
        kind = str(r.get("rule") or "target")
        if kind not in AssessmentRule.Rule.values:
            errors[f"rule-{i}-rule"] = _("Rule: choose one of the list.")
        low = _float(r.get("low"), f"rule-{i}-low", _("No points at"), errors, required=kind == "band")
        high = _float(r.get("high"), f"rule-{i}-high", _("Full points at"), errors, required=kind == "band")
        if kind == "band" and low is not None and high is not None and low == high:
            errors[f"rule-{i}-high"] = _("Full points at: different from the value with no points.")
        clean.append({"indicator": ind, "weight": weight, "rule": kind, "low": low, "high": high})
    if rows and abs(total - 100) > 1e-6:
        errors["weights"] = _("Weights: they add up to %(sum)s; they must add up to 100.") % {"sum": f"{total:g}"}
    if errors:
        raise UserError(_("The assessment scheme was not saved."), errors=errors)

    def frozen(scheme):
        if not scheme.results.filter(published=True).exists():
            return
        old = [{"indicator": r.indicator, "weight": r.weight, "rule": r.rule, "low": r.low, "high": r.high}
               for r in scheme.rules.order_by("id")]
        kept = ("period_kind", "level", "base_funding", "per_person", "persons_indicator")
        if old != clean or any(fields[k] != getattr(scheme, k) for k in kept):
            raise UserError(_("Not saved: results of this scheme are published; its rules, weights, period, level "
                              "and funding can no longer change — make a new scheme instead."), field="rules",
                            code="frozen")

    with transaction.atomic():
        obj, created = _save_definition(actor, AssessmentScheme, scheme, header, fields, expected_version, frozen)
        if created or not obj.results.filter(published=True).exists():
            obj.rules.all().delete()
            AssessmentRule.objects.bulk_create([AssessmentRule(scheme=obj, **c) for c in clean])
        audit.record("stats.define.scheme", actor=actor, area_code=obj.owner_code,
                     object_type="stats.assessmentscheme", object_id=str(obj.pk), object_repr=obj.name,
                     detail={"created": created, "rules": len(clean), "version": obj.version})
    return obj


def do_save_survey(*, actor, survey=None, data: dict, questions: list[dict], expected_version: int | None = None):
    """Create or change a survey and its questions (awareness yes/no, satisfaction 1–5). Once
    responses are recorded (answers are kept by question position), its questions are frozen."""
    from .capabilities import STATS_ADMIN
    from .models import Survey, SurveyQuestion

    require_capability(actor, STATS_ADMIN)
    if survey is not None and not can_define(actor, survey.owner_code):
        raise NotPermitted(_("Your role does not allow this."))
    errors: dict = {}
    header = _header(data, errors, Survey, survey)
    rows = _rows_of(questions, ("text",))
    if not rows:
        errors["questions"] = _("Questions: add at least one question.")
    positions = _positions(rows, errors, "question")
    clean = []
    for (i, r), pos in zip(rows, positions, strict=True):
        text = str(r.get("text") or "").strip()
        if len(text) > 200 or "\x00" in text:
            errors[f"question-{i}-text"] = _("Question: at most %(n)s characters.") % {"n": 200}
        kind = str(r.get("kind") or "")
        if kind not in SurveyQuestion.Kind.values:
            errors[f"question-{i}-kind"] = _("Kind: choose one of the list.")
        clean.append({"position": pos, "text": text, "kind": kind})
    if errors:
        raise UserError(_("The survey was not saved."), errors=errors)
    clean.sort(key=lambda c: c["position"])

    def frozen(survey):
        if not survey.responses.exists():
            return
        old = [{"position": q.position, "text": q.text, "kind": q.kind} for q in survey.questions.order_by("position")]
        if old != clean:
            n = survey.responses.count()
            raise UserError(_("Not saved: %(n)s responses to this survey are recorded; its questions can no longer "
                              "change — make a new survey instead.") % {"n": n}, field="questions", code="frozen")

    with transaction.atomic():
        obj, created = _save_definition(actor, Survey, survey, header, {}, expected_version, frozen)
        if created or not obj.responses.exists():
            obj.questions.all().delete()
            SurveyQuestion.objects.bulk_create([SurveyQuestion(survey=obj, **c) for c in clean])
        audit.record("stats.define.survey", actor=actor, area_code=obj.owner_code,
                     object_type="stats.survey", object_id=str(obj.pk), object_repr=obj.name,
                     detail={"created": created, "questions": len(clean), "version": obj.version})
    return obj
