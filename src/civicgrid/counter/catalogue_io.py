"""The catalogue as a spreadsheet (.xlsx): export every item with its current (or latest) version, and
import such a sheet back — each row a new version of its item (the item created when its code is new),
published when the sheet says 已发布 and the publication rules hold. All rows or none: one problem anywhere
refuses the file, every problem named by its row and column."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.core import audit, spreadsheet
from civicgrid.core.errors import UserError

from . import actions
from .capabilities import COUNTER_CATALOGUE
from .models import ItemVersion, ServiceItem

HEADER = ["事项编码", "事项名称", "层次", "上级事项编码", "实施部门", "实施层级", "社区准入", "示例数据", "版本", "状态",
          "事项类型", "设定依据", "受理条件", "法定时限", "承诺时限", "收费", "收费依据", "到现场次数", "网上申请", "办理窗口",
          "办理时间", "咨询电话", "投诉电话", "服务对象", "绿色通道", "情形", "材料"]
YES = "是"


def _yes(value) -> bool:
    return str(value or "").strip() in ("是", "1", "true", "True", "TRUE", "Y", "y")


def _materials(version) -> str:
    """``名称|原件|份数|必需|来源|情形,情形`` for each material, joined by ``；``."""
    return "；".join("|".join([m.name, YES if m.original else "否", str(m.copies), YES if m.required else "否",
                              m.source, ",".join(m.situations)]) for m in version.materials.all())


def export_catalogue() -> bytes:
    rows = []
    for item in ServiceItem.objects.select_related("parent", "current").order_by("code"):
        v = item.current or item.versions.order_by("-number").first()
        base = [item.code, item.name, item.node, item.parent.code if item.parent else "", item.department, item.level,
                YES if item.community_admitted else "否", YES if item.sample else "否"]
        if v is None:
            rows.append(base + [""] * (len(HEADER) - len(base)))
            continue
        rows.append(base + [v.number, "已发布" if v.status == ItemVersion.Status.PUBLISHED else v.status,
                            v.item_type, v.legal_basis, v.conditions, v.legal_days, v.promised_days, v.fee,
                            v.fee_basis, v.visits, YES if v.online else "否", v.windows, v.hours, v.consult_phone,
                            v.complaint_phone, v.target_groups, YES if v.green_channel else "否",
                            "；".join(f"{s.code}:{s.label}" for s in v.situations.all()), _materials(v)])
    return spreadsheet.write_xlsx(HEADER, rows, title="政务服务事项清单")


# the actions' fields → the sheet's columns (an error is shown under the column the user typed in)
COLUMN_OF = {"code": "事项编码", "name": "事项名称", "node": "层次", "parent": "上级事项编码", "department": "实施部门",
             "level": "实施层级", "status": "状态", "item_type": "事项类型", "legal_basis": "设定依据",
             "conditions": "受理条件", "legal_days": "法定时限", "promised_days": "承诺时限", "fee": "收费",
             "fee_basis": "收费依据", "visits": "到现场次数", "windows": "办理窗口", "hours": "办理时间",
             "consult_phone": "咨询电话", "complaint_phone": "投诉电话", "target_groups": "服务对象",
             "situations": "情形", "materials": "材料"}


def _int(value, column, problems):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        problems.append((column, _("a whole number.")))
        return 0


def read_sheet(data: bytes) -> list[tuple[int, dict]]:
    """The sheet's rows as ``(row number, {column: value})``, by the header's column names (any order;
    other columns ignored). ``UserError`` on ``file`` when it is no .xlsx or a column is missing."""
    try:
        rows = list(spreadsheet.read_xlsx_rows(data, row_limit=5000, column_limit=len(HEADER) + 20))
    except spreadsheet.SpreadsheetError as exc:
        raise UserError(_("file: %(e)s") % {"e": exc}, field="file")
    except Exception:  # noqa: BLE001 - not a spreadsheet at all
        raise UserError(_("file: not an .xlsx spreadsheet."), field="file")
    if not rows:
        raise UserError(_("file: the sheet is empty; start from the export."), field="file")
    header = [str(c or "").strip() for c in rows[0][1]]
    missing = [h for h in HEADER if h not in header]
    if missing == HEADER:
        raise UserError(_("file: the first row must be the export's header (事项编码, 事项名称, …)."), field="file")
    if missing:
        raise UserError(_("file: the first row lacks the column(s) %(c)s; start from the export.")
                        % {"c": "、".join(f"「{h}」" for h in missing)}, field="file")
    where = {h: header.index(h) for h in HEADER}
    out = []
    for number, cells in rows[1:]:
        cells = list(cells)
        r = {h: (cells[i] if i < len(cells) and cells[i] is not None else "") for h, i in where.items()}
        if str(r["事项编码"]).strip():
            out.append((number, r))
    return out


def _import_row(actor, r: dict) -> tuple[str, list[tuple[str, str]], bool]:
    """One row through the actions (inside the caller's savepoint): what it did, and its problems as
    ``(column, message)``."""
    code = str(r["事项编码"]).strip()
    problems: list[tuple[str, str]] = []
    item = ServiceItem.objects.filter(code=code).first()
    parent = None
    if str(r["上级事项编码"]).strip():
        parent = ServiceItem.objects.filter(code=str(r["上级事项编码"]).strip()).first()
        if parent is None:
            problems.append(("上级事项编码", _("no item has this code.")))
            return "", problems, False
    done = []
    if item is None:
        item = actions.do_create_item(actor=actor, code=code, name=str(r["事项名称"]), department=str(r["实施部门"]).strip(),
                                      level=str(r["实施层级"]).strip(), node=str(r["层次"]).strip() or "handling",
                                      parent=parent, community_admitted=_yes(r["社区准入"]), sample=_yes(r["示例数据"]))
        done.append(_("new item"))
    elif item.community_admitted != _yes(r["社区准入"]):
        actions.do_set_admission(actor=actor, item=item, admitted=_yes(r["社区准入"]))
        done.append(_("admission changed"))
    if not str(r["事项类型"]).strip():
        return "、".join(done) or _("unchanged"), problems, False
    situations = []
    for part in str(r["情形"]).split("；"):
        if part.strip():
            s_code, _sep, label = part.partition(":")
            situations.append({"code": s_code.strip(), "label": label.strip() or s_code.strip(), "question": "申请情形"})
    materials = []
    for part in str(r["材料"]).split("；"):
        if not part.strip():
            continue
        f = (part.split("|") + ["", "", "", "", "", ""])[:6]
        materials.append({"name": f[0].strip(), "original": f[1].strip() != "否",
                          "copies": int(f[2]) if f[2].strip().isdigit() else 1,
                          "required": f[3].strip() != "否", "source": f[4].strip(),
                          "situations": [x for x in f[5].split(",") if x.strip()]})
    fields = dict(
        item_type=str(r["事项类型"]).strip(), legal_basis=str(r["设定依据"]), conditions=str(r["受理条件"]),
        legal_days=_int(r["法定时限"], "法定时限", problems), promised_days=_int(r["承诺时限"], "承诺时限", problems),
        fee=str(r["收费"]), fee_basis=str(r["收费依据"]), visits=_int(r["到现场次数"], "到现场次数", problems),
        online=_yes(r["网上申请"]), windows=str(r["办理窗口"]), hours=str(r["办理时间"]) or "5",
        consult_phone=str(r["咨询电话"]), complaint_phone=str(r["投诉电话"]), target_groups=str(r["服务对象"]),
        green_channel=_yes(r["绿色通道"]))
    if problems:
        return "", problems, False
    version = actions.do_save_draft(actor=actor, item=item, materials=materials, situations=situations, **fields)
    published = str(r["状态"]).strip() == "已发布"
    if published:
        actions.do_publish_version(actor=actor, version=version)
        done.append(_("new version %(n)s, published") % {"n": version.number})
    else:
        done.append(_("new version %(n)s (draft)") % {"n": version.number})
    return "、".join(done), problems, published


def _run(actor, data: bytes) -> tuple[list[dict], dict]:
    """Every row through the actions, each in its own savepoint; the caller decides to keep or roll back."""
    actions._require(actor, COUNTER_CATALOGUE)
    rows = read_sheet(data)
    out: list[dict] = []
    done = {"items": 0, "published": 0}
    for number, r in rows:
        code = str(r["事项编码"]).strip()
        try:
            with transaction.atomic():
                did, problems, published = _import_row(actor, r)
                if problems:
                    raise _RowProblems(problems)
        except _RowProblems as exc:
            did, problems = "", exc.problems
        except UserError as exc:
            did = ""
            problems = [(COLUMN_OF.get(f, ""), m) for f, m in exc.errors.items()] if exc.errors else [("", exc.message)]
        else:
            done["items"] += 1
            done["published"] += int(published)
        out.append({"row": number, "code": code, "name": str(r["事项名称"]), "did": did,
                    "errors": [{"column": c, "message": m} for c, m in problems]})
    return out, done


class _RowProblems(Exception):
    def __init__(self, problems):
        super().__init__("row problems")
        self.problems = problems


def row_message(row: dict, error: dict) -> str:
    if error["column"]:
        return _("row %(r)s (%(code)s), column «%(c)s»: %(m)s") % {"r": row["row"], "code": row["code"],
                                                                 "c": error["column"], "m": error["message"]}
    return _("row %(r)s (%(code)s): %(m)s") % {"r": row["row"], "code": row["code"], "m": error["message"]}


def preview_catalogue(*, actor, data: bytes) -> dict:
    """What an import of ``data`` would do, row by row, with every problem by row and column — the rows
    run through the same actions as the import and are rolled back."""
    with transaction.atomic():
        rows, done = _run(actor, data)
        transaction.set_rollback(True)
    return {"rows": rows, "bad": sum(1 for r in rows if r["errors"]), "items": len(rows),
            "published": done["published"]}


def do_import_catalogue(*, actor, data: bytes) -> dict:
    """Import a sheet in the export's layout (see ``HEADER``): all rows or none. Returns
    {"items": n, "published": n}."""
    with transaction.atomic():
        rows, done = _run(actor, data)
        errors = [row_message(r, e) for r in rows for e in r["errors"]]
        if errors:
            transaction.set_rollback(True)
            raise UserError(errors[0], field="file", errors={f"row{i}": e for i, e in enumerate(errors[:50])},
                            code="import_refused")
        audit.record("counter.item.import", actor=actor, object_type="counter.serviceitem", detail=done)
    return done
