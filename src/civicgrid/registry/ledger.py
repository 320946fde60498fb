"""Ledgers (台账) in and out: reading an .xlsx or .csv file of residents, buildings or
components, checking every row, and writing the accepted rows; writing .xlsx exports.

Import is two steps. ``check_ledger`` reads the file and checks each row against the same
rules as the forms (``people.prepare_person`` for people) plus what only a batch can break
(a duplicate inside the file, an unknown building, a row outside the importer's
jurisdiction). Nothing is written. ``write_ledger`` (called by
``actions.do_commit_import`` inside one transaction) checks again — the register may have
changed since the preview — and stores the accepted rows, all of them or none.

No state changes here that are not inside the caller's transaction; no audit rows (the
action writes them).
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import multiprocessing
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate_many
from civicgrid.areas.models import Area
from civicgrid.core import spreadsheet
from civicgrid.core.idnumber import mask_id_number
from civicgrid.core.models import next_serial
from civicgrid.core.scoping import scope_codes
from civicgrid.registry.capabilities import REGISTRY_IMPORT

from . import bulk
from .address import normalise
from .models import Building, Component, ComponentClass, House, Household, Person
from .people import prepare_person, prepare_tags

MAX_ROWS = getattr(settings, "CIVICGRID_IMPORT_MAX_ROWS", 200_000)
MAX_BYTES = getattr(settings, "CIVICGRID_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Preparing people (checks, encryption, blind indexes, pinyin) is most of a check's time: a
# file of at least PARALLEL_MIN_ROWS rows is prepared by up to WORKERS forked processes.
PARALLEL_MIN_ROWS = getattr(settings, "CIVICGRID_IMPORT_PARALLEL_MIN_ROWS", 50_000)
WORKERS = getattr(settings, "CIVICGRID_IMPORT_WORKERS", min(os.cpu_count() or 1, 4))


class LedgerError(Exception):
    """The file as a whole cannot be read (format, header, size); the message names the problem."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese header used in templates and exports
    english: object  # lazy English label
    required: bool = False


PEOPLE_COLUMNS = (
    Column("name", "姓名", gettext_lazy("name"), True),
    Column("id_type", "证件类型", gettext_lazy("ID type")),
    Column("id_number", "证件号码", gettext_lazy("ID number")),
    Column("phone", "联系电话", gettext_lazy("phone")),
    Column("residence", "户籍类型", gettext_lazy("residence type")),
    Column("ethnicity", "民族", gettext_lazy("ethnicity")),
    Column("building", "楼栋地址", gettext_lazy("building address")),
    Column("room", "房号", gettext_lazy("room")),
    Column("grid", "网格编码", gettext_lazy("grid code")),
    Column("household", "户号", gettext_lazy("household number")),
    Column("relation", "与户主关系", gettext_lazy("relation to the head")),
    Column("tags", "标签", gettext_lazy("tags")),
    Column("note", "备注", gettext_lazy("note")),
)
BUILDING_COLUMNS = (
    Column("address", "标准地址", gettext_lazy("standard address"), True),
    Column("name", "名称", gettext_lazy("name")),
    Column("lon", "经度", gettext_lazy("longitude"), True),
    Column("lat", "纬度", gettext_lazy("latitude"), True),
    Column("floors", "层数", gettext_lazy("floors")),
    Column("units", "单元数", gettext_lazy("entrances (单元)")),
)
COMPONENT_COLUMNS = (
    Column("cls", "部件小类", gettext_lazy("class"), True),
    Column("name", "名称", gettext_lazy("name")),
    Column("lon", "经度", gettext_lazy("longitude"), True),
    Column("lat", "纬度", gettext_lazy("latitude"), True),
    Column("owner_unit", "主管部门", gettext_lazy("owner")),
    Column("maintainer_unit", "养护单位", gettext_lazy("maintained by")),
    Column("state", "状态", gettext_lazy("state")),
    Column("note", "备注", gettext_lazy("note")),
)
COLUMNS = {"people": PEOPLE_COLUMNS, "buildings": BUILDING_COLUMNS, "components": COMPONENT_COLUMNS}
HEAD_RELATIONS = {"户主", "本人"}


