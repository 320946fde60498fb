"""Password spraying (issue 13, finding 12): one password tried on many user names from one
address is stopped per address, not only per user name."""

from django.test import Client

from civicgrid.core.models import AuditLog

from ..conftest import PASSWORD


def login(client, username, password, address="10.9.8.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_failures_across_user_names_lock_the_address(people, settings):
    settings.CIVICGRID_LOGIN_ADDRESS_FAILURE_LIMIT = 10
    client = Client()
    for n in range(10):  # ten names, one failure each: below every per-name limit
        assert login(client, f"user{n}", "Spring2026!").status_code == 200
    locked = login(client, "g_worker", PASSWORD)  # the right password of a real account
    assert locked.status_code == 429
    assert AuditLog.objects.filter(action="auth.login", outcome="locked", actor_name="g_worker").exists()
    # another address, and the same account, are not affected
    assert login(Client(), "g_worker", PASSWORD, address="10.9.8.8").status_code == 302


def test_a_successful_login_does_not_reset_the_address_count(people, settings):
    settings.CIVICGRID_LOGIN_ADDRESS_FAILURE_LIMIT = 4
    for n in range(3):
        login(Client(), f"user{n}", "x")
    assert login(Client(), "g_worker", PASSWORD).status_code == 302  # one valid account
    login(Client(), "user9", "x")
    assert login(Client(), "g_worker_b", PASSWORD).status_code == 429


def test_axes_still_locks_one_name_per_address_after_five(people):
    client = Client()
    for _ in range(5):
        login(client, "g_worker", "wrong")
    assert login(client, "g_worker", PASSWORD).status_code == 429
    assert login(Client(), "g_worker_b", PASSWORD).status_code == 302
