"""Community health (社区卫生, R-HLT): family-doctor "3+X" teams per health grid, service agreements
(签约), health records (健康档案), programmes with schedule rules and the tasks they generate
(CHT/OpenSRP style), visits, two-way referrals (双向转诊), half-yearly report forms.

Personal health data is encrypted at rest (``*_enc``, ``core.crypto``, the column as associated
data): a record's details, a visit's measurements and notes, a referral's reason. What the figures
count stays plain: the programme a person is enrolled in, a visit's mode and whether the last
measurement was under control (a flag, not the values), the dates of tasks. A severe-mental-illness
enrolment and its visits are shown only to team members holding the centre's special grant
(``TeamMember.smi_grant``) or to roles with ``health.mental``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.history import HistoryEvent
from civicgrid.core.models import CatalogueModel, ScopedModel, VersionedModel


# --- teams ---------------------------------------------------------------------------------------------
class Team(ScopedModel, VersionedModel):
    """A "3+X" family health team (家庭健康责任团队) and its health grid: the union of 2–3 base grids
    of one community (``grid_codes``). ``area_code`` is the community's code."""

    name = models.CharField(_("team name"), max_length=100)
    grid_codes = models.JSONField(_("grids of the health grid"), default=list)
    # The health centre (卫生院 / 社区卫生服务中心) the team belongs to: a registry organisation or a name.
    centre = models.CharField(_("health centre"), max_length=100, blank=True)
    centre_medical_staff = models.PositiveIntegerField(_("medical staff of the centre"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("family doctor team")
        verbose_name_plural = _("family doctor teams")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(ScopedModel):
    """A member of a team: the three core posts and the X members (specialists, TCM, grid workers,
    volunteers), each with the organisation they come from."""

    class Post(models.TextChoices):
        GP = "gp", _("general practitioner")  # 全科医生
        NURSE = "nurse", _("community nurse")  # 社区护士
        PUBLIC_HEALTH = "public_health", _("public-health doctor")  # 公卫医生
        SPECIALIST = "specialist", _("specialist")  # 专科医生 (X)
        TCM = "tcm", _("TCM doctor")  # 中医 (X)
        GRID_WORKER = "grid_worker", _("grid worker")  # 网格员 (X)
        VOLUNTEER = "volunteer", _("volunteer")  # 志愿者 (X)

    CORE_POSTS = ("gp", "nurse", "public_health")
    MEDICAL_POSTS = ("gp", "nurse", "public_health", "specialist", "tcm")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="health_teams")
    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=15, choices=Post.choices)
    organisation = models.CharField(_("source organisation"), max_length=100, blank=True)
    leader = models.BooleanField(_("team leader"), default=False)
    # The centre's special grant to read severe-mental-illness data (重性精神疾病).
    smi_grant = models.BooleanField(_("severe mental illness grant"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team", "post", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_post_display()})"


# --- service agreements ------------------------------------------------------------------------------------
class Contract(ScopedModel, VersionedModel):
    """A resident's yearly service agreement with the team of their grid (签约服务协议)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("in force")  # signed, not ended
        RENEWED = "renewed", _("renewed")  # replaced by the following year's agreement
        TERMINATED = "terminated", _("terminated")  # ended early at the resident's or team's request
        EXPIRED = "expired", _("expired")  # its year ran out without renewal

    class Package(models.TextChoices):
        BASIC = "basic", _("basic package")  # 基础包
        ELDERLY = "elderly", _("elderly package")  # 老年人包
        CHRONIC = "chronic", _("chronic disease package")  # 慢病包
        MATERNAL_CHILD = "maternal_child", _("maternal and child package")  # 母婴包

    person = models.ForeignKey("registry.Person", verbose_name=_("resident"), on_delete=models.PROTECT,
                               related_name="health_contracts")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("agreement number"), max_length=30, unique=True)
    package = models.CharField(_("service package"), max_length=15, choices=Package.choices,
                               default=Package.BASIC)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="renewal")

    class Meta:
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")
        ordering = ["-start_date", "id"]
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(status="active"),
                                               name="health_one_active_contract")]

    def __str__(self) -> str:
        return self.number


class ContractEvent(HistoryEvent):
    class Kind(models.TextChoices):
        SIGNED = "signed", _("signed")
        RENEWED = "renewed", _("renewed")
        TERMINATED = "terminated", _("terminated")
        EXPIRED = "expired", _("expired")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["at", "id"]


# --- health records ------------------------------------------------------------------------------------------
class HealthRecord(ScopedModel, VersionedModel):
    """A person's health record (健康档案): linked to the register's person, never a copy of it.
    ``number`` is the community code + a serial; ``data_enc`` holds the details (blood type,
    allergies, history, family history, disability, lifestyle) as encrypted JSON."""

    person = models.OneToOneField("registry.Person", verbose_name=_("resident"), on_delete=models.PROTECT,
                                  related_name="health_record")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="records")
    number = models.CharField(_("record number"), max_length=30, unique=True)
    data_enc = models.TextField(editable=False, blank=True)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        verbose_name = _("health record")
        verbose_name_plural = _("health records")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number  # never the name: audit rows copy this


# --- programmes and schedules ------------------------------------------------------------------------------------
class Programme(CatalogueModel):
    """A national basic public-health service item (国家基本公共卫生服务项目) a person is enrolled in."""

    source = models.CharField(_("source"), max_length=200, blank=True)  # the seed or national practice
    sensitive = models.BooleanField(_("needs the special grant"), default=False)  # severe mental illness
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)

    class Meta(CatalogueModel.Meta):
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")


class ScheduleRule(models.Model):
    """One line of a programme's schedule, kept as data. A task is due at the anchor + ``offset``
    (months, then days), again every ``every_months`` (0: once) up to ``count`` times (0: without
    end); its window runs from ``before_days`` before the due day to ``after_days`` after it (never
    before the anchor). Anchor "year": one task per calendar year, from 1 January (or the
    enrolment) to 31 December, due ``after_days`` before its end."""

    class Anchor(models.TextChoices):
        ENROLMENT = "enrolment", _("enrolment date")
        EVENT = "event", _("event date (delivery, discharge, arrival)")
        BIRTH = "birth", _("birth date")
        YEAR = "year", _("each calendar year")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    anchor = models.CharField(_("anchor"), max_length=10, choices=Anchor.choices, default=Anchor.ENROLMENT)
    offset_months = models.PositiveSmallIntegerField(_("offset (months)"), default=0)
    offset_days = models.PositiveSmallIntegerField(_("offset (days)"), default=0)
    every_months = models.PositiveSmallIntegerField(_("repeat every (months)"), default=0)
    count = models.PositiveSmallIntegerField(_("occurrences (0: no end)"), default=1)
    before_days = models.PositiveSmallIntegerField(_("window opens (days before due)"), default=0)
    after_days = models.PositiveSmallIntegerField(_("window closes (days after due)"), default=0)
    face_to_face = models.BooleanField(_("face to face required"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    sample = models.BooleanField(_("sample schedule (no annex in the seeds)"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("schedule rule")
        verbose_name_plural = _("schedule rules")
        ordering = ["programme", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="health_rule_code")]

    def __str__(self) -> str:
        return f"{self.programme.code}/{self.code} {self.name}"


class Enrolment(ScopedModel, VersionedModel):
    """A person enrolled in a programme (纳入管理). ``anchor_date`` is the event a schedule counts
    from where it is not the enrolment (delivery, discharge, a referral's arrival)."""

    person = models.ForeignKey("registry.Person", verbose_name=_("resident"), on_delete=models.PROTECT,
                               related_name="health_enrolments")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.PROTECT,
                                  related_name="enrolments")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="enrolments")
    enrolled_on = models.DateField(_("enrolled on"))
    anchor_date = models.DateField(_("event date"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # How far ahead tasks were generated (the periodic job continues from here).
    generated_until = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["person", "programme"]
        constraints = [models.UniqueConstraint(fields=["person", "programme"], condition=Q(ended_on__isnull=True),
                                               name="health_one_open_enrolment")]
        indexes = [models.Index(fields=["programme", "area_code"])]

    def __str__(self) -> str:
        return f"enrolment {self.pk}"


class Task(ScopedModel):
    """One piece of scheduled work (a follow-up, a check): open until a visit resolves it or its
    window closes (missed). upcoming / due / overdue are read from the dates (``state``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")  # waiting for its visit
        DONE = "done", _("done")  # a visit resolved it
        MISSED = "missed", _("missed")  # the window closed without a visit

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="tasks")
    rule = models.ForeignKey(ScheduleRule, on_delete=models.PROTECT, related_name="tasks")
    seq = models.PositiveIntegerField()
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="health_tasks")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks")
    household_id = models.IntegerField(null=True, blank=True, db_index=True)  # grouping on the phone page
    start = models.DateField(_("window opens"))
    due = models.DateField(_("due"))
    end = models.DateField(_("window closes"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    visit = models.ForeignKey("Visit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due", "id"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "rule", "seq"], name="health_task_once")]
        # (team, status, end, start): the phone page's "window open today" (end ≥ today, start ≤ today) of
        # a team's open tasks, without the closed windows the nightly job has not marked missed yet
        indexes = [models.Index(fields=["team", "status", "start"]), models.Index(fields=["area_code", "end"]),
                   models.Index(fields=["team", "status", "end", "start"], name="health_task_open_today")]

    def __str__(self) -> str:
        return f"task {self.pk}"

    def state(self, today) -> str:
        """upcoming / due / overdue / done / missed on ``today``."""
        if self.status != self.Status.OPEN:
            return self.status
        if today < self.start:
            return "upcoming"
        if today <= self.due:
            return "due"
        if today <= self.end:
            return "overdue"
        return "missed"


class Visit(ScopedModel):
    """A follow-up or check (随访 / 体检). ``data_enc``: blood pressure, fasting glucose, weight,
    classification, note. ``controlled`` (plain) says whether the measured value was under control
    (BP < 140/90; fasting glucose < 7.0 mmol/L), for the control rate without decrypting."""

    class Mode(models.TextChoices):
        CLINIC = "clinic", _("at the clinic")  # 门诊
        HOME = "home", _("home visit")  # 入户
        PHONE = "phone", _("by phone")  # 电话 (not face to face)

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="health_visits")
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits")
    on = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    face_to_face = models.BooleanField(default=True, editable=False)
    controlled = models.BooleanField(null=True, editable=False)
    data_enc = models.TextField(editable=False, blank=True)
    next_due = models.DateField(_("next follow-up"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["enrolment", "on"])]

    def __str__(self) -> str:
        return f"visit {self.pk}"


# --- referrals -------------------------------------------------------------------------------------------------------
class Referral(ScopedModel, VersionedModel):
    """A two-way referral (双向转诊): up to a hospital (with an appointment) or down from it on
    discharge; ``deadline`` is when the receiving side must accept (``core.deadlines``)."""

    class Direction(models.TextChoices):
        UP = "up", _("up-referral")  # 上转
        DOWN = "down", _("down-referral")  # 下转

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")  # sent, waiting for the receiving side
        ACCEPTED = "accepted", _("accepted")  # the receiving side took it (appointment set)
        ARRIVED = "arrived", _("arrived")  # the patient arrived
        COMPLETED = "completed", _("completed")  # treatment done
        RETURNED = "returned", _("returned")  # refused or sent back by the receiving side

    person = models.ForeignKey("registry.Person", verbose_name=_("resident"), on_delete=models.PROTECT,
                               related_name="health_referrals")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="referrals")
    hospital = models.ForeignKey("registry.Organisation", verbose_name=_("hospital"), on_delete=models.PROTECT,
                                 related_name="health_referrals")
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED,
                              db_index=True)
    reason_enc = models.TextField(editable=False, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    deadline = models.DateTimeField(_("accept by"))
    # For a down-referral: the programme whose follow-ups the arrival starts (rehabilitation by default).
    programme = models.ForeignKey(Programme, verbose_name=_("follow-up programme"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"referral {self.pk}"


class ReferralEvent(HistoryEvent):
    class Kind(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ACCEPTED = "accepted", _("accepted")
        ARRIVED = "arrived", _("arrived")
        COMPLETED = "completed", _("completed")
        RETURNED = "returned", _("returned")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["at", "id"]


# --- parameters -------------------------------------------------------------------------------------------------
class Parameter(models.Model):
    """Yearly parameters of the figures: prevalence used for the estimated patients, funding per
    served person (yuan per year; 000a: 20)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    htn_prevalence = models.DecimalField(_("hypertension prevalence (35+)"), max_digits=5, decimal_places=4,
                                         default="0.2500")
    dm_prevalence = models.DecimalField(_("diabetes prevalence (35+)"), max_digits=5, decimal_places=4,
                                        default="0.1000")
    funding_per_person = models.DecimalField(_("funding per served person (yuan)"), max_digits=8,
                                             decimal_places=2, default="20.00")

    class Meta:
        verbose_name = _("yearly parameter")
        verbose_name_plural = _("yearly parameters")

    def __str__(self) -> str:
        return str(self.year)


# --- half-yearly report forms and team assessment ------------------------------------------------------------
class HalfYearReport(ScopedModel, VersionedModel):
    """The half-yearly work report form (每半年报送工作报表, 000a: before the end of June and of
    December) of a street, filled from the data, submitted by the street (the centre), reviewed by
    the district. ``figures`` holds the form's cells as filled; a submission after the deadline
    (the period's last day) is marked late."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")  # filled from the data, not sent
        SUBMITTED = "submitted", _("submitted")  # sent to the district
        REVIEWED = "reviewed", _("reviewed")  # accepted by the district
        RETURNED = "returned", _("returned")  # sent back for correction

    period = models.CharField(_("period"), max_length=8)  # 2025S1
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    figures = models.JSONField(_("figures"), default=dict)
    filled_at = models.DateTimeField(_("filled at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    deadline = models.DateTimeField(_("due by"))
    late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("half-yearly report")
        verbose_name_plural = _("half-yearly reports")
        ordering = ["-period", "area_code"]
        constraints = [models.UniqueConstraint(fields=["area_code", "period"], name="health_report_once")]

    def __str__(self) -> str:
        return f"{self.area_code} {self.period}"


class ReportEvent(HistoryEvent):
    class Kind(models.TextChoices):
        FILLED = "filled", _("filled from the data")
        SUBMITTED = "submitted", _("submitted")
        REVIEWED = "reviewed", _("reviewed")
        RETURNED = "returned", _("returned")

    report = models.ForeignKey(HalfYearReport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["at", "id"]


class AssessmentItem(CatalogueModel):
    """One line of the team assessment's scoring standard (考核评分标准), kept as data: a figure of
    ``figures.CODES``, its weight and its target (004b: coverage 100 %, 000a's three-level yearly
    assessment). The score is Σ weight × min(value ÷ target, 1) over the items with data."""

    figure = models.CharField(_("figure"), max_length=20)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=5, decimal_places=4)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta(CatalogueModel.Meta):
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")


class Survey(ScopedModel):
    """A resident's answers to the yearly survey (004b: 知晓率 ≥ 60 %, 满意率 ≥ 90 %): whether they know
    their family doctor team, and whether they are satisfied with its service."""

    person = models.ForeignKey("registry.Person", verbose_name=_("resident"), on_delete=models.PROTECT,
                               related_name="health_surveys")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys")
    on = models.DateField(_("date"))
    aware = models.BooleanField(_("knows the team"))
    satisfied = models.BooleanField(_("satisfied"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"survey {self.pk}"


# --- infectious-disease reports (传染病报告) ----------------------------------------------------------------
class Disease(CatalogueModel):
    """A notifiable infectious disease (法定传染病) and its reporting time limit, kept as data. Classes
    甲/乙/丙 follow 《中华人民共和国传染病防治法》; the limits follow national practice (《传染病信息报告
    管理规范》): 甲类 and 乙类 managed as 甲类 within 2 hours, other 乙类 and 丙类 within 24 hours —
    not the seeds, which give none. ``source`` says so for each row."""

    class Category(models.TextChoices):
        A = "A", _("class A")  # 甲类
        B = "B", _("class B")  # 乙类
        C = "C", _("class C")  # 丙类

    category = models.CharField(_("class"), max_length=1, choices=Category.choices)
    managed_as_a = models.BooleanField(_("managed as class A"), default=False)  # 按甲类管理
    limit_hours = models.PositiveSmallIntegerField(_("reporting time limit (hours)"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    # The programme a report enrols the patient in, so the team gets its follow-up tasks (肺结核 → the
    # TB programme); none for most diseases.
    follow_up = models.ForeignKey(Programme, verbose_name=_("follow-up programme"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta(CatalogueModel.Meta):
        verbose_name = _("notifiable disease")
        verbose_name_plural = _("notifiable diseases")


class DiseaseReport(ScopedModel, VersionedModel):
    """An infectious-disease report (传染病报告卡) a team files about a person of the register (the
    patient). ``details_enc`` holds the diagnosis details (basis, onset, symptoms, diagnosing unit,
    note) as encrypted JSON; the disease stays plain like a programme enrolment (the lists and the
    timeliness figure need it). ``late``: reported more than the disease's limit (copied at filing
    as ``limit_hours``) after the diagnosis or discovery."""

    class Status(models.TextChoices):
        FILED = "filed", pgettext_lazy("disease report", "filed")  # the team filed it, waiting for the centre
        VERIFIED = "verified", _("verified")  # the centre checked it
        REPORTED = "reported", _("reported to the CDC")  # 上报: sent on to the disease control centre
        CLOSED = "closed", pgettext_lazy("disease report", "closed")  # nothing more to do
        RETURNED = "returned", _("returned")  # not a valid report (duplicate, wrong), with the reason

    class CaseType(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed case")  # 确诊病例
        CLINICAL = "clinical", _("clinically diagnosed case")  # 临床诊断病例
        SUSPECTED = "suspected", _("suspected case")  # 疑似病例
        CARRIER = "carrier", _("pathogen carrier")  # 病原携带者

    number = models.CharField(_("report number"), max_length=30, unique=True)
    person = models.ForeignKey("registry.Person", verbose_name=_("patient"), on_delete=models.PROTECT,
                               related_name="health_disease_reports")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="disease_reports")
    disease = models.ForeignKey(Disease, verbose_name=_("disease"), on_delete=models.PROTECT, related_name="reports")
    case_type = models.CharField(_("case type"), max_length=10, choices=CaseType.choices)
    diagnosed_at = models.DateTimeField(_("diagnosed or discovered at"))
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    limit_hours = models.PositiveSmallIntegerField(_("reporting time limit (hours)"))
    deadline = models.DateTimeField(_("report by"))
    late = models.BooleanField(_("late"), default=False)
    details_enc = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.FILED,
                              db_index=True)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = _("infectious-disease report")
        verbose_name_plural = _("infectious-disease reports")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return self.number  # never the disease or the name: audit rows copy this


class DiseaseReportEvent(HistoryEvent):
    class Kind(models.TextChoices):
        FILED = "filed", pgettext_lazy("disease report", "filed")
        VERIFIED = "verified", _("verified")
        REPORTED = "reported", _("reported to the CDC")
        CLOSED = "closed", pgettext_lazy("disease report", "closed")
        RETURNED = "returned", _("returned")

    report = models.ForeignKey(DiseaseReport, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["at", "id"]


# --- health-supervision findings (卫生监督协管) ------------------------------------------------------------------
class SupervisionFinding(ScopedModel):
    """A health-supervision finding (卫生监督协管信息报告) a team member filed about a registry
    organisation (the regulated party): the case it became, through the cases intake action, in the
    class 卫生监督协管 (food safety, drinking water, illegal practice and blood collection, schools,
    public places). The case holds no organisation field: this row is the link (the case carries the
    organisation's building, address and name in its text). ``area_code`` is the case's grid."""

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                                related_name="health_finding")
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("regulated party"),
                                     on_delete=models.PROTECT, related_name="health_findings")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="findings")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("health-supervision finding")
        verbose_name_plural = _("health-supervision findings")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"finding {self.pk}"
