"""Four months of the one-window counter for the demo district, through the real actions.

A window clerk (全科社工) at every community service station and street centre, a back-office handler
for every owning department (the district's departments, the street offices for street items; the
community clerks decide their own community items). Residents of the register apply for items of the
sample catalogue at their community's window (or the street centre): most hand in everything, some
get the one-time notice and come back, a few are refused or withdraw; the back office asks for
supplements, suspends for 公示, forwards, decides mostly within the promise; results are posted or
picked up; most applicants rate. Each step is the real ``do_*`` with ``at=`` the simulated time, so
deadlines follow the work calendar. Deterministic for a seed (relative to today's date).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from civicgrid.accounts import actions as account_actions
from civicgrid.accounts.models import OrgUnit, User
from civicgrid.accounts.roles import Role
from civicgrid.areas.models import Area
from civicgrid.core import audit, workcalendar
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.counter import actions, seed
from civicgrid.counter.models import Application, ServiceItem
from civicgrid.registry.models import Person

from .layout import DISTRICT_CODE
from .names import person_name

APPLICATIONS_PER_SCALE = 2000
DAYS = 120
UNITS = {  # department → (code suffix, unit name) of the district's departments the counter needs
    "civil_affairs": ("MZ", "区民政局"), "hrss": ("RS", "区人力资源和社会保障局"), "medical_insurance": ("YB", "区医疗保障局"),
    "health": ("WJ", "区卫生健康局"), "police": ("GA", "区公安分局"), "housing": ("ZJ", "区住房和城乡建设局"),
    "disabled_federation": ("CL", "区残疾人联合会"), "veterans": ("TY", "区退役军人事务局"),
}


def _staff(district: Area, password_hash: str, rng: random.Random):
    """Clerks per centre and handlers per department (created once; reused when present)."""
    clerks, handlers = {}, {}
    centres = list(Area.objects.filter(code__startswith=district.code, level__in=("street", "community"))
                   .order_by("code"))
    with transaction.atomic():
        for area in centres:
            username = f"ck{area.code}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = account_actions.do_create_user(actor=SYSTEM, username=username, password_hash=password_hash,
                                                      display_name=person_name(rng))
                account_actions.do_grant_membership(actor=SYSTEM, user=user, role=Role.WINDOW_CLERK, area=area)
            clerks[area.code] = user
        for dept, (short, name) in UNITS.items():
            unit = OrgUnit.objects.filter(area=district, kind=OrgUnit.Kind.DEPARTMENT, department=dept).first()
            if unit is None:
                unit = account_actions.do_create_unit(actor=SYSTEM, code=f"{district.code}-{short}", name=name,
                                                      kind=OrgUnit.Kind.DEPARTMENT, department=dept, area=district)
            handlers[(dept, district.code)] = _handler(f"bo{district.code}{short.lower()}", unit, password_hash, rng)
        for street in (a for a in centres if a.level == "street"):
            unit = OrgUnit.objects.filter(area=street, kind=OrgUnit.Kind.STREET_OFFICE).first()
            if unit is None:
                unit = account_actions.do_create_unit(actor=SYSTEM, code=f"{street.code}-JD", name=f"{street.name}办事处",
                                                      kind=OrgUnit.Kind.STREET_OFFICE, area=street)
            handlers[("street", street.code)] = _handler(f"bo{street.code}", unit, password_hash, rng)
    return clerks, handlers


def _handler(username, unit, password_hash, rng):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_actions.do_create_user(actor=SYSTEM, username=username, password_hash=password_hash,
                                              display_name=person_name(rng))
        account_actions.do_grant_membership(actor=SYSTEM, user=user, role=Role.DEPT_HANDLER, unit=unit)
    return user


def _working_moment(day: dt.date, rng: random.Random) -> dt.datetime | None:
    if not workcalendar.is_workday(day):
        return None
    hour = rng.choice((9, 9, 10, 10, 10, 11, 14, 14, 15, 15, 16))
    return dt.datetime(day.year, day.month, day.day, hour, rng.randrange(0, 60), tzinfo=timezone.get_current_timezone())


def _later(start: dt.datetime, work_days: float) -> dt.datetime:
    return workcalendar.add_working_time(start, days=max(work_days, 0.05))


def load_counter(seed_value: int = 1, *, root_code: str = DISTRICT_CODE, count: int | None = None, scale: int = 1,
                 days: int = DAYS, progress: Callable[[str], None] = print) -> dict[str, int]:
    """``count`` applications over the past ``days`` days (by default ``APPLICATIONS_PER_SCALE × scale``,
    at most one for every ten residents of the register)."""
    seed.ensure()
    if count is not None and count <= 0:
        return {}
    with transaction.atomic():  # one commit: the steps' own transactions are savepoints inside it
        return _load(seed_value, root_code, count, scale, days, progress)


def _load(seed_value, root_code, count, scale, days, progress):
    rng = random.Random(f"{seed_value}-counter")
    district = Area.objects.get(code=root_code)
    clerks, handlers = _staff(district, make_password("civicgrid2026"), rng)
    people = list(Person.objects.filter(area_code__startswith=root_code, status=Person.Status.ACTIVE)
                  .exclude(id_index=None).select_related("household").order_by("id")[:20000])
    if not people:
        progress("counter: no residents in the register; no applications")
        return {}
    if count is None:
        count = min(APPLICATIONS_PER_SCALE * scale, len(people) // 10)
    items = list(ServiceItem.objects.filter(current__status="published", node="handling")
                 .select_related("current").prefetch_related("current__materials", "current__situations")
                 .order_by("code"))
    for i in items:
        i.current.item = i  # the version's item is this one (no query per intake)
    weights = [6 if i.level == "community" else 4 if i.community_admitted else 2 for i in items]
    versions = {i.pk: i.current for i in items}
    materials = {}
    situations = {}
    for i in items:
        materials[i.pk] = list(i.current.materials.all())
        situations[i.pk] = [s.code for s in i.current.situations.all()]
    now = timezone.now()
    first = (now - dt.timedelta(days=days)).date()
    stats = {"applications": 0, "accepted": 0, "decided": 0, "notices": 0, "refused": 0, "withdrawn": 0,
             "callbacks": 0}

    def handler_for(app):
        if app.owner_level == "community":
            return clerks[app.owner_area_code]
        if app.owner_level == "street":
            return handlers[("street", app.owner_area_code)]
        return handlers.get((app.department, app.owner_area_code)) or handlers[("civil_affairs", root_code)]

    for n in range(count):
        day = first + dt.timedelta(days=int(days * (n / count)))
        at = _working_moment(day, rng)
        if at is None:
            at = _working_moment(day + dt.timedelta(days=2 if day.weekday() == 5 else 1), rng)
            if at is None or at >= now:
                continue
        if at >= now:
            break
        person = rng.choice(people)
        item = rng.choices(items, weights)[0]
        version = versions[item.pk]
        community = person.area_code[:12]
        centre = community if (item.community_admitted or item.level == "community") and rng.random() < 0.85 \
            else person.area_code[:9]
        if centre not in clerks:
            continue
        clerk = clerks[centre]
        situation = rng.choice(situations[item.pk]) if situations[item.pk] else ""
        applies = [m for m in materials[item.pk] if m.applies_to(situation)]
        incomplete = rng.random() < 0.14
        handed = [m.code for m in applies if not m.source]
        if incomplete and len(handed) > 1:
            handed = handed[: rng.randrange(0, len(handed) - 1)]
        else:
            incomplete = False
        try:
            extra = {"proxy": "proxy", "proxy_person": rng.choice(people)} if rng.random() < 0.07 else {}
            app = actions.do_intake(actor=clerk, version=version, applicant=person, window_area_code=centre,
                                    situation=situation, handed=handed, window=f"{rng.randint(1, 4)}号窗口",
                                    green_channel=version.green_channel and rng.random() < 0.3, at=at, **extra)
            stats["applications"] += 1
            if rng.random() < 0.02:
                actions.do_refuse(actor=clerk, application=app, reason="申请人不属于本事项的服务对象",
                                  legal_basis=version.legal_basis or "本事项受理条件", at=at + dt.timedelta(minutes=10))
                stats["refused"] += 1
                continue
            t = at + dt.timedelta(minutes=12)
            if incomplete or actions.missing_materials(app):
                actions.do_notice(actor=clerk, application=app, at=t)
                stats["notices"] += 1
                t = _later(t, rng.uniform(0.5, 6))
                if t >= now:
                    continue
                if rng.random() < 0.05:
                    actions.do_withdraw(actor=clerk, application=app, reason="申请人放弃办理", at=t)
                    stats["withdrawn"] += 1
                    continue
                missing = [m.code for m in actions.missing_materials(Application.objects.get(pk=app.pk))]
                app = actions.do_supplement(actor=clerk, application=app, handed=missing, at=t,
                                            in_person=rng.random() < 0.6)
            if app.item.community_admitted is False and len(centre) == 12:
                continue  # waits for the street centre (代办)
            app, _code = actions.do_accept(actor=clerk, application=app, at=t + dt.timedelta(minutes=5))
            stats["accepted"] += 1
            t = app.accepted_at
            if rng.random() < 0.04:
                target = rng.choice([d for d in UNITS if d != app.department])
                app = actions.do_forward(actor=handler_for(app), application=app, department=target, level="district",
                                         note="属其他部门职责，转办", at=_later(t, 0.3))
                t = _later(t, 0.3)
            roll = rng.random()
            if roll < 0.05:
                t = _later(t, rng.uniform(0.5, 2))
                if t >= now:
                    continue
                app = actions.do_ask_supplement(actor=handler_for(app), application=app, note="请补充近三个月收入证明",
                                                at=t)
                t = _later(t, rng.uniform(1, 5))
                if t >= now:
                    continue
                app = actions.do_supplement(actor=clerk, application=app, handed=[], at=t, in_person=False)
            elif roll < 0.08 and app.promised_days >= 5:
                t = _later(t, 1)
                if t >= now:
                    continue
                app = actions.do_suspend(actor=handler_for(app), application=app, reason="公示", note="公示七日", at=t)
                t = _later(t, 5)
                if t >= now:
                    continue
                app = actions.do_resume(actor=handler_for(app), application=app, at=t)
            share = rng.choice((0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.1, 1.5)) if rng.random() < 0.2 else rng.uniform(0.2, 0.95)
            decided = _later(t, max(app.promised_days, 1) * share)
            if decided >= now:
                continue
            approve = rng.random() < 0.95
            app = actions.do_decide(actor=handler_for(app), application=app, approve=approve,
                                    reason="" if approve else "经审查不符合条件", at=decided)
            stats["decided"] += 1
            delivered = _later(decided, rng.uniform(0.1, 2))
            if delivered >= now:
                continue
            post = rng.random() < 0.4 or app.item_version.visits == 0
            app = actions.do_hand_over(actor=clerk if not post else handler_for(app), application=app,
                                       delivery="post" if post else "pickup", at=delivered)
            if rng.random() < 0.7:
                rated = delivered + dt.timedelta(hours=rng.randint(1, 60))
                if rated < now:
                    rating = rng.choices((5, 4, 3, 2, 1), (55, 30, 10, 3, 2))[0]
                    actions.do_rate(application=app, rating=rating, at=rated)
                    stats["callbacks"] += rating <= 2
        except UserError as exc:  # a generated path the rules refuse: skip it, the rules stand
            stats.setdefault("skipped", 0)
            stats["skipped"] += 1
            if stats["skipped"] < 3:
                progress(f"counter: skipped one ({exc})")
    audit.record("counter.demo", actor=SYSTEM, object_type="counter.application", detail=stats)
    progress("counter: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    return stats
