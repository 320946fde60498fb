"""Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML, spec-shaped errors,
form-encoded POSTs from the body and the query string, filters, keys (page and command), and
the PyPI ``georeport`` client against a running server."""

from __future__ import annotations

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseClass, CaseEvent, CaseTask, Open311Key
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions as registry_actions

from .conftest import GRID, centre_of

V2 = "/open311/v2"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def key(org):
    _, plain = actions.do_issue_open311_key(actor=SYSTEM, name="city-app")
    return plain


@pytest.fixture
def where(org):
    return centre_of(org["tree"][GRID])


def post_form(client, url, fields: dict, **headers):
    return client.post(url, data=urlencode(fields), content_type=FORM, **headers)


def report(key, lon, lat, **extra):
    return {"api_key": key, "service_code": "E0101", "lat": lat, "long": lon,
            "description": "小区北门垃圾堆放三天", **extra}


def xml_of(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def assert_spec_error(response, code: int, fmt: str = "json") -> str:
    assert response.status_code == code, response.content
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and body[0]["code"] == code and body[0]["description"], body
        return body[0]["description"]
    root = xml_of(response)
    assert root.tag == "errors" and root.find("error/code").text == str(code)
    assert root.find("error/description").text
    return root.find("error/description").text


# --- discovery and services --------------------------------------------------------------------------
def test_discovery_names_the_v2_endpoint_in_json_and_xml(client, org):
    body = client.get(f"{V2}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and "application/json" in endpoint["formats"]
    root = xml_of(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_are_the_active_classes_with_major_class_as_group(client, org):
    CaseClass.objects.filter(code="E0102").update(active=False)
    services = client.get(f"{V2}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert "E0102" not in by_code
    assert by_code["E0101"] == {
        "service_code": "E0101", "service_name": "暴露垃圾", "description": by_code["E0101"]["description"],
        "metadata": True, "type": "realtime", "keywords": "垃圾,堆放,暴露,乱扔", "group": "市容环境"}
    assert "4" in by_code["E0101"]["description"]  # the time limit is the service notice
    root = xml_of(client.get(f"{V2}/services.xml"))
    codes = [s.find("service_code").text for s in root.findall("service")]
    assert codes == sorted(by_code) and root.find("service/metadata").text == "true"


def test_service_definition_lists_its_attributes(client, org):
    body = client.get(f"{V2}/services/E0101.json").json()
    assert body["service_code"] == "E0101"
    attrs = {a["code"]: a for a in body["attributes"]}
    assert set(attrs) == {"urgency", "building"}
    assert attrs["urgency"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attrs["urgency"]["values"]] == ["normal", "urgent"]
    assert attrs["building"]["datatype"] == "string" and attrs["building"]["required"] is False
    root = xml_of(client.get(f"{V2}/services/C0101.xml"))
    assert root.tag == "service_definition"
    assert [a.find("code").text for a in root.findall("attributes/attribute")] == ["urgency", "building", "component"]
    assert [v.find("key").text for v in root.findall("attributes/attribute/values/value")] == ["normal", "urgent"]


def test_unknown_service_and_resource_answer_404_in_the_spec_shape(client, org):
    assert "NOPE" in assert_spec_error(client.get(f"{V2}/services/NOPE.json"), 404)
    assert_spec_error(client.get(f"{V2}/services/NOPE.xml"), 404, "xml")
    assert_spec_error(client.get(f"{V2}/requests/99999.json"), 404)
    assert_spec_error(client.get(f"{V2}/requests/99999.xml"), 404, "xml")
    assert_spec_error(client.get(f"{V2}/nothing.json"), 404)
    assert_spec_error(client.get(f"{V2}/services.json?jurisdiction_id=999999"), 404)


# --- POST requests -----------------------------------------------------------------------------------
def test_form_post_files_an_open311_case_into_the_centres_register_queue(org, client_for, key, where):
    lon, lat = where
    csrf_client = Client(enforce_csrf_checks=True)  # an API-key POST carries no CSRF token
    r = post_form(csrf_client, f"{V2}/requests.json",
                  report(key, lon, lat, first_name="建国", last_name="王", phone="13800001234",
                         email="wang@example.cn", **{"attribute[urgency]": "urgent"}))
    assert r.status_code == 201, r.content
    created = r.json()[0]
    case = Case.objects.get()
    assert created["service_request_id"] == case.number and created["token"]
    assert (case.channel, case.tier, case.tier_code, case.status) == ("open311", "district", "330106", "reported")
    assert case.urgency == "urgent" and case.area_code == GRID
    assert case.reporter_name == "王建国" and case.reporter_phone_masked == "138****1234"
    assert "13800001234" not in case.reporter_phone_enc
    assert case.title == "小区北门垃圾堆放三天"
    assert CaseTask.objects.filter(case=case, kind="confirm", outcome="").count() == 1
    event = CaseEvent.objects.get(case=case)
    assert event.actor_name == "open311:city-app" and event.actor is None
    assert AuditLog.objects.filter(action="cases.case.report", actor_name="open311:city-app").count() == 1
    assert Open311Key.objects.get().last_used_at is not None

    shift = client_for(org["people"]["shift"])
    queue = shift.get("/api/cases/queues/register").json()
    assert [c["number"] for c in queue] == [case.number] and queue[0]["channel"] == "open311"
    assert shift.post(f"/api/cases/{case.pk}/register", data="{}", content_type="application/json").status_code == 200


def test_post_takes_its_fields_from_the_query_string_too(client, org, key, where):
    lon, lat = where
    query = urlencode({"api_key": key, "service_code": "E0105", "lat": lat, "long": lon})
    r = post_form(client, f"{V2}/requests.xml?{query}", {"description": "路口积水没过脚踝"})
    assert r.status_code == 201, r.content
    root = xml_of(r)
    number = root.find("request/service_request_id").text
    assert root.tag == "service_requests" and root.find("request/token").text
    case = Case.objects.get(number=number)
    assert case.cls.code == "E0105" and case.description == "路口积水没过脚踝"
    # The body wins over the query string for the same field.
    r = post_form(client, f"{V2}/requests.json?service_code=E0105", report(key, lon, lat))
    assert Case.objects.get(number=r.json()[0]["service_request_id"]).cls.code == "E0101"


def test_post_without_a_valid_key_is_403_and_files_nothing(client, org, key, where):
    lon, lat = where
    fields = report(key, lon, lat)
    fields.pop("api_key")
    assert "api_key" in assert_spec_error(post_form(client, f"{V2}/requests.json", fields), 403)
    assert_spec_error(post_form(client, f"{V2}/requests.xml", {**fields, "api_key": "o311_wrong"}), 403, "xml")
    row = Open311Key.objects.get()
    actions.do_revoke_open311_key(row, actor=SYSTEM)
    assert_spec_error(post_form(client, f"{V2}/requests.json", {**fields, "api_key": key}), 403)
    assert Case.objects.count() == 0


@pytest.mark.parametrize("change, field", [
    ({"lat": 10.0, "long": 10.0}, "lat"),  # outside every grid
    ({"service_code": ""}, "service_code"),
    ({"service_code": "NOPE"}, "service_code"),
    ({"lat": "north"}, "lat"),
    ({"long": ""}, "lat, long"),
    ({"attribute[urgency]": "now!"}, "attribute[urgency]"),
    ({"attribute[colour]": "red"}, "attribute[colour]"),
    ({"phone": "12ab"}, "phone"),
    ({"description": "  "}, "description"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"email": "not-an-address"}, "email"),
    ({"address_id": "999999"}, "address_id"),
    ({"jurisdiction_id": "330108"}, "lat"),  # the position lies in district 330106
])
def test_bad_post_is_400_naming_the_field(client, org, key, where, change, field):
    lon, lat = where
    r = post_form(client, f"{V2}/requests.json", {**report(key, lon, lat), **change})
    description = assert_spec_error(r, 400)
    assert field.split(",")[0].split("[")[0] in description or field in description, description
    assert Case.objects.count() == 0


def test_bad_post_in_xml_is_an_errors_document(client, org, key):
    r = post_form(client, f"{V2}/requests.xml", report(key, 10.0, 10.0))
    assert "lat, long" in assert_spec_error(r, 400, "xml")


def test_address_string_is_matched_to_a_registered_building(client, org, key, where):
    lon, lat = where
    building = registry_actions.do_create_building(actor=SYSTEM, address="文三路6号枫丹新村1幢", lon=lon, lat=lat)
    fields = report(key, lon, lat, address_string="文三路6号 枫丹新村1栋")
    fields.pop("lat"), fields.pop("long")
    r = post_form(client, f"{V2}/requests.json", fields)
    assert r.status_code == 201, r.content
    case = Case.objects.get()
    assert case.building_id == building.pk and (case.lon, case.lat) == (building.lon, building.lat)
    assert case.area_code == GRID
    detail = client.get(f"{V2}/requests/{case.number}.json").json()[0]
    assert detail["address_id"] == str(building.pk)
    r = post_form(client, f"{V2}/requests.json", {**fields, "address_string": "火星路99号"})
    assert "address_string" in assert_spec_error(r, 400)
    r = post_form(client, f"{V2}/requests.json", {**fields, "address_string": "", "address_id": str(building.pk)})
    assert r.status_code == 201


def test_replayed_idempotency_key_returns_the_same_request(client, org, key, where):
    lon, lat = where
    first = post_form(client, f"{V2}/requests.json", report(key, lon, lat), HTTP_IDEMPOTENCY_KEY="sub-1")
    again = post_form(client, f"{V2}/requests.json", report(key, lon, lat), HTTP_IDEMPOTENCY_KEY="sub-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Case.objects.count() == 1


def test_media_url_is_kept_and_answered_back(client, org, key, where):
    lon, lat = where
    r = post_form(client, f"{V2}/requests.json", report(key, lon, lat, media_url="https://img.example.cn/a.jpg"))
    detail = client.get(f"{V2}/requests/{r.json()[0]['service_request_id']}.json").json()[0]
    assert detail["media_url"] == "https://img.example.cn/a.jpg"
    assert detail["description"] == "小区北门垃圾堆放三天"


# --- GET requests ------------------------------------------------------------------------------------
def _file(org, code="E0101", channel=Case.Channel.RESIDENT, actor=None, **kw):
    lon, lat = centre_of(org["tree"][GRID])
    cls = CaseClass.objects.get(code=code)
    return actions.do_report_case(actor=actor, channel=channel, cls=cls, title="t", description=f"{code} 描述",
                                  lon=lon, lat=lat, **kw)


def test_requests_filter_by_id_code_status_and_dates(client, org):
    a, b, c = _file(org), _file(org, "E0105"), _file(org, "E0401")
    actions.do_reject_case(c, actor=org["people"]["community"], note="不是问题")  # closed
    old = _file(org)
    Case.objects.filter(pk=old.pk).update(reported_at=timezone.now() - dt.timedelta(days=120))

    def numbers(query=""):
        r = client.get(f"{V2}/requests.json{query}")
        assert r.status_code == 200, r.content
        return [x["service_request_id"] for x in r.json()]

    assert numbers() == [c.number, b.number, a.number]  # newest first, the last 90 days
    assert numbers(f"?service_request_id={a.number},{old.number}") == [a.number, old.number]
    assert numbers("?service_code=E0105,E0401") == [c.number, b.number]
    assert numbers("?status=closed") == [c.number]
    assert numbers("?status=open") == [b.number, a.number]
    start = (timezone.now() - dt.timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert numbers(f"?{urlencode({'start_date': start, 'end_date': end})}") == [old.number]
    assert numbers(f"?start_date={start}") == [old.number]  # 90 days from the start
    assert_spec_error(client.get(f"{V2}/requests.json?start_date=yesterday"), 400)
    assert_spec_error(client.get(f"{V2}/requests.json?status=pending"), 400)
    assert_spec_error(client.get(f"{V2}/requests.xml?" + urlencode(
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"})), 400, "xml")
    assert_spec_error(client.get(f"{V2}/requests.json?" + urlencode(
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"})), 400)
    root = xml_of(client.get(f"{V2}/requests.xml?status=closed"))
    assert [r.find("service_request_id").text for r in root.findall("request")] == [c.number]
    assert root.find("request/status").text == "closed"


def test_requests_never_show_reporter_data_nor_hotline_calls(client, org):
    resident = _file(org, reporter_name="李秀英", reporter_phone="13912345678")
    call = _file(org, channel=Case.Channel.HOTLINE, actor=org["people"]["seat"], reporter_name="张伟", reporter_phone="13700001111")
    for body in (client.get(f"{V2}/requests.json").content, client.get(f"{V2}/requests.xml").content,
                 client.get(f"{V2}/requests/{resident.number}.json").content):
        text = body.decode()
        assert resident.number in text and call.number not in text
        for secret in ("李秀英", "13912345678", "139****5678", "张伟", resident.query_code):
            assert secret not in text
    assert_spec_error(client.get(f"{V2}/requests/{call.number}.json"), 404)


def test_request_status_follows_the_loop(client, org):
    p = org["people"]
    case = _file(org, channel=Case.Channel.PATROL, actor=p["grid"])
    r = client.get(f"{V2}/requests/{case.number}.json").json()[0]
    assert (r["status"], r["agency_responsible"], r["service_code"]) == ("open", "", "E0101")
    # Not dispatched: the class's 4 working hours counted from now on the work calendar.
    expected = dt.datetime.fromisoformat(r["expected_datetime"])
    assert expected > timezone.now() and r["requested_datetime"].endswith("+08:00")
    case = actions.do_register_case(case, actor=p["community"])
    case = actions.do_dispatch_case(case, actor=p["community"], lead_unit=org["units"]["community"])
    r = client.get(f"{V2}/requests/{case.number}.xml")
    req = xml_of(r).find("request")
    assert req.find("agency_responsible").text == "社区居委会"
    assert dt.datetime.fromisoformat(req.find("expected_datetime").text) == case.deadline.replace(microsecond=0)
    assert "社区居委会" in req.find("status_notes").text
    case = actions.do_accept_case(case, actor=p["community"])
    case = actions.do_feedback_case(case, actor=p["community"], result="垃圾已清运完毕")
    case = actions.do_verify_case(case, actor=p["supervisor"], passed=True)
    r = client.get(f"{V2}/requests/{case.number}.json").json()[0]
    assert (r["status"], r["status_notes"]) == ("closed", "垃圾已清运完毕")


def test_xml_escapes_markup_and_drops_characters_xml_cannot_carry(client, org, key, where):
    lon, lat = where
    r = post_form(client, f"{V2}/requests.json", report(key, lon, lat, description="<b>垃圾</b> & \x01]]> 桶"))
    assert r.status_code == 201, r.content
    root = xml_of(client.get(f"{V2}/requests/{r.json()[0]['service_request_id']}.xml"))
    assert root.find("request/description").text == "<b>垃圾</b> & ]]> 桶"


def test_token_gives_the_request_id(client, org, key, where):
    lon, lat = where
    created = post_form(client, f"{V2}/requests.json", report(key, lon, lat)).json()[0]
    body = client.get(f"{V2}/tokens/{created['token']}.json").json()
    assert body == [{"service_request_id": created["service_request_id"], "token": created["token"]}]
    root = xml_of(client.get(f"{V2}/tokens/{created['token']}.xml"))
    assert root.find("request/service_request_id").text == created["service_request_id"]
    assert_spec_error(client.get(f"{V2}/tokens/1:forged.json"), 404)


def test_hostile_input_gets_a_spec_error_never_a_server_error(client, org, key, where):
    lon, lat = where
    fields = report(key, lon, lat)
    assert_spec_error(post_form(client, f"{V2}/requests.json", {**fields, "description": "垃圾\x00堆"}), 400)
    assert_spec_error(post_form(client, f"{V2}/requests.json", {**fields, "address_id": "9" * 40}), 400)
    assert_spec_error(post_form(client, f"{V2}/requests.json", {**fields, "lat": "nan"}), 400)
    assert_spec_error(post_form(client, f"{V2}/requests.json", {**fields, "description": "长" * 5000}), 400)
    assert_spec_error(client.get(f"{V2}/requests.json?service_request_id=%00"), 400)
    assert_spec_error(client.get(f"{V2}/tokens/{'9' * 40}:x.json"), 404)
    assert client.get(f"{V2}/requests.json?service_request_id={'1' * 5000}").json() == []
    assert Case.objects.count() == 0


def test_wrong_method_is_refused_in_the_spec_shape(client, org):
    assert_spec_error(client.post(f"{V2}/services.json"), 405)


# --- keys ----------------------------------------------------------------------------------------
def test_administrator_issues_a_key_on_the_page_and_revokes_it(org, client_for, where):
    admin = client_for(org["people"]["district"])
    page = admin.get("/open311/keys/")
    assert page.status_code == 200 and "Open311" in page.content.decode()
    r = admin.post("/open311/keys/", {"name": "合作热线"})
    assert r.status_code == 200
    text = r.content.decode()
    row = Open311Key.objects.get()
    start = text.index("o311_", text.index('id="issued-key"'))
    plain = text[start:start + 37]
    assert plain.startswith(f"o311_{row.prefix}") and plain not in str(Open311Key.objects.values().first())
    assert admin.get("/open311/keys/").content.decode().count(plain) == 0  # shown once
    lon, lat = where
    assert post_form(Client(), f"{V2}/requests.json", report(plain, lon, lat)).status_code == 201
    r = admin.post(f"/open311/keys/{row.pk}/revoke", follow=True)
    assert r.status_code == 200 and not Open311Key.objects.get().active
    assert post_form(Client(), f"{V2}/requests.json", report(plain, lon, lat)).status_code == 403


def test_staff_without_cases_manage_cannot_see_or_issue_keys(org, client_for):
    for who in ("grid", "shift", "street"):
        c = client_for(org["people"][who])
        assert c.get("/open311/keys/").status_code == 403
        assert c.post("/open311/keys/", {"name": "x"}).status_code == 403
    assert Open311Key.objects.count() == 0
    assert Client().get("/open311/keys/").status_code == 302  # to the login page


def test_command_issues_lists_and_revokes_keys(org):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311", "issue-key", "city-app", stdout=out, stderr=err)
    plain = out.getvalue().strip()
    row = Open311Key.objects.get()
    assert plain.startswith("o311_") and row.prefix == plain[5:13] and plain not in row.key_hash
    listing = io.StringIO()
    call_command("open311", "list", stdout=listing)
    assert row.prefix in listing.getvalue() and "active" in listing.getvalue() and plain not in listing.getvalue()
    call_command("open311", "issue-key", "street-app", "--area", "330106001", stdout=io.StringIO(),
                 stderr=io.StringIO())
    assert Open311Key.objects.get(name="street-app").area_code == "330106001"
    call_command("open311", "revoke", row.prefix, stdout=io.StringIO())
    assert not Open311Key.objects.get(pk=row.pk).active
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("open311", "revoke", row.prefix)


# --- acceptance 4: the PyPI georeport client against a running server ---------------------------------
@pytest.mark.django_db(transaction=True)
def test_georeport_client_lists_reads_and_a_form_post_reaches_the_staff_queue(live_server, tree, settings):
    """The ``georeport`` client (0.3.1) reads; it has no POST, so the request is posted in the
    spec's form-encoded shape with ``requests``, as any GeoReport client sends it."""
    import requests
    from georeport import GeoReport

    from civicgrid.accounts.models import OrgUnit
    from civicgrid.accounts.roles import Role

    from ..conftest import make_user

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    actions.case_classes()
    from civicgrid.accounts import actions as account_actions

    centre = account_actions.do_create_unit(actor=SYSTEM, code="ZX", name="区指挥中心", kind=OrgUnit.Kind.CENTRE,
                                            area=tree["330106"])
    shift = make_user("o_shift", Role.SHIFT_LEADER, unit=centre)
    _, plain = actions.do_issue_open311_key(actor=SYSTEM, name="georeport")
    lon, lat = centre_of(tree[GRID])
    base = f"{live_server.url}/open311/v2"

    for fmt in ("json", "xml"):
        client = GeoReport(base, output_format=fmt)
        services = client.get_service_list()
        assert "E0101" in [s["service_code"] for s in services]
        definition = client.get_service_definition("E0101")
        attrs = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        assert "urgency" in [a["code"] for a in attrs]

    r = requests.post(f"{base}/requests.json", data={
        "api_key": plain, "service_code": "E0101", "lat": str(lat), "long": str(lon),
        "address_string": "文三路6号", "description": "Rubbish piled up at the north gate",
        "first_name": "Jian", "last_name": "Wang", "email": "wang@example.cn", "attribute[urgency]": "normal",
    }, timeout=30)
    assert r.status_code == 201, r.text
    srid = r.json()[0]["service_request_id"]
    r = requests.post(f"{base}/requests.json", data={"service_code": "E0101", "lat": lat, "long": lon,
                                                     "description": "x", "api_key": "bad"}, timeout=30)
    assert r.status_code == 403 and r.json()[0]["code"] == 403

    client = GeoReport(base)
    listed = client.get_service_requests(service_code="E0101", status="open")
    assert [x["service_request_id"] for x in listed] == [srid]
    one = client.get_service_request(srid)
    assert one["status"] == "open" and one["address"] == "文三路6号" and "Wang" not in json.dumps(one)
    one_xml = GeoReport(base, output_format="xml").get_service_request(srid)
    assert one_xml["service_request_id"] == srid and one_xml["long"] == str(lon)

    _, bearer = account_actions.do_issue_token(actor=SYSTEM, user=shift, name="test")
    queue = requests.get(f"{live_server.url}/api/cases/queues/register",
                         headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
    assert queue.status_code == 200, queue.text
    assert [(c["number"], c["channel"]) for c in queue.json()] == [(srid, "open311")]


def test_a_key_files_only_inside_its_area(org, client_for, where):
    """A district administrator's key is for their district: a request elsewhere is 403 and files
    nothing; they neither issue keys for another district nor see or revoke its keys."""
    from .conftest import OTHER_DISTRICT_GRID

    admin = client_for(org["people"]["district"])
    r = admin.post("/open311/keys/", {"name": "区政务App"})
    assert r.status_code == 200
    row = Open311Key.objects.get()
    assert row.area_code == "330106"
    text = r.content.decode()
    start = text.index("o311_", text.index('id="issued-key"'))
    plain = text[start:start + 37]
    lon, lat = where
    assert post_form(Client(), f"{V2}/requests.json", report(plain, lon, lat)).status_code == 201
    far_lon, far_lat = centre_of(org["tree"][OTHER_DISTRICT_GRID])
    description = assert_spec_error(post_form(Client(), f"{V2}/requests.json", report(plain, far_lon, far_lat)), 403)
    assert "330106" in description and Case.objects.count() == 1

    with pytest.raises(NotPermitted):
        actions.do_issue_open311_key(actor=org["people"]["district"], name="越权", area_code="330108")
    assert admin.post("/open311/keys/", {"name": "x", "area": "330108"}).status_code == 200  # form error
    assert Open311Key.objects.count() == 1
    other, _ = actions.do_issue_open311_key(actor=SYSTEM, name="另一区", area_code="330108")
    anywhere, _ = actions.do_issue_open311_key(actor=SYSTEM, name="全市")
    page = admin.get("/open311/keys/").content.decode()
    assert "区政务App" in page and "另一区" not in page and "全市" not in page
    assert admin.post(f"/open311/keys/{other.pk}/revoke").status_code == 404
    assert admin.post(f"/open311/keys/{anywhere.pk}/revoke").status_code == 404
    assert Open311Key.objects.filter(active=True).count() == 3
    with pytest.raises(UserError):
        actions.do_issue_open311_key(actor=SYSTEM, name="无此区", area_code="999999")
