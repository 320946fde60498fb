"""Event cases (事件案卷) and the seven-step closed loop (七步闭环).

collect (信息收集) → register (案卷建立) → dispatch (任务派遣) → handle (任务处理) → feedback
(处理反馈) → verify (核查结案) → evaluate (综合评价). A case's ``status`` changes only in
``actions.py``, under a row lock with a version check, and every change appends a
``CaseEvent``. Deadlines are computed on the work calendar (``core.workcalendar``).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.history import HistoryEvent
from civicgrid.core.models import ScopedModel, VersionedModel


class CaseClass(models.Model):
    """An event or component class (事件/部件分类) with its disposal time limit (处置时限)."""

    class Kind(models.TextChoices):
        EVENT = "event", _("event")  # 事件: 市容环境、街面秩序…
        COMPONENT = "component", _("component")  # 部件: a damaged or missing city component
        HOTLINE = "hotline", _("hotline request")  # 12345 诉求: 求助、投诉、咨询、建议

    class LimitUnit(models.TextChoices):
        WORK_HOURS = "work_hours", _("working hours")
        WORK_DAYS = "work_days", _("working days")
        SAME_DAY = "same_day", _("within the working day")  # 当日办结: by the end of the working day

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    major = models.CharField(_("major class"), max_length=30)  # 大类, e.g. 市容环境
    # Department kind (accounts.OrgUnit.Department) that normally handles the class.
    department = models.CharField(_("default department"), max_length=20, blank=True)
    # Registry component class (major+sub, e.g. "0101") for component cases.
    component_class = models.CharField(_("component class"), max_length=4, blank=True)
    limit_value = models.DecimalField(_("time limit"), max_digits=6, decimal_places=1)
    limit_unit = models.CharField(_("time limit unit"), max_length=10, choices=LimitUnit.choices)
    standard = models.CharField(_("disposal standard"), max_length=300, blank=True)  # 处置标准/结案标准
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)  # for suggestions from text
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case class")
        verbose_name_plural = _("case classes")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.major}/{self.name}"

    # Every change of a class tells the per-process cache of active classes (``catalogue.active_class``)
    # through the counter it was read at; changes come from the catalogue's migrations and scripts
    # (the admin shows classes read-only). ``QuerySet.update()`` bypasses this: bump after one.
    def save(self, *args, **kwargs):
        from .catalogue import bump_classes_version

        super().save(*args, **kwargs)
        bump_classes_version()

    def delete(self, *args, **kwargs):
        from .catalogue import bump_classes_version

        result = super().delete(*args, **kwargs)
        bump_classes_version()
        return result

    def limit_label(self) -> str:
        if self.limit_unit == self.LimitUnit.SAME_DAY:
            return str(self.get_limit_unit_display())
        return f"{float(self.limit_value):g} {self.get_limit_unit_display()}"


class StepLimit(models.Model):
    """Time allowed for a step of the loop other than disposal, in working minutes (configurable):
    on-time registration, dispatch, on-site confirmation and check feed the role scores."""

    class Step(models.TextChoices):
        REGISTER = "register", _("registration")  # 立案: from report to registration
        DISPATCH = "dispatch", _("dispatch")  # 派遣: from registration to dispatch
        CONFIRM = "confirm", _("on-site confirmation")  # 核实: a supervisor confirms a report
        CHECK = "check", _("on-site check")  # 核查: a supervisor checks a unit's result
        REPLY = "reply", _("reply to the caller")  # 答复: tell the caller the outcome, ask their rating
        CALLBACK = "callback", _("callback")  # 回访: call the reporter after a bad rating
        WARN = "warn", _("warning before the deadline")  # 预警: how long before the deadline to warn

    step = models.CharField(_("step"), max_length=10, choices=Step.choices, unique=True)
    minutes = models.PositiveIntegerField(_("working minutes"))

    class Meta:
        verbose_name = _("step time limit")
        verbose_name_plural = _("step time limits")

    def __str__(self) -> str:
        return f"{self.get_step_display()}: {self.minutes}"


def new_query_code() -> str:
    """A code a reporter without an account uses to follow their case (no look-alike characters)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Case(ScopedModel, VersionedModel):
    """An event case (案卷). ``area_code`` is the grid of its position; ``tier_code`` the area
    whose staff register and dispatch it now (community, street or district)."""

    class Channel(models.TextChoices):
        PATROL = "patrol", _("patrol report")  # 网格员/监督员巡查上报
        RESIDENT = "resident", _("resident report")  # 居民网上上报
        HOTLINE = "hotline", _("12345 hotline")  # 12345 热线
        MAILBOX = "mailbox", _("mayor's mailbox")  # 市长/区长信箱
        WEBSITE = "website", _("government website")  # 政府网站
        LEADER = "leader", _("leader referral")  # 领导交办
        OPEN311 = "open311", _("Open311 client")  # 外部系统 (GeoReport v2)

    class Status(models.TextChoices):
        REPORTED = "reported", _("reported")  # 信息收集: waiting for registration at its tier
        REGISTERED = "registered", pgettext_lazy("case", "registered")  # 案卷建立: filed, waiting for dispatch
        DISPATCHED = "dispatched", _("dispatched")  # 任务派遣: sent, waiting for the lead unit to accept
        HANDLING = "handling", _("being handled")  # 任务处理: the lead unit works on it; the clock runs
        PAUSED = "paused", _("paused")  # waiting for the reporter; the clock stops
        FEEDBACK = "feedback", _("result reported")  # 处理反馈: waiting for the on-site check
        CLOSED = "closed", pgettext_lazy("case", "closed")  # 核查结案: checked and closed
        INVALID = "invalid", _("not registered")  # 不予立案: not a case (with the reason)
        DUPLICATE = "duplicate", _("merged")  # merged into another case (``merged_into``)

    class Tier(models.TextChoices):
        COMMUNITY = "community", _("community")  # 社区(村): solved and filed inside the community
        STREET = "street", _("street")  # 街道(乡镇)
        DISTRICT = "district", _("district centre")  # 区(县)指挥中心

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normal")
        URGENT = "urgent", _("urgent")  # 紧急: 当日办结

    number = models.CharField(_("case number"), max_length=20, unique=True)  # 案卷号: YYYYMMDD + serial
    query_code = models.CharField(_("query code"), max_length=12, unique=True, default=new_query_code)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    cls = models.ForeignKey(CaseClass, verbose_name=_("class"), on_delete=models.PROTECT, related_name="cases")
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=2000)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    building = models.ForeignKey("registry.Building", verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    component = models.ForeignKey("registry.Component", verbose_name=_("component"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices)
    tier_code = models.CharField(_("handled at"), max_length=15, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REPORTED,
                              db_index=True)
    # Who reported: a staff account, or a resident/caller known only by name and phone (encrypted).
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="reported_cases")
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone_enc = models.TextField(blank=True, editable=False)
    reporter_phone_masked = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    reporter_anonymous = models.BooleanField(_("anonymous"), default=False)
    intake_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")  # the hotline seat who filed it
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    lead_unit = models.ForeignKey("accounts.OrgUnit", verbose_name=_("lead unit"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="lead_cases")
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("result reported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)  # 处置时限
    paused_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)  # deadline warning sent
    overdue_at = models.DateTimeField(null=True, blank=True)  # escalated as overdue (超期升级/督办)
    supervised = models.BooleanField(_("under supervision (督办)"), default=False)
    rework_count = models.PositiveSmallIntegerField(_("rework"), default=0)  # 返工次数
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    sendback_count = models.PositiveSmallIntegerField(_("sent back"), default=0)  # 退回 (not ours)
    reclassified = models.BooleanField(default=False)  # class corrected after registration
    result = models.TextField(_("result"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)  # 1 非常满意 … 5 非常不满意
    rating_note = models.CharField(_("rating note"), max_length=300, blank=True)
    closed_on_time = models.BooleanField(null=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_cases")
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="repeats")  # a repeat complaint about the same problem
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["area_code", "status"]),
            models.Index(fields=["tier_code", "status"]),
            models.Index(fields=["status", "deadline"]),
            # The indicators of some grids over a period (the incremental refresh after new cases
            # reads the touched grids' cases of the month, not every case those grids ever had).
            models.Index(fields=["area_code", "dispatched_at"], name="cases_case_area_dispatched"),
            models.Index(fields=["area_code", "closed_at"], name="cases_case_area_closed"),
            models.Index(fields=["area_code", "reported_at"], name="cases_case_area_reported"),
        ]

    # Set by actions.do_report_case on the case it returns for a replayed idempotency key.
    replayed = False

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # Which steps each state allows, and who may take them: ``rules.CASE_FLOW``.
    OPEN = frozenset({Status.REPORTED, Status.REGISTERED, Status.DISPATCHED, Status.HANDLING, Status.PAUSED,
                      Status.FEEDBACK})

    # The disposal clock applies from dispatch until the result is reported; it stops while paused.
    RUNNING = frozenset({Status.DISPATCHED, Status.HANDLING, Status.PAUSED})

    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, now: dt.datetime) -> bool:
        """Past its disposal deadline while the clock applies — even outside working hours, when no
        working time lies between; a paused case only if it was paused after the deadline."""
        return self.deadline is not None and self.status in self.RUNNING and (self.paused_at or now) > self.deadline

    @classmethod
    def overdue_q(cls, now: dt.datetime) -> Q:
        """:meth:`is_overdue` as a filter."""
        return (Q(status__in=[cls.Status.DISPATCHED, cls.Status.HANDLING], deadline__lt=now)
                | Q(status=cls.Status.PAUSED, paused_at__gt=F("deadline")))

    RATINGS = {1: _("very satisfied"), 2: _("satisfied"), 3: _("fairly satisfied"), 4: _("dissatisfied"),
               5: _("very dissatisfied")}  # 非常满意、满意、基本满意、不满意、非常不满意

    def rating_label(self) -> str:
        return str(self.RATINGS.get(self.rating, "")) if self.rating else ""


