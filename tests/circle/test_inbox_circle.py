"""Issue 14, finding 4: provider applications and rectifications reach the work inbox of the posts
that take their next step, inside their jurisdiction only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from civicgrid.accounts.roles import Role
from civicgrid.circle import actions
from civicgrid.circle.models import ServiceItem
from civicgrid.core import inbox

from ..conftest import make_user


def _queue(user, key):
    return next((s for s in inbox.sections(user) if s.key == key), None)


def test_an_application_waits_for_the_community_and_a_rectification_for_the_supervisor(tree, people):
    resident = make_user("jumin", Role.RESIDENT, tree["330106001001001"])
    worker, street = people["community"], people["street"]
    p = actions.do_apply_provider(actor=resident, community_code="330106001001", name="好邻居家政",
                                  contact_name="张三", contact_phone="0571-88880000",
                                  items=list(ServiceItem.objects.all()[:1]))
    q = _queue(worker, "circle.applications")
    assert q.count == 1 and q.items[0].title == "好邻居家政" and q.items[0].url == f"/circle/providers/{p.pk}/"
    assert q.items[0].detail  # what comes next, in words
    assert _queue(people["grid_b"], "circle.applications") is None  # a grid worker holds no provider step
    other = make_user("c_worker_b", Role.COMMUNITY_WORKER, tree["330106001002"])
    assert _queue(other, "circle.applications").count == 0  # another community

    today = timezone.localdate()
    p = actions.do_transition_provider(p, "approve", actor=worker, note="议事会同意")
    assert _queue(worker, "circle.applications").done == 1
    p = actions.do_transition_provider(p, "sign", actor=worker, agreement_number="QK-1",
                                       agreement_until=today + dt.timedelta(days=365))
    p = actions.do_transition_provider(p, "publish", actor=worker, hotline="0571-96345", manner="上门")
    assert _queue(worker, "circle.applications").count == 0
    p = actions.do_transition_provider(p, "rectify", actor=street, note="服务不到位",
                                       rectify_by=today + dt.timedelta(days=1))
    r = _queue(street, "circle.rectify")
    assert r.count == 1 and r.items[0].state == "warn" and r.warn == 1
