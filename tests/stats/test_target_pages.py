"""The targets pages (/stats/targets/, /stats/targets/<id>/): a district administrator sets a target
for a street with its source and phrase and breaks the year down by quarter (季度分解表); bad input
is refused beside the field with what was typed kept; a grid worker may not set one (403); another
district's administrator does not see the target (404)."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core import periods as P
from civicgrid.core.models import AuditLog
from civicgrid.stats import queries
from civicgrid.stats.models import Target

from ..conftest import make_user


@pytest.mark.django_db
def test_targets_are_set_and_broken_down_on_the_pages(tree, client_for):
    admin = make_user("d_admin", Role.DISTRICT_ADMIN, tree["330106"])
    client = client_for(admin)
    post = {"indicator": "cases.on_time_rate", "area_code": "330106001", "period": "2026", "value": "九十",
            "source": "", "phrase": "按期结案率达到90%"}
    refused = client.post("/stats/targets/", post)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "目标值:请填写数字。" in page and 'value="九十"' in page and "按期结案率达到90%" in page
    assert not Target.objects.filter(indicator="cases.on_time_rate", area_code="330106001").exists()
    post.update(value="90", source="004e 工作目标季度分解表")
    saved = client.post("/stats/targets/", post)
    assert saved.status_code == 302
    t = Target.objects.get(indicator="cases.on_time_rate", area_code="330106001", period="2026")
    assert (t.value, t.source, t.phrase) == (90, "004e 工作目标季度分解表", "按期结案率达到90%")
    assert AuditLog.objects.filter(action="stats.target.set", object_id=str(t.pk)).exists()
    # Inherited by the street's communities, for the year's quarters too (no breakdown yet).
    got = queries.targets_for(["cases.on_time_rate"], "330106001001", P.parse("2026Q3"))["cases.on_time_rate"]
    assert got.pk == t.pk
    # The breakdown: a bad quarter refused beside its field, the others kept.
    bad = client.post(f"/stats/targets/{t.pk}/", {"version": t.version, "q1": "85", "q2": "x", "q3": "90", "q4": "92"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "第2季度:请填写数字。" in page
    assert 'value="x"' in page and 'value="85"' in page and "is-invalid" in page
    ok = client.post(f"/stats/targets/{t.pk}/", {"version": t.version, "q1": "85", "q2": "88", "q3": "90", "q4": "92"})
    assert ok.status_code == 302
    q3 = queries.targets_for(["cases.on_time_rate"], "330106001001", P.parse("2026Q3"))["cases.on_time_rate"]
    assert q3.value == 90 and q3.breakdown_of_id == t.pk and q3.period == "2026Q3"
    shown = client.get(f"/stats/targets/{t.pk}/").content.decode()
    assert 'value="88"' in shown
    # A grid worker sees the target but may not set one; another district does not see it.
    grid = client_for(make_user("g_worker", Role.GRID_WORKER, tree["330106001001001"]))
    assert grid.get(f"/stats/targets/{t.pk}/").status_code == 200
    assert grid.post(f"/stats/targets/{t.pk}/", {"q1": "1"}).status_code == 403
    assert grid.post("/stats/targets/", {**post, "value": "10"}).status_code == 403
    other = client_for(make_user("d_admin_b", Role.DISTRICT_ADMIN, tree["330108"]))
    assert other.get(f"/stats/targets/{t.pk}/").status_code == 404
    assert other.post(f"/stats/targets/{t.pk}/", {"q1": "1"}).status_code == 404
    assert Target.objects.get(pk=t.pk).value == 90
