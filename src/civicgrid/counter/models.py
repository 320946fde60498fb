"""The one-window government service counter (一门式 / 一窗受理、全科服务, R-SVC).

The catalogue of service items (政务服务事项清单 / 办事指南) with versions, situations (情形) and
materials; applications made at a window (or online) under one published version, with their
materials checklist, one-time notices (一次性告知书), ratings, an append-only history and the
callback tasks a poor rating opens. Seeds 001, 003, 004e; see ``docs/counter.md``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core.history import HistoryEvent
from civicgrid.core.models import ScopedModel, VersionedModel


class Level(models.TextChoices):
    DISTRICT = "district", _("district")  # 区级
    STREET = "street", _("street")  # 街道级
    COMMUNITY = "community", _("community")  # 社区级


LEVEL_DIGITS = {Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12}


class ItemType(models.TextChoices):
    """The types of the national catalogue (国务院办公厅 政务服务事项基本目录)."""

    LICENSING = "licensing", _("administrative licensing")  # 行政许可
    CONFIRMATION = "confirmation", _("administrative confirmation")  # 行政确认
    PAYMENT = "payment", _("administrative payment")  # 行政给付
    AWARD = "award", _("administrative award")  # 行政奖励
    RULING = "ruling", _("administrative ruling")  # 行政裁决
    OTHER_POWER = "other_power", _("other administrative power")  # 其他行政权力
    PUBLIC_SERVICE = "public_service", _("public service")  # 公共服务


POWER_TYPES = frozenset(ItemType.values) - {ItemType.PUBLIC_SERVICE}


class Department(models.TextChoices):
    """The owning departments; the values shared with ``accounts.OrgUnit.Department`` are the unit's
    department a back-office handler belongs to."""

    CIVIL_AFFAIRS = "civil_affairs", _("civil affairs")  # 民政
    HRSS = "hrss", _("human resources and social security")  # 人社
    MEDICAL_INSURANCE = "medical_insurance", _("medical insurance")  # 医保
    HEALTH = "health", _("health")  # 卫健
    POLICE = "police", _("public security")  # 公安
    HOUSING = "housing", _("housing and construction")  # 住建
    DISABLED = "disabled_federation", _("disabled persons' federation")  # 残联
    VETERANS = "veterans", _("veterans affairs")  # 退役军人事务
    STREET_OFFICE = "street_office", _("street office")  # 街道办事处 (its own items)
    OTHER = "other", _("other")


class ServiceItem(models.Model):
    """An item of the catalogue (主项 → 子项 → 办理项). What it requires lives in its versions; the
    current published one is ``current``. ``community_admitted`` is the admission list (准入): only
    those items may a community window accept; others it forwards on the resident's behalf (代办)."""

    class Node(models.TextChoices):
        MAIN = "main", _("main item")  # 主项
        SUB = "sub", _("sub-item")  # 子项
        HANDLING = "handling", _("handling item")  # 办理项

    code = models.CharField(_("item code"), max_length=40, unique=True)
    name = models.CharField(_("item name"), max_length=200)
    name_initials = models.CharField(max_length=60, db_index=True, editable=False, blank=True)
    node = models.CharField(_("node"), max_length=10, choices=Node.choices, default=Node.HANDLING)
    parent = models.ForeignKey("self", verbose_name=_("parent item"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    department = models.CharField(_("department"), max_length=24, choices=Department.choices)
    level = models.CharField(_("implementing level"), max_length=10, choices=Level.choices)
    community_admitted = models.BooleanField(_("admitted at community windows"), default=False)
    sample = models.BooleanField(_("sample data"), default=False)
    current = models.ForeignKey("ItemVersion", verbose_name=_("published version"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ItemVersion(VersionedModel):
    """One version of an item's guide (办事指南). Draft → published → suspended → withdrawn; a newer
    published version replaces the older one (withdrawn). Applications keep their version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")  # being written, not offered
        PUBLISHED = "published", pgettext_lazy("item version", "published")  # offered at the windows and online
        SUSPENDED = "suspended", _("suspended")  # temporarily not offered
        WITHDRAWN = "withdrawn", pgettext_lazy("application", "withdrawn")  # replaced or abolished

    class Hours(models.TextChoices):
        FIVE_PLUS_TWO = "5+2", _("working days plus weekend mornings (5+2)")
        ALL_YEAR = "365", _("every day of the year (365)")
        WORKDAYS = "5", _("working days")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    item_type = models.CharField(_("item type"), max_length=16, choices=ItemType.choices)
    legal_basis = models.TextField(_("legal basis"), blank=True)  # 设定依据
    conditions = models.TextField(_("conditions"), blank=True)  # 受理条件
    legal_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"))
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    fee = models.CharField(_("fee"), max_length=100, blank=True, default="不收费")
    fee_basis = models.CharField(_("fee basis"), max_length=300, blank=True)
    # [{"name", "unit", "days", "counts": bool}] — each step, its unit, its working days, in the legal limit?
    steps = models.JSONField(_("steps"), default=list, blank=True)
    visits = models.PositiveSmallIntegerField(_("visits required"), default=1)  # 0, 1 or 2
    online = models.BooleanField(_("online application"), default=False)
    windows = models.CharField(_("windows"), max_length=200, blank=True)
    hours = models.CharField(_("service hours"), max_length=4, choices=Hours.choices, default=Hours.WORKDAYS)
    consult_phone = models.CharField(_("consultation phone"), max_length=30, blank=True)
    complaint_phone = models.CharField(_("complaint phone"), max_length=30, blank=True)
    target_groups = models.CharField(_("target groups"), max_length=200, blank=True)
    green_channel = models.BooleanField(_("green channel"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("item version")
        ordering = ["item_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="counter_item_version_once")]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.number}"


class Situation(models.Model):
    """A situation (情形) of a version: a question's answer that decides which materials apply."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="situations")
    code = models.CharField(_("code"), max_length=16)
    question = models.CharField(_("question"), max_length=200)
    label = models.CharField(_("situation"), max_length=200)

    class Meta:
        ordering = ["version_id", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="counter_situation_once")]

    def __str__(self) -> str:
        return self.label


class Material(models.Model):
    """A material of a version's checklist. ``source`` names the register record that proves it
    (so the applicant hands nothing in: 免提交); ``situations`` the situation codes it applies to
    (empty: every situation)."""

    class Source(models.TextChoices):
        NONE = "", _("handed in")
        ID = "id", _("register: identity")  # 身份信息
        HOUSEHOLD = "household", _("register: household")  # 户籍/户信息
        DIBAO = "tag:dibao", _("register: minimum-subsistence tag")  # 低保
        DISABLED = "tag:disabled", _("register: disability tag")  # 残疾
        ELDERLY = "tag:elderly", _("register: elderly tag")  # 老年人
        VETERAN = "tag:veteran", _("register: veteran tag")  # 退役军人
        ENTITLED = "tag:youfu", _("register: entitled-group tag")  # 优抚

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="materials")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("material"), max_length=200)
    original = models.BooleanField(_("original"), default=True)  # 原件 (else copy 复印件)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    required = models.BooleanField(_("required"), default=True)
    source = models.CharField(_("register source"), max_length=16, choices=Source.choices, blank=True, default="")
    situations = models.JSONField(_("situations"), default=list, blank=True)

    class Meta:
        ordering = ["version_id", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="counter_material_once")]

    def __str__(self) -> str:
        return self.name

    def applies_to(self, situation: str) -> bool:
        return not self.situations or situation in self.situations