class CaseAssignment(ScopedModel):
    """A unit working on a case: the lead unit (主办) or an assisting unit (协办)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead unit")  # 主办
        ASSIST = "assist", _("assisting unit")  # 协办

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="case_assignments")
    role = models.CharField(max_length=6, choices=Role.choices)
    active = models.BooleanField(default=True)  # false once sent back, re-dispatched or escalated
    dispatched_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["unit", "active"])]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit_id} ({self.role})"


class CaseEvent(HistoryEvent):
    """Append-only history of a case: who moved it from which state to which, when, why (the
    history base of ``core.history``), with the unit concerned and the deadline after the step."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("reported")  # 上报/受理
        REGISTERED = "registered", pgettext_lazy("case", "registered")  # 立案
        REJECTED = "rejected", _("not registered")  # 不予立案
        MERGED = "merged", _("merged as duplicate")  # 合并
        LINKED = "linked", _("linked as a repeat complaint")  # 重复诉求关联
        DISPATCHED = "dispatched", _("dispatched")  # 派遣
        ACCEPTED = "accepted", pgettext_lazy("case", "accepted")  # 签收
        SENT_BACK = "sent_back", _("sent back as not ours")  # 退回
        ESCALATED = "escalated", _("escalated")  # 上报上级
        EXTENSION_ASKED = "ext_asked", _("extension requested")  # 申请延期
        EXTENSION_GRANTED = "ext_granted", _("extension granted")
        EXTENSION_REFUSED = "ext_refused", _("extension refused")
        PAUSED = "paused", _("paused")  # 挂起: waiting for the reporter
        RESUMED = "resumed", _("resumed")
        FEEDBACK = "feedback", _("result reported")  # 处理反馈
        CONFIRMED = "confirmed", _("confirmed on site")  # 核实
        CHECK_PASSED = "check_ok", _("check passed")  # 核查通过
        REWORK = "rework", _("sent back for rework")  # 核查不通过 → 返工
        CLOSED = "closed", pgettext_lazy("case", "closed")  # 结案
        RATED = "rated", _("rated by the reporter")  # 评价
        CALLBACK = "callback", _("callback done")  # 回访
        WARNED = "warned", _("deadline warning")  # 预警
        OVERDUE = "overdue", _("overdue, escalated")  # 超期升级/督办
        RECLASSIFIED = "reclassified", _("class corrected")
        NOTIFIED = "notified", _("reporter told the outcome")  # 反馈群众

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    unit = models.ForeignKey("accounts.OrgUnit", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    deadline = models.DateTimeField(null=True, blank=True)  # the case's deadline after this event

    class Meta:
        ordering = ["case", "at", "id"]
        # (deadline): the evaluation finds the cases due in a period by their events' deadlines.
        indexes = [models.Index(fields=["kind", "at"]), models.Index(fields=["deadline"], name="cases_event_deadline")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class CaseTask(ScopedModel):
    """A task with its own due time: on-site confirmation (核实) or check (核查) by a supervisor,
    telling a caller the outcome and asking their rating (答复) once a call or message is closed,
    or a callback (回访) after a bad rating. Feeds the on-time rates of the role scores."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("confirm the report on site")  # 核实
        CHECK = "check", _("check the result on site")  # 核查
        REPLY = "reply", _("tell the caller the outcome")  # 答复
        CALLBACK = "callback", _("call the reporter back")  # 回访

    class Outcome(models.TextChoices):
        OPEN = "", _("open")
        PASSED = "passed", _("passed")
        FAILED = "failed", pgettext_lazy("case check", "failed")
        DONE = "done", _("done")
        UNREACHABLE = "unreachable", _("caller not reached")
        CANCELLED = "cancelled", _("cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="case_tasks")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["kind", "outcome", "area_code"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id}"


class Extension(models.Model):
    """A lead unit's request for more time (延期申请); approval moves the deadline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+")
    work_hours = models.DecimalField(_("working hours asked"), max_digits=6, decimal_places=1)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.case_id} +{self.work_hours}h {self.status}"


class Attachment(ScopedModel):
    """A photo of a report or a result. Images only (type sniffed), size-limited; the EXIF
    position is read at upload; the public copy has all metadata stripped."""

    class Stage(models.TextChoices):
        REPORT = "report", _("report")
        FEEDBACK = "feedback", _("result")
        CHECK = "check", _("check")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()  # the image as uploaded (staff only)
    public_data = models.BinaryField()  # re-encoded without EXIF (what the public sees)
    exif_lon = models.FloatField(null=True, blank=True)
    exif_lat = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.content_type}"


