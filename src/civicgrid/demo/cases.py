"""A realistic case history for the demo district (about 8 weeks), through the real actions.

Patrol reports of supervisors and grid workers, residents' reports, 12345 calls and mailbox
messages walk the seven steps with the demo's own staff: most are closed, some reworked,
extended, sent back as not ours, escalated from the community to the street and the district
centre, merged as duplicates or refused; the last days' cases are still open, a few overdue;
reporters rate most outcomes, mostly well, and bad ratings get their callback.

The actions take the time from ``django.utils.timezone.now``; the generator runs them under a
simulated clock (:func:`simulated_clock`, this process only, restored afterwards), so every
timestamp, deadline (work calendar), task due time, event and audit row is as if it had happened
then. Deterministic for a seed (relative to today's date).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicgrid.accounts import actions as account_actions
from civicgrid.accounts.models import Membership, OrgUnit, User
from civicgrid.accounts.roles import Role
from civicgrid.areas.models import Area
from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseClass, CaseTask, Extension
from civicgrid.core import workcalendar
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.models import Building

from .layout import DISTRICT_CODE
from .names import mobile, person_name, surname

CASES_PER_SCALE = 300
WEEKS = 8

# What people report, per class: (title suffix, description).
TEXTS = {
    "E0101": [("门口垃圾堆放", "垃圾堆在路边两天没人清运，有异味"), ("绿化带内暴露垃圾", "绿化带里有成袋生活垃圾")],
    "E0102": [("路面污物", "路面有大片油污和泥土"), ("人行道不洁", "人行道落叶和纸屑较多")],
    "E0103": [("渣土堆积", "路边堆了一堆装修渣土")],
    "E0104": [("小广告", "单元门口和电线杆上贴满小广告"), ("墙面涂写", "围墙上有喷涂的办证电话")],
    "E0105": [("道路积水", "下雨后路口积水没过脚踝")],
    "E0201": [("违规横幅", "商铺门口挂了未经审批的横幅")],
    "E0301": [("夜间施工噪音", "工地晚上十点以后还在施工")],
    "E0302": [("路面坑洼", "非机动车道有一个大坑，容易摔倒")],
    "E0401": [("占道经营", "早市摊贩占用人行道"), ("流动摊贩", "路口有流动摊贩堵住通道")],
    "E0402": [("共享单车乱停", "地铁口共享单车堆放堵住盲道")],
    "E0403": [("楼顶私搭乱建", "顶楼住户正在搭建彩钢房"), ("违章搭建", "一楼住户在院子里搭建棚子")],
    "E0501": [("草坪枯死", "小区外绿地大面积枯黄")],
    "E0502": [("树枝折断", "大风后树枝折断挂在半空")],
    "C0101": [("井盖破损", "人行道井盖破裂，有安全隐患"), ("井盖丢失", "路边井盖不见了，用锥桶临时围着")],
    "C0301": [("垃圾箱损坏", "果皮箱被撞坏，垃圾散落")],
    "C0501": [("路灯不亮", "这一段路灯连续几天晚上不亮")],
    "H02": [("生活困难求助", "独居老人反映家中漏水无人帮忙修理")],
    "H03": [("噪音扰民投诉", "楼下饭店油烟和噪音扰民"), ("违规停车投诉", "小区消防通道长期被车辆占用")],
    "H04": [("政策咨询", "咨询老旧小区加装电梯的补贴政策")],
}
PATROL_CLASSES = ["E0101", "E0101", "E0102", "E0104", "E0104", "E0401", "E0402", "E0402", "E0403", "C0101",
                  "C0301", "C0501", "E0105", "E0502", "E0302", "E0103", "E0501", "E0201"]
RESIDENT_CLASSES = ["E0101", "E0104", "E0402", "C0501", "E0302", "E0301", "C0101"]
HOTLINE_CLASSES = ["H03", "H03", "H02", "H04", "E0301", "E0101", "E0403", "C0501", "E0105"]
RATING_WEIGHTS = [(1, 46), (2, 30), (3, 14), (4, 7), (5, 3)]


@contextlib.contextmanager
def simulated_clock(start: dt.datetime):
    """Make ``timezone.now()`` answer the simulated time (``clock.at``), for this process only."""

    class Clock:
        at = start

        def set(self, when: dt.datetime) -> dt.datetime:
            self.at = when
            return when

        def work(self, minutes: float) -> dt.datetime:
            """Advance by working minutes (office hours on the work calendar)."""
            return self.set(workcalendar.add_working_time(self.at, hours=minutes / 60))

    clock = Clock()
    real = timezone.now
    timezone.now = lambda: clock.at
    try:
        yield clock
    finally:
        timezone.now = real


class Staff:
    """The demo's people by post and place (created when the staff loader did not make them)."""

    def __init__(self, root_code: str, rng: random.Random):
        self.root = root_code
        by_area: dict[tuple[str, str], list[User]] = defaultdict(list)
        by_unit: dict[tuple[str, int], list[User]] = defaultdict(list)
        for m in Membership.objects.filter(active=True, area_code__startswith=root_code).select_related("user"):
            by_area[(m.role, m.area_code)].append(m.user)
            if m.unit_id:
                by_unit[(m.role, m.unit_id)].append(m.user)
        self.by_area, self.by_unit = by_area, by_unit
        self.centre = OrgUnit.objects.get(code=f"{root_code}-ZX")
        self.units = {u.pk: u for u in OrgUnit.objects.filter(area_code__startswith=root_code, active=True)}
        self.departments = {u.department: u for u in self.units.values() if u.kind == OrgUnit.Kind.DEPARTMENT}
        self.street_offices = {u.area_code: u for u in self.units.values() if u.kind == OrgUnit.Kind.STREET_OFFICE}
        self.committees = {u.area_code: u for u in self.units.values()
                           if u.kind == OrgUnit.Kind.COMMUNITY_COMMITTEE}
        self._hash = None
        self.rng = rng
        # The centre's posts: two shift leaders, two dispatchers; a handler for every department;
        # a supervisor for every street (the named one watches the first community only). The
        # further districts of a demo city name theirs after the district (shift_330105).
        tail = "" if root_code == DISTRICT_CODE else f"_{root_code[:6]}"
        self.seats = self._ensure(Role.ACCEPTANCE_SEAT, [f"seat{tail}", f"seat2{tail}"], unit=self.centre)
        self.shift_leaders = self._ensure(Role.SHIFT_LEADER, [f"shift{tail}", f"shift2{tail}"], unit=self.centre)
        self.dispatchers = self._ensure(Role.DISPATCHER, [f"dispatcher{tail}", f"dispatcher2{tail}"], unit=self.centre)
        for unit in self.departments.values():
            self._ensure(Role.DEPT_HANDLER, [f"dept_{unit.code.rsplit('-', 1)[-1].lower()}{tail}"], unit=unit)
        for street in Area.objects.filter(level=Area.Level.STREET, code__startswith=root_code).order_by("code"):
            self._ensure(Role.SUPERVISOR, [f"jd{street.code}-jc"], area=street)

    def _ensure(self, role: str, usernames: list[str], *, unit: OrgUnit | None = None, area: Area | None = None):
        have = self.by_unit[(role, unit.pk)] if unit else self.by_area[(role, area.code)]
        for username in usernames[len(have):]:
            if User.objects.filter(username=username).exists():
                continue
            if self._hash is None:
                from .loader import DEMO_PASSWORD

                self._hash = make_password(DEMO_PASSWORD)
            user = account_actions.do_create_user(actor=SYSTEM, username=username, password_hash=self._hash,
                                                  display_name=person_name(self.rng))
            m = account_actions.do_grant_membership(actor=SYSTEM, user=user, role=role, area=area, unit=unit)
            self.by_area[(role, m.area_code)].append(user)
            if unit:
                self.by_unit[(role, unit.pk)].append(user)
        return self.by_unit[(role, unit.pk)] if unit else self.by_area[(role, area.code)]

    def at(self, role: str, code: str) -> User | None:
        """Someone holding ``role`` exactly at ``code`` (the case's tier)."""
        people = self.by_area.get((role, code))
        return self.rng.choice(people) if people else None

    def above(self, role: str, code: str) -> User | None:
        """Someone holding ``role`` at ``code`` or an area above it."""
        for n in (15, 12, 9, 6):
            if len(code) >= n:
                found = self.at(role, code[:n])
                if found:
                    return found
        return None

    def handler(self, unit: OrgUnit) -> User:
        if unit.kind == OrgUnit.Kind.DEPARTMENT:
            return self.rng.choice(self.by_unit[(Role.DEPT_HANDLER, unit.pk)])
        role = Role.STREET_ADMIN if unit.kind == OrgUnit.Kind.STREET_OFFICE else Role.COMMUNITY_WORKER
        return self.at(role, unit.area_code)

    def supervisor(self, grid_code: str) -> User | None:
        return self.above(Role.SUPERVISOR, grid_code)


