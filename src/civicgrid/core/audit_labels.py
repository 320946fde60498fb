"""Audit actions in words (审计日志): the code each ``audit.record`` writes → a label people read.

The codes stay in the log (they are what filters and exports match on); pages show the label.
``tests/core/test_audit_page.py`` fails when an action written somewhere in the code has no label.
An app names the actions it writes in its own ``plugin.py`` (``plugins.audit_actions``); the steps
of a declared workflow are named by their labels.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    # sign-in and refusals
    "auth.login": _("logged in"),
    "auth.logout": _("logged out"),
    "access.denied": _("access refused"),
    # accounts
    "accounts.user.create": _("account created"),
    "accounts.user.reset_password": _("password reset by an administrator"),
    "accounts.user.change_password": _("own password changed"),
    "accounts.user.unlock": _("account unlocked"),
    "accounts.user.deactivate": _("account deactivated"),
    "accounts.user.activate": _("account reactivated"),
    "accounts.membership.grant": _("role granted"),
    "accounts.membership.withdraw": _("role withdrawn"),
    "accounts.unit.create": _("unit created"),
    "accounts.token.issue": _("API token issued"),
    "accounts.token.revoke": _("API token revoked"),
    # areas
    "areas.import": _("boundaries imported"),
    "areas.update": _("area changed"),
    "areas.recount": _("households and population recounted"),
    "areas.export": _("boundaries exported"),
    # register
    "registry.person.register": _("person registered"),
    "registry.person.update": _("person's details changed"),
    "registry.person.move": _("person moved"),
    "registry.person.moved_out": _("person moved out"),
    "registry.person.deceased": _("person recorded as deceased"),
    "registry.person.reveal": _("ID number or phone revealed"),
    "registry.person.reveal.denied": _("reveal of an ID number refused"),
    "registry.special.add": _("special-group record added"),
    "registry.special.close": _("special-group record closed"),
    "registry.special.read": _("special-group records read"),
    "registry.special.denied": _("special-group records refused"),
    "registry.household.create": _("household created"),
    "registry.household.join": _("person joined a household"),
    "registry.household.leave": _("person left a household"),
    "registry.building.create": _("building registered"),
    "registry.buildings.bulk_create": _("buildings registered in bulk"),
    "registry.house.create": _("house registered"),
    "registry.tenancy.register": _("tenancy registered"),
    "registry.tenancy.end": _("tenancy ended"),
    "registry.component.create": _("component registered"),
    "registry.component.update": _("component changed"),
    "registry.organisation.create": _("organisation registered"),
    "registry.organisation.update": _("organisation changed"),
    "registry.roads.bulk_create": _("roads registered"),
    "registry.import.preview": _("ledger checked"),
    "registry.import.commit": _("ledger imported"),
    "registry.import.discard": _("ledger discarded"),
    "registry.import.queue": _("ledger queued for writing"),
    "registry.import.failed": _("ledger write failed"),
    "registry.people.export": _("people exported"),
    "registry.buildings.export": _("buildings exported"),
    "registry.components.export": _("components exported"),
    # cases
    "cases.bulk_create": _("cases created in bulk (benchmark data)"),
    "cases.case.report": _("case reported"),
    "cases.case.register": pgettext_lazy("audit", "case registered"),
    "cases.case.reject": _("case not registered"),
    "cases.case.merge": _("case merged as a duplicate"),
    "cases.case.link": _("case linked as a repeat complaint"),
    "cases.case.dispatch": _("case dispatched"),
    "cases.case.accept": _("case accepted by the unit"),
    "cases.case.send_back": _("case sent back by the unit"),
    "cases.case.escalate": _("case handed up to the tier above"),
    "cases.case.overdue": _("overdue case escalated"),
    "cases.case.pause": _("case paused"),
    "cases.case.resume": _("case resumed"),
    "cases.case.extension_request": _("extension requested"),
    "cases.case.extension_decide": _("extension decided"),
    "cases.case.feedback": _("result reported"),
    "cases.case.confirm": _("report confirmed on site"),
    "cases.case.verify": _("result checked on site"),
    "cases.case.rate": _("case rated"),
    "cases.case.callback": _("callback done"),
    "cases.case.reply": _("reporter answered"),
    "cases.case.reveal_phone": _("reporter's phone revealed"),
    "cases.evaluation.export": _("evaluation exported"),
    "cases.evaluation.weights": _("evaluation weights changed"),
    "cases.evaluation.grades": _("evaluation grades changed"),
    "cases.open311.issue_key": _("Open311 key issued"),
    "cases.open311.revoke_key": _("Open311 key revoked"),
    # service circle
    "circle.facility.create": _("facility added"),
    "circle.facility.update": _("facility changed"),
    "circle.facility.bulk_create": _("facilities added in bulk"),
    "circle.network.store": _("walking network stored"),
    "circle.access.compute": _("accessibility computed"),
    "circle.provider.apply": _("provider applied"),
    "circle.provider.approve": _("provider approved by the residents' council"),
    "circle.provider.reject": _("provider rejected by the residents' council"),
    "circle.provider.sign": _("provider agreement signed"),
    "circle.provider.publish": _("provider published"),
    "circle.provider.rectify": _("provider told to rectify"),
    "circle.provider.rectified": _("provider rectified"),
    "circle.provider.revoke": _("provider revoked"),
    "circle.provider.review": _("provider reviewed"),
    "circle.provider.rate": _("provider rated"),
    # demo generator
    "demo.staff.bulk_create": _("demo staff created"),
    "demo.population.bulk_create": _("demo population created"),
    "demo.components.bulk_create": _("demo components created"),
    "demo.organisations.bulk_create": _("demo organisations created"),
}

# The first part of a code → the area of work, for the filter "what".
DOMAINS = {
    "auth": _("sign-in"), "access": _("refusals"), "accounts": _("accounts"), "areas": pgettext_lazy("menu", "Areas"),
    "registry": pgettext_lazy("menu", "Register"), "cases": pgettext_lazy("menu", "Cases"),
    "circle": pgettext_lazy("menu", "Service circle"), "demo": _("demo data"),
}


_rules_loaded: list[bool] = []  # every app's ``rules`` module imported in this process


def all_labels() -> dict[str, object]:
    """Every action code with its label: the ones above, those the apps declare
    (``core.plugins.audit_actions``), and the steps of every declared workflow."""
    from django.utils.module_loading import autodiscover_modules

    from . import plugins
    from .workflow import WORKFLOWS

    # The workflows are declared in each app's ``rules`` module, which a page may not have imported
    # yet in this process (the audit page would then show their steps as codes): import them once.
    if not _rules_loaded:
        autodiscover_modules("rules")
        _rules_loaded.append(True)
    out = dict(ACTION_LABELS)
    for flow in WORKFLOWS:
        for step in flow.steps:
            if step.label:
                out.setdefault(f"{flow.audit_prefix}.{step.audit or step.name}", step.label)
    out.update(plugins.audit_labels())
    return out


def action_label(code: str) -> str:
    """The label of an action code; an unknown code is shown as it is."""
    label = all_labels().get(code)
    return str(label) if label is not None else code
