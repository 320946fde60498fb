"""Reads of the register for a user, scoped by area code and capability.

Lists carry masked identifiers only. The full ID number or phone and special-group records
are returned only by ``reveal_identifiers`` and ``special_records``, which require their
capability in the person's area and a stated reason, and write an audit row per read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.core import audit, crypto
from civicgrid.core.access import access_object, not_found_or_denied, require_capability
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.scoping import in_scope, restrict, scope_codes
from civicgrid.registry.capabilities import (
    ADDRESS_MATCH,
    REGISTRY_EXPORT,
    REGISTRY_REVEAL,
    REGISTRY_SPECIAL,
    REGISTRY_VIEW,
)

from .models import (
    Building,
    Component,
    House,
    Household,
    ImportBatch,
    Organisation,
    Person,
    Road,
    SpecialGroupRecord,
)
from .people import ID_CONTEXT, PHONE_CONTEXT, SPECIAL_CONTEXT, id_index, phone_index

if TYPE_CHECKING:
    from .address import AddressMatcher


# --- places and things (no personal data: the general `view` capability) ----------------------
def visible_buildings(user) -> QuerySet[Building]:
    return restrict(Building.objects.all(), user)


def access_building(user, pk) -> Building:
    return access_object(Building, user, pk=pk)


def visible_roads(user):
    """Roads of the user's areas and of the areas above them: a road filed at district level
    crosses every street, and carries no personal data."""
    codes = scope_codes(user)
    if codes is None:
        return Road.objects.all()
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(area_code__startswith=code) | Q(area_code__in=[code[:n] for n in (6, 9, 12) if n < len(code)])
    return Road.objects.filter(q)


def public_roads():
    """(name, line) of every registered road: what a resident places a pin by (no other data)."""
    return Road.objects.order_by("pk").values_list("name", "geometry").iterator(2000)


def visible_components(user) -> QuerySet[Component]:
    return restrict(Component.objects.select_related("cls"), user)


def access_component(user, code: str) -> Component:
    return access_object(Component.objects.select_related("cls"), user, code=str(code))


def visible_organisations(user) -> QuerySet[Organisation]:
    return restrict(Organisation.objects.all(), user)


def access_organisation(user, pk) -> Organisation:
    return access_object(Organisation, user, pk=pk)


# --- address matching (门牌地址匹配; ADDRESS_MATCH) ----------------------------------------------
ADDRESS_TEXT_MIN, ADDRESS_TEXT_MAX = 2, 200
ADDRESS_LIMIT_MAX = 20
_MATCHER_SCOPES = 32  # matchers kept per process: one per jurisdiction asked about, least recent dropped


class _Matchers:
    """The process's address matchers. ``rows`` are every building's (id, address, grid code),
    read once per version of the buildings; each jurisdiction (a tuple of code prefixes, None
    for no limit) gets a matcher over its own buildings only, so that a building outside it
    can neither be returned nor push the user's own buildings out of the ranking."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: tuple | None = None
        self.checked_at = float("-inf")  # time.monotonic() of the last version check
        self.rows: list[tuple[int, str, str]] = []
        self.by_scope: OrderedDict[tuple[str, ...] | None, AddressMatcher] = OrderedDict()


_matchers = _Matchers()


def _buildings_version() -> tuple:
    """Changes whenever a building is added, removed or saved, or a grid boundary changes (which
    may move buildings to another grid). Two queries: ≈ 1 ms at 300 buildings, 10 ms at 20,000."""
    from civicgrid.areas.index import boundary_version

    agg = Building.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at"))
    return agg["n"], agg["last"], agg["changed"], boundary_version()


def address_matcher(prefixes: tuple[str, ...] | None) -> AddressMatcher:
    """The matcher over the buildings whose grid code starts with one of ``prefixes`` (all: None),
    built on first use and rebuilt when the buildings change; whether they did is asked of the
    database at most once per ``CIVICGRID_ADDRESS_MATCHER_RECHECK_SECONDS``."""
    from django.conf import settings

    from .address import AddressMatcher  # opencc and pypinyin: 0.4 s to import, so only when used

    cache = _matchers
    now = time.monotonic()
    checked = cache.version is None or now - cache.checked_at >= settings.CIVICGRID_ADDRESS_MATCHER_RECHECK_SECONDS
    version = _buildings_version() if checked else cache.version
    with cache.lock:
        if checked:
            cache.checked_at = now
        if cache.version != version:
            cache.rows = list(Building.objects.order_by("id").values_list("id", "address", "area_code")
                              .iterator(chunk_size=5000))
            cache.version = version
            cache.by_scope.clear()
        key = None if prefixes is None else tuple(sorted(prefixes))
        matcher = cache.by_scope.get(key)
        if matcher is None:
            rows = cache.rows if key is None else [r for r in cache.rows if r[2].startswith(key)]
            whole = len(rows) == len(cache.rows)  # e.g. the district: shares the matcher over all
            matcher = cache.by_scope.get(None) if whole else None
            if matcher is None:
                matcher = AddressMatcher((pk, address) for pk, address, _code in rows)
            cache.by_scope[key] = matcher
            if whole:
                cache.by_scope[None] = matcher
            while len(cache.by_scope) > _MATCHER_SCOPES:
                cache.by_scope.popitem(last=False)
        cache.by_scope.move_to_end(key)
        return matcher


