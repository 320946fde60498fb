"""The audit log in words, with filters (issue 14, finding 9)."""

from __future__ import annotations

import re
from pathlib import Path

from civicgrid.core import audit
from civicgrid.core.audit_labels import all_labels
from civicgrid.core.models import AuditLog

SRC = Path(__file__).resolve().parents[2] / "src" / "civicgrid"
RECORDED = re.compile(r'(?:audit\.(?:record|entry)\(\s*|action=)"([a-z_0-9]+\.[a-z_0-9.]+)"')


def test_every_action_written_in_the_code_has_a_label():
    codes = set()
    for path in SRC.rglob("*.py"):
        codes |= set(RECORDED.findall(path.read_text(encoding="utf-8")))
    assert len(codes) > 60
    assert sorted(codes - set(all_labels())) == []


def test_every_workflow_step_is_named_in_a_fresh_process():
    """A process that has imported no app's rules yet (a server whose first page is the audit page)
    still names every step of every declared workflow."""
    import subprocess
    import sys

    code = ("import django; django.setup()\n"
            "from civicgrid.core.audit_labels import all_labels\n"
            "from civicgrid.core.workflow import WORKFLOWS\n"
            "labels = all_labels()\n"
            "missing = [f'{f.audit_prefix}.{s.audit or s.name}' for f in WORKFLOWS for s in f.steps\n"
            "           if f'{f.audit_prefix}.{s.audit or s.name}' not in labels]\n"
            "print(len(WORKFLOWS), missing)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "civicgrid.settings"})
    count, missing = out.stdout.strip().split(" ", 1)
    assert int(count) >= 5 and missing == "[]", out.stdout


def test_the_page_shows_actions_in_words_and_filters_by_who_what_when_and_area(people, client_for):
    audit.record("cases.case.send_back", actor=people["grid"], area_code="330106001001001",
                 object_type="cases.case", object_repr="C1")
    audit.record("accounts.user.create", actor=people["street"], area_code="330106002",
                 object_type="accounts.user", object_repr="x")
    c = client_for(people["district"])
    page = c.get("/audit/").content.decode()
    row = re.search(r'<td class="text-nowrap" title="cases.case.send_back" data-action="cases.case.send_back">([^<]+)</td>', page)
    assert row and row.group(1) == "单位退回"
    text = re.sub(r"<[^>]+>", " ", page)
    assert "cases.case.send_back" not in text
    assert 'name="who"' in page and 'name="since"' in page and 'name="until"' in page and 'name="area"' in page
    def actions(**params):
        return {r.action for r in c.get("/audit/", params).context["page"]}
    assert actions(who="g_work") == {"cases.case.send_back"}
    assert actions(action="accounts.") >= {"accounts.user.create"} and "cases.case.send_back" not in actions(
        action="accounts.")
    assert actions(area="330106001") >= {"cases.case.send_back"} and "accounts.user.create" not in actions(
        area="330106001")
    assert actions(since="2000-01-01", until="2000-01-02") == set()
    assert "cases.case.send_back" in actions(since="2000-01-01")
    assert AuditLog.objects.filter(action="cases.case.send_back").get().action_label == "单位退回"
