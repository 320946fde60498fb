"""Account administration (issue 14, finding 3): administrators manage the staff of their own
jurisdiction — create, grant and withdraw roles never above their own, reset passwords (changed at
the next login), unlock, deactivate (sessions and tokens end at once) — all audited; everyone
changes their own password under Django's validators."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from civicgrid.accounts import actions
from civicgrid.accounts.models import Membership, User
from civicgrid.accounts.roles import Role
from civicgrid.core.errors import NotPermitted
from civicgrid.core.models import AuditLog

from ..conftest import PASSWORD, make_user

GRID = "330106001001001"
OTHER_STREET_GRID = "330106002001001"


def login(username, password, client=None):
    client = client or Client()
    response = client.post("/login/", {"username": username, "password": password})
    return client, response


def create_page(client, tree, **extra):
    data = {"username": "new_gw", "display_name": "新网格员", "phone": "0571-1234", "role": Role.GRID_WORKER,
            "area": tree[GRID].pk} | extra
    return client.post("/staff/new/", data)


def temporary(response) -> str:
    return re.search(r'id="temporary-password">([^<]+)<', response.content.decode()).group(1)


def test_street_admin_creates_a_grid_worker_who_must_change_the_password_at_first_login(tree, people, client_for):
    admin = client_for(people["street"])
    response = create_page(admin, tree)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    password = temporary(response)
    user = User.objects.get(username="new_gw")
    assert user.must_change_password and user.check_password(password)
    assert user.memberships.get().role == Role.GRID_WORKER
    assert set(AuditLog.objects.filter(actor=people["street"]).values_list("action", flat=True)) >= {
        "accounts.user.create", "accounts.membership.grant"}

    worker, response = login("new_gw", password)
    assert response.status_code == 302
    home = worker.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/me/password/")
    assert worker.get("/cases/").status_code == 302
    assert worker.get("/api/me").status_code == 403  # the API too, until the password is changed
    # Django's validators: too short, too common, too like the user name, all digits.
    for bad in ("abc", "password123", "new_gw_2026", "12345678901"):
        page = worker.post("/me/password/", {"old_password": password, "new_password1": bad, "new_password2": bad})
        assert page.status_code == 200 and page.context["form"].errors.get("new_password2"), bad
    good = "Lotus-Bridge-7731"
    response = worker.post("/me/password/?next=/cases/", {"old_password": password, "new_password1": good,
                                                          "new_password2": good})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert worker.get("/").status_code == 200  # this session goes on
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(good)
    assert AuditLog.objects.filter(action="accounts.user.change_password", actor=user).exists()


def test_errors_of_the_create_form_name_fields_by_label(tree, people, client_for):
    admin = client_for(people["street"])
    response = create_page(admin, tree, username="d_admin")  # taken
    assert response.status_code == 200
    assert "d_admin" in str(response.context["form"].errors["username"])
    response = create_page(admin, tree, role=Role.DISPATCHER)  # a unit post without a unit
    assert response.context["form"].errors["unit"]


def test_never_a_role_above_ones_own_nor_outside_the_jurisdiction(tree, people):
    street = people["street"]
    target = people["grid_b"]
    with pytest.raises(NotPermitted):  # above: a district administrator
        actions.do_grant_membership(actor=street, user=target, role=Role.DISTRICT_ADMIN, area=tree["330106"])
    with pytest.raises(NotPermitted):  # another street's administrator
        actions.do_grant_membership(actor=street, user=target, role=Role.STREET_ADMIN, area=tree["330106002"])
    with pytest.raises(NotPermitted):  # a grid of another street
        actions.do_grant_membership(actor=street, user=target, role=Role.GRID_HEAD, area=tree[OTHER_STREET_GRID])
    assert AuditLog.objects.filter(action="access.denied", actor=street, object_type="accounts.membership").count() == 3
    # Equal is allowed: a street administrator of their own street; and anything below.
    actions.do_grant_membership(actor=street, user=target, role=Role.STREET_ADMIN, area=tree["330106001"])
    actions.do_grant_membership(actor=street, user=target, role=Role.GRID_HEAD, area=tree["330106001001002"])
    # The district administrator may grant a district administrator of the district.
    actions.do_grant_membership(actor=people["district"], user=target, role=Role.DISTRICT_ADMIN,
                                area=tree["330106"])
    # A grid worker administers nobody.
    with pytest.raises(NotPermitted):
        actions.do_grant_membership(actor=people["grid"], user=target, role=Role.GRID_WORKER,
                                    area=tree["330106001001001"])
    with pytest.raises(NotPermitted):
        actions.do_grant_membership(actor=street, user=street, role=Role.GRID_HEAD, area=tree[GRID])


def test_accounts_of_another_street_or_serving_above_are_not_administered(tree, people, client_for):
    other = make_user("gw_other", Role.GRID_WORKER, tree[OTHER_STREET_GRID])
    admin = client_for(people["street"])
    assert admin.get(f"/staff/{other.pk}/").status_code == 404
    assert admin.post(f"/staff/{other.pk}/do/reset/").status_code == 404
    assert "gw_other" not in admin.get("/staff/").content.decode()
    # Serving in two streets: only the district administers it.
    both = make_user("gw_both", Role.GRID_WORKER, tree[GRID])
    actions.do_grant_membership(actor=people["district"], user=both, role=Role.GRID_WORKER,
                                area=tree[OTHER_STREET_GRID])
    page = admin.get(f"/staff/{both.pk}/")
    assert page.status_code == 200 and 'id="reset-password"' not in page.content.decode()
    with pytest.raises(NotPermitted):
        actions.do_reset_password(both, actor=people["street"])
    assert actions.do_reset_password(both, actor=people["district"])
    # One's own account: only one's own password.
    assert 'id="deactivate"' not in admin.get(f"/staff/{people['street'].pk}/").content.decode()
    with pytest.raises(NotPermitted):
        actions.do_set_active(people["street"], actor=people["street"], active=False)


def test_grant_and_withdraw_from_the_account_page(tree, people, client_for):
    admin = client_for(people["street"])
    worker = people["grid_b"]
    response = admin.post(f"/staff/{worker.pk}/grant/", {"grant-role": Role.GRID_HEAD,
                                                          "grant-area": tree["330106001001002"].pk})
    assert response.status_code == 302
    head = worker.memberships.get(role=Role.GRID_HEAD, active=True)
    refused = admin.post(f"/staff/{worker.pk}/grant/", {"grant-role": Role.DISTRICT_ADMIN,
                                                         "grant-area": tree["330106"].pk})
    assert refused.status_code == 400  # not offered: the role is not among the choices
    assert not worker.memberships.filter(role=Role.DISTRICT_ADMIN).exists()
    response = admin.post(f"/staff/{worker.pk}/do/withdraw/", {"membership": head.pk})
    assert response.status_code == 302
    head.refresh_from_db()
    assert not head.active and Membership.objects.filter(pk=head.pk).exists()  # kept as history
    assert AuditLog.objects.filter(action="accounts.membership.withdraw", actor=people["street"]).exists()
    assert "role withdrawn" in AuditLog.objects.filter(action="accounts.membership.withdraw").get().action_label \
        or "撤销" in AuditLog.objects.filter(action="accounts.membership.withdraw").get().action_label


def test_reset_password_ends_the_open_sessions_and_forces_a_change(people, client_for):
    worker, _ = login("g_worker", PASSWORD)
    assert worker.get("/").status_code == 200
    response = client_for(people["street"]).post(f"/staff/{people['grid'].pk}/do/reset/")
    password = temporary(response)
    assert worker.get("/").status_code == 302 and worker.get("/")["Location"].startswith("/login/")
    again, _ = login("g_worker", password)
    assert again.get("/")["Location"].startswith("/me/password/")
    assert AuditLog.objects.filter(action="accounts.user.reset_password", actor=people["street"]).exists()


def test_unlock_after_a_lockout(people, client_for, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login("g_worker", "wrong")
    assert login("g_worker", PASSWORD)[1].status_code == 429
    admin = client_for(people["street"])
    page = admin.get(f"/staff/{people['grid'].pk}/").content.decode()
    assert 'id="unlock"' in page
    assert "g_worker" in admin.get("/staff/?state=locked").content.decode()
    admin.post(f"/staff/{people['grid'].pk}/do/unlock/")
    assert login("g_worker", PASSWORD)[1].status_code == 302
    assert AuditLog.objects.filter(action="accounts.user.unlock", actor=people["street"]).exists()


def test_deactivation_ends_the_open_session_and_the_api_tokens_at_once(people, client_for):
    worker, _ = login("g_worker", PASSWORD)
    assert worker.get("/").status_code == 200
    _token, key = actions.do_issue_token(actor=people["grid"], user=people["grid"], name="phone app")
    api = Client(headers={"authorization": f"Bearer {key}"})
    assert api.get("/api/me").status_code == 200
    response = client_for(people["street"]).post(f"/staff/{people['grid'].pk}/do/deactivate/")
    assert response.status_code == 302
    assert worker.get("/").status_code == 302  # the open session is refused on its next request
    assert "_auth_user_id" not in worker.session
    assert api.get("/api/me").status_code == 401
    assert login("g_worker", PASSWORD)[1].status_code == 200  # cannot log in again
    assert AuditLog.objects.filter(action="accounts.user.deactivate").get().detail == {"tokens_revoked": 1}
    client_for(people["street"]).post(f"/staff/{people['grid'].pk}/do/activate/")
    assert login("g_worker", PASSWORD)[1].status_code == 302
    assert api.get("/api/me").status_code == 401  # tokens stay revoked


def test_the_same_through_the_api(tree, people, client_for):
    api = client_for(people["street"])
    r = api.post("/api/staff/", {"username": "api_gw", "display_name": "接口网格员", "role": "grid_worker",
                                 "area": GRID}, content_type="application/json")
    assert r.status_code == 201, r.content
    pk, password = r.json()["id"], r.json()["temporary_password"]
    assert User.objects.get(pk=pk).check_password(password)
    r = api.post(f"/api/staff/{pk}/memberships", {"role": "district_admin", "area": "330106"},
                 content_type="application/json")
    assert r.status_code in (400, 403)
    r = api.post(f"/api/staff/{pk}/memberships", {"role": "grid_head", "area": OTHER_STREET_GRID},
                 content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "area"
    assert [s["username"] for s in api.get("/api/staff/?q=api_").json()] == ["api_gw"]
    assert api.post(f"/api/staff/{pk}/deactivate").status_code == 200
    assert client_for(people["grid"]).get("/api/staff/").status_code == 403
    other = make_user("gw_other", Role.GRID_WORKER, tree[OTHER_STREET_GRID])
    assert api.get(f"/api/staff/{other.pk}").status_code == 404
