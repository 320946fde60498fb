"""Issue 14, finding 4: every post lands on a work inbox (``core.inbox``) fed by the queues the
apps register (``plugins.inbox_queue``), ordered by deadline state, with counts and a dashboard."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseClass
from civicgrid.core import inbox, periods, plugins
from civicgrid.core.plugins import InboxItem
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, OTHER_DISTRICT_GRID, centre_of


def _report(org, grid=GRID, title="垃圾堆积", actor=SYSTEM, at=None, channel=Case.Channel.HOTLINE):
    lon, lat = centre_of(org["tree"][grid])
    case = actions.do_report_case(actor=actor, channel=channel, cls=CaseClass.objects.get(code="E0101"),
                                  title=title, description="小区门口", lon=lon, lat=lat,
                                  reporter_name="王先生", reporter_phone="13800001234")
    if at is not None:
        Case.objects.filter(pk=case.pk).update(reported_at=at)
        case.refresh_from_db()
    return case


def _keys(user) -> dict[str, inbox.Section]:
    return {s.key: s for s in inbox.sections(user)}


def test_each_post_finds_its_own_queues(org):
    p = org["people"]
    assert {"cases.register", "cases.dispatch", "cases.callback", "cases.extension", "cases.overdue"} \
        <= set(_keys(p["shift"])) | {"cases.dispatch"}
    assert "cases.dispatch" in _keys(p["dispatcher"])
    assert {k for k in _keys(p["sanitation"]) if k.startswith("cases.")} == {"cases.handle"}  # its unit's only
    assert "cases.verify" in _keys(p["supervisor"])
    grid = _keys(p["grid"])
    assert {"cases.mine", "cases.overdue"} <= set(grid) and "cases.register" not in grid
    assert "accounts.accounts" in _keys(p["street"]) and "accounts.accounts" not in grid


def test_work_moves_from_queue_to_queue_and_is_counted(org):
    p = org["people"]
    case = _report(org)  # a hotline call: registered by the centre's shift leader
    reg = _keys(p["shift"])["cases.register"]
    assert reg.count == 1 and reg.items[0].url == f"/cases/{case.pk}/" and reg.items[0].due_at is not None
    assert "cases.register" not in _keys(p["other_seat"])  # another district's seat sees nothing of it

    case = actions.do_register_case(case, actor=p["shift"])
    assert _keys(p["shift"])["cases.register"].count == 0
    assert _keys(p["shift"])["cases.register"].done == 1  # registered this week, by them
    assert _keys(p["dispatcher"])["cases.dispatch"].count == 1

    actions.do_dispatch_case(case, actor=p["dispatcher"], lead_unit=org["units"]["sanitation"])
    handle = _keys(p["sanitation"])["cases.handle"]
    assert handle.count == 1 and handle.items[0].due_at == Case.objects.get(pk=case.pk).deadline
    assert _keys(p["chengguan"])["cases.handle"].count == 0  # another department
    board = inbox.dashboard(list(_keys(p["dispatcher"]).values()), periods.current("week"))
    assert board.done >= 1


def test_overdue_comes_first_and_is_counted(org):
    p = org["people"]
    old = _report(org, title="旧的", at=timezone.now() - dt.timedelta(days=10))
    new = _report(org, title="新的")
    reg = _keys(p["shift"])["cases.register"]
    assert [i.title.split()[-1] for i in reg.items] == ["旧的", "新的"]
    assert reg.items[0].state == "overdue" and reg.overdue == 1
    assert old.number in reg.items[0].title and new.number in reg.items[1].title
    page = _client(p["shift"]).get("/").content.decode()
    assert re.search(r'data-count="overdue">\s*1<', page)
    assert 'data-queue="cases.register"' in page and 'data-state="overdue"' in page


def _client(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_my_reports_for_a_grid_worker_and_no_zeros_for_a_resident(org, tree):
    from civicgrid.accounts.roles import Role

    from ..conftest import make_user

    p = org["people"]
    _report(org, actor=p["grid"], title="井盖缺失", channel=Case.Channel.PATROL)
    page = _client(p["grid"]).get("/").content.decode()
    assert 'data-queue="cases.mine"' in page and "井盖缺失" in page
    resident = make_user("res_1", Role.RESIDENT, tree[GRID])
    page = _client(resident).get("/").content.decode()
    assert 'id="inbox"' not in page and "我的辖区" not in page and "My jurisdiction" not in page
    assert "我的服务圈" in page.split('id="my-entries"')[1]


def test_another_app_registers_a_queue_and_a_broken_queue_does_not_take_the_home_down(org, monkeypatch):
    """The inbox is generic: a queue declared the way counter/health/stats declare theirs shows up,
    ordered with the rest; one that raises is shown as failed while the others still answer."""
    p = org["people"]
    monkeypatch.setattr(plugins, "_INBOX", list(plugins._INBOX))
    plugins.inbox_queue("test.things", "测试队列", items=f"{__name__}:_things", count=f"{__name__}:_count",
                        capability="cases.register", order=1)
    plugins.inbox_queue("test.broken", "坏队列", items=f"{__name__}:_boom", count=f"{__name__}:_boom",
                        capability="cases.register", order=2)
    found = _keys(p["shift"])
    things = found["test.things"]
    assert [i.title for i in things.items] == ["overdue", "warn", "soon", "day", "later", "none"]
    assert things.items[3].due_at.tzinfo is not None  # a due day (a date) counts to its end
    assert things.overdue == 1 and things.warn == 1 and things.done is None
    assert found["test.broken"].failed and found["cases.register"].count == 0
    page = _client(p["shift"]).get("/")
    assert page.status_code == 200 and "测试队列" in page.content.decode()
    assert _keys(p["grid"]).get("test.things") is None  # not the grid worker's capability


def _things(user, limit):
    now = timezone.now()
    return [
        InboxItem("test", "none", "/x/"),
        InboxItem("test", "later", "/x/", due_at=now + dt.timedelta(days=2)),
        InboxItem("test", "soon", "/x/", due_at=now + dt.timedelta(days=1)),
        InboxItem("test", "day", "/x/", due_at=(now + dt.timedelta(days=1)).date(), arrived_at=now.date()),
        InboxItem("test", "warn", "/x/", due_at=now + dt.timedelta(days=3), state="warn"),
        InboxItem("test", "overdue", "/x/", due_at=now - dt.timedelta(days=1), state="overdue"),
    ]


def _count(user):
    return 6


def _boom(*args):
    raise RuntimeError("a bug in one app")


def test_accounts_awaiting_action_for_their_administrators_only(org):
    from civicgrid.accounts import actions as account_actions
    from civicgrid.accounts.roles import Role

    p = org["people"]
    idle = account_actions.do_create_user(actor=SYSTEM, username="idle_1", password="x-test-password-1")
    m = account_actions.do_grant_membership(actor=SYSTEM, user=idle, role=Role.GRID_WORKER, area=org["tree"][GRID])
    assert not any("idle_1" in i.title for i in _keys(p["street"])["accounts.accounts"].items)
    account_actions.do_withdraw_membership(m, actor=p["street"])
    items = _keys(p["street"])["accounts.accounts"].items
    assert any("idle_1" in i.title and i.url == f"/staff/{idle.pk}/" for i in items)
    other = account_actions.do_create_user(actor=SYSTEM, username="idle_2", password="x-test-password-1")
    m2 = account_actions.do_grant_membership(actor=SYSTEM, user=other, role=Role.GRID_WORKER,
                                             area=org["tree"][OTHER_DISTRICT_GRID])
    account_actions.do_withdraw_membership(m2, actor=SYSTEM)
    assert not any("idle_2" in i.title for i in _keys(p["street"])["accounts.accounts"].items)


def test_a_grid_head_sees_the_grids_workers_and_what_waits_for_each(org, tree):
    from civicgrid.accounts.roles import Role

    from ..conftest import make_user

    head = make_user("wg_head_t", Role.GRID_HEAD, tree[GRID])
    make_user("jumin_t", Role.RESIDENT, tree[GRID])
    _report(org, actor=org["people"]["grid"], title="井盖缺失", channel=Case.Channel.PATROL)
    page = _client(head).get("/").content.decode()
    team = page.split('id="team"')[1].split("</table>")[0]
    row = re.search(r'data-member="c_grid">(.*?)</tr>', team, re.S).group(1)
    assert "我上报的未结案件" in row and ">1<" in row
    assert 'data-member="c_grid_b"' not in team  # another grid's worker
    assert 'data-member="jumin_t"' not in team  # a resident of the grid is no team member
    assert 'id="team"' not in _client(org["people"]["grid"]).get("/").content.decode()  # not for a worker