def match_address(user, text: str, limit: int = 5) -> list[dict]:
    """Registered buildings of the user's jurisdiction that best fit a free-text address, best
    first: id, address, score (0–1), lon, lat, area_code (the grid) and grid_name.

    Needs ADDRESS_MATCH (403 otherwise); only buildings inside the memberships granting it are
    considered, and the hits are re-read from the database in that scope before they are returned.
    """
    from civicgrid.areas.models import Area

    require_capability(user, ADDRESS_MATCH)
    text = (text or "").strip()
    if not ADDRESS_TEXT_MIN <= len(text) <= ADDRESS_TEXT_MAX:
        raise UserError(_("q: type the address in %(min)d to %(max)d characters.")
                        % {"min": ADDRESS_TEXT_MIN, "max": ADDRESS_TEXT_MAX}, field="q")
    if not 1 <= limit <= ADDRESS_LIMIT_MAX:
        raise UserError(_("limit: ask for 1 to %(max)d candidates.") % {"max": ADDRESS_LIMIT_MAX}, field="limit")
    prefixes = scope_codes(user, ADDRESS_MATCH)
    if prefixes == ():
        return []
    candidates = address_matcher(prefixes).match(text, limit)
    if not candidates:
        return []
    # Re-read in the user's scope: the register may have changed since the matcher was built.
    buildings = restrict(Building.objects.filter(pk__in=[c.id for c in candidates]), user,
                         capability=ADDRESS_MATCH)
    found = {b.pk: b for b in buildings.only("id", "address", "lon", "lat", "area_code")}
    grid_names = dict(Area.objects.filter(code__in={b.area_code for b in found.values()}).values_list("code", "name"))
    return [
        {"id": b.pk, "address": b.address, "score": c.score, "lon": b.lon, "lat": b.lat,
         "area_code": b.area_code, "grid_name": grid_names.get(b.area_code, "")}
        for c in candidates if (b := found.get(c.id)) is not None
    ]


# --- people (REGISTRY_VIEW) ---------------------------------------------------------------------
def visible_people(user, *, include_left: bool = False) -> QuerySet[Person]:
    qs = restrict(Person.objects.select_related("household", "building"), user, capability=REGISTRY_VIEW)
    qs = qs if include_left else qs.filter(status=Person.Status.ACTIVE)
    return qs.order_by(*person_order())


def person_order() -> list:
    """The register's order (area, pinyin, id). On PostgreSQL in byte order (COLLATE "C", as
    SQLite sorts): the index registry_person_order_c (migration 0009) then serves both the
    jurisdiction's LIKE '3301…%' and the order, so a page of 50 reads 50 index entries at any
    level instead of sorting the district."""
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Collate

    if connection.vendor != "postgresql":
        return ["area_code", "name_pinyin", "id"]
    return [Collate(F("area_code"), "C"), Collate(F("name_pinyin"), "C"), "id"]


def access_person(user, pk) -> Person:
    return access_object(Person.objects.select_related("household", "building", "house"), user,
                         capability=REGISTRY_VIEW, pk=pk)


def visible_households(user) -> QuerySet[Household]:
    return restrict(Household.objects.select_related("head", "building"), user, capability=REGISTRY_VIEW)


def access_household(user, pk) -> Household:
    return access_object(Household.objects.select_related("head", "building"), user, capability=REGISTRY_VIEW,
                         pk=pk)


def visible_houses(user) -> QuerySet[House]:
    return restrict(House.objects.select_related("building", "landlord"), user, capability=REGISTRY_VIEW)


def access_house(user, pk) -> House:
    return access_object(House.objects.select_related("building", "landlord"), user, capability=REGISTRY_VIEW,
                         pk=pk)


ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def is_identifier_search(text: str) -> bool:
    """A full ID number or a full phone number: a search that would confirm a hidden value."""
    text = (text or "").strip()
    digits = text.replace("-", "").replace(" ", "")
    return bool(ID_LIKE.match(text)) or (digits.isdigit() and len(digits) >= 7)


