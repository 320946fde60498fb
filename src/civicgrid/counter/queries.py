"""Reads of the counter, scoped: applications by the window's area or the owning back office
(``rules.visible_q``), the catalogue (public: the guide is published for everyone), the register
look-up behind the intake (audited), the inbox, the query-code lookup and the figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import audit, deadlines, periods
from civicgrid.core.access import access_object, not_found_or_denied, require_capability
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import in_scope, restrict, scope_codes
from civicgrid.registry.models import Organisation, Person
from civicgrid.registry.people import id_index

from .capabilities import COUNTER_CALLBACK, COUNTER_INTAKE, COUNTER_VIEW
from .models import LEVEL_DIGITS, Application, CallbackTask, ItemVersion, ServiceItem
from .rules import APPLICATION_FLOW, can_see, visible_q

S = Application.Status
OPEN = (S.ACCEPTED, S.SUPPLEMENT, S.SUSPENDED)
DECIDED = (S.APPROVED, S.DENIED, S.DELIVERED)
WARN_MINUTES = 7 * 60  # one working day before the deadline


# --- catalogue -------------------------------------------------------------------------------------
def published_items() -> QuerySet[ServiceItem]:
    return (ServiceItem.objects.filter(current__status=ItemVersion.Status.PUBLISHED)
            .select_related("current", "parent"))


def all_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.select_related("current", "parent")


def search_items(text: str = "", *, level: str = "", department: str = "", qs=None) -> QuerySet[ServiceItem]:
    """By Chinese text (name or code) or pinyin initials (dbzm → 低保…)."""
    qs = published_items() if qs is None else qs
    text = (text or "").strip()
    if text:
        if text.isascii() and text.isalpha():
            qs = qs.filter(Q(name_initials__contains=text.lower()) | Q(code__icontains=text))
        else:
            qs = qs.filter(Q(name__contains=text) | Q(code__icontains=text))
    if level:
        qs = qs.filter(level=level)
    if department:
        qs = qs.filter(department=department)
    return qs.order_by("code")


def get_item(code_or_pk) -> ServiceItem:
    qs = all_items()
    item = qs.filter(code=str(code_or_pk)).first()
    if item is None and str(code_or_pk).isdigit() and int(code_or_pk) < 2**63:
        item = qs.filter(pk=int(code_or_pk)).first()
    if item is None:
        raise Http404
    return item


def guide(version: ItemVersion) -> dict:
    """The guide of one version: everything a resident needs before coming (办事指南)."""
    return {
        "item": version.item, "version": version,
        "situations": list(version.situations.all()),
        "materials": list(version.materials.all()),
    }


def item_version(pk) -> ItemVersion:
    version = ItemVersion.objects.select_related("item").filter(pk=pk).first() if str(pk).isdigit() else None
    if version is None:
        raise Http404
    return version


# --- the register behind the window ------------------------------------------------------------------
def lookup_applicant(user, id_number: str) -> Person:
    """The resident with this ID number in the clerk's district (全区域通办: anyone of the district is
    served at any window). A sensitive read: an audit row without the number, found or not."""
    require_capability(user, COUNTER_INTAKE)
    number = (id_number or "").strip().upper()
    if len(number) != 18:
        raise UserError(_("ID number: 18 characters."), field="id_number")
    codes = scope_codes(user, COUNTER_INTAKE)
    qs = Person.objects.filter(id_index=id_index(number), status=Person.Status.ACTIVE)
    if codes is not None:
        districts = {c[:6] for c in codes}
        q = Q(pk__in=[])
        for d in districts:
            q |= Q(area_code__startswith=d)
        qs = qs.filter(q)
    person = qs.select_related("household").first()
    audit.record("counter.register.lookup", actor=user, object_type="registry.person",
                 object_id=str(person.pk) if person else "", area_code=person.area_code if person else "",
                 outcome=audit.AuditLog.Outcome.OK if person else audit.AuditLog.Outcome.FAILED,
                 detail={"by": "id_number", "found": int(person is not None)})
    if person is None:
        raise UserError(_("ID number: nobody with this number lives in the district's register."),
                        field="id_number", code="not_found")
    return person


def _in_districts(user, qs):
    codes = scope_codes(user, COUNTER_INTAKE)
    if codes is None:
        return qs
    q = Q(pk__in=[])
    for d in {c[:6] for c in codes}:
        q |= Q(area_code__startswith=d)
    return qs.filter(q)


def lookup_organisation(user, credit_code: str) -> Organisation:
    """The organisation with this unified social credit code in the clerk's district (an organisation
    applies through a person who handles it, 经办人). Audited like the person look-up."""
    require_capability(user, COUNTER_INTAKE)
    code = (credit_code or "").strip().upper()
    if len(code) != 18 or not code.isalnum():
        raise UserError(_("Unified social credit code: 18 letters and digits."), field="credit_code")
    organisation = _in_districts(user, Organisation.objects.filter(credit_code=code)).first()
    audit.record("counter.register.lookup", actor=user, object_type="registry.organisation",
                 object_id=str(organisation.pk) if organisation else "",
                 area_code=organisation.area_code if organisation else "",
                 outcome=audit.AuditLog.Outcome.OK if organisation else audit.AuditLog.Outcome.FAILED,
                 detail={"by": "credit_code", "found": int(organisation is not None)})
    if organisation is None:
        raise UserError(_("Unified social credit code: no organisation with this code is registered in the "
                          "district."), field="credit_code", code="not_found")
    return organisation


def access_organisation(user, pk) -> Organisation:
    """An organisation the clerk has looked up: any organisation of the clerk's district."""
    require_capability(user, COUNTER_INTAKE)
    organisation = _in_districts(user, Organisation.objects.all()).filter(pk=pk).first() \
        if str(pk).isdigit() and int(pk) < 2**63 else None
    if organisation is None:
        raise Http404
    return organisation


