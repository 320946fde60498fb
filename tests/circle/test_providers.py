"""Certified service providers (R-CIR-4): apply → approve → sign → publish → rate → review →
rectify → revoke, each step audited and in the history; illegal steps refused (409)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.circle import actions
from civicgrid.circle.models import Facility, Provider, ProviderEvent, ServiceItem
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.actions import do_create_organisation

from ..conftest import make_user

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def residents(tree):
    return {"home": make_user("jumin", Role.RESIDENT, tree["330106001001001"]),
            "other": make_user("jumin_b", Role.RESIDENT, tree["330106001002001"])}


def _step(provider, action, actor, **kw):
    return actions.do_transition_provider(provider, action, actor=actor, today=TODAY, **kw)


def test_provider_lifecycle_with_illegal_steps_refused(tree, people, residents):
    worker, street = people["community"], people["street"]
    items = list(ServiceItem.objects.filter(category__code="02")[:2])
    p = actions.do_apply_provider(actor=residents["home"], community_code="330106001001", name="好邻居家政",
                                  contact_name="张三", contact_phone="0571-88880000", items=items)
    assert p.status == "applied"
    with pytest.raises(Conflict):  # cannot sign before the council approves
        _step(p, "sign", worker, agreement_number="X", agreement_until=TODAY + dt.timedelta(days=365))
    with pytest.raises(UserError) as err:  # the council's decision must be recorded
        _step(p, "approve", worker)
    assert err.value.field == "note"
    with pytest.raises(NotPermitted):  # another community's worker
        _step(p, "approve", people["grid_b"], note="x")
    p = _step(p, "approve", worker, note="2026-11-28 居民议事会 23 票赞成")
    with pytest.raises(Conflict):
        _step(p, "approve", worker, note="again")
    with pytest.raises(UserError) as err:
        _step(p, "sign", worker, agreement_number="QK-1", agreement_until=TODAY)
    assert err.value.field == "agreement_until"
    p = _step(p, "sign", worker, agreement_number="QK-1", agreement_until=TODAY + dt.timedelta(days=730))
    with pytest.raises(Conflict):  # a signed provider is not rated before it is published
        actions.do_rate_provider(p, actor=residents["home"], score=5)
    with pytest.raises(UserError) as err:
        _step(p, "publish", worker)
    assert err.value.field == "hotline"
    p = _step(p, "publish", worker, hotline="0571-96345", manner="上门、预约")
    assert p.status == "published"
    # Residents of the community rate; a resident of another community cannot.
    actions.do_rate_provider(p, actor=residents["home"], score=2, comment="迟到")
    with pytest.raises(NotPermitted):
        actions.do_rate_provider(p, actor=residents["other"], score=1)
    with pytest.raises(UserError):
        actions.do_rate_provider(p, actor=residents["home"], score=9)
    actions.do_rate_provider(p, actor=residents["home"], score=1)  # replaces the first rating
    p.refresh_from_db()
    assert (p.rating_count, p.rating) == (1, 1.0)
    with pytest.raises(NotPermitted):  # supervision is not the community worker's
        actions.do_review_provider(p, actor=worker, note="差评")
    actions.do_review_provider(p, actor=street, note="服务超时投诉两起")
    with pytest.raises(Conflict):  # revoking needs a rectification notice first
        _step(p, "revoke", street)
    with pytest.raises(UserError) as err:
        _step(p, "rectify", street, note="按时上门", rectify_by=TODAY)
    assert err.value.field == "rectify_by"
    p = _step(p, "rectify", street, note="一个月内整改上门时效", rectify_by=TODAY + dt.timedelta(days=30))
    with pytest.raises(Conflict) as err:  # not before the deadline
        _step(p, "revoke", street)
    assert err.value.field == "rectify_by"
    p = actions.do_transition_provider(p, "revoke", actor=street, today=TODAY + dt.timedelta(days=31),
                                       note="逾期未整改")
    assert p.status == "revoked"
    with pytest.raises(Conflict):
        _step(p, "publish", worker)
    history = list(ProviderEvent.objects.filter(provider=p).values_list("kind", "from_status", "to_status"))
    assert history == [("apply", "", "applied"), ("approve", "applied", "approved"), ("sign", "approved", "signed"),
                       ("publish", "signed", "published"), ("review", "published", "published"),
                       ("rectify", "published", "rectifying"), ("revoke", "rectifying", "revoked")]
    audited = set(AuditLog.objects.filter(object_type="circle.provider", object_id=str(p.pk))
                  .values_list("action", flat=True))
    assert {"circle.provider.apply", "circle.provider.approve", "circle.provider.sign", "circle.provider.publish",
            "circle.provider.rate", "circle.provider.review", "circle.provider.rectify",
            "circle.provider.revoke"} <= audited
    event = ProviderEvent.objects.filter(provider=p).first()
    with pytest.raises(RuntimeError):
        event.save()


def test_rectified_provider_returns_to_published_and_api_answers_409(tree, people, client_for):
    p = actions.do_apply_provider(actor=SYSTEM, community_code="330106001001", name="便民理发",
                                  contact_name="李四", contact_phone="0571-1", items=ServiceItem.objects.all()[:1])
    client = client_for(people["community"])
    url = f"/api/circle/providers/{p.pk}"
    assert client.post(url + "/sign", data=json.dumps({"agreement_number": "A"}),
                       content_type="application/json").status_code == 409
    assert client.post(url + "/approve", data=json.dumps({"note": "议事会通过"}),
                       content_type="application/json").status_code == 200
    response = client.post(url + "/sign", data=json.dumps({"agreement_number": "A", "agreement_until": "2099-01-01"}),
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "signed"
    assert client.post(url + "/publish", data=json.dumps({"hotline": "96345"}),
                       content_type="application/json").json()["status"] == "published"
    street = client_for(people["street"])
    assert street.post(url + "/rectify", data=json.dumps({"note": "整改", "rectify_by": "2099-01-01"}),
                       content_type="application/json").json()["status"] == "rectifying"
    assert street.post(url + "/revoke", data="{}", content_type="application/json").status_code == 409
    assert street.post(url + "/rectified", data=json.dumps({"note": "已整改"}),
                       content_type="application/json").json()["status"] == "published"
    assert client.post(url + "/fly", data="{}", content_type="application/json").status_code == 400
    events = client.get(url + "/events").json()
    assert [e["action"] for e in events] == ["apply", "approve", "sign", "publish", "rectify", "rectified"]
    # The provider's page offers the steps of its state to whoever may take them.
    page = client_for(people["community"]).get(f"/circle/providers/{p.pk}/")
    assert page.status_code == 200 and page.context["steps"] == []  # rectify is the supervisors'
    assert client_for(people["street"]).get(f"/circle/providers/{p.pk}/").context["steps"] == ["rectify"]


def test_resident_page_lists_providers_and_offpeak_unit_facilities(tree, people, residents, client_for):
    p = actions.do_apply_provider(actor=SYSTEM, community_code="330106001001", name="社区食堂",
                                  contact_name="王五", contact_phone="0571-88881234", items=ServiceItem.objects.all()[:2])
    for action, kw in [("approve", {"note": "通过"}), ("sign", {"agreement_number": "B",
                                                                "agreement_until": TODAY.replace(year=2099)}),
                       ("publish", {"hotline": "12345"})]:
        p = _step(p, action, SYSTEM, **kw)
    area = tree["330106001001001"]
    lon, lat = (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2
    unit = do_create_organisation(actor=SYSTEM, kind="resident_unit", name="第一中学", lon=lon, lat=lat)
    actions.do_create_facility(actor=SYSTEM, unit=unit, kind="sports_centre", name="第一中学操场", lon=lon, lat=lat,
                               offpeak_hours="周六、周日 08:00-18:00")
    home = client_for(residents["home"])
    page = home.get("/circle/my/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "社区食堂" in text and "第一中学操场" in text and "周六、周日 08:00-18:00" in text
    assert "社区食堂" not in client_for(residents["other"]).get("/circle/my/").content.decode()
    assert home.post(f"/circle/providers/{p.pk}/rate/", {"score": "4"}).status_code == 302
    p.refresh_from_db()
    assert p.rating == 4.0
    api = home.post(f"/api/circle/providers/{p.pk}/rate", data=json.dumps({"score": 2}),
                    content_type="application/json")
    assert api.status_code == 201
    p.refresh_from_db()
    assert (p.rating, p.rating_count) == (2.0, 1)  # the resident's new rating replaced the old one
    assert client_for(residents["other"]).post(f"/circle/providers/{p.pk}/rate/", {"score": "1"}).status_code == 404
    assert home.get("/circle/").status_code == 403  # staff pages stay closed to residents
    assert home.get(f"/api/circle/providers/{p.pk}").status_code == 404
    assert Facility.objects.filter(unit=unit).count() == 1
    applied = home.post("/circle/providers/apply/", {"community": "330106001001", "name": "修鞋铺",
                                                      "contact_name": "赵六", "contact_phone": "13900001111"})
    assert applied.status_code == 302 and Provider.objects.filter(name="修鞋铺", status="applied").exists()
