"""The base register (人地物事组织): people, households, places, components, organisations.

One record per person, building, component and organisation; every other app references
these records and never keeps its own copy (R-BASE-5). Personal identifiers are stored
encrypted (``*_enc``, AES-GCM via ``core.crypto``) beside a blind index (``*_index``) for
exact search and a masked form for lists; nothing here decrypts — ``queries.reveal_*``
does, for permitted roles, with an audit row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.history import HistoryEvent
from civicgrid.core.models import ScopedModel, VersionedModel


class Building(ScopedModel, VersionedModel):
    """Building (楼栋) at a standard address; its grid is derived from its position, never typed."""

    address = models.CharField(_("standard address"), max_length=200)
    name = models.CharField(_("name"), max_length=100, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    # Code of the grid containing (lon, lat); empty if outside every grid.
    area_code = models.CharField(_("grid code"), max_length=15, db_index=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    units = models.PositiveSmallIntegerField(_("entrances (单元)"), default=1)
    households = models.PositiveIntegerField(_("households"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["area_code", "address"]

    def __str__(self) -> str:
        return self.address


class Road(ScopedModel):
    """A named road (道路) of the street network, as a GeoJSON LineString."""

    name = models.CharField(_("name"), max_length=100)
    # District (or lower) whose network this road belongs to.
    geometry = models.JSONField(_("geometry"))
    length_m = models.FloatField(_("length (m)"), default=0)

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name


# --- people ----------------------------------------------------------------------------------
class Person(ScopedModel, VersionedModel):
    """A person living or staying in the jurisdiction (实有人口)."""

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("resident identity card")  # 居民身份证, GB 11643 checksum
        PASSPORT = "passport", _("passport")  # foreigners (境外人员)
        HK_MO_TW = "hmt_permit", _("Hong Kong/Macao/Taiwan permit")  # 港澳台居民证件
        NONE = "none", _("none yet")  # newborns before registration

    class Residence(models.TextChoices):
        REGISTERED = "registered", _("registered resident")  # 户籍人口
        FLOATING = "floating", _("floating population")  # 流动人口
        FOREIGN = "foreign", _("from abroad")  # 境外人员

    class Status(models.TextChoices):
        ACTIVE = "active", _("lives here")  # counted in the grid
        MOVED_OUT = "moved_out", _("moved out")  # left the jurisdiction; record kept with history
        DECEASED = "deceased", _("deceased")

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    name = models.CharField(_("name"), max_length=50)
    # Search helpers derived from the name: pinyin initials (张伟 → zw) and full pinyin.
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=200, editable=False)
    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_enc = models.TextField(editable=False, blank=True)
    # HMAC of the normalised ID number: unique across the register, exact search.
    id_index = models.CharField(max_length=32, unique=True, null=True, editable=False)
    id_masked = models.CharField(_("ID number"), max_length=30, blank=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone_enc = models.TextField(editable=False, blank=True)
    phone_index = models.CharField(max_length=32, null=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=30, blank=True, editable=False)
    phone_tail = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    residence = models.CharField(_("residence type"), max_length=12, choices=Residence.choices,
                                 default=Residence.REGISTERED)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="汉族")
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="people")
    house = models.ForeignKey("House", verbose_name=_("house"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="occupants")
    household = models.ForeignKey("Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="members")
    relation = models.CharField(_("relation to the head"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Grid of the building (or the grid chosen when there is no building yet).
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["area_code", "name_pinyin", "id"]
        # Search (``queries.search_people``): pinyin prefixes (name_initials has its own index);
        # on PostgreSQL also trigram indexes on name and address for terms of 3 characters and
        # more, and a bigram index for 2-character terms (张伟) (migration 0008).
        indexes = [
            models.Index(fields=["area_code", "status"]),
            models.Index(fields=["name_pinyin"], name="registry_person_pinyin", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def age(self, on=None) -> int | None:
        import datetime as dt

        if not self.birth_date:
            return None
        on = on or dt.date.today()
        return on.year - self.birth_date.year - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))


class PersonTag(ScopedModel):
    """Service-group tags (服务对象标签); special groups are not tags but SpecialGroupRecords."""

    class Tag(models.TextChoices):
        ELDERLY = "elderly", _("elderly (60+)")  # 老年人
        LIVING_ALONE = "alone", _("elderly living alone")  # 独居老人
        DISABLED = "disabled", _("person with a disability")  # 残疾人
        MINOR = "minor", _("minor")  # 未成年人
        LOW_INCOME = "dibao", _("minimum-subsistence household")  # 低保
        ENTITLED = "youfu", _("entitled group (优抚)")  # 优抚对象
        PARTY_MEMBER = "party", _("party member")  # 党员
        VETERAN = "veteran", _("veteran")  # 退役军人
        VOLUNTEER = "volunteer", _("volunteer")  # 志愿者

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("tag"), max_length=12, choices=Tag.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_once")]
        indexes = [models.Index(fields=["tag", "area_code"])]

    def __str__(self) -> str:
        return self.get_tag_display()


class SpecialGroupRecord(ScopedModel):
    """A special-group record (特殊人群): readable only with REGISTRY_SPECIAL, each read audited.

    The group and the details are encrypted together; ``group_index`` (HMAC of the group)
    allows counting by group without decrypting, and reveals nothing without the data key.
    """

    class Group(models.TextChoices):
        RELEASED = "released", _("released from prison")  # 刑满释放人员
        CORRECTION = "correction", _("community correction")  # 社区矫正人员
        DRUG = "drug", _("drug rehabilitation")  # 吸毒人员 / 社区戒毒康复
        MENTAL = "mental", _("severe mental disorder")  # 严重精神障碍患者
        YOUTH = "youth", _("at-risk youth")  # 重点青少年
        PETITIONER = "petition", _("key petitioner")  # 重点信访人员

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="special_records")
    payload_enc = models.TextField(editable=False)  # {"group", "note", "since", "until", "officer"}
    group_index = models.CharField(max_length=32, db_index=True, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"special group record {self.pk}"  # never the group: audit rows copy this


class Household(ScopedModel, VersionedModel):
    """A household (户): members are the people whose ``household`` points here."""

    number = models.CharField(_("household number"), max_length=30, unique=True)  # 户号
    head = models.ForeignKey(Person, verbose_name=_("head of household"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="headed_households")
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="household_set")
    house = models.ForeignKey("House", verbose_name=_("house"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="household_set")
    address = models.CharField(_("address"), max_length=200, blank=True)
    dissolved = models.BooleanField(_("dissolved"), default=False)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["area_code", "number"]

    def __str__(self) -> str:
        return self.number


class PersonEvent(HistoryEvent):
    """Append-only history of a person (the history base of ``core.history``): registration,
    changes, household and address moves. Names of changed fields only: the values of personal
    fields never go into history."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("registered")
        UPDATED = "updated", _("updated")
        JOINED = "joined", _("joined a household")
        LEFT = "left", _("left a household")
        MOVED = "moved", _("moved within the jurisdiction")
        MOVED_OUT = "moved_out", _("moved out")
        DECEASED = "deceased", _("deceased")
        TAGS = "tags", _("tags changed")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    from_household = models.CharField(max_length=30, blank=True)
    to_household = models.CharField(max_length=30, blank=True)
    from_area_code = models.CharField(max_length=15, blank=True)
    to_area_code = models.CharField(max_length=15, blank=True)
    changed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["person", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


# --- places ----------------------------------------------------------------------------------
class House(ScopedModel, VersionedModel):
    """A house or flat (房屋) in a building; rented houses carry a tenancy register (以房管人)."""

    class Use(models.TextChoices):
        OWN = "own", _("owner-occupied")  # 自住
        RENTED = "rented", _("rented out")  # 出租
        EMPTY = "empty", _("empty")  # 空置
        COMMERCIAL = "commercial", _("commercial")  # 商用

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT,
                                 related_name="houses")
    unit = models.PositiveSmallIntegerField(_("entrance (单元)"), default=1)
    floor = models.SmallIntegerField(_("floor"), default=1)
    number = models.CharField(_("room number"), max_length=20)
    use = models.CharField(_("use"), max_length=12, choices=Use.choices, default=Use.OWN)
    floor_area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    landlord = models.ForeignKey(Person, verbose_name=_("owner or landlord"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="owned_houses")

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["building", "unit", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "unit", "number"], name="house_unique_room")]

    def __str__(self) -> str:
        return f"{self.building.address}{self.unit}单元{self.number}室"


