"""Jurisdiction matrix of the case pages: every staff post asks for the case page, its photo, a
step and the phone reveal of cases inside and outside its jurisdiction, and reads the list and its
queues. Inside → 200; outside → 404 with nothing changed; lists never name an outside case.
Expectations come from the posts' areas (and, for departments, the case sent to them), not from
the code under test. Checked with ``tests/support/matrix.py``; the cases count in the printed
"N cases, 0 leaks"."""

from __future__ import annotations

from civicgrid.cases import actions
from civicgrid.cases.models import Attachment, Case, CaseClass
from civicgrid.cases.photos import prepare_photos
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM

from ..support.matrix import Matrix, covers, stored
from .conftest import GRID, GRID_B, OTHER_DISTRICT_GRID, OTHER_STREET_GRID, centre_of
from .test_pages import png

OTHER_COMMUNITY_GRID = "330106001002001"
# Each post's jurisdiction: the prefix of the grids whose cases it may see.
PREFIX = {
    "grid": GRID, "grid_b": GRID_B, "community": GRID[:12], "supervisor": GRID[:12], "street": GRID[:9],
    "seat": "330106", "shift": "330106", "dispatcher": "330106", "district": "330106", "other_seat": "330108",
}
DEPARTMENTS = {"sanitation", "chengguan"}
QUEUES = ["register", "dispatch", "unit", "tasks", "extensions"]


def _cases(org) -> dict[str, Case]:
    p, units, tree = org["people"], org["units"], org["tree"]
    garbage = CaseClass.objects.get(code="E0101")
    made = {}
    for grid in (GRID, GRID_B, OTHER_COMMUNITY_GRID, OTHER_STREET_GRID, OTHER_DISTRICT_GRID):
        lon, lat = centre_of(tree[grid])
        made[grid] = actions.do_report_case(actor=SYSTEM, channel=Case.Channel.HOTLINE, cls=garbage, title="来电",
                                            description="垃圾", lon=lon, lat=lat, reporter_phone="13800001234",
                                            photos=prepare_photos([png()]))
    for grid, unit in ((GRID, "sanitation"), (OTHER_COMMUNITY_GRID, "chengguan")):
        case = actions.do_register_case(made[grid], actor=p["shift"])
        made[grid] = actions.do_dispatch_case(case, actor=p["dispatcher"], lead_unit=units[unit])
    return made


def _expected(who: str, case: Case) -> bool:
    if who in DEPARTMENTS:
        return case.lead_unit is not None and case.lead_unit.department == who
    return case.area_code.startswith(PREFIX[who])


def _phone_reveals():
    return AuditLog.objects.filter(action="cases.case.reveal_phone", outcome="ok").count()


@covers(Case, Attachment)
def test_case_pages_jurisdiction_matrix(org, client_for):
    cases = _cases(org)
    m = Matrix()
    people = org["people"]
    for who in [*PREFIX, *DEPARTMENTS]:
        c = client_for(people[who])
        for grid, case in cases.items():
            mine = _expected(who, case)
            att = case.attachments.get()
            for name, model, url in (("page", Case, f"/cases/{case.pk}/"), ("photo", Attachment, f"/cases/photos/{att.pk}/")):
                m.object(c, model, f"cases {name} · {who} · {'own' if mine else 'outside'} {grid}", url, allowed=mine)
            if mine:
                continue
            for step, data in (("escalate", {"note": "越权"}), ("register", {}), ("accept", {}),
                               ("verify", {"passed": "1"}), ("feedback", {"result": "x"})):
                with m.write(Case, f"cases step {step} · {who} · outside {grid}", stored(case, "version"),
                             allowed=False) as write:
                    status = c.post(f"/cases/{case.pk}/do/{step}/", data).status_code
                    write.leak_if(status in (200, 302), f"got {status}")
            with m.write(Case, f"cases reveal phone · {who} · outside {grid}", _phone_reveals, allowed=False) as write:
                status = c.post(f"/cases/{case.pk}/reveal-phone/", {"reveal-reason": "越权查看"}).status_code
                write.leak_if(status == 200, f"got {status}")
        numbers = {case.number for case in cases.values()}
        own_numbers = {case.number for case in cases.values() if _expected(who, case)}
        for url in ["/cases/?status=all", "/cases/?status=open&overdue=1", *[f"/cases/queues/{q}/" for q in QUEUES]]:
            r = c.get(url)
            body = r.content.decode() if r.status_code == 200 else ""
            m.listing(Case, f"cases list {url} · {who}", {n for n in numbers if n in body}, own_numbers)
    # Without an account: no staff page, no original photo, no public photo without the code.
    from django.test import Client

    anonymous = Client()
    for case in cases.values():
        att = case.attachments.get()
        for url in (f"/cases/{case.pk}/", f"/cases/photos/{att.pk}/", f"/public/photos/{att.pk}/",
                    f"/public/photos/{att.pk}/?code=ABCDEFGHJK"):
            status = anonymous.get(url).status_code
            m.record(f"cases anonymous {url}", status == 200, f"got {status}")
    m.done()
