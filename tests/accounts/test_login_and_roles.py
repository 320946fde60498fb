import pytest
from django.db import connection, transaction
from django.test import Client

from civicgrid.accounts.actions import do_issue_token
from civicgrid.accounts.roles import Role
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM

from ..conftest import PASSWORD, make_user


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_login_page_is_chinese_by_default_and_english_on_request(db):
    client = Client()
    assert "登录" in client.get("/login/").content.decode()
    english = client.get("/login/", headers={"accept-language": "en"}).content.decode()
    assert "Log in" in english
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Staff log in" in client.get("/login/").content.decode()


def test_successful_and_failed_logins_are_audited_with_address(people):
    client = Client()
    assert login(client, "g_worker", "wrong").status_code == 200
    assert login(client, "g_worker", PASSWORD).status_code == 302
    rows = list(AuditLog.objects.filter(action="auth.login").order_by("id"))
    assert [(r.actor_name, r.outcome) for r in rows] == [("g_worker", "failed"), ("g_worker", "ok")]
    assert rows[1].source_ip == "10.1.2.3" and rows[1].area_code == "330106001001001"


def test_lockout_after_repeated_failures(people, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "g_worker", "wrong")
    response = login(client, "g_worker", PASSWORD)  # right password, but locked
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action="auth.login", outcome="locked").exists()
    # Another user from the same address is not locked.
    assert login(Client(), "g_worker_b", PASSWORD).status_code == 302


def test_idle_session_expires(people, settings):
    client = Client()
    login(client, "g_worker", PASSWORD)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request pushes the expiry: an idle timeout
    client.session.set_expiry(-1)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get("/").status_code == 302


def test_navigation_fits_the_role(people, client_for):
    district = client_for(people["district"]).get("/").content.decode()
    grid = client_for(people["grid"]).get("/").content.decode()
    assert "/areas/import/" in district and "/audit/" in district and "/staff/" in district
    assert "/areas/import/" not in grid and "/audit/" not in grid and "/staff/" not in grid
    assert "/areas/map/" in grid


def test_role_refusal_is_403_and_audited(people, client_for):
    response = client_for(people["grid"]).get("/areas/import/")
    assert response.status_code == 403
    assert AuditLog.objects.filter(action="access.denied", actor=people["grid"], object_repr="areas.import").exists()


def test_resident_sees_no_staff_pages(tree, client_for):
    resident = make_user("jumin", Role.RESIDENT, tree["330106001001001"])
    client = client_for(resident)
    assert client.get("/areas/").status_code == 403
    assert client.get("/api/areas/330106001001001").status_code == 404
    assert client.get("/api/areas/").json() == []


def test_api_token_auth_and_scope(people):
    token, key = do_issue_token(actor=SYSTEM, user=people["community"], name="test")
    client = Client()
    assert client.get("/api/areas/tree").status_code == 401
    assert client.get("/api/areas/tree", headers={"authorization": "Bearer nope"}).status_code == 401
    response = client.get("/api/areas/tree", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200
    [root] = response.json()
    assert root["code"] == "330106001001" and len(root["children"]) == 2
    token.refresh_from_db()
    assert token.last_used_at is not None and key not in token.key_hash


def test_token_cli_prints_a_working_key(people, capsys):
    from django.core.management import call_command

    call_command("token", "create", "s_admin", "--name", "ci")
    key = capsys.readouterr().out.strip()
    me = Client().get("/api/me", headers={"authorization": f"Bearer {key}"}).json()
    assert me["username"] == "s_admin" and "areas.manage" in me["capabilities"]


def test_api_validation_errors_name_the_field(people, client_for):
    client = client_for(people["street"])
    response = client.get("/api/areas/lookup?lon=500&lat=30")
    assert response.status_code == 422 and "lon" in str(response.json())
    response = client.patch("/api/areas/330106001", data='{"name": "x"}', content_type="application/json")
    assert response.status_code == 422 and "version" in str(response.json())


def test_openapi_schema_is_served(db):
    schema = Client().get("/api/openapi.json").json()
    assert "/api/areas/{code}" in schema["paths"] and "/api/areas/lookup" in schema["paths"]


def test_audit_log_is_append_only(people):
    row = AuditLog.objects.filter(action="auth.login").first() or AuditLog.objects.first()
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.update(outcome="ok")
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET outcome = 'denied'")
