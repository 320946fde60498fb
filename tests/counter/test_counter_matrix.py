"""Jurisdiction matrix of the counter: every application page and endpoint for a post of each level
asking for an application of its own, a sibling's and the parent's area; the window clerks of a
community and of its sibling; the hotline seats' callbacks; lists never hold a code outside one's
area; refused writes change nothing (``tests/support/matrix.py``)."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core import periods
from civicgrid.core.scoping import SYSTEM
from civicgrid.counter import actions
from civicgrid.counter.models import Application, ApplicationEvent, CallbackTask, FigureDay, FigureDays

from ..conftest import make_user
from ..support.matrix import OWN, SIBLING, Matrix, above, covers, inside, stored
from .conftest import make_item, make_person

VIEWERS = {"district", "street", "community"}  # hold counter.view
OBJECT_ENDPOINTS = [
    ("api application", Application, "/api/counter/applications/{pk}"),
    ("api events", ApplicationEvent, "/api/counter/applications/{pk}/events"),
    ("api notices", Application, "/api/counter/applications/{pk}/notices"),
    ("page application", Application, "/counter/applications/{pk}/"),
    ("page receipt", Application, "/counter/applications/{pk}/receipt/"),
]


@pytest.fixture
def apps(tree):
    """Per community and per street of both districts: a delivered application rated 1 (with its callback)
    and one waiting at the window."""
    item, version = make_item(code="MX1", level="street", materials=[{"name": "居民身份证", "source": "id"},
                                                                        {"name": "申请表"}], situations=[])
    out = {}
    for code in sorted(c for c in tree if len(c) in (9, 12)):
        person = make_person(grid=code.ljust(15, "0")[:12] + "001" if len(code) == 12 else code + "001001")
        done = actions.do_intake(actor=SYSTEM, version=version, applicant=person, window_area_code=code,
                                 handed=["M02"])
        done, query = actions.do_accept(actor=SYSTEM, application=done)
        done = actions.do_decide(actor=SYSTEM, application=done, approve=True)
        done = actions.do_hand_over(actor=SYSTEM, application=done, delivery="post")
        actions.do_rate(application=done, rating=1)
        waiting = actions.do_intake(actor=SYSTEM, version=version, applicant=person, window_area_code=code)
        out[code] = {"done": done.pk, "waiting": waiting.pk, "callback": CallbackTask.objects.get(application=done).pk}
    return out


def _pick(apps, code, avoid=""):
    """The first centre (street or community code) under ``code`` not under ``avoid``; a grid's: its
    community's."""
    for key in sorted(apps):
        if (key.startswith(code) or code.startswith(key) and len(code) == 15) and not (avoid and key.startswith(avoid)):
            return key
    raise AssertionError(code)


def _relations(level, apps):
    own = OWN[level]
    rel = {"own": _pick(apps, own), "sibling": _pick(apps, SIBLING[level])}
    if len(own) > 6:
        rel["parent"] = _pick(apps, own[:-3], avoid=own if len(own) < 15 else "")
    return rel


@covers(Application, ApplicationEvent, CallbackTask, FigureDay, FigureDays)
def test_counter_jurisdiction_matrix(cast, colleagues, tree, apps, client_for):
    m = Matrix()
    clerks = {"clerk": make_user("mx_clerk", Role.WINDOW_CLERK, tree["330106001001"]),
              "clerk_sibling": make_user("mx_clerk2", Role.WINDOW_CLERK, tree["330106001002"])}
    for level, user in cast.items():
        client = client_for(user)
        for relation, code in _relations(level, apps).items():
            target = apps[code]
            allowed = relation == "own" and level in VIEWERS
            for name, model, url in OBJECT_ENDPOINTS:
                m.object(client, model, f"{name} · {level} · {relation}", url.format(pk=target["done"]),
                         allowed=allowed, refused=(403, 404))
            app = Application.objects.get(pk=target["waiting"])
            with m.write(Application, f"notice · {level} · {relation}", stored(app, "status"), allowed=False):
                client.post(f"/api/counter/applications/{app.pk}/notice", data="{}", content_type="application/json")
        own = OWN[level]
        if level in VIEWERS:
            m.collection(client, Application, f"api applications · {level}", "/api/counter/applications?limit=1000",
                         inside(own, set(apps)) | above(own) | {own}, must_include={own} if len(own) > 6 else ())
            m.collection(client, Application, f"page applications · {level}", "/counter/applications/",
                         inside(own, set(apps)) | above(own) | {own})
            # the figures (read from the daily roll-up and its working-days histogram), one row per centre
            month = periods.current("month").code
            for model in (FigureDay, FigureDays):
                m.collection(client, model, f"api figures · {model.__name__} · {level}",
                             f"/api/counter/figures?period={month}&by=centre",
                             inside(own, set(apps)) | above(own) | {own}, must_include={own} if len(own) > 6 else ())
    # The window clerks: their own community's application, not the sibling community's (404).
    for who, user in clerks.items():
        client = client_for(user)
        mine = "330106001001" if who == "clerk" else "330106001002"
        for code in ("330106001001", "330106001002", "330106001"):
            target = apps[code]
            m.object(client, Application, f"clerk {who} · {code}", f"/api/counter/applications/{target['done']}",
                     allowed=code == mine)
            app = Application.objects.get(pk=target["waiting"])
            with m.write(Application, f"clerk notice · {who} · {code}", stored(app, "status"), allowed=code == mine):
                client.post(f"/api/counter/applications/{app.pk}/notice", data="{}", content_type="application/json")
    # The hotline seats: callbacks of their district only.
    for who, user in (("seat", cast["seat"]), ("colleague seat", colleagues["seat"])):
        client = client_for(user)
        district = "330106" if who == "seat" else "330108"
        for code in ("330106001001", "330108002001"):
            task = CallbackTask.objects.get(pk=apps[code]["callback"])
            m.object(client, CallbackTask, f"callback page · {who} · {code}", f"/counter/callbacks/{task.pk}/",
                     allowed=code.startswith(district))
            with m.write(CallbackTask, f"callback close · {who} · {code}", stored(task, "status"),
                         allowed=code.startswith(district)):
                client.post(f"/api/counter/callbacks/{task.pk}/close", data='{"result": "已回访"}',
                            content_type="application/json")
        m.collection(client, CallbackTask, f"api callbacks · {who}", "/api/counter/callbacks?limit=1000",
                     inside(district, set(apps)) | {district})
    # Others' staff never see the callbacks (no capability: 403).
    for level in ("district", "community", "grid"):
        task = apps["330106001001"]["callback"]
        m.object(client_for(cast[level]), CallbackTask, f"callback page · {level}", f"/counter/callbacks/{task}/",
                 allowed=False, refused=(403,))
    m.done()