class ScoreRule(models.Model):
    """One weighted indicator of a score: a lead unit's (published on the scoreboard) or a post's
    (岗位评价), e.g. supervisor · valid report rate × 40 %. Seeded with the standard weights; the
    district's administrators change them on the page 考核规则 (``actions.do_set_score_weights``;
    documented in docs/cases.md). The weights of one post add up to 100."""

    class Post(models.TextChoices):
        UNIT = "unit", _("lead unit")  # 主办单位
        SUPERVISOR = "supervisor", _("supervisor")  # 监督员
        SHIFT_LEADER = "shift_leader", _("shift leader")  # 值班长
        DISPATCHER = "dispatcher", _("dispatcher")  # 派遣员

    post = models.CharField(max_length=15, choices=Post.choices)
    indicator = models.CharField(max_length=30)  # a key of evaluation.INDICATORS
    weight = models.DecimalField(max_digits=5, decimal_places=2)  # percent
    invert = models.BooleanField(default=False)  # score (1 − value), e.g. 漏报率

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "indicator"], name="score_rule_once")]
        ordering = ["post", "-weight", "indicator"]

    def __str__(self) -> str:
        return f"{self.post}: {self.indicator} × {self.weight}%"


class GradeBand(models.Model):
    """A grade (等级) and the lowest score that earns it: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E (seeded;
    changed on the page 考核规则 with ``actions.do_set_grade_bands``). The last grade starts at 0."""

    letter = models.CharField(_("grade"), max_length=1, unique=True)
    lowest = models.DecimalField(_("lowest score"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-lowest"]

    def __str__(self) -> str:
        return f"{self.letter} ≥ {self.lowest}"


class Open311Key(ScopedModel):
    """An API key for an Open311 GeoReport v2 client (issued by an administrator; only the hash kept)."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The area its requests may lie in (a district's or a street's code); "" = anywhere, for keys
    # issued by a superuser or the command line.
    area_code = models.CharField(_("area"), max_length=15, blank=True, default="")

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