def access_applicant(user, pk) -> Person:
    """A person the clerk has looked up: any active resident of the clerk's district (全区域通办)."""
    codes = scope_codes(user, COUNTER_INTAKE)
    districts = None if codes is None else {c[:6] for c in codes}
    return access_object(Person.objects.filter(status=Person.Status.ACTIVE).select_related("household"), user,
                         check=lambda u, p: districts is not None and p.area_code[:6] in districts
                         or districts is None, pk=pk)


def area_names(codes) -> dict[str, str]:
    from civicgrid.areas.models import Area

    return dict(Area.objects.filter(code__in=list(codes)).values_list("code", "name"))


# --- applications ------------------------------------------------------------------------------------
def visible_applications(user) -> QuerySet[Application]:
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return Application.objects.filter(visible_q(user)).select_related("item", "item_version")


def access_application(user, pk) -> Application:
    return access_object(Application.objects.select_related("item", "item_version", "applicant"), user,
                         check=can_see, pk=pk)


def application_by_code(code: str) -> Application:
    """The application of a receipt's query code (the resident's progress page); 404 otherwise."""
    from .actions import query_index

    code = (code or "").strip()
    if not 6 <= len(code) <= 20:
        raise Http404
    app = Application.objects.select_related("item", "item_version").filter(query_index=query_index(code)).first()
    if app is None:
        raise Http404
    return app


def events(app: Application):
    return app.events.order_by("at", "id")


def checklist(app: Application):
    return app.materials.select_related("material").order_by("material__code")


def clock(app: Application, now: dt.datetime | None = None):
    if app.due_at is None or app.status not in OPEN:
        return None
    from .actions import clock_now

    return deadlines.clock(app.due_at, now or clock_now(), warn_minutes=WARN_MINUTES, paused_at=app.paused_at)


def inbox(user, *, limit: int = 200, now: dt.datetime | None = None) -> list[tuple[Application, object]]:
    """The back office's open applications, least working time left first (paused ones stand still)."""
    from .actions import clock_now
    from .rules import is_handler

    now = now or clock_now()
    qs = visible_applications(user).filter(status__in=OPEN).order_by("due_at")[: limit * 5]
    rows = [(app, clock(app, now)) for app in qs if is_handler(user, app)]
    rows.sort(key=lambda r: (r[1].minutes if r[1] else 10**9, r[0].pk))
    return rows[:limit]


