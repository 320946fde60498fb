import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from civicgrid.accounts.models import Membership, OrgUnit, User
from civicgrid.accounts.roles import Role
from civicgrid.areas.models import Area
from civicgrid.areas.validation import check_subtree
from civicgrid.registry.models import Building


def run_cli(*args, env_extra=None, tmp_path=None):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "civicgrid", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_production_profile_passes_the_deploy_check(tmp_path):
    (tmp_path / "secret").write_text("s" * 20 + "K3y-for-tests-only-0123456789abcdefghijklmnopqrstuv")
    (tmp_path / "data.key").write_text("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    result = run_cli(
        "check", "--deploy", "--fail-level", "WARNING",
        env_extra={
            "CIVICGRID_PROFILE": "production",
            "SECRET_KEY_FILE": str(tmp_path / "secret"),
            "CIVICGRID_DATA_KEY_FILE": str(tmp_path / "data.key"),
            "CIVICGRID_ALLOWED_HOSTS": "grid.example.gov.cn",
            "CIVICGRID_VAR_DIR": str(tmp_path / "var"),
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_profile_refuses_to_start_without_secrets(tmp_path):
    result = run_cli("check", env_extra={"CIVICGRID_PROFILE": "production", "CIVICGRID_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_local_defaults_generate_keys_under_var(tmp_path):
    result = run_cli("check", env_extra={"CIVICGRID_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data.key").exists()


@pytest.mark.django_db
def test_demo_command_builds_a_consistent_district(capsys):
    call_command("demo", "--seed", "1")
    out = capsys.readouterr().out
    assert "qu_admin" in out and "civicgrid2026" in out
    assert Area.objects.filter(level="grid").count() == 40
    assert check_subtree("330106") == []
    assert Building.objects.filter(area_code="").count() == 0
    for grid in Area.objects.filter(level="grid"):
        assert grid.households > 0
    # The buildings are lived in: as many residents and households as they say.
    from django.db.models import Sum

    from civicgrid.registry.models import Household, Person

    totals = Building.objects.aggregate(h=Sum("households"), p=Sum("residents"))
    assert Person.objects.count() == totals["p"] == Area.objects.get(code="330106").population > 40_000
    assert Household.objects.count() == totals["h"]
    # Staff for every role (but the city administrator: one district has no city above it; a demo
    # city, --districts N, has one: tests/demo/test_city_demo.py), and a worker in every grid.
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values) - {Role.CITY_ADMIN}
    assert Membership.objects.filter(role=Role.GRID_WORKER).values("area").distinct().count() == 40
    # the seven departments of the case loop and four more of the service counter's back office
    assert OrgUnit.objects.filter(kind="department").count() == 11
    assert User.objects.get(username="wg_worker").check_password("civicgrid2026")
    # Running it again reuses the data.
    call_command("demo", "--seed", "1", "--if-empty")
    assert "reusing" in capsys.readouterr().out
    assert Area.objects.filter(level="grid").count() == 40
