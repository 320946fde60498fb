"""Pages of ``stats``: the dashboard of an area (key indicators against their targets, trends, the
child areas on a map and in bars, drill-down, targets not met), the indicator list, targets."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicgrid.areas.queries import visible_ancestors
from civicgrid.core import periods as P
from civicgrid.core.capabilities import VIEW
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError

from . import actions, catalogue, charts, queries
from .capabilities import STATS_TARGETS

def _light_labels():
    return {"met": _("met"), "near": _("within the margin"), "missed": _("missed"), "": _("no target or no data")}


@capability_required(VIEW)
def dashboard(request, code: str | None = None):
    period_code = request.GET.get("period", "")
    board = queries.dashboard(request.user, code, period_code)
    inds = {f.indicator.code: f.indicator for f in board.figures}
    chosen = request.GET.get("indicator", "")
    if chosen not in inds:
        chosen = next((f.indicator.code for f in board.figures if f.target), next(iter(inds), ""))
    labels = _light_labels()
    rows = []
    for fig in board.figures:
        values = board.trends[fig.indicator.code]
        rows.append({
            "fig": fig, "unit": catalogue.unit_label(fig.indicator), "light_label": labels[fig.light],
            "digits": 0 if fig.indicator.aggregate == "sum" else 1,
            "chart": charts.trend(values, [p.code for p in board.trend_periods],
                                  fig.target.value if fig.target else None, title=str(fig.indicator.label)),
        })
    children = []
    bars = ""
    if chosen and board.children:
        ind = inds[chosen]
        for child in board.children:
            fig = board.child_figures[(chosen, child.code)]
            children.append({"area": child, "fig": fig, "light_label": labels[fig.light]})
        own_target = next((f.target for f in board.figures if f.indicator.code == chosen), None)
        bars = charts.bars([(c["area"].name, c["fig"].value, c["fig"].light) for c in children],
                           own_target.value if own_target else None, unit=catalogue.unit_label(ind),
                           title=str(ind.label))
    kind = board.period.kind if board.period.kind in catalogue.PERIOD_KINDS else "quarter"
    choices = catalogue.recent(kind, 8, P.current(kind))
    return render(request, "stats/dashboard.html", {
        "board": board, "rows": rows, "children": children, "bars": bars, "chosen": chosen,
        "chosen_indicator": inds.get(chosen), "ancestors": visible_ancestors(request.user, board.area),
        "not_met": board.not_met(), "light_labels": labels, "period_choices": reversed(choices),
        "kinds": [(k, catalogue.KIND_LABELS[k], P.current(k).code) for k in catalogue.PERIOD_KINDS],
        "child_level": board.children[0].get_level_display() if board.children else "",
        "values_url": reverse("api:stats_children", args=[board.area.code]) + f"?indicator={chosen}"
                      f"&period={board.period.code}",
    })


@capability_required(VIEW)
def indicator_list(request):
    return render(request, "stats/indicators.html", {
        "indicators": [(i, catalogue.unit_label(i)) for i in catalogue.indicators()],
        "refreshed": queries.last_refresh(),
    })


@capability_required(VIEW)
def targets(request):
    can_set = request.user.has_capability(STATS_TARGETS)
    errors: dict = {}
    if request.method == "POST" and can_set:
        try:
            t = actions.do_set_target(actor=request.user, indicator=request.POST.get("indicator", ""),
                                      area_code=request.POST.get("area_code", ""), value=request.POST.get("value"),
                                      period=request.POST.get("period", ""), horizon=request.POST.get("horizon", ""),
                                      source=request.POST.get("source", ""), phrase=request.POST.get("phrase", ""))
            messages.success(request, _("Target saved."))
            return redirect("stats:target", pk=t.pk)
        except UserError as e:
            errors = e.errors or {"all": e.message}
    rows = list(queries.visible_targets(request.user).order_by("indicator", "area_code", "period")[:500])
    names = {i.code: i.label for i in catalogue.indicators()}
    return render(request, "stats/targets.html", {
        "rows": [(t, names.get(t.indicator, t.indicator)) for t in rows], "can_set": can_set,
        "indicators": catalogue.indicators(), "areas": queries.area_choices(request.user) if can_set else [],
        "errors": errors, "posted": request.POST if errors else {},
    })


@capability_required(VIEW)
def target(request, pk: int):
    t = queries.access_target(request.user, pk)
    ind = catalogue.get(t.indicator)
    errors: dict = {}
    can_set = request.user.has_capability(STATS_TARGETS) and bool(t.area_code) and len(t.period) == 4
    if request.method == "POST" and can_set:
        try:
            actions.do_set_breakdown(actor=request.user, target=t,
                                     quarters={q: request.POST.get(f"q{q}", "") for q in (1, 2, 3, 4)},
                                     expected_version=int(request.POST.get("version") or 0) or None)
            messages.success(request, _("Quarterly breakdown saved."))
            return redirect("stats:target", pk=t.pk)
        except UserError as e:
            errors = e.errors or {"all": e.message}
    quarters = {b.period[-1]: b for b in t.breakdown.all()}
    return render(request, "stats/target.html", {
        "t": t, "indicator": ind, "unit": catalogue.unit_label(ind) if ind else "", "can_set": can_set,
        "quarters": [(q, quarters.get(str(q))) for q in (1, 2, 3, 4)], "errors": errors,
    })