def _report_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """Mostly office hours, some evenings and early mornings (hotline calls, residents)."""
    tz = timezone.get_default_timezone()
    minute = rng.choice([rng.randint(8 * 60 + 30, 17 * 60 + 45)] * 5 + [rng.randint(6 * 60, 22 * 60)])
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz).astimezone(dt.UTC)


class Generator:
    def __init__(self, seed: int, root_code: str, now: dt.datetime):
        self.rng = random.Random(f"demo-cases:{seed}")
        self.now = now
        self.staff = Staff(root_code, self.rng)
        self.classes = {c.code: c for c in CaseClass.objects.all()}
        buildings = list(Building.objects.filter(area_code__startswith=root_code).exclude(area_code="")
                         .order_by("area_code", "pk").values_list("pk", "area_code", "lon", "lat", "address"))
        self.buildings = buildings
        self.by_grid = defaultdict(list)
        for b in buildings:
            self.by_grid[b[1]].append(b)
        self.grids = sorted(self.by_grid)
        self.recent: list[Case] = []  # hotline cases, candidates for duplicates
        self.counts: dict[str, int] = defaultdict(int)

    # --- one case --------------------------------------------------------------------------------
    def run_one(self, clock, reported_at: dt.datetime) -> None:
        rng = self.rng
        clock.set(reported_at)
        kind = rng.choices(["supervisor", "grid", "resident", "hotline"], weights=[50, 15, 10, 25])[0]
        grid = rng.choice(self.grids)
        if kind == "supervisor" and self.staff.supervisor(grid) is None:
            kind = "hotline"
        pk, grid, lon, lat, address = rng.choice(self.by_grid[grid])
        building = Building.objects.get(pk=pk)
        if kind == "hotline":
            code = rng.choice(HOTLINE_CLASSES)
        elif kind == "resident":
            code = rng.choice(RESIDENT_CLASSES)
        else:
            code = rng.choice(PATROL_CLASSES)
        cls = self.classes[code]
        title, description = rng.choice(TEXTS[code])
        place = address.split("号")[0][-8:] if "号" in address else address[-8:]
        common = dict(cls=cls, title=f"{place}{title}"[:100], description=description, building=building,
                      lon=lon, lat=lat)
        if kind == "hotline":
            duplicate_of = self._duplicate_target() if rng.random() < 0.08 else None
            if duplicate_of is not None:  # a second call about a problem already filed
                common.update(cls=duplicate_of.cls, lon=duplicate_of.lon, lat=duplicate_of.lat, building=None,
                              address=duplicate_of.address, title=duplicate_of.title)
            case = actions.do_report_case(
                actor=rng.choice(self.staff.seats), channel=rng.choices(["hotline", "mailbox", "website"],
                                                                          weights=[80, 12, 8])[0],
                reporter_name=surname(rng) + rng.choice(["先生", "女士"]), reporter_phone=mobile(rng),
                urgency="urgent" if code == "H01" else "normal", **common)
            self._district_loop(clock, case, duplicate_of)
            return
        if kind == "resident":
            case = actions.do_report_case(actor=None, channel="resident", reporter_name=surname(rng) + "女士",
                                          reporter_phone=mobile(rng), **common)
            if not self._confirm(clock, case):
                return
        else:
            reporter = self.staff.supervisor(grid) if kind == "supervisor" else (
                self.staff.at(Role.GRID_WORKER, grid) or self.staff.supervisor(grid))
            case = actions.do_report_case(actor=reporter, channel="patrol", **common)
        self._community_loop(clock, case)

    def _duplicate_target(self) -> Case | None:
        if not self.recent:
            return None
        earlier = Case.objects.get(pk=self.rng.choice(self.recent[-20:]).pk)
        return earlier if earlier.status not in (Case.Status.INVALID, Case.Status.DUPLICATE) else None

    def _confirm(self, clock, case: Case) -> bool:
        """A supervisor confirms the resident's report on site (核实); a few are not real."""
        rng = self.rng
        sup = self.staff.supervisor(case.area_code)
        if sup is None:
            return True
        if self._stop(clock, rng.uniform(20, 170)):
            return False
        real = rng.random() > 0.07
        actions.do_confirm_report(case, actor=sup, real=real, note="" if real else "现场未发现该问题")
        return real

    def _stop(self, clock, minutes: float) -> bool:
        """Advance the clock; True when that would pass the present (the case stays where it is)."""
        clock.work(minutes)
        if clock.at >= self.now:
            self.counts["open"] += 1
            return True
        return False

    def _community_loop(self, clock, case: Case) -> None:
        rng = self.rng
        registrar = self.staff.at(Role.COMMUNITY_WORKER, case.tier_code)
        if registrar is None or self._stop(clock, rng.uniform(5, 75)):
            return
        if rng.random() < 0.06:
            actions.do_reject_case(case, actor=registrar, note="不属于城市管理事件，已告知上报人")
            self.counts["invalid"] += 1
            return
        case = actions.do_register_case(case, actor=registrar)
        if self._stop(clock, rng.uniform(3, 50)):
            return
        r = rng.random()
        if r < 0.10:  # the community cannot solve it: the street takes it
            case = actions.do_escalate_case(case, actor=registrar, note="社区无力解决，报街道处理")
            self.counts["escalated"] += 1
            street_admin = self.staff.at(Role.STREET_ADMIN, case.tier_code)
            if street_admin is None or self._stop(clock, rng.uniform(10, 90)):
                return
            if rng.random() < 0.35:
                case = actions.do_escalate_case(case, actor=street_admin, note="需区级职能部门处置")
                self._district_dispatch(clock, case)
                return
            unit = self.staff.street_offices[case.tier_code]
            case = actions.do_dispatch_case(case, actor=street_admin, lead_unit=unit)
            self._handle(clock, case)
            return
        unit = self.staff.committees[case.tier_code]
        case = actions.do_dispatch_case(case, actor=registrar, lead_unit=unit)
        self._handle(clock, case)

    def _district_loop(self, clock, case: Case, duplicate_of: Case | None) -> None:
        rng = self.rng
        shift = rng.choice(self.staff.shift_leaders)
        late = rng.random() < 0.12
        if self._stop(clock, rng.uniform(61, 180) if late else rng.uniform(3, 55)):
            return
        if duplicate_of is not None and rng.random() < 0.6:
            actions.do_reject_case(case, actor=shift, note="同一问题重复来电", duplicate_of=duplicate_of)
            self.counts["merged"] += 1
            return
        if rng.random() < 0.04:
            actions.do_reject_case(case, actor=shift, note="诉求人撤回，不予立案")
            self.counts["invalid"] += 1
            return
        other = None
        if rng.random() < 0.05:  # the seat chose the wrong class; the shift leader corrects it
            other = next((c for c in self.classes.values() if c.kind == case.cls.kind and c.pk != case.cls_id), None)
        case = actions.do_register_case(case, actor=shift, cls=other)
        self.recent.append(case)
        if duplicate_of is not None:
            # Registered, then found to repeat an earlier case: the dispatcher merges it (an inaccurate
            # registration).
            if self._stop(clock, rng.uniform(5, 40)):
                return
            actions.do_merge_case(case, duplicate_of, actor=rng.choice(self.staff.dispatchers), note="与已立案件重复")
            self.counts["merged"] += 1
            return
        self._district_dispatch(clock, case)

    def _district_dispatch(self, clock, case: Case) -> None:
        rng = self.rng
        dispatcher = rng.choice(self.staff.dispatchers)
        late = rng.random() < 0.1
        if self._stop(clock, rng.uniform(61, 150) if late else rng.uniform(3, 50)):
            return
        right = self._right_unit(case)
        wrong = rng.random() < 0.08
        first = self._wrong_unit(right) if wrong else right
        case = actions.do_dispatch_case(case, actor=dispatcher, lead_unit=first)
        if wrong:
            if self._stop(clock, rng.uniform(10, 120)):
                return
            case = actions.do_send_back_case(case, actor=self.staff.handler(first), reason="不属于本单位职责")
            self.counts["sent_back"] += 1
            if self._stop(clock, rng.uniform(5, 40)):
                return
            case = actions.do_dispatch_case(case, actor=dispatcher, lead_unit=right)
        self._handle(clock, case)

    def _right_unit(self, case: Case) -> OrgUnit:
        unit = self.staff.departments.get(case.cls.department)
        return unit or self.staff.street_offices[case.area_code[:9]]

    def _wrong_unit(self, right: OrgUnit) -> OrgUnit:
        others = sorted((u for u in self.staff.departments.values() if u.pk != right.pk), key=lambda u: u.code)
        return self.rng.choice(others)

    def _handle(self, clock, case: Case) -> None:
        """Accept, maybe ask for more time, report the result; the supervisor checks (rework once
        in a while) and closes; the reporter rates."""
        rng = self.rng
        handler = self.staff.handler(case.lead_unit)
        if handler is None or self._stop(clock, rng.uniform(5, 60)):
            return
        case = actions.do_accept_case(case, actor=handler)
        limit = workcalendar.working_time_between(clock.at, case.deadline).total_seconds() / 60
        share = rng.choices([rng.uniform(0.15, 0.7), rng.uniform(1.05, 1.8), rng.uniform(4, 15)],
                            weights=[90, 7, 3])[0]  # on time, late, stuck for days
        if share > 1 and rng.random() < 0.5:  # ask for more time, usually granted
            if self._stop(clock, limit * 0.6):
                return
            ext = actions.do_request_extension(case, actor=handler, work_hours=max(1, round(limit / 60)),
                                               reason="需协调相关单位，申请延期")
            approver = self.staff.above(Role.STREET_ADMIN, case.tier_code) if case.tier != Case.Tier.DISTRICT \
                else rng.choice(self.staff.shift_leaders)
            if self._stop(clock, rng.uniform(10, 60)):
                return
            grant = rng.random() < 0.85
            actions.do_decide_extension(ext, actor=approver or SYSTEM, grant=grant,
                                        note="" if grant else "可在时限内完成")
            self.counts["extended"] += grant
            case.refresh_from_db()
            share = max(0.1, share - 0.6 - rng.uniform(0.1, 0.3))
        if self._stop(clock, max(5.0, limit * share)):
            return
        case = actions.do_feedback_case(case, actor=handler, result="已按处置标准处理完毕，现场恢复正常")
        sup = self.staff.supervisor(case.area_code) or self.staff.at(Role.COMMUNITY_WORKER, case.area_code[:12])
        if self._stop(clock, rng.uniform(15, 90) if rng.random() < 0.92 else rng.uniform(121, 240)):
            return
        if rng.random() < 0.08:
            case = actions.do_verify_case(case, actor=sup, passed=False, note="现场仍未处理到位，返工")
            self.counts["reworked"] += 1
            if self._stop(clock, rng.uniform(20, 120)):
                return
            case = actions.do_feedback_case(case, actor=handler, result="已返工处理到位")
            if self._stop(clock, rng.uniform(15, 110)):
                return
        case = actions.do_verify_case(case, actor=sup, passed=True, note="现场核查合格")
        self.counts["closed"] += 1
        self._rate(clock, case)

    def _rate(self, clock, case: Case) -> None:
        rng = self.rng
        if case.channel == Case.Channel.PATROL or rng.random() < 0.15:
            return
        if self._stop(clock, rng.uniform(30, 600)):
            return
        rating = rng.choices([r for r, _w in RATING_WEIGHTS], weights=[w for _r, w in RATING_WEIGHTS])[0]
        reply = CaseTask.objects.filter(case=case, kind=CaseTask.Kind.REPLY, outcome="").first()
        if case.channel == Case.Channel.RESIDENT:
            actions.do_rate_case(case, actor=None, rating=rating, query_code=case.query_code)
        elif reply is not None and case.pk % 20 == 0:  # now and then the caller does not answer
            actions.do_reply_case(reply, actor=case.intake_by, reached=False, note="三次拨打无人接听")
            return
        elif reply is not None:  # the seat tells the caller and asks their rating (答复)
            actions.do_reply_case(reply, actor=case.intake_by, reached=True, rating=rating,
                                  note="已电话告知办理结果")
        else:
            actions.do_rate_case(case, actor=case.intake_by, rating=rating)
        self.counts["rated"] += 1
        if rating >= 4 and not self._stop(clock, rng.uniform(60, 400)):
            task = CaseTask.objects.get(case=case, kind=CaseTask.Kind.CALLBACK, outcome="")
            actions.do_complete_callback(task, actor=rng.choice(self.staff.shift_leaders),
                                         note="已回访诉求人，说明处理情况并致歉")


