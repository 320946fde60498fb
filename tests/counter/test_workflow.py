"""Every step of APPLICATION_FLOW, taken by every post in every state: the button shown
(``FLOW.available``) exactly when the action goes through (as in tests/cases/test_workflow.py)."""

from __future__ import annotations

import pytest
from django.db import transaction

from civicgrid.core.errors import UserError
from civicgrid.counter import actions
from civicgrid.counter.models import Application
from civicgrid.counter.rules import APPLICATION_FLOW as FLOW

from .conftest import COMMUNITY, make_item, make_person

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


STEPS = {
    "notice": lambda a, u: actions.do_notice(actor=u, application=a),
    "supplement": lambda a, u: actions.do_supplement(actor=u, application=a, handed=["M02"]),
    "accept": lambda a, u: actions.do_accept(actor=u, application=a),
    "refuse": lambda a, u: actions.do_refuse(actor=u, application=a, reason="不符合", legal_basis="办法第三条"),
    "ask_supplement": lambda a, u: actions.do_ask_supplement(actor=u, application=a, note="补充证明"),
    "forward": lambda a, u: actions.do_forward(actor=u, application=a, department="hrss", level="district"),
    "suspend": lambda a, u: actions.do_suspend(actor=u, application=a, reason="公示"),
    "resume": lambda a, u: actions.do_resume(actor=u, application=a),
    "approve": lambda a, u: actions.do_decide(actor=u, application=a, approve=True),
    "deny": lambda a, u: actions.do_decide(actor=u, application=a, approve=False, reason="不符合"),
    "hand_over": lambda a, u: actions.do_hand_over(actor=u, application=a, delivery="post"),
    "withdraw": lambda a, u: actions.do_withdraw(actor=u, application=a, reason="不办了"),
    "rate": lambda a, u: actions.do_rate(application=a, rating=4, actor=u),
}


def _states(cast):
    """One application in every state, made through the actions (with the SYSTEM-free real posts)."""
    item, version = make_item(code="WF1", level="district", situations=[],
                              materials=[{"name": "居民身份证", "source": "id"}, {"name": "申请表"}])
    clerk, handler = cast["clerk"], cast["handler"]
    person = make_person()

    def new(handed=("M02",)):
        return actions.do_intake(actor=clerk, version=version, applicant=person, window_area_code=COMMUNITY,
                                 handed=list(handed))

    out = {"received": new(), "notified": new(())}
    actions.do_notice(actor=clerk, application=out["notified"])
    refused = new()
    out["refused"] = actions.do_refuse(actor=clerk, application=refused, reason="不符合", legal_basis="办法")
    accepted, _c = actions.do_accept(actor=clerk, application=new())
    out["accepted"] = accepted
    out["supplement"] = actions.do_ask_supplement(actor=handler, application=actions.do_accept(
        actor=clerk, application=new())[0], note="补充")
    out["suspended"] = actions.do_suspend(actor=handler, application=actions.do_accept(
        actor=clerk, application=new())[0], reason="公示")
    out["approved"] = actions.do_decide(actor=handler, application=actions.do_accept(
        actor=clerk, application=new())[0], approve=True)
    out["denied"] = actions.do_decide(actor=handler, application=actions.do_accept(
        actor=clerk, application=new())[0], approve=False, reason="不符合")
    out["delivered"] = actions.do_hand_over(actor=clerk, application=out["approved"].__class__.objects.get(
        pk=actions.do_decide(actor=handler, application=actions.do_accept(actor=clerk, application=new())[0],
                             approve=True).pk), delivery="pickup")
    out["withdrawn"] = actions.do_withdraw(actor=clerk, application=new(), reason="不办了")
    return {k: Application.objects.get(pk=a.pk) for k, a in out.items()}


def test_every_button_matches_its_action(counter_cast):
    states = _states(counter_cast)
    assert {a.status for a in states.values()} == set(Application.Status.values)
    posts = {k: counter_cast[k] for k in ("clerk", "clerk_other", "street_clerk", "handler", "hrss_handler", "seat",
                                           "district")}
    checked = 0
    for state, app in states.items():
        for who, user in posts.items():
            shown = FLOW.available(user, Application.objects.get(pk=app.pk))
            for step, take in STEPS.items():
                fresh = Application.objects.get(pk=app.pk)
                went, rule = True, False
                try:
                    with transaction.atomic():
                        take(fresh, user)
                        raise Rollback
                except Rollback:
                    went = True
                except UserError as exc:
                    went = False
                    reason = exc.message
                    # a rule about the input or the materials (400, or the admission list): the button is
                    # shown and the refusal says why, beside the field
                    rule = exc.status == 400 or exc.code in ("not_admitted", "second_notice")
                else:  # pragma: no cover
                    went = True
                if step == "rate":  # the resident's step: no post, only the state decides
                    assert went == FLOW.allowed(fresh, "rate"), (state, who, step)
                    continue
                assert shown[step] == went or (shown[step] and rule), (state, who, step, shown[step], went,
                                                                       "" if went else reason)
                checked += 1
    assert checked > 500