def window_queue(user, *, limit: int = 100):
    """The window's applications waiting at the counter: green channel first, then in arrival order."""
    qs = restrict(Application.objects.select_related("item"), user, capability=COUNTER_INTAKE)
    return qs.filter(status__in=(S.RECEIVED, S.NOTIFIED)).order_by("-green_channel", "received_at")[:limit]


def buttons(user, app: Application) -> dict[str, bool]:
    return APPLICATION_FLOW.available(user, app)


# --- callbacks ---------------------------------------------------------------------------------------
def visible_callbacks(user) -> QuerySet[CallbackTask]:
    return restrict(CallbackTask.objects.select_related("application", "application__item"), user,
                    capability=COUNTER_CALLBACK)


def access_callback(user, pk) -> CallbackTask:
    return access_object(CallbackTask.objects.select_related("application"), user, capability=COUNTER_CALLBACK,
                         pk=pk)


# --- the inbox queues of core.plugins ----------------------------------------------------------------
def inbox_items(user, limit: int = 20):
    from django.urls import reverse

    from civicgrid.core.plugins import InboxItem

    out = []
    for app, c in inbox(user, limit=limit):
        out.append(InboxItem(kind="counter.application", title=f"{app.number} {app.item.name}",
                             url=reverse("counter:application", args=[app.pk]), area_code=app.area_code,
                             arrived_at=app.accepted_at, due_at=app.due_at, state=c.state if c else "",
                             detail=app.get_status_display()))
    return out


def inbox_count(user) -> int:
    return len(inbox(user, limit=1000))


def callback_items(user, limit: int = 20):
    from django.urls import reverse

    from civicgrid.core.plugins import InboxItem

    now = timezone.now()
    qs = visible_callbacks(user).filter(status=CallbackTask.Status.OPEN).order_by("due_at")[:limit]
    return [InboxItem(kind="counter.callback", title=f"{t.application.number} {t.application.item.name}",
                      url=reverse("counter:callback", args=[t.pk]), area_code=t.area_code, arrived_at=t.created_at,
                      due_at=t.due_at, state="overdue" if t.due_at < now else "",
                      detail=_("rating %(r)s") % {"r": t.rating}) for t in qs]


def callback_count(user) -> int:
    return visible_callbacks(user).filter(status=CallbackTask.Status.OPEN).count()


# --- figures ------------------------------------------------------------------------------------------
GROUPS = ("centre", "window", "department", "level", "community")


def _group_key(by: str):
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Substr

    return {"centre": F("area_code"), "community": Substr("area_code", 1, 12),
            "window": Concat("area_code", Value("·"), "window"), "department": F("department"),
            "level": F("owner_level")}[by]


def _whole_days(period: periods.Period) -> tuple[dt.date, dt.date] | None:
    """The period as local days [first, after), if it starts and ends at local midnight."""
    first, after = period.first_day, period.last_day + dt.timedelta(days=1)
    if periods.midnight(first) == period.start and periods.midnight(after) == period.end:
        return first, after
    return None


def _from_rollup(user, by: str, area: str, first: dt.date, after: dt.date, acc, hist) -> None:
    """Numerators, denominators and the working-days histogram of whole days, from the roll-up."""
    from .models import FigureDay, FigureDays
    from .rollup import MEASURES

    def scoped(qs):
        qs = qs.filter(visible_q(user), day__gte=first, day__lt=after)
        return qs.filter(area_code__startswith=area) if area else qs

    key = _group_key(by)
    rows = scoped(FigureDay.objects.all()).annotate(key=key).values("key").annotate(
        **{f"s_{m}": Sum(m) for m in MEASURES}).order_by()
    for r in rows:
        a = acc[r["key"]]
        for m in MEASURES:
            a[m] += r[f"s_{m}"] or 0
    for k, days, n in scoped(FigureDays.objects.all()).annotate(key=key).values("key", "work_days").annotate(
            s=Sum("n")).order_by().values_list("key", "work_days", "s"):
        hist[k][days] += n


