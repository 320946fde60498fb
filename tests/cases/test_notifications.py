"""Issue 14, finding 5: in-app notifications (core.notify) from the actions that hand work to
someone — stored, read/unread, written after commit, each user's own only."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseClass
from civicgrid.core.errors import UserError
from civicgrid.core.models import Notification
from civicgrid.core.scoping import SYSTEM

from ..conftest import make_user
from .conftest import GRID, centre_of


def _titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def _report(org, title="垃圾堆积"):
    lon, lat = centre_of(org["tree"][GRID])
    return actions.do_report_case(actor=org["people"]["seat"], channel=Case.Channel.HOTLINE,
                                  cls=CaseClass.objects.get(code="E0101"), title=title, description="小区门口",
                                  lon=lon, lat=lat, reporter_name="王先生", reporter_phone="13800001234")


def test_each_step_tells_whoever_the_case_now_waits_for(org, django_capture_on_commit_callbacks):
    p = org["people"]
    with django_capture_on_commit_callbacks(execute=True):
        case = _report(org)
    assert any(case.number in t for t in _titles(p["shift"]))  # the district tier's registrar
    assert _titles(p["seat"]) == []  # not the one who filed it
    assert _titles(p["other_seat"]) == [] and _titles(p["dispatcher"]) == []
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.do_register_case(case, actor=p["shift"])
    assert any(case.number in t for t in _titles(p["dispatcher"]))
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.do_dispatch_case(case, actor=p["dispatcher"], lead_unit=org["units"]["sanitation"])
    n = Notification.objects.get(user=p["sanitation"])
    assert n.kind == "cases.handle" and n.url == f"/cases/{case.pk}/" and n.read_at is None
    assert "派" in n.title or "单位" in n.title  # stored in Chinese, the site's language
    assert _titles(p["chengguan"]) == []  # another department
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_accept_case(case, actor=p["sanitation"])
        case = Case.objects.get(pk=case.pk)
        actions.do_feedback_case(case, actor=p["sanitation"], result="已清理")
    assert any(case.number in t for t in _titles(p["supervisor"]))  # the on-site check


def test_a_refused_step_tells_nobody(org, django_capture_on_commit_callbacks):
    p = org["people"]
    with django_capture_on_commit_callbacks(execute=True):
        case = actions.do_register_case(_report(org), actor=p["shift"])
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(UserError):
        actions.do_dispatch_case(case, actor=p["dispatcher"], lead_unit=org["units"]["other_centre"])
    assert Notification.objects.count() == before


def test_the_bell_the_list_and_marking_read(org, client_for, django_capture_on_commit_callbacks):
    p = org["people"]
    with django_capture_on_commit_callbacks(execute=True):
        case = _report(org, title="路灯不亮")
    shift = client_for(p["shift"])
    home = shift.get("/").content.decode()
    assert 'id="bell"' in home and 'data-unread="1"' in home
    page = shift.get("/notifications/").content.decode()
    assert "路灯不亮" in page and 'data-read="0"' in page
    n = Notification.objects.get(user=p["shift"])
    assert client_for(p["dispatcher"]).get(f"/notifications/{n.pk}/").status_code == 404  # not theirs
    assert Notification.objects.get(pk=n.pk).read_at is None
    r = shift.get(f"/notifications/{n.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/"
    assert Notification.objects.get(pk=n.pk).read_at is not None
    assert 'data-unread=' not in shift.get("/").content.decode()


def test_the_api_lists_counts_and_marks_ones_own(org, client_for, django_capture_on_commit_callbacks):
    p = org["people"]
    with django_capture_on_commit_callbacks(execute=True):
        _report(org, title="一")
        _report(org, title="二")
    api = client_for(p["shift"])
    assert api.get("/api/notifications/unread").json() == {"unread": 2}
    rows = api.get("/api/notifications/?unread=true").json()
    assert len(rows) == 2 and all(r["read_at"] is None for r in rows)
    assert client_for(p["dispatcher"]).post(f"/api/notifications/{rows[0]['id']}/read").status_code == 404
    assert api.post(f"/api/notifications/{rows[0]['id']}/read").json() == {"marked": 1}
    assert api.get("/api/notifications/unread").json() == {"unread": 1}
    assert api.post("/api/notifications/read").json() == {"marked": 1}
    assert client_for(p["dispatcher"]).get("/api/notifications/").json() == []


def test_a_provider_application_tells_the_community(org, tree, django_capture_on_commit_callbacks):
    from civicgrid.circle import actions as circle_actions

    resident = make_user("jumin_n", Role.RESIDENT, tree[GRID])
    other = make_user("c_worker_other", Role.COMMUNITY_WORKER, tree["330106001002"])
    with django_capture_on_commit_callbacks(execute=True):
        circle_actions.do_apply_provider(actor=resident, community_code="330106001001", name="好邻居家政",
                                         contact_name="张三", contact_phone="0571-88880000")
    assert any("好邻居家政" in t for t in _titles(org["people"]["community"]))
    assert _titles(other) == [] and _titles(resident) == []
    _ = SYSTEM


def test_e_mail_goes_too_when_configured(org, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.CIVICGRID_NOTIFY_EMAIL = True
    settings.CIVICGRID_SITE_URL = "https://grid.example.org"
    shift = org["people"]["shift"]
    shift.email = "shift@example.org"
    shift.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        case = _report(org, title="路面塌陷")
    mails = [m for m in mailoutbox if m.to == ["shift@example.org"]]
    assert len(mails) == 1 and case.number in mails[0].subject
    assert f"https://grid.example.org/cases/{case.pk}/" in mails[0].body
    assert Notification.objects.filter(user=shift).count() == 1  # stored as well


def test_settling_keeps_unread_only_what_still_waits(org, django_capture_on_commit_callbacks):
    from civicgrid.core.notify import do_settle

    p = org["people"]
    with django_capture_on_commit_callbacks(execute=True):
        waiting = _report(org, title="还在等")
        done = _report(org, title="已处理")
    do_settle(keep_urls={f"/cases/{waiting.pk}/"})
    unread = Notification.objects.filter(user=p["shift"], read_at__isnull=True)
    assert [n.url for n in unread] == [f"/cases/{waiting.pk}/"]
    assert Notification.objects.get(user=p["shift"], url=f"/cases/{done.pk}/").read_at is not None