class Application(ScopedModel, VersionedModel):
    """An application (办件). ``area_code`` is the window's area (the street or community centre
    that received it, or the applicant's community online); ``owner_area_code`` the area of the level
    that decides it (the owning department's), which may differ after a forward (通办)."""

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("application", "received")  # at the window, materials being checked
        NOTIFIED = "notified", _("missing materials notified")  # 一次性告知: waiting for the applicant
        REFUSED = "refused", _("not accepted")  # 不予受理, with reason and legal basis
        ACCEPTED = "accepted", pgettext_lazy("application", "accepted")  # 受理: in the back office, the clock runs
        SUPPLEMENT = "supplement", _("waiting for supplements")  # 补正: the clock is paused
        SUSPENDED = "suspended", _("suspended")  # 公示/听证/鉴定: the clock is paused
        APPROVED = "approved", pgettext_lazy("application", "approved")  # decided: granted, result to hand over
        DENIED = "denied", pgettext_lazy("application", "denied")  # decided: not granted, with the reason
        DELIVERED = "delivered", _("result handed over")  # 办结: picked up or posted
        WITHDRAWN = "withdrawn", pgettext_lazy("application", "withdrawn")  # by the applicant, before a decision

    class Channel(models.TextChoices):
        WINDOW = "window", _("window")
        ONLINE = "online", _("online")

    class Proxy(models.TextChoices):
        SELF = "", _("in person")
        PROXY = "proxy", _("by a proxy")  # 代办
        FULL = "full", _("full-process agency")  # 全程代办 (the community forwards on the resident's behalf)

    class Delivery(models.TextChoices):
        PICKUP = "pickup", _("pickup at the window")
        POST = "post", _("by post")

    number = models.CharField(_("application number"), max_length=24, unique=True)
    receipt_number = models.CharField(_("receipt number"), max_length=24, blank=True, db_index=True)
    query_index = models.CharField(max_length=32, null=True, unique=True, editable=False)  # HMAC of the query code
    query_enc = models.TextField(editable=False, blank=True)  # for reprinting the receipt
    item = models.ForeignKey(ServiceItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey(ItemVersion, verbose_name=_("item version"), on_delete=models.PROTECT,
                                     related_name="applications")
    situation = models.CharField(_("situation"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED,
                              db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WINDOW)
    window = models.CharField(_("window"), max_length=30, blank=True)
    applicant = models.ForeignKey("registry.Person", verbose_name=_("applicant"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("applicant organisation"),
                                     null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    applicant_name = models.CharField(_("applicant"), max_length=150)  # as in the register at intake
    proxy = models.CharField(_("proxy handling"), max_length=6, choices=Proxy.choices, blank=True, default="")
    proxy_person = models.ForeignKey("registry.Person", verbose_name=_("proxy"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    proxy_name = models.CharField(_("proxy"), max_length=150, blank=True)
    green_channel = models.BooleanField(_("green channel"), default=False)
    first_clerk = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("first received by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    first_clerk_name = models.CharField(_("first received by"), max_length=150, blank=True)  # 首接首问
    department = models.CharField(_("department"), max_length=24, choices=Department.choices)
    owner_level = models.CharField(_("deciding level"), max_length=10, choices=Level.choices)
    owner_area_code = models.CharField(_("deciding area"), max_length=15, db_index=True)
    legal_days = models.PositiveSmallIntegerField(_("legal time limit (working days)"), default=0)
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"), default=0)
    received_at = models.DateTimeField(_("received"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    paused_hours = models.FloatField(_("working hours paused"), default=0)
    decided_at = models.DateTimeField(pgettext_lazy("application", "decided at"), null=True, blank=True, db_index=True)
    work_days = models.FloatField(_("working days used"), null=True, blank=True)  # accepted → decided, pauses out
    on_time = models.BooleanField(_("on time"), null=True)
    delivered_at = models.DateTimeField(_("handed over"), null=True, blank=True, db_index=True)
    delivery = models.CharField(_("delivery"), max_length=8, choices=Delivery.choices, blank=True)
    visits = models.PositiveSmallIntegerField(_("visits"), default=0)  # times the applicant came to a window
    notices = models.PositiveSmallIntegerField(_("one-time notices"), default=0)
    materials_total = models.PositiveSmallIntegerField(default=0)  # materials provided (handed in or register)
    materials_register = models.PositiveSmallIntegerField(default=0)  # of which the register supplied
    decision_reason = models.CharField(_("reason"), max_length=1000, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)  # of a refusal or denial
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)  # 1 非常不满意 … 5 非常满意
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["area_code", "received_at"]),
                   models.Index(fields=["owner_area_code", "status"]),
                   models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def running(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @property
    def paused(self) -> bool:
        return self.status in (self.Status.SUPPLEMENT, self.Status.SUSPENDED)

    # --- the figures' roll-up (counter/rollup.py): every save adds its difference, in its transaction ---
    def save(self, *args, **kwargs):
        from django.db import transaction

        from . import rollup

        adding = self._state.adding
        with transaction.atomic():
            before = {} if adding else rollup.stored(self)
            super().save(*args, **kwargs)
            rollup.saving(self, before, update_fields=kwargs.get("update_fields"))

    def delete(self, *args, **kwargs):
        from django.db import transaction

        from . import rollup

        with transaction.atomic():
            rollup.deleting(self)
            return super().delete(*args, **kwargs)



class ApplicationMaterial(models.Model):
    """A line of the application's checklist: provided or not, and how (handed in or the register)."""

    class How(models.TextChoices):
        MISSING = "", _("missing")
        HANDED = "handed", _("handed in")
        REGISTER = "register", _("supplied by the register")  # 免提交

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    how = models.CharField(_("provided"), max_length=10, choices=How.choices, blank=True, default="")

    class Meta:
        ordering = ["application_id", "material__code"]
        constraints = [models.UniqueConstraint(fields=["application", "material"], name="counter_line_once")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.material_id}"

    @property
    def provided(self) -> bool:
        return bool(self.how)


class Notice(models.Model):
    """A one-time notice of missing materials (一次性告知书), printable. One per application unless
    the situation changed (``situation`` is the one it was issued for)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notice_rows")
    number = models.CharField(_("notice number"), max_length=24, unique=True)
    situation = models.CharField(_("situation"), max_length=16, blank=True)
    missing = models.JSONField(_("missing materials"), default=list)  # [{"code", "name", "original", "copies"}]
    issued_at = models.DateTimeField(_("issued"))
    issued_by_name = models.CharField(_("issued by"), max_length=150, blank=True)

    class Meta:
        ordering = ["application_id", "issued_at"]

    def __str__(self) -> str:
        return self.number


class FigureDay(models.Model):
    """The figures' numerators and denominators of one local day and group (``counter/rollup.py``):
    received/proxy/noticed/notice_once on the day received, accepted/promised/legal/materials/register
    on the day accepted, decided/on_time/one_visit/zero_visit on the day decided, delivered, rated/good."""

    day = models.DateField()
    area_code = models.CharField(max_length=15)  # the window's area (the application's area_code)
    window = models.CharField(max_length=30, blank=True)
    department = models.CharField(max_length=24)
    owner_level = models.CharField(max_length=10)
    owner_area_code = models.CharField(max_length=15)
    received = models.IntegerField(default=0)
    proxy = models.IntegerField(default=0)
    noticed = models.IntegerField(default=0)
    notice_once = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    promised = models.IntegerField(default=0)
    legal = models.IntegerField(default=0)
    materials = models.IntegerField(default=0)
    register = models.IntegerField(default=0)
    decided = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    one_visit = models.IntegerField(default=0)
    zero_visit = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    good = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["day", "area_code", "window", "department", "owner_level", "owner_area_code"],
            name="counter_figureday_key")]
        indexes = [models.Index(fields=["day", "area_code"])]

    def __str__(self) -> str:
        return f"{self.day} {self.area_code} {self.window} {self.department}"


class FigureDays(models.Model):
    """The histogram of the working days of the applications decided on one local day, per group:
    one row per distinct ``work_days`` with its count ``n`` (quantiles from the summed histogram)."""

    day = models.DateField()
    area_code = models.CharField(max_length=15)
    window = models.CharField(max_length=30, blank=True)
    department = models.CharField(max_length=24)
    owner_level = models.CharField(max_length=10)
    owner_area_code = models.CharField(max_length=15)
    work_days = models.FloatField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["day", "area_code", "window", "department", "owner_level", "owner_area_code", "work_days"],
            name="counter_figuredays_key")]
        indexes = [models.Index(fields=["day", "area_code"])]

    def __str__(self) -> str:
        return f"{self.day} {self.area_code} {self.work_days}×{self.n}"


class ApplicationEvent(HistoryEvent):
    class Kind(models.TextChoices):
        RECEIVED = "received", _("received at the window")
        NOTICE = "notice", _("one-time notice issued")
        SUPPLEMENTED = "supplemented", _("materials supplemented")
        ACCEPTED = "accepted", pgettext_lazy("application", "accepted")
        REFUSED = "refused", _("not accepted")
        SUPPLEMENT_ASKED = "supplement_asked", _("supplements asked (clock paused)")
        FORWARDED = "forwarded", _("forwarded")
        SUSPENDED = "suspended", _("suspended (clock paused)")
        RESUMED = "resumed", _("resumed")
        APPROVED = "approved", pgettext_lazy("application", "approved")
        DENIED = "denied", pgettext_lazy("application", "denied")
        DELIVERED = "delivered", _("result handed over")
        WITHDRAWN = "withdrawn", pgettext_lazy("application", "withdrawn")
        RATED = "rated", _("rated")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField(null=True, blank=True)  # the deadline after the step

    class Meta:
        ordering = ["application_id", "at", "id"]


class CallbackTask(ScopedModel, VersionedModel):
    """A callback (回访) opened by a rating of 2 or less, in the hotline seats' queue, with the
    rectification due in 15 working days (整改)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")  # waiting for the seat's call
        DONE = "done", _("done")  # called back, rectification recorded

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="callbacks")
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    rating = models.PositiveSmallIntegerField(_("rating"))
    due_at = models.DateTimeField(_("rectification due"))
    result = models.CharField(_("result"), max_length=1000, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