def _from_rows(base, start, end, acc, hist) -> None:
    """The same from the applications themselves (a period that is not whole local days)."""
    in_period = lambda f: {f"{f}__gte": start, f"{f}__lt": end}  # noqa: E731
    for r in base.filter(**in_period("received_at")).values("key").annotate(
            n=Count("id"), proxy=Count("id", filter=~Q(proxy="")),
            noticed=Count("id", filter=Q(notices__gte=1)), once=Count("id", filter=Q(notices=1))).order_by():
        a = acc[r["key"]]
        a["received"] += r["n"]
        a["proxy"] += r["proxy"]
        a["noticed"] += r["noticed"]
        a["notice_once"] += r["once"]
    for r in base.filter(**in_period("accepted_at")).values("key").annotate(
            n=Count("id"), promised=Sum("promised_days"), legal=Sum("legal_days"),
            mat=Sum("materials_total"), reg=Sum("materials_register")).order_by():
        a = acc[r["key"]]
        a["accepted"] += r["n"]
        a["promised"] += r["promised"] or 0
        a["legal"] += r["legal"] or 0
        a["materials"] += r["mat"] or 0
        a["register"] += r["reg"] or 0
    decided = base.filter(**in_period("decided_at"))
    for r in decided.values("key").annotate(
            n=Count("id"), on_time=Count("id", filter=Q(on_time=True)), one=Count("id", filter=Q(visits__lte=1)),
            zero=Count("id", filter=Q(visits=0))).order_by():
        a = acc[r["key"]]
        a["decided"] += r["n"]
        a["on_time"] += r["on_time"]
        a["one_visit"] += r["one"]
        a["zero_visit"] += r["zero"]
    for k, days, n in decided.filter(work_days__isnull=False).values("key", "work_days").annotate(
            n=Count("id")).order_by().values_list("key", "work_days", "n"):
        hist[k][days] += n
    for r in base.filter(**in_period("delivered_at")).values("key").annotate(n=Count("id")).order_by():
        acc[r["key"]]["delivered"] += r["n"]
    for r in base.filter(**in_period("rated_at")).values("key").annotate(
            n=Count("id"), good=Count("id", filter=Q(rating__gte=4))).order_by():
        a = acc[r["key"]]
        a["rated"] += r["n"]
        a["good"] += r["good"]


def figures(user, period: periods.Period, *, by: str = "centre", area: str = "") -> dict:
    """The counter's figures for ``period`` grouped ``by`` centre (window area), window, department,
    level or community; every rate Σ numerator ÷ Σ denominator (``docs/counter.md``). Whole local
    days are read from the daily roll-up (``counter/rollup.py``), the open and overdue from the
    applications now."""
    from .rollup import nearest_rank

    require_capability(user, COUNTER_VIEW)
    if by not in GROUPS:
        raise UserError(_("by: centre, window, department, level or community."), field="by")
    base = visible_applications(user)
    if area:
        base = base.filter(area_code__startswith=area)
    base = base.annotate(key=_group_key(by))

    acc: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    hist: dict[str, dict] = defaultdict(lambda: defaultdict(int))  # key → working days → count
    days = _whole_days(period)
    if days and getattr(user, "is_authenticated", False):
        _from_rollup(user, by, area, *days, acc, hist)
    else:
        _from_rows(base, period.start, period.end, acc, hist)

    now = timezone.now()
    late = deadlines.overdue_q(now, running=Q(status=S.ACCEPTED), paused=Q(status__in=(S.SUPPLEMENT, S.SUSPENDED)),
                               deadline="due_at", paused_at="paused_at")
    for r in base.filter(status__in=OPEN).values("key").annotate(n=Count("id"),
                                                                late=Count("id", filter=late)).order_by():
        a = acc[r["key"]]
        a["open"] += r["n"]
        a["overdue"] += r["late"]

    def quantiles(h: dict) -> tuple:
        pairs = sorted(h.items())
        return nearest_rank(pairs, 0.5), nearest_rank(pairs, 0.9)

    def rates(a, quantile):
        from civicgrid.core.indicators import ratio

        return {
            "received": int(a["received"]), "accepted": int(a["accepted"]), "decided": int(a["decided"]),
            "open": int(a["open"]), "overdue": int(a["overdue"]), "rated": int(a["rated"]),
            "on_time_rate": ratio(a["on_time"], a["decided"]),
            "median_days": quantile[0], "p90_days": quantile[1],
            "promise_compression": (1 - a["promised"] / a["legal"]) if a["legal"] else None,
            "one_visit_rate": ratio(a["one_visit"], a["decided"]),
            "zero_visit_rate": ratio(a["zero_visit"], a["decided"]),
            "notice_compliance": ratio(a["notice_once"], a["noticed"]),
            "register_share": ratio(a["register"], a["materials"]),
            "good_rating_rate": ratio(a["good"], a["rated"]),
            "rating_rate": ratio(a["rated"], a["delivered"]),
            "proxy_share": ratio(a["proxy"], a["received"]),
            "raw": {k: v for k, v in a.items()},
        }

    rows = [{"key": k, **rates(a, quantiles(hist.get(k, {})))} for k, a in sorted(acc.items())
            if any(a.values()) or k in hist]
    total = defaultdict(float)
    for a in acc.values():
        for k2, v in a.items():
            total[k2] += v
    every: dict[float, int] = defaultdict(int)
    for h in hist.values():
        for d, n in h.items():
            every[d] += n
    return {"period": period.key, "by": by, "rows": rows, "total": rates(total, quantiles(every))}


