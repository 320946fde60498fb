"""The seven steps through the API: report → register → dispatch → accept → feedback → verify
(rework once) → close → rate; escalation from the community to the street and the district."""

from __future__ import annotations

import json

from civicgrid.cases.models import Case, CaseEvent, CaseTask

from .conftest import GRID, centre_of


def post(client, url, body=None, **headers):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


def test_hotline_case_walks_all_seven_steps(org, client_for, garbage):
    p, tree = org["people"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    seat = client_for(p["seat"])
    r = post(seat, "/api/cases/", {"channel": "hotline", "cls": "E0101", "title": "小区门口垃圾堆积",
                                   "description": "三天没人清运", "lon": lon, "lat": lat,
                                   "reporter_name": "王先生", "reporter_phone": "13800001234"},
             HTTP_IDEMPOTENCY_KEY="call-1")
    assert r.status_code == 201, r.content
    case = r.json()
    assert case["area_code"] == GRID and case["tier"] == "district" and case["status"] == "reported"
    assert case["reporter_phone_masked"] == "138****1234"
    again = post(seat, "/api/cases/", {"channel": "hotline", "cls": "E0101", "title": "x", "description": "y",
                                       "lon": lon, "lat": lat, "reporter_phone": "13800001234"},
                 HTTP_IDEMPOTENCY_KEY="call-1")
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    assert Case.objects.count() == 1
    cid = case["id"]

    # A seat cannot register; the shift leader can.
    assert post(seat, f"/api/cases/{cid}/register").status_code == 403
    shift = client_for(p["shift"])
    r = post(shift, f"/api/cases/{cid}/register", {"version": case["version"]})
    assert r.status_code == 200 and r.json()["status"] == "registered"
    assert post(shift, f"/api/cases/{cid}/register").status_code == 409  # not twice

    dispatcher = client_for(p["dispatcher"])
    sugg = dispatcher.get(f"/api/cases/{cid}/suggestions").json()
    assert sugg[0]["unit"] == "HW"  # 暴露垃圾 → sanitation
    r = post(dispatcher, f"/api/cases/{cid}/dispatch", {"lead_unit": "HW", "assisting_units": ["JD1"]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "dispatched" and body["lead_unit"] == "HW" and body["deadline"]

    # Another department neither sees nor accepts it.
    assert client_for(p["chengguan"]).get(f"/api/cases/{cid}").status_code == 404
    hw = client_for(p["sanitation"])
    assert hw.get(f"/api/cases/{cid}").status_code == 200
    assert [c["id"] for c in hw.get("/api/cases/queues/unit").json()] == [cid]
    assert post(hw, f"/api/cases/{cid}/feedback", {"result": "x"}).status_code == 409  # accept first
    assert post(hw, f"/api/cases/{cid}/accept").json()["status"] == "handling"
    assert post(hw, f"/api/cases/{cid}/feedback", {"result": "已清运"}).json()["status"] == "feedback"

    sup = client_for(p["supervisor"])
    tasks = sup.get("/api/cases/tasks?kind=check").json()
    assert [t["case_id"] for t in tasks] == [cid]
    r = post(sup, f"/api/cases/{cid}/verify", {"passed": False, "note": "仍有残留"})
    assert r.json()["status"] == "handling" and r.json()["rework_count"] == 1
    post(hw, f"/api/cases/{cid}/feedback", {"result": "已全部清除"})
    r = post(sup, f"/api/cases/{cid}/verify", {"passed": True, "note": "现场已干净"})
    assert r.json()["status"] == "closed"

    assert post(seat, f"/api/cases/{cid}/rate", {"rating": 5}).json()["rating"] == 5
    assert CaseTask.objects.filter(case_id=cid, kind="callback", outcome="").count() == 1
    kinds = list(CaseEvent.objects.filter(case_id=cid).values_list("kind", flat=True))
    assert kinds == ["reported", "registered", "dispatched", "accepted", "feedback", "rework", "feedback",
                     "check_ok", "closed", "notified", "rated"]
    events = seat.get(f"/api/cases/{cid}/events").json()
    assert events[2]["unit"] == "HW" and events[2]["to_status"] == "dispatched"


def test_patrol_case_escalates_from_community_to_street_to_district(org, client_for, garbage):
    p, tree = org["people"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    grid = client_for(p["grid"])
    r = post(grid, "/api/cases/", {"cls": "E0403", "title": "私搭乱建", "description": "楼顶搭建", "lon": lon,
                                   "lat": lat})
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert r.json()["tier"] == "community" and r.json()["tier_code"] == GRID[:12]
    # The district centre cannot register a community-tier case; the community worker can.
    assert post(client_for(p["shift"]), f"/api/cases/{cid}/register").status_code == 403
    comm = client_for(p["community"])
    assert post(comm, f"/api/cases/{cid}/register").status_code == 200
    # At community tier only units inside the community take it.
    assert post(comm, f"/api/cases/{cid}/dispatch", {"lead_unit": "CG"}).status_code == 400
    assert post(comm, f"/api/cases/{cid}/dispatch", {"lead_unit": "JW1"}).json()["status"] == "dispatched"
    r = post(comm, f"/api/cases/{cid}/escalate", {"note": "社区无执法权"})
    assert r.json()["tier"] == "street" and r.json()["status"] == "registered" and r.json()["lead_unit"] is None
    street = client_for(p["street"])
    r = post(street, f"/api/cases/{cid}/escalate", {"note": "需区城管执法"})
    assert r.json()["tier"] == "district" and r.json()["tier_code"] == "330106"
    r = post(client_for(p["dispatcher"]), f"/api/cases/{cid}/dispatch", {"lead_unit": "CG"})
    assert r.json()["status"] == "dispatched"
    assert post(client_for(p["dispatcher"]), f"/api/cases/{cid}/escalate", {"note": "x"}).status_code == 409


def test_bad_input_names_the_field(org, client_for, garbage):
    grid = client_for(org["people"]["grid"])
    r = post(grid, "/api/cases/", {"cls": "E0101", "title": "", "description": "d", "lon": 120.01, "lat": 30.21})
    assert r.status_code == 400 and r.json()["field"] == "title"
    r = post(grid, "/api/cases/", {"cls": "NOPE", "title": "t", "description": "d", "lon": 120.01, "lat": 30.21})
    assert r.status_code == 400 and r.json()["field"] == "cls"
    r = post(grid, "/api/cases/", {"cls": "E0101", "title": "t", "description": "d", "lon": 10, "lat": 10})
    assert r.status_code == 400 and r.json()["field"] == "lon"
    # Outside the worker's own grid.
    lon, lat = centre_of(org["tree"]["330106001001002"])
    r = post(grid, "/api/cases/", {"cls": "E0101", "title": "t", "description": "d", "lon": lon, "lat": lat})
    assert r.status_code == 403
    assert Case.objects.count() == 0


def test_malformed_api_input_is_explained_in_chinese(org, client_for, garbage):
    grid = client_for(org["people"]["grid"])
    r = grid.get("/api/cases/?limit=abc", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "limit" and "整数" in body["detail"]
    r = post(grid, "/api/cases/", {"cls": "E0101", "description": "d", "lon": "东经", "lat": 30.2},
             HTTP_ACCEPT_LANGUAGE="zh-hans")
    fields = {e["field"] for e in r.json()["errors"]}
    assert r.status_code == 422 and fields == {"title", "lon"}


def test_one_case_through_every_step_with_escalation_and_rework(org, client_for, garbage, client):
    """Collect → register → dispatch → handle (escalated twice on the way) → feedback → verify
    (rework once) → close → the reporter rates with the query code."""
    p, tree = org["people"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    grid, comm, street = client_for(p["grid"]), client_for(p["community"]), client_for(p["street"])
    dispatcher, hw, sup = client_for(p["dispatcher"]), client_for(p["sanitation"]), client_for(p["supervisor"])
    r = post(grid, "/api/cases/", {"cls": "E0101", "title": "河边垃圾", "description": "大量建筑垃圾",
                                   "lon": lon, "lat": lat}, HTTP_IDEMPOTENCY_KEY="form-9")
    cid = r.json()["id"]
    assert post(comm, f"/api/cases/{cid}/register").json()["status"] == "registered"
    assert post(comm, f"/api/cases/{cid}/dispatch", {"lead_unit": "JW1"}).json()["lead_unit"] == "JW1"
    assert post(comm, f"/api/cases/{cid}/accept").json()["status"] == "handling"
    r = post(comm, f"/api/cases/{cid}/escalate", {"note": "社区清运不了"})
    assert r.json()["tier"] == "street" and r.json()["status"] == "registered"
    assert post(street, f"/api/cases/{cid}/escalate", {"note": "需区环卫"}).json()["tier"] == "district"
    assert post(dispatcher, f"/api/cases/{cid}/dispatch", {"lead_unit": "HW"}).json()["status"] == "dispatched"
    post(hw, f"/api/cases/{cid}/accept")
    post(hw, f"/api/cases/{cid}/feedback", {"result": "已清运一半"})
    assert post(sup, f"/api/cases/{cid}/verify", {"passed": False, "note": "未清完"}).json()["rework_count"] == 1
    post(hw, f"/api/cases/{cid}/feedback", {"result": "已全部清运"})
    closed = post(sup, f"/api/cases/{cid}/verify", {"passed": True}).json()
    assert closed["status"] == "closed"
    code = Case.objects.get(pk=cid).query_code
    r = client.post(f"/api/public/cases/{code}/rate", data=json.dumps({"rating": 1, "note": "很及时"}),
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["rating"] == 1
    kinds = [e["kind"] for e in grid.get(f"/api/cases/{cid}/events").json()]
    assert kinds == ["reported", "registered", "dispatched", "accepted", "escalated", "escalated", "dispatched",
                     "accepted", "feedback", "rework", "feedback", "check_ok", "closed", "notified", "rated"]