@dataclass
class RowResult:
    number: int  # row number in the file (the header is row 1)
    summary: str  # what identifies the row to the user (name and masked ID, address ...)
    errors: dict[str, str]


@dataclass
class Checked:
    """Outcome of checking a ledger: accepted rows ready to write, rejected rows with reasons."""

    kind: str
    total: int = 0
    accepted: list[dict] = field(default_factory=list)  # prepared values, ready for the writer
    rejected: list[RowResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def accepted_rows(self) -> list[int]:
        return [r["_row"] for r in self.accepted]

    def rejected_json(self) -> list[dict]:
        return [{"row": r.number, "summary": r.summary, "errors": r.errors} for r in self.rejected]


# --- reading -------------------------------------------------------------------------------
def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Bounded: the archive's sizes checked first, the dimension tag ignored, the first cell
    beyond the row or column limit refused (``core.spreadsheet``)."""
    try:
        for number, values in spreadsheet.read_xlsx_rows(data, row_limit=MAX_ROWS):
            yield number, [_cell_text(v) for v in values]
    except spreadsheet.SpreadsheetError as exc:
        raise LedgerError(str(exc))


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK by default
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LedgerError(_("The CSV file is neither UTF-8 nor GBK text."))
    columns = spreadsheet.max_columns()
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text)), start=1):
            if len(values) > columns:
                raise LedgerError(_("Row %(row)s has %(n)s columns; at most %(max)s can be read.")
                                  % {"row": number, "n": len(values), "max": columns})
            yield number, [v.strip() for v in values]
    except csv.Error as exc:
        raise LedgerError(_("The CSV file cannot be read: %(e)s.") % {"e": exc})


def read_ledger(data: bytes, filename: str, kind: str) -> tuple[list[tuple[int, dict]], list[str]]:
    """Rows of the file as (row number, {column key: text}), and warnings about the header."""
    if kind not in COLUMNS:
        raise LedgerError(_("kind must be one of: %(values)s.") % {"values": ", ".join(COLUMNS)})
    if len(data) > MAX_BYTES:
        raise LedgerError(_("The file is larger than %(n)s MB.") % {"n": MAX_BYTES // (1024 * 1024)})
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = _csv_rows(data)
    else:
        raise LedgerError(_("Only .xlsx and .csv files can be imported."))
    columns = COLUMNS[kind]
    first = next(rows, None)
    header = first[1] if first else None
    if not header or not any(header):
        raise LedgerError(_("The file is empty: the first row must name the columns."))
    by_name: dict[str, str] = {}
    for col in columns:
        for alias in (col.label, col.key, str(col.english)):
            by_name[alias.strip().lower()] = col.key
    positions: dict[str, int] = {}
    warnings = []
    for i, title in enumerate(header):
        key = by_name.get(title.replace("*", "").strip().lower())
        if key is None:
            if title:
                warnings.append(_("Column “%(c)s” is not used.") % {"c": title})
        elif key in positions:
            raise LedgerError(_("Column “%(c)s” appears twice.") % {"c": title})
        else:
            positions[key] = i
    missing = [c.label for c in columns if c.required and c.key not in positions]
    if missing:
        raise LedgerError(_("Required columns are missing: %(c)s. Expected columns: %(all)s.") % {
            "c": "、".join(missing), "all": "、".join(c.label for c in columns)})
    out = []
    for number, values in rows:
        if not any(values):
            continue
        out.append((number, {k: values[i] if i < len(values) else "" for k, i in positions.items()}))
        if len(out) > MAX_ROWS:
            raise LedgerError(_("The file has more than %(n)s rows; split it.") % {"n": MAX_ROWS})
    if not out:
        raise LedgerError(_("The file has a header but no rows."))
    return out, warnings


def _label(kind: str, key: str) -> str:
    for col in COLUMNS[kind]:
        if col.key == key:
            if (get_language() or "").startswith("zh"):
                return col.label
            return f"{col.english} ({col.label})"
    return key


def _scope_check(actor):
    codes = scope_codes(actor, REGISTRY_IMPORT)
    if codes is None:
        return lambda code: True
    prefixes = tuple(codes)
    return lambda code: code.startswith(prefixes)


# --- people --------------------------------------------------------------------------------
_PERSON_KEYS = ("name", "id_type", "id_number", "phone", "residence", "ethnicity", "relation", "note")
_pending: list = []  # the rows being prepared, inherited by forked workers (never pickled to them)


def _prepare_row(row: dict, language: str | None) -> tuple[dict, dict, list[str]]:
    """A ledger row's person values, errors (by column key) and tags."""
    data = {k: row.get(k, "") for k in _PERSON_KEYS}
    if not data["ethnicity"]:
        data.pop("ethnicity")
    prepared = prepare_person(data, language=language)
    tags = prepare_tags(row.get("tags") or None, prepared.errors, language=language)
    return prepared.values, prepared.errors, tags


def _prepare_range(task: tuple[int, int, str | None]) -> list[tuple[dict, dict, list[str]]]:
    start, stop, language = task
    return [_prepare_row(row, language) for _n, row in _pending[start:stop]]


def _prepared_people(rows) -> Iterator[tuple[dict, dict, list[str]]]:
    """``_prepare_row`` of every row, in order.

    A large file is prepared by forked worker processes while this one goes on with the
    results. Forked, they see this process as it is: settings, data key, active language.
    Only in a process with no other thread (the command line, a job worker): fork() in a
    threaded one (the development web server) could copy a lock another thread holds.
    """
    global _pending
    language = get_language()  # asked once, not per row
    if (len(rows) < PARALLEL_MIN_ROWS or WORKERS < 2 or threading.active_count() > 1
            or "fork" not in multiprocessing.get_all_start_methods()):
        yield from (_prepare_row(row, language) for _n, row in rows)
        return
    step = 5000
    _pending = rows
    pool = multiprocessing.get_context("fork").Pool(WORKERS, initializer=_worker_signals)
    try:
        tasks = [(i, i + step, language) for i in range(0, len(rows), step)]
        for chunk in pool.imap(_prepare_range, tasks):
            yield from chunk
        pool.close()  # done: the workers leave on their own
        pool.join()
    finally:
        pool.terminate()  # stopped early (an error, Ctrl-C): stop them
        _pending = []


def _worker_signals() -> None:
    """A worker leaves on SIGTERM whatever handler it inherited (a server's may not exit);
    Ctrl-C is for the parent, which then stops the workers."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check_people(rows, actor, out: Checked) -> None:
    allowed = _scope_check(actor)
    buildings: dict[str, tuple[int, str, str]] = {}
    normalised: dict[str, str] = {}  # text → normalise(text): a ledger repeats its addresses, often verbatim
    for pk, address, code in Building.objects.values_list("id", "address", "area_code").iterator(chunk_size=5000):
        key = normalised[address] = normalise(address)
        buildings.setdefault(key, (pk, code, address))
    grids = set(Area.objects.filter(level=Area.Level.GRID).values_list("code", flat=True))
    house_of: dict[tuple[int, str], tuple[int, str]] = {}
    households: dict[str, tuple[int, str]] = {}
    wanted_households = list({r["household"] for _n, r in rows if r.get("household")})
    if wanted_households and connection.vendor == "postgresql":  # an array parameter, not 100,000 placeholders
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number, id, area_code FROM {Household._meta.db_table} WHERE number = ANY(%s)",
                           [wanted_households])
            for number, pk, code in cursor.fetchall():
                households[number] = (pk, code)
    elif wanted_households:
        for number, pk, code in Household.objects.filter(number__in=wanted_households).values_list(
                "number", "id", "area_code"):
            households[number] = (pk, code)
    seen_ids: dict[str, int] = {}
    prepared_rows = []
    for (number, row), (values, errors, tags) in zip(rows, _prepared_people(rows), strict=True):
        summary = row.get("name", "")
        if row.get("id_number"):
            summary += " " + mask_id_number(row["id_number"].strip().upper())
        # where they live: a registered building (by standard address) or, failing that, a grid
        area_code = ""
        address_text = row.get("building", "")
        if address_text:
            key = normalised.get(address_text)
            if key is None:
                key = normalised[address_text] = normalise(address_text)
            hit = buildings.get(key)
            if hit is None:
                errors["building"] = _("building: no registered building has the address “%(a)s”.") % {
                    "a": address_text}
            else:
                values["building_id"], area_code, standard = hit
                room = row.get("room", "")
                values["address"] = values.get("address") or standard + room
                if room:
                    house_of.setdefault((hit[0], room), None)
        elif row.get("grid"):
            if row["grid"] not in grids:
                errors["grid"] = _("grid: %(code)s is not a grid code.") % {"code": row["grid"]}
            else:
                area_code = row["grid"]
        else:
            errors["building"] = _("building: give the building address or the grid code.")
        if area_code and not allowed(area_code):
            errors["building"] = _("The address lies outside your jurisdiction (grid %(code)s).") % {
                "code": area_code}
        values["area_code"] = area_code
        hh = row.get("household", "")
        if hh:
            if len(hh) > 30:
                errors["household"] = _("household number has at most 30 characters.")
            elif hh in households and not allowed(households[hh][1]):
                errors["household"] = _("household %(n)s belongs to another jurisdiction.") % {"n": hh}
        index = values.get("id_index")
        if index and not errors:
            first = seen_ids.get(index)
            if first is not None:
                errors["id_number"] = _("id_number: the same ID number is in row %(row)s.") % {"row": first}
            else:
                seen_ids[index] = number
        if errors:
            out.rejected.append(RowResult(number, summary.strip(), {_label("people", k): v for k, v in errors.items()}))
        else:
            values["_row"], values["_summary"], values["_tags"] = number, summary.strip(), tags
            values["_household"], values["_room"] = hh, row.get("room", "")
            prepared_rows.append(values)
    # duplicates against the register, in batches
    indexes = [v["id_index"] for v in prepared_rows if v.get("id_index")]
    existing: set[str] = set()
    if connection.vendor == "postgresql":  # one array parameter: no 5,000-placeholder query to build and parse
        with connection.cursor() as cursor:
            for start in range(0, len(indexes), 100_000):
                cursor.execute(f"SELECT id_index FROM {Person._meta.db_table} WHERE id_index = ANY(%s)",
                               [indexes[start:start + 100_000]])
                existing.update(r[0] for r in cursor.fetchall())
    else:
        for start in range(0, len(indexes), 5000):
            existing.update(Person.objects.filter(id_index__in=indexes[start:start + 5000])
                            .values_list("id_index", flat=True))
    # rooms that are registered houses
    if house_of:
        bids = {b for b, _r in house_of}
        for pk, bid, num, code in House.objects.filter(building_id__in=bids).values_list(
                "id", "building_id", "number", "area_code"):
            if (bid, num) in house_of:
                house_of[(bid, num)] = (pk, code)
    # a new household lives in one grid
    new_household_grids: dict[str, set[str]] = {}
    for v in prepared_rows:
        if v["_household"] and v["_household"] not in households:
            new_household_grids.setdefault(v["_household"], set()).add(v["area_code"])
    for v in prepared_rows:
        reasons = {}
        if v.get("id_index") in existing:
            reasons[_label("people", "id_number")] = _(
                "id_number: a person with this ID number is already registered.")
        hh = v["_household"]
        if hh and hh not in households and len(new_household_grids[hh]) > 1:
            reasons[_label("people", "household")] = _(
                "household %(n)s: its members are in different grids.") % {"n": hh}
        if reasons:
            out.rejected.append(RowResult(v["_row"], v["_summary"], reasons))
            continue
        house = house_of.get((v.get("building_id"), v["_room"])) if v["_room"] else None
        if house:
            v["house_id"], v["area_code"] = house
        v["_household_id"] = households.get(hh, (None, ""))[0] if hh else None
        out.accepted.append(v)
    out.rejected.sort(key=lambda r: r.number)


def _write_people(checked: Checked, actor, progress) -> int:
    from civicgrid.core.history import actor_name  # one spelling of "who did it" for history rows

    rows = checked.accepted
    # households named in the file that do not exist yet: their ids first, the rows after
    # the people, with their heads (foreign keys are checked at commit)
    new_numbers = sorted({v["_household"] for v in rows if v["_household"] and not v["_household_id"]})
    first_of: dict[str, dict] = {}
    if new_numbers:
        new_set = set(new_numbers)  # a set: a million rows test membership
        for v in rows:
            hh = v["_household"]
            if hh in new_set and (hh not in first_of or (
                    v.get("relation") in HEAD_RELATIONS and first_of[hh].get("relation") not in HEAD_RELATIONS)):
                first_of[hh] = v
        household_ids = bulk.reserve_ids(Household, len(new_numbers))
        by_number = dict(zip(new_numbers, household_ids, strict=True))
        for v in rows:
            if v["_household"] in by_number:
                v["_household_id"] = by_number[v["_household"]]
    for v in rows:  # the writer reads the model's columns only: the rows go as they are, "_" keys and all
        v["household_id"] = v["_household_id"]
    ids = bulk.insert_people(rows, tags=[v["_tags"] for v in rows], actor_name=actor_name(actor),
                             note=_("ledger import"), progress=progress)
    if new_numbers:
        head_rows = {id(v) for v in first_of.values()}
        head_of = {v["_household"]: pk for v, pk in zip(rows, ids, strict=True) if id(v) in head_rows}
        bulk.insert_rows(Household, [
            {"number": n, "building_id": first_of[n].get("building_id"), "house_id": first_of[n].get("house_id"),
             "area_code": first_of[n]["area_code"], "head_id": head_of[n]} for n in new_numbers], ids=household_ids)
    return len(ids)


# --- buildings and components --------------------------------------------------------------------
def _float(row, key, errors) -> float | None:
    try:
        value = float(row.get(key, ""))
    except ValueError:
        errors[key] = _("%(field)s must be a number (degrees, WGS 84).") % {"field": key}
        return None
    if not (-180 <= value <= 180):
        errors[key] = _("%(field)s is out of range.") % {"field": key}
        return None
    return value


def _small_int(row, key, errors, default: int, high: int) -> int:
    text = row.get(key, "")
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= high:
        errors[key] = _("%(field)s must be a whole number from 1 to %(n)s.") % {"field": key, "n": high}
    return value


def _locate_rows(rows, kind, out: Checked, actor, make) -> list[dict]:
    """Common part of buildings and components: numbers, position → grid, jurisdiction."""
    allowed = _scope_check(actor)
    parsed = []
    for number, row in rows:
        errors: dict[str, str] = {}
        lon, lat = _float(row, "lon", errors), _float(row, "lat", errors)
        values = make(row, errors)
        parsed.append((number, row, lon, lat, values, errors))
    ok = [p for p in parsed if not p[5]]
    codes = locate_many([p[2] for p in ok], [p[3] for p in ok]) if ok else []
    code_of = {p[0]: c for p, c in zip(ok, codes, strict=True)}
    result = []
    for number, row, lon, lat, values, errors in parsed:
        code = code_of.get(number)
        if not errors:
            if code is None:
                errors["lon"] = _("The position lies outside every grid.")
            elif not allowed(code):
                errors["lon"] = _("The position lies outside your jurisdiction (grid %(code)s).") % {"code": code}
        summary = row.get("address") or row.get("name") or row.get("cls", "")
        if errors:
            out.rejected.append(RowResult(number, summary, {_label(kind, k): v for k, v in errors.items()}))
        else:
            values.update(lon=lon, lat=lat, area_code=code, _row=number, _summary=summary)
            result.append(values)
    return result


def _check_buildings(rows, actor, out: Checked) -> None:
    existing = {normalise(a) for a in Building.objects.values_list("address", flat=True).iterator(chunk_size=5000)}
    seen: dict[str, int] = {}

    def make(row, errors):
        address = row.get("address", "")
        if not address or len(address) > 200:
            errors["address"] = _("address is required (at most 200 characters).")
        key = normalise(address)
        if key in existing:
            errors["address"] = _("address: a building with this standard address exists already.")
        elif key in seen and "address" not in errors:
            errors["address"] = _("address: the same address is in row %(row)s.") % {"row": seen[key]}
        if len(row.get("name", "")) > 100:
            errors["name"] = _("%(field)s has at most %(n)s characters.") % {"field": "name", "n": 100}
        values = {"address": address, "name": row.get("name", ""),
                  "floors": _small_int(row, "floors", errors, 1, 200),
                  "units": _small_int(row, "units", errors, 1, 50)}
        if not errors:
            seen[key] = row["_number"]
        return values

    numbered = [(n, dict(r, _number=n)) for n, r in rows]
    out.accepted = _locate_rows(numbered, "buildings", out, actor, make)
    out.rejected.sort(key=lambda r: r.number)


def _write_buildings(checked: Checked, actor, progress) -> int:
    objs = [Building(**{k: v for k, v in row.items() if not k.startswith("_")}) for row in checked.accepted]
    Building.objects.bulk_create(objs, batch_size=2000)
    if progress:
        progress(len(objs), len(objs))
    return len(objs)


def _check_components(rows, actor, out: Checked) -> None:
    classes = {}
    for cls in ComponentClass.objects.all():
        for alias in (cls.code, cls.name):
            classes[alias] = cls
    states = {s.value: s.value for s in Component.State} | {str(s.label): s.value for s in Component.State}

    def make(row, errors):
        cls = classes.get(row.get("cls", ""))
        if cls is None:
            errors["cls"] = _("class: “%(c)s” is not in the component catalogue (give the 4-digit code or the name).") % {
                "c": row.get("cls", "")}
        state = row.get("state") or Component.State.INTACT
        if state not in states:
            errors["state"] = _("state must be one of: %(values)s.") % {
                "values": "、".join(str(s) for s in Component.State.labels)}
        values = {"cls": cls, "state": states.get(state, state)}
        for key, limit in (("name", 100), ("owner_unit", 100), ("maintainer_unit", 100), ("note", 300)):
            if len(row.get(key, "")) > limit:
                errors[key] = _("%(field)s has at most %(n)s characters.") % {"field": key, "n": limit}
            values[key] = row.get(key, "")
        return values

    out.accepted = _locate_rows(rows, "components", out, actor, make)
    out.rejected.sort(key=lambda r: r.number)


def _write_components(checked: Checked, actor, progress) -> int:
    groups = Counter(f"{row['area_code'][:6]}{row['cls'].code}" for row in checked.accepted)
    last = {key: next_serial(f"component:{key}", count) for key, count in groups.items()}
    counters = {key: last[key] - groups[key] for key in groups}
    objs = []
    for row in checked.accepted:
        key = f"{row['area_code'][:6]}{row['cls'].code}"
        counters[key] += 1
        if counters[key] > 999_999:
            raise LedgerError(_("The serial numbers of this class in this district are used up."))
        objs.append(Component(code=f"{key}{counters[key]:06d}",
                              **{k: v for k, v in row.items() if not k.startswith("_")}))
    Component.objects.bulk_create(objs, batch_size=2000)
    if progress:
        progress(len(objs), len(objs))
    return len(objs)


_CHECKERS = {"people": _check_people, "buildings": _check_buildings, "components": _check_components}
_WRITERS = {"people": _write_people, "buildings": _write_buildings, "components": _write_components}


@contextmanager
def _collector_paused():
    """No cyclic garbage collection meanwhile (reference counting goes on freeing).

    A large ledger is millions of dicts and lists, none of them in a reference cycle; every
    full collection would walk them all (a third of a million-row check's time), and so would
    the forked workers, copying the pages. Re-enabled afterwards if it was enabled before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_ledger(data: bytes, filename: str, kind: str, actor) -> Checked:
    with _collector_paused():
        rows, warnings = read_ledger(data, filename, kind)
        out = Checked(kind=kind, total=len(rows), warnings=warnings)
        _CHECKERS[kind](rows, actor, out)
    return out


def write_ledger(checked: Checked, actor, progress: Callable[[int, int], None] | None = None) -> int:
    """Store the accepted rows (call inside ``transaction.atomic``)."""
    assert connection.in_atomic_block
    with _collector_paused():
        return _WRITERS[checked.kind](checked, actor, progress)


# --- templates and exports -----------------------------------------------------------------------
def template_xlsx(kind: str) -> bytes:
    """An empty ledger with the expected header (required columns marked *)."""
    return write_xlsx([(c.label + ("*" if c.required else "")) for c in COLUMNS[kind]], [], title=kind)


def write_xlsx(header: list[str], rows, *, title: str = "export") -> bytes:
    """Cells made spreadsheet-safe (``core.spreadsheet``: no XML-illegal characters, no formulas)."""
    return spreadsheet.write_xlsx(header, rows, title=title)
