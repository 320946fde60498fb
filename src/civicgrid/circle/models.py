"""The 15-minute community service circle (一刻钟社区服务圈, R-CIR, R-FAC, R-ELD-3).

Facilities of the standard set, the service catalogue (6 categories / 82 items), the walking
network of a district, per-building accessibility results, and certified service providers
(签约服务商) with their append-only history. A facility's grid is derived from its position.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.history import HistoryEvent
from civicgrid.core.models import ScopedModel, VersionedModel


class FacilityKind(models.TextChoices):
    """一校、二栏、四场、五室、六中心、九网点 (seed 001)."""

    SCHOOL = "school", _("school")  # 一校: 服务社区的学校
    BOARD_PUBLICITY = "board_publicity", _("community publicity board")  # 社区综合宣传栏
    BOARD_AFFAIRS = "board_affairs", _("public affairs board")  # 事务公开栏
    MARKET = "market", _("farmers' market")  # 农贸市场
    PARKING = "parking", _("car park")  # 停车场
    TOILET = "toilet", _("public toilet")  # 公共厕所
    WASTE = "waste", _("waste collection point")  # 垃圾投放场所
    COMMITTEE_OFFICE = "committee_office", _("residents' committee office")  # 社区村居委会办公室
    READING_ROOM = "reading_room", _("reading room")  # 图书阅览室
    POLICE_ROOM = "police_room", _("community police room")  # 社区警务室
    MEDIATION_ROOM = "mediation_room", _("people's mediation room")  # 人民调解室
    HEALTH_ROOM = "health_room", _("community health room")  # 社区卫生室
    SERVICE_CENTRE = "service_centre", _("community service centre")  # 社区服务中心（站）
    PARTY_CENTRE = "party_centre", _("party-mass service centre")  # 党群服务中心
    ACTIVITY_CENTRE = "activity_centre", _("indoor activity centre")  # 社区室内多功能活动中心
    SPORTS_CENTRE = "sports_centre", _("outdoor sports centre")  # 室外体育活动中心
    CULTURE_CENTRE = "culture_centre", _("culture centre")  # 文化中心
    DAYCARE_CENTRE = "daycare_centre", _("day-care centre")  # 日间照料中心
    FOOD = "food", _("food outlet")  # 餐饮
    SUPERMARKET = "supermarket", _("supermarket or convenience store")  # 超市便利店
    BARBER = "barber", _("barber")  # 理发店
    LAUNDRY = "laundry", _("laundry")  # 洗衣店
    PHARMACY = "pharmacy", _("pharmacy")  # 药店
    BANK = "bank", _("bank outlet")  # 金融网点
    POST = "post", _("post outlet")  # 邮政网点
    HOUSEKEEPING = "housekeeping", _("housekeeping service point")  # 家政服务点
    TELECOM = "telecom", _("telecom outlet")  # 通信网点


class FacilityGroup(models.TextChoices):
    SCHOOL = "school", _("1 school")  # 一校
    BOARDS = "boards", _("2 boards")  # 二栏
    GROUNDS = "grounds", _("4 grounds")  # 四场
    ROOMS = "rooms", _("5 rooms")  # 五室
    CENTRES = "centres", _("6 centres")  # 六中心
    OUTLETS = "outlets", _("9 outlets")  # 九网点


KIND_GROUP: dict[str, str] = {
    "school": "school", "board_publicity": "boards", "board_affairs": "boards",
    **dict.fromkeys(["market", "parking", "toilet", "waste"], "grounds"),
    **dict.fromkeys(["committee_office", "reading_room", "police_room", "mediation_room", "health_room"], "rooms"),
    **dict.fromkeys(["service_centre", "party_centre", "activity_centre", "sports_centre", "culture_centre",
                     "daycare_centre"], "centres"),
    **dict.fromkeys(["food", "supermarket", "barber", "laundry", "pharmacy", "bank", "post", "housekeeping",
                     "telecom"], "outlets"),
}
# Community service facility area (R-FAC-1) counts the five rooms and six centres.
SERVICE_AREA_GROUPS = ("rooms", "centres")


class ServiceCategory(models.Model):
    """One of the six service categories (六大类) of the circle."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=30)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ServiceItem(models.Model):
    """A basic service item (基本服务项目), e.g. 0304 健康教育."""

    category = models.ForeignKey(ServiceCategory, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Facility(ScopedModel, VersionedModel):
    """A facility of the circle (服务设施); its grid is derived from its position, never typed."""

    class Level(models.TextChoices):
        COMMUNITY = "community", _("community")  # serves one community (社区服务站 etc.)
        STREET = "street", _("street")  # a street-level centre (街道综合服务中心)

    class Source(models.TextChoices):
        MANUAL = "manual", _("entered by staff")
        OSM = "osm", _("OpenStreetMap import")
        DEMO = "demo", _("demo generator")

    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=150)
    level = models.CharField(_("serves"), max_length=10, choices=Level.choices, default=Level.COMMUNITY)
    area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=9, decimal_places=1, null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    # Beds of a day-care centre, seats of a reading room…
    capacity = models.PositiveIntegerField(_("capacity (beds, seats)"), null=True, blank=True)
    operator = models.CharField(_("operator"), max_length=150, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    services = models.ManyToManyField(ServiceItem, verbose_name=_("services offered"), blank=True)
    # A resident unit's facility opened to residents at off-peak times (R-CIR-5).
    unit = models.ForeignKey("registry.Organisation", verbose_name=_("resident unit"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="circle_facilities")
    offpeak_hours = models.CharField(_("open to residents (off-peak)"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    osm_id = models.CharField(max_length=20, blank=True, db_index=True)
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["area_code", "kind", "name"]
        indexes = [models.Index(fields=["kind", "area_code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def group(self) -> str:
        return KIND_GROUP[self.kind]


class WalkNetwork(ScopedModel, VersionedModel):
    """The walking network of a district (步行路网): CSR arrays as one compressed .npz blob."""

    class Source(models.TextChoices):
        OSM = "osm", _("OpenStreetMap extract")
        ROADS = "roads", _("registered roads")

    area_code = models.CharField(_("district code"), max_length=15, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_name = models.CharField(_("file or origin"), max_length=200, blank=True)
    nodes = models.PositiveIntegerField(_("nodes"), default=0)
    edges = models.PositiveIntegerField(_("edges"), default=0)
    components = models.PositiveIntegerField(_("disconnected pieces"), default=0)
    data = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("walking network")
        verbose_name_plural = _("walking networks")

    def __str__(self) -> str:
        return f"{self.area_code} {self.get_source_display()}"


class AccessRun(ScopedModel):
    """One accessibility computation for a district (a background job)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")  # waiting for the job consumer
        RUNNING = "running", _("running")  # computing
        DONE = "done", _("done")  # results stored
        FAILED = "failed", _("failed")  # see the message; the previous results stay

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    speed_m_s = models.FloatField(_("walking speed (m/s)"))
    limit_min = models.PositiveSmallIntegerField(_("limit (minutes)"), default=15)
    stats = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.area_code} {self.get_status_display()}"


class BuildingAccess(ScopedModel):
    """Walking distance from a residential building to the nearest facility of one kind."""

    building = models.ForeignKey("registry.Building", on_delete=models.CASCADE, related_name="circle_access")
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    # Metres along the network, snap distances included; null beyond the limit.
    distance_m = models.FloatField(_("walking distance (m)"), null=True)
    minutes = models.FloatField(_("walking time (min)"), null=True)
    # The smallest of 5/10/15 minutes it lies within; null beyond 15.
    band = models.PositiveSmallIntegerField(_("within (min)"), null=True)
    # No facility of this kind in the building's network piece at all.
    unreachable = models.BooleanField(_("unreachable"), default=False)
    households = models.PositiveIntegerField(default=0)  # the building's, at computation time
    run = models.ForeignKey(AccessRun, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["building", "kind"], name="building_access_once")]
        indexes = [models.Index(fields=["kind", "area_code"])]

    def __str__(self) -> str:
        return f"{self.building_id} {self.kind}"


class Provider(ScopedModel, VersionedModel):
    """A certified service provider (签约服务商, R-CIR-4) of a community."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")  # application received, waiting for the residents' council
        APPROVED = "approved", _("approved by the residents' council")  # council agreed; agreement next
        REJECTED = "rejected", _("rejected")  # the council refused; final
        SIGNED = "signed", _("agreement signed")  # agreement in force; not yet shown to residents
        PUBLISHED = "published", _("published")  # listed for residents with items, manner and hotline
        RECTIFYING = "rectifying", _("under rectification")  # notice issued; must correct by the deadline
        REVOKED = "revoked", _("revoked")  # certification withdrawn; final

    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    hotline = models.CharField(_("service hotline"), max_length=30, blank=True)
    manner = models.CharField(_("manner of service"), max_length=300, blank=True)  # 服务方式
    items = models.ManyToManyField(ServiceItem, verbose_name=_("service items"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    council_decision = models.CharField(_("residents' council decision"), max_length=300, blank=True)
    agreement_number = models.CharField(_("agreement number"), max_length=50, blank=True)
    agreement_until = models.DateField(_("agreement valid until"), null=True, blank=True)
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


class ProviderEvent(HistoryEvent):
    """Append-only history of a provider (the history base of ``core.history``): who took which
    step of ``circle.rules.PROVIDER_FLOW``, from which state to which, when, why."""

    class Kind(models.TextChoices):
        APPLY = "apply", _("application filed")  # 申请
        APPROVE = "approve", _("approved by the residents' council")  # 居民议事会同意
        REJECT = "reject", _("rejected by the residents' council")
        SIGN = "sign", _("agreement signed")  # 签约
        PUBLISH = "publish", _("published for residents")  # 公示
        RECTIFY = "rectify", _("rectification notice issued")  # 整改通知
        RECTIFIED = "rectified", _("rectification accepted")
        REVOKE = "revoke", _("certification revoked")  # 撤销
        REVIEW = "review", _("reviewed by the supervision committee")  # 监督委员会评议

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["provider", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"

    @property
    def from_display(self) -> str:
        return str(Provider.Status(self.from_status).label) if self.from_status in Provider.Status.values else ""

    @property
    def to_display(self) -> str:
        return str(Provider.Status(self.to_status).label) if self.to_status in Provider.Status.values else ""


class ProviderRating(ScopedModel):
    """A resident's rating of a published provider (1–5)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="provider_rating_once")]

    def __str__(self) -> str:
        return f"{self.provider_id}: {self.score}"
