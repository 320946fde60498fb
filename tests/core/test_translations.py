"""Chinese first: every UI string has a Chinese translation, compiled, with the same placeholders."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import civicgrid

LOCALE = Path(civicgrid.__file__).parent / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdif]")


@pytest.fixture(scope="module")
def zh_po():
    return polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_message_has_a_chinese_translation(zh_po):
    untranslated = [e.msgid for e in zh_po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in zh_po if "fuzzy" in e.flags]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert fuzzy == []
    assert len(zh_po) > 200


def test_translations_keep_their_placeholders(zh_po):
    wrong = []
    for e in zh_po:
        wanted = sorted(PLACEHOLDER.findall(e.msgid))
        targets = e.msgstr_plural.values() if e.msgid_plural else [e.msgstr]
        wrong += [(e.msgid, t) for t in targets if sorted(PLACEHOLDER.findall(t)) != wanted]
    assert wrong == []


def test_compiled_catalogue_matches_the_source(zh_po):
    """`make messages` was run: the .mo holds exactly what the .po says."""
    mo = polib.mofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or dict(e.msgstr_plural)) for e in mo}
    source = {(e.msgctxt, e.msgid): (e.msgstr or dict(e.msgstr_plural)) for e in zh_po if e.translated()}
    assert compiled == source


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_on_request(client):
    page = client.get("/login/")
    assert "工作人员登录" in page.content.decode()
    assert page.headers["Content-Language"] == "zh-hans"

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert switched.status_code == 302
    page = client.get("/login/")
    assert "Staff log in" in page.content.decode()
    assert "工作人员登录" not in page.content.decode()


@pytest.mark.django_db
def test_form_errors_name_the_field_in_the_users_language(client):
    page = client.post("/login/", {"username": "nobody", "password": "wrong"})
    assert "用户名或密码错误" in page.content.decode()


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext is not installed (CI installs it)")
def test_catalogue_holds_every_string_marked_in_the_source(tmp_path, zh_po):
    """A new _("…") without `make messages` would show English in the Chinese UI."""
    copy = tmp_path / "civicgrid"
    shutil.copytree(LOCALE.parent, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    result = subprocess.run(
        [sys.executable, "-m", "civicgrid", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = sorted({(e.msgctxt or "", e.msgid) for e in fresh}
                     - {(e.msgctxt or "", e.msgid) for e in zh_po if e.translated()})
    assert missing == [], f"run `make messages` and translate: {missing[:10]}"