def staff_per_100_households(user, area: str = "") -> list[dict]:
    """Window clerks per 100 households of each community of the user's jurisdiction (004e: ≥ 1)."""
    from civicgrid.accounts.models import Membership
    from civicgrid.accounts.roles import Role
    from civicgrid.areas.models import Area

    require_capability(user, COUNTER_VIEW)
    communities = restrict(Area.objects.filter(level="community"), user, "code", COUNTER_VIEW)
    if area:
        communities = communities.filter(code__startswith=area)
    clerks = defaultdict(int)
    for code in Membership.objects.filter(role=Role.WINDOW_CLERK, active=True).values_list("area_code", flat=True):
        clerks[code[:12]] += 1
    out = []
    for c in communities.order_by("code").values("code", "name", "households"):
        hh = c["households"] or 0
        out.append({"code": c["code"], "name": c["name"], "clerks": clerks.get(c["code"], 0), "households": hh,
                    "per_100": (100 * clerks.get(c["code"], 0) / hh) if hh else None})
    return out


def owner_areas_for(level: str, area_code: str) -> str:
    return area_code[:LEVEL_DIGITS[level]]


def refuse_outside(user, app):
    if not can_see(user, app):
        not_found_or_denied(user, app)


__all__ = ["in_scope"]


# --- indicators for the dashboards of every level (core.plugins.indicator) ---------------------------
def _indicator(prefix: str, period: periods.Period, when: str, numerator: Q, denominator: Q | None = None) -> dict:
    qs = Application.objects.filter(area_code__startswith=prefix, **{f"{when}__gte": period.start,
                                                                      f"{when}__lt": period.end})
    rows = qs.filter(denominator or Q()).values("area_code").annotate(n=Count("id", filter=numerator), d=Count("id"))
    return {r["area_code"]: (r["n"], r["d"]) for r in rows}


def indicator_on_time(prefix, period):
    return _indicator(prefix, period, "decided_at", Q(on_time=True))


def indicator_one_visit(prefix, period):
    return _indicator(prefix, period, "decided_at", Q(visits__lte=1))


def indicator_good_rating(prefix, period):
    return _indicator(prefix, period, "rated_at", Q(rating__gte=4))


def indicator_register_share(prefix, period):
    qs = Application.objects.filter(area_code__startswith=prefix, accepted_at__gte=period.start,
                                    accepted_at__lt=period.end)
    return {r["area_code"]: (r["n"] or 0, r["d"] or 0) for r in
            qs.values("area_code").annotate(n=Sum("materials_register"), d=Sum("materials_total"))}