class Tenancy(ScopedModel):
    """A tenant registered in a rented house (出租房屋登记)."""

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="tenancies")
    tenant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tenancies")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    police_filed = models.BooleanField(_("filed with the police station"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["house", "-start"]

    def __str__(self) -> str:
        return f"{self.house_id}: {self.start}–{self.end or ''}"


# --- things ----------------------------------------------------------------------------------
class ComponentClass(models.Model):
    """Component class catalogue (部件分类): major class (2 digits) and subclass (2 digits)."""

    major = models.CharField(_("major class code"), max_length=2)
    major_name = models.CharField(_("major class"), max_length=30)
    sub = models.CharField(_("subclass code"), max_length=2)
    name = models.CharField(_("subclass"), max_length=30)
    # Department kind that maintains components of this class by default (cases go there).
    department = models.CharField(_("default department"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("component class")
        verbose_name_plural = _("component classes")
        ordering = ["major", "sub"]
        constraints = [models.UniqueConstraint(fields=["major", "sub"], name="component_class_code")]

    def __str__(self) -> str:
        return f"{self.major}{self.sub} {self.major_name}/{self.name}"

    @property
    def code(self) -> str:
        return self.major + self.sub


class Component(ScopedModel, VersionedModel):
    """A city component (部件) with its 16-digit identifier: district 6 + class 4 + serial 6."""

    class State(models.TextChoices):
        INTACT = "intact", _("intact")  # 完好
        DAMAGED = "damaged", _("damaged")  # 破损
        MISSING = "missing", _("missing")  # 丢失
        OCCUPIED = "occupied", _("occupied")  # 占用

    code = models.CharField(_("component code"), max_length=16, unique=True)
    cls = models.ForeignKey(ComponentClass, verbose_name=_("class"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=100, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    owner_unit = models.CharField(_("owner"), max_length=100, blank=True)  # 主管部门
    maintainer_unit = models.CharField(_("maintained by"), max_length=100, blank=True)  # 养护单位
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.INTACT)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.cls.name} {self.code}"


# --- organisations -----------------------------------------------------------------------------
class Organisation(ScopedModel, VersionedModel):
    """Resident units, enterprises, social and party organisations (组织)."""

    class Kind(models.TextChoices):
        RESIDENT_UNIT = "resident_unit", _("resident unit")  # 驻区单位
        ENTERPRISE = "enterprise", _("enterprise")  # 企业
        SOCIAL = "social", _("social organisation")  # 社会组织
        PARTY = "party", _("party organisation")  # 党组织

    class SocialStatus(models.TextChoices):
        NONE = "", _("—")
        REGISTERED = "registered", _("registered")  # 登记
        FILED = "filed", _("filed")  # 备案

    class PartyLevel(models.TextChoices):
        NONE = "", _("—")
        COMMITTEE = "committee", _("community party committee")  # 社区党委
        BRANCH = "branch", _("party branch")  # 楼栋/网格党支部
        GROUP = "group", _("party group")  # 党小组

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    social_status = models.CharField(_("registration"), max_length=10, choices=SocialStatus.choices, blank=True)
    party_level = models.CharField(_("party organisation level"), max_length=10, choices=PartyLevel.choices,
                                   blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent organisation"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    address = models.CharField(_("address"), max_length=200, blank=True)
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="organisations")
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)  # a work number
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["area_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~models.Q(credit_code=""),
                                    name="organisation_credit_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


# --- information catalogue (R-BASE-6) ------------------------------------------------------------
class InfoClass(models.Model):
    """One of the seven information classes (七大类) of the information catalogue."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=30)

    class Meta:
        verbose_name = _("information class")
        verbose_name_plural = _("information classes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InfoItem(models.Model):
    """An information item (信息分项), e.g. 0301 安全生产; later modules attach records to it."""

    info_class = models.ForeignKey(InfoClass, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=50)
    # Department kind that collects this item (各职能部门按照工作职责采集).
    department = models.CharField(_("collected by"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("information item")
        verbose_name_plural = _("information items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ImportBatch(models.Model):
    """One ledger file on its way in: checked (preview), then written all at once or discarded.

    The file itself is kept only until then, encrypted (it holds ID numbers and phones); the
    preview stores rejected rows with masked identifiers only.
    """

    class Kind(models.TextChoices):
        PEOPLE = "people", _("People")
        BUILDINGS = "buildings", _("Buildings")
        COMPONENTS = "components", _("Components")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("checked, not written")
        QUEUED = "queued", _("being written")  # a large ledger, written by the job queue
        COMMITTED = "committed", _("written")
        DISCARDED = "discarded", _("discarded")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    filename = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_by_name = models.CharField(max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    accepted_rows = models.PositiveIntegerField(_("accepted"), default=0)
    rejected_rows = models.PositiveIntegerField(_("rejected"), default=0)
    rejected = models.JSONField(default=list, blank=True)  # [{row, summary, errors{column: message}}]
    warnings = models.JSONField(default=list, blank=True)
    payload_enc = models.TextField(blank=True, editable=False)  # the file, encrypted, until written
    written_rows = models.PositiveIntegerField(_("written"), default=0)
    error = models.TextField(_("error"), blank=True)  # why the queued write failed (nothing was written)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def progress(self) -> tuple[int, int]:
        """(rows written so far, rows to write) of a queued write, as the job last reported it."""
        from django.core.cache import caches

        done = caches["shared"].get(f"import-progress:{self.pk}") if self.status == self.Status.QUEUED else None
        return (done or 0, self.accepted_rows)

    @property
    def percent(self) -> int:
        done, total = self.progress
        return 100 if self.status == self.Status.COMMITTED else (100 * done // total if total else 0)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


class ExportJob(models.Model):
    """A large export run by the job queue (导出任务), followed by its progress; the file is kept
    encrypted for its requester only, and the filters too (a search may name an ID number)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")  # waiting for the job queue
        RUNNING = "running", _("running")  # rows are being written
        DONE = "done", _("done")  # the file is ready to download
        FAILED = "failed", _("failed")  # see error

    kind = models.CharField(_("kind"), max_length=12, default="people")
    created_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    filters_enc = models.TextField(editable=False, blank=True)
    reveal = models.BooleanField(_("revealed"), default=False)
    reason_enc = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    done_rows = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    file_enc = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0
