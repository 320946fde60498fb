"""The demo district's community health: one "3+X" team per two or three grids of every community
(doctors, nurses, public-health doctors and X members from the centre, the hospital, the committee);
in the first street, agreements for about 38 % of residents (70 % of the 65+), programmes at realistic prevalence
(hypertension ~25 % and type-2 diabetes ~10 % of the 35+, every 65+ in the yearly check), a year of
follow-up history, a few renewals, terminations and referrals. Everything goes through
``health.actions`` (bulk actions for the thousands of rows)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.utils import timezone

from civicgrid.accounts.models import User
from civicgrid.areas.models import Area
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions
from civicgrid.health.models import Contract, Task, Team
from civicgrid.registry.models import Organisation, Person

from .names import person_name

POSTS_X = (("specialist", "区人民医院"), ("tcm", "区中医院"), ("grid_worker", "社区居委会"), ("volunteer", "社区志愿者协会"))


def load_health(seed: int, *, root_code: str, progress: Callable = print, today: dt.date | None = None) -> dict:
    import time

    from civicgrid.health.catalogue import ensure_catalogue

    ensure_catalogue()  # the programmes the migration seeds (again, if a test flushed them)
    started = time.perf_counter()
    rng = random.Random(f"{seed}-health")
    today = today or timezone.localdate()
    teams = _teams(rng, root_code)
    hospital = _hospital(root_code)
    people = list(Person.objects.filter(area_code__startswith=root_code, status=Person.Status.ACTIVE)
                  .only("id", "area_code", "birth_date", "household_id", "status").order_by("id"))
    # Every community has its teams; the first street's health centre has brought its population in
    # (agreements, programmes, a year of follow-ups), the second street's teams start from nothing —
    # which keeps the demo fast and shows both on the figures.
    first_street = min(t.area_code[:9] for t in teams)
    covered = {g for t in teams if t.area_code.startswith(first_street) for g in t.grid_codes}
    people = [p for p in people if p.area_code in covered]
    year_ago = today - dt.timedelta(days=365)

    def age(p):
        return p.age(today) if p.birth_date else None

    signing = []
    for p in people:
        a = age(p)
        share = 0.70 if a is not None and a >= 65 else 0.45 if a is not None and a >= 35 else 0.25
        if rng.random() < share:
            package = ("elderly" if a and a >= 65 else "chronic" if a and a >= 35 and rng.random() < 0.4
                       else "maternal_child" if a is not None and a <= 6 else "basic")
            signing.append((p, package, year_ago + dt.timedelta(days=rng.randrange(0, 365))))
    actions.do_bulk_sign(signing, actor=SYSTEM, area_code=root_code)
    enrol = []
    for p in people:
        a = age(p)
        if a is None:
            continue
        if a >= 35 and rng.random() < 0.25 * 0.8:  # ~80 % of the estimated hypertensives are found
            enrol.append((p, "htn", year_ago - dt.timedelta(days=rng.randrange(0, 90)), None))
        if a >= 35 and rng.random() < 0.10 * 0.7:
            enrol.append((p, "dm", year_ago - dt.timedelta(days=rng.randrange(0, 90)), None))
        if a >= 65:
            enrol.append((p, "elderly", year_ago - dt.timedelta(days=rng.randrange(0, 30)), None))
    enrolments = actions.do_bulk_enrol(enrol, actor=SYSTEM, until=today + dt.timedelta(days=actions.HORIZON_DAYS),
                                       area_code=root_code)
    visits = _history(rng, root_code, today)
    # The yearly survey: a sample of the signed residents (004b: awareness ≥ 60 %, satisfaction ≥ 90 %).
    sample = rng.sample(signing, min(len(signing), max(1, len(signing) // 10)))
    actions.do_bulk_surveys([(p, today - dt.timedelta(days=rng.randrange(0, 150)), rng.random() < 0.72,
                              rng.random() < 0.91) for p, _package, _start in sample],
                            actor=SYSTEM, today=today, area_code=root_code)
    missed = actions.do_mark_missed(actor=SYSTEM, today=today)
    _life(rng, today, hospital, teams)
    _diseases(rng, teams)
    _forms(root_code, today)
    progress(f"health: {len(teams)} teams, {len(signing)} agreements, {len(enrolments)} enrolments, "
             f"{Task.objects.filter(area_code__startswith=root_code).count()} tasks, {visits} visits, {missed} missed "
             f"({time.perf_counter() - started:.1f} s)")
    return {"teams": len(teams), "contracts": len(signing), "enrolments": len(enrolments), "visits": visits}


def _teams(rng: random.Random, root_code: str) -> list[Team]:
    doctors = list(User.objects.filter(memberships__role="family_doctor", memberships__active=True).distinct()
                   .order_by("id"))
    teams = []
    for community in Area.objects.filter(level=Area.Level.COMMUNITY, code__startswith=root_code).order_by("code"):
        grids = list(Area.objects.filter(parent=community, level=Area.Level.GRID).order_by("code")
                     .values_list("code", flat=True))
        groups, i = [], 0
        while i < len(grids):
            size = 3 if len(grids) - i in (3, 5) else 2
            groups.append(grids[i:i + size])
            i += size
        for n, group in enumerate(groups, start=1):
            team = actions.do_create_team(actor=SYSTEM, community_code=community.code, name=f"{community.name}第{n}团队",
                                          grid_codes=group, centre=f"{community.parent.name}社区卫生服务中心",
                                          centre_medical_staff=60)
            doctor = next((d for d in doctors if d.memberships.filter(area_code=community.code).exists()), None)
            if doctor is not None and n == 1:
                doctors.remove(doctor)
            actions.do_add_member(team, actor=SYSTEM, name=person_name(rng), post="gp", organisation=team.centre,
                                  user=doctor if n == 1 else None, leader=True)
            actions.do_add_member(team, actor=SYSTEM, name=person_name(rng), post="nurse", organisation=team.centre)
            actions.do_add_member(team, actor=SYSTEM, name=person_name(rng), post="public_health",
                                  organisation=team.centre)
            for post, org in rng.sample(POSTS_X, 2):
                actions.do_add_member(team, actor=SYSTEM, name=person_name(rng), post=post, organisation=org)
            teams.append(team)
    return teams


def _hospital(root_code: str) -> Organisation:
    found = Organisation.objects.filter(area_code__startswith=root_code, name__contains="医院").first()
    if found is not None:
        return found
    from civicgrid.registry.actions import do_bulk_create_organisations

    return do_bulk_create_organisations([Organisation(area_code=root_code, kind="resident_unit", name="区人民医院")],
                                        actor=SYSTEM, area_code=root_code)[0]


def _history(rng: random.Random, root_code: str, today: dt.date) -> int:
    """Visits for the tasks whose window has opened: most inside the window, some by phone, some never."""
    from civicgrid.health.models import Programme

    ids = dict(Programme.objects.values_list("code", "pk"))
    rows = []
    for pk, start, end, code in (Task.objects.filter(area_code__startswith=root_code, status=Task.Status.OPEN,
                                                     start__lte=today)
                                 .values_list("id", "start", "end", "enrolment__programme_id").order_by("id")):
        roll = rng.random()
        last = min(end, today)
        if end >= today and rng.random() < 0.5:
            continue  # still open: half of the open windows are waiting for their visit
        if roll > 0.86:
            continue  # never visited: missed once the window closes
        on = start + dt.timedelta(days=rng.randrange(0, (last - start).days + 1))
        mode = "phone" if roll > 0.78 else "home" if roll > 0.55 else "clinic"
        row = {"task": pk, "on": on, "mode": mode}
        if mode != "phone":
            if code == ids["htn"]:
                ok = rng.random() < 0.68
                row.update(sbp=rng.randint(112, 138) if ok else rng.randint(141, 175),
                           dbp=rng.randint(68, 88) if ok else rng.randint(86, 104))
            elif code == ids["dm"]:
                row["fbg"] = round(rng.uniform(5.0, 6.9) if rng.random() < 0.6 else rng.uniform(7.1, 11.5), 1)
        rows.append(row)
    return actions.do_bulk_visits(rows, actor=SYSTEM, today=today, area_code=root_code)


def _forms(root_code: str, today: dt.date) -> None:
    """The last half-year's forms of every street filled from the data; the first street's submitted."""
    from civicgrid.core import periods
    from civicgrid.health import reports

    period = periods.containing("half", today).previous()
    streets = sorted(Area.objects.filter(level=Area.Level.STREET, code__startswith=root_code)
                     .values_list("code", flat=True))
    for n, code in enumerate(streets):
        form = reports.do_fill_report(actor=SYSTEM, street_code=code, period_code=period.code, today=today)
        if n == 0:
            reports.do_report_step(form, "submit", actor=SYSTEM, version=form.version,
                                   now=period.end - dt.timedelta(days=1))


def _life(rng: random.Random, today: dt.date, hospital: Organisation, teams: list[Team]) -> None:
    """A few agreements renewed and terminated, and referrals in every state, through the single actions."""
    contracts = list(Contract.objects.filter(status=Contract.Status.ACTIVE, team__in=teams).order_by("id")[:400])
    rng.shuffle(contracts)
    for c in contracts[:6]:
        actions.do_terminate_contract(c, actor=SYSTEM, reason=rng.choice(["搬离本区", "本人申请解约", "转签其他团队"]),
                                      today=today)
    people = [c.person for c in contracts[10:22]]
    for i, p in enumerate(people):
        direction = "up" if i % 2 == 0 else "down"
        reason = "血压控制不佳，需上级医院调整方案" if direction == "up" else "脑卒中恢复期出院，转回社区康复"
        referral = actions.do_request_referral(p, actor=SYSTEM, direction=direction, hospital=hospital, reason=reason)
        for step in ("accept", "arrive", "complete")[: i % 4]:
            referral = actions.do_referral_step(referral, step, actor=SYSTEM, today=today)


DEMO_DISEASES = [  # disease, case type, hours from diagnosis to report, steps the centre took
    ("B13", "confirmed", 6, ("verify", "report", "close")),  # 肺结核
    ("C06", "clinical", 3, ("verify", "report")),  # 手足口病
    ("C01", "confirmed", 20, ("verify",)),  # 流行性感冒
    ("B12", "confirmed", 30, ()),  # 细菌性痢疾, reported after 30 hours: late (24-hour limit)
    ("B03", "confirmed", 10, ("return",)),  # 病毒性肝炎, returned as a duplicate
    ("C02", "suspected", 1, ()),  # 流行性腮腺炎
]


def _diseases(rng: random.Random, teams: list[Team]) -> None:
    """A handful of infectious-disease reports filed by the teams over the past weeks, one late, the
    centre's steps taken through the actions."""
    contracts = list(Contract.objects.filter(status=Contract.Status.ACTIVE, team__in=teams).select_related("person")
                     .order_by("id")[30:30 + len(DEMO_DISEASES)])
    now = timezone.now()
    for i, (contract, (code, case_type, hours, steps)) in enumerate(zip(contracts, DEMO_DISEASES, strict=False)):
        diagnosed = now - dt.timedelta(days=3 + 5 * i, hours=rng.randrange(0, 8))
        report = actions.do_file_disease_report(
            contract.person, actor=SYSTEM, disease=code, case_type=case_type, diagnosed_at=diagnosed,
            reported_at=diagnosed + dt.timedelta(hours=hours), now=now,
            details={"basis": "实验室检测" if case_type == "confirmed" else "临床表现", "diagnosing_unit": "社区卫生服务中心"})
        for step in steps:
            report = actions.do_disease_report_step(report, step, actor=SYSTEM, note="重复报告" if step == "return" else "")