def search_people(qs: QuerySet[Person], text: str, *, user) -> QuerySet[Person]:
    """Search as staff type: an exact ID number, a full phone or its last four digits,
    pinyin initials or pinyin (zw, zhangwei), or part of a name or address.

    A full ID number or phone is a sensitive read: a hit confirms digits the masks hide. It
    needs ``registry.reveal`` (403 ``NotPermitted`` otherwise, the same answer whether or not
    anybody has that number), finds people only where the user holds it, and writes an audit
    row (the number itself is never written anywhere).
    """
    text = (text or "").strip()
    if not text:
        return qs
    # A search finds few people: PostgreSQL reads them from the search indexes and sorts them; in
    # the byte order of ``person_order`` it would walk the whole jurisdiction in order instead.
    qs = qs.order_by("area_code", "name_pinyin", "id")
    if is_identifier_search(text):
        return _identifier_search(qs, text, user)
    digits = text.replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) == 4:
        return qs.filter(phone_tail=digits)
    if text.isascii() and text.isalpha():
        low = text.lower()
        return qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low))
    found = qs.filter(Q(name__contains=text) | Q(address__contains=text))
    return _bigram_hint(found, text)


def _bigram_hint(qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    """On PostgreSQL, a 2-character term (张伟) cannot use the trigram indexes on name and
    address; the bigram index (migration 0008) can: a person whose name or address contains the
    term has it among their bigrams. A necessary condition beside the LIKE, so the answer is the
    same; other databases and other lengths keep the LIKE alone."""
    from django.db import connection
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    if connection.vendor != "postgresql" or len(text) != 2:
        return qs
    table = Person._meta.db_table
    return qs.filter(RawSQL(f'civicgrid_bigrams("{table}"."name", "{table}"."address") @> ARRAY[%s]::text[]',
                            (text,), output_field=BooleanField()))


def _identifier_search(qs: QuerySet[Person], text: str, user) -> QuerySet[Person]:
    kind = "id_number" if ID_LIKE.match(text) else "phone"
    if not roles_allow(user, REGISTRY_REVEAL):
        audit.record("registry.person.search", actor=user, object_type="registry.person",
                     outcome=audit.AuditLog.Outcome.DENIED, detail={"by": kind})
        raise NotPermitted(_("q: searching by a full ID number or phone needs the right to see them; "
                             "search by name, address or the last four digits of the phone."), field="q")
    qs = restrict(qs, user, capability=REGISTRY_REVEAL)
    if kind == "id_number":
        qs = qs.filter(id_index=id_index(text.upper()))
    else:
        qs = qs.filter(phone_index=phone_index(text.replace("-", "").replace(" ", "")))
    found = list(qs.values_list("id", flat=True)[:20])
    audit.record("registry.person.search", actor=user, object_type="registry.person",
                 object_id=str(found[0]) if len(found) == 1 else "", detail={"by": kind, "found": len(found)})
    return qs


def roles_allow(user, capability: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_capability(capability)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise UserError(_("reason: say why you need to see this (it is recorded)."), field="reason")
    return reason[:200]


def reveal_identifiers(user, person: Person, *, reason: str) -> dict[str, str]:
    """The full ID number and phone of a person, for a role that may see them; audited."""
    reason = _require_reason(reason)
    if not in_scope(user, person.area_code, REGISTRY_REVEAL):
        not_found_or_denied(user, person, action="registry.person.reveal.denied")
    values = {
        "id_number": crypto.decrypt_optional(person.id_enc, context=ID_CONTEXT),
        "phone": crypto.decrypt_optional(person.phone_enc, context=PHONE_CONTEXT),
        # shown only here: beside the masked number it would give back the hidden digits
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
    }
    audit.record("registry.person.reveal", actor=user, obj=person, detail={"reason": reason})
    return values


def can_reveal(user, person: Person) -> bool:
    return in_scope(user, person.area_code, REGISTRY_REVEAL)


def can_see_special(user, person: Person) -> bool:
    return in_scope(user, person.area_code, REGISTRY_SPECIAL)


def special_records(user, person: Person, *, reason: str) -> list[dict]:
    """Special-group records of a person (decrypted), for roles granted them; 404 otherwise.

    Every read writes an audit row with the reason, whether or not there are records, so
    the log cannot be used to tell who has one.
    """
    reason = _require_reason(reason)
    if not in_scope(user, person.area_code, REGISTRY_SPECIAL):
        not_found_or_denied(user, person, action="registry.special.denied")
    records = []
    for record in SpecialGroupRecord.objects.filter(person=person).order_by("-active", "-created_at"):
        payload = json.loads(crypto.decrypt(record.payload_enc, context=SPECIAL_CONTEXT))
        group = payload.get("group", "")
        records.append({
            "id": record.pk, "group": group,
            "group_label": str(SpecialGroupRecord.Group(group).label) if group in SpecialGroupRecord.Group.values
            else group,
            "note": payload.get("note", ""), "since": payload.get("since", ""), "until": payload.get("until", ""),
            "officer": payload.get("officer", ""), "active": record.active,
        })
    audit.record("registry.special.read", actor=user, obj=person, detail={"reason": reason})
    return records


def filter_people(user, params) -> QuerySet[Person]:
    """The people list as the page and the export filter it (q, tag, residence, left=1)."""
    qs = visible_people(user, include_left=params.get("left") == "1")
    qs = search_people(qs, params.get("q", ""), user=user)
    if params.get("tag"):
        qs = qs.filter(tags__tag=params["tag"])
    if params.get("residence"):
        qs = qs.filter(residence=params["residence"])
    return qs


# --- ledgers: imports (the uploader's own) and exports (audited) ---------------------------------
def visible_imports(user) -> QuerySet[ImportBatch]:
    if not getattr(user, "is_authenticated", False):
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(created_by_id=user.pk)


def access_import(user, pk) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None or batch.created_by_id != getattr(user, "pk", None):
        not_found_or_denied(user, batch)
    return batch


# 年龄, never 出生日期: the birth date beside a masked ID number gives back its hidden digits.
PEOPLE_EXPORT_HEADER = ["姓名", "证件类型", "证件号码", "性别", "年龄", "联系电话", "户籍类型", "民族",
                        "地址", "网格编码", "户号", "与户主关系", "标签", "状态"]


def export_people(user, qs: QuerySet[Person], *, reveal: bool = False, reason: str = "", progress=None) -> bytes:
    """An .xlsx of the given people (a ``visible_people`` queryset, re-scoped here).

    ID numbers and phones are masked, unless ``reveal`` is asked with a reason by a user who
    may reveal them; then they are decrypted for the rows in their reveal scope. One audit row
    records the export: how many rows, how many revealed, and the reason. ``progress(rows done)``
    is called every 2,000 rows (the background export's progress).
    """
    from .ledger import write_xlsx

    require_capability(user, REGISTRY_EXPORT)
    qs = restrict(qs, user, capability=REGISTRY_VIEW).select_related("household").prefetch_related("tags")
    if reveal:
        reason = _require_reason(reason)
        require_capability(user, REGISTRY_REVEAL)
    reveal_codes = scope_codes(user, REGISTRY_REVEAL) if reveal else ()
    revealed = 0

    def may_reveal(code: str) -> bool:
        return reveal_codes is None or any(code.startswith(c) for c in reveal_codes)

    today = dt.date.today()

    def rows():
        nonlocal revealed
        for done, p in enumerate(qs.order_by("area_code", "id").iterator(chunk_size=2000)):
            if progress is not None and done % 2000 == 0:
                progress(done)
            id_text, phone_text = p.id_masked, p.phone_masked
            if reveal and may_reveal(p.area_code):
                id_text = crypto.decrypt_optional(p.id_enc, context=ID_CONTEXT)
                phone_text = crypto.decrypt_optional(p.phone_enc, context=PHONE_CONTEXT)
                revealed += 1
            yield [p.name, p.get_id_type_display(), id_text, p.get_sex_display(), p.age(today), phone_text,
                   p.get_residence_display(), p.ethnicity, p.address, p.area_code,
                   p.household.number if p.household_id else "", p.relation,
                   "、".join(str(t.get_tag_display()) for t in p.tags.all()), p.get_status_display()]

    data = write_xlsx(PEOPLE_EXPORT_HEADER, rows(), title="people")
    count = qs.count()
    audit.record("registry.people.export", actor=user, object_type="registry.person", detail={
        "rows": count, "revealed": revealed, "reason": reason if reveal else ""})
    return data


def export_buildings(user, qs: QuerySet[Building]) -> bytes:
    from .ledger import write_xlsx

    require_capability(user, REGISTRY_EXPORT)
    qs = restrict(qs, user)
    header = ["标准地址", "名称", "经度", "纬度", "层数", "单元数", "网格编码"]
    data = write_xlsx(header, ([b.address, b.name, b.lon, b.lat, b.floors, b.units, b.area_code]
                               for b in qs.order_by("area_code", "id").iterator(chunk_size=2000)), title="buildings")
    audit.record("registry.buildings.export", actor=user, object_type="registry.building",
                 detail={"rows": qs.count()})
    return data


def export_components(user, qs: QuerySet[Component]) -> bytes:
    from .ledger import write_xlsx

    require_capability(user, REGISTRY_EXPORT)
    qs = restrict(qs, user).select_related("cls")
    header = ["部件编码", "部件小类", "名称", "经度", "纬度", "主管部门", "养护单位", "状态", "网格编码"]
    data = write_xlsx(header, ([c.code, c.cls.name, c.name, c.lon, c.lat, c.owner_unit, c.maintainer_unit,
                                c.get_state_display(), c.area_code]
                               for c in qs.order_by("code").iterator(chunk_size=2000)), title="components")
    audit.record("registry.components.export", actor=user, object_type="registry.component",
                 detail={"rows": qs.count()})
    return data