def load_cases(seed: int = 1, *, root_code: str = DISTRICT_CODE, count: int | None = None, scale: int = 1,
               weeks: int = WEEKS, progress: Callable[[str], None] = print) -> dict[str, int]:
    """About ``CASES_PER_SCALE × scale`` cases over the past ``weeks`` weeks; then the deadline job."""
    count = CASES_PER_SCALE * scale if count is None else count
    if count <= 0:
        return {}
    now = timezone.now()
    gen = Generator(seed, root_code, now)
    if not gen.grids:
        raise UserError("demo cases: the district has no buildings to report from")
    today = timezone.localtime(now).date()
    days = [today - dt.timedelta(days=d) for d in range(weeks * 7, -1, -1)]
    weights = [1.0 if workcalendar.is_workday(d) else 0.45 for d in days]
    times = sorted(_report_time(gen.rng, d) for d in gen.rng.choices(days, weights=weights, k=count))
    times = [t for t in times if t < now]
    with simulated_clock(times[0] if times else now) as clock:
        for at in times:
            gen.run_one(clock, at)
        clock.set(now)
        escalated = actions.do_check_deadlines(actor=SYSTEM, now=now)
    counts = dict(gen.counts, cases=len(times), **{f"deadline_{k}": v for k, v in escalated.items()})
    progress(f"cases: {len(times)} ({counts.get('closed', 0)} closed, {counts.get('open', 0)} open, "
             f"{counts.get('reworked', 0)} reworked, {counts.get('extended', 0)} extended, "
             f"{counts.get('sent_back', 0)} sent back, {counts.get('escalated', 0)} escalated)")
    return counts


__all__ = ["load_cases", "simulated_clock", "Extension"]
