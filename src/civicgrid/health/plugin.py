"""How community health joins the site: menu, pages, API, the inbox of due follow-ups, indicators
for the dashboards and the audit actions in words."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins

from .capabilities import HEALTH_CARE, HEALTH_MANAGE, HEALTH_VIEW

plugins.menu("health", pgettext_lazy("menu", "Health"), order=45)
plugins.menu_entry("health", _("Today's follow-ups"), "health:tasks", HEALTH_CARE, order=10)
plugins.menu_entry("health", _("Sign an agreement"), "health:sign", HEALTH_CARE, order=20)
plugins.menu_entry("health", _("Health figures and teams"), "health:home", HEALTH_VIEW, order=30)
plugins.menu_entry("health", _("Map of health grids and teams"), "health:map", HEALTH_VIEW, order=35)
plugins.menu_entry("health", _("Form a team"), "health:form_team", HEALTH_MANAGE, order=38)
plugins.menu_entry("health", _("Infectious-disease reports"), "health:disease_reports", HEALTH_VIEW, order=35)
plugins.menu_entry("health", _("Health-supervision findings"), "health:supervision", HEALTH_VIEW, order=37)
plugins.menu_entry("health", _("Team assessment"), "health:assessment", HEALTH_VIEW, order=40)
plugins.menu_entry("health", _("Half-yearly report forms"), "health:reports", HEALTH_VIEW, order=50)
plugins.urls("health/", "civicgrid.health.urls", order=75)
plugins.api_router("/health/", "civicgrid.health.api:router", order=65)
plugins.inbox_queue("health.tasks", _("Follow-ups due"), items="civicgrid.health.queries:inbox_items",
                    count="civicgrid.health.queries:inbox_count", capability=HEALTH_CARE, order=50)
plugins.inbox_queue("health.diseases", _("Disease reports to verify or report"),
                    items="civicgrid.health.queries:disease_inbox_items",
                    count="civicgrid.health.queries:disease_inbox_count", capability=HEALTH_MANAGE, order=52,
                    url="health:disease_reports")

_SOURCE = "004b；000a；国家基本公共卫生服务规范（第三版）"
for code, label, name, definition in (
    ("health.record_rate", _("health record rate"), "record_rate", _("records ÷ people living here")),
    ("health.contract_rate", _("family doctor agreement rate"), "contract_rate",
     _("people with an agreement in force ÷ people living here")),
    ("health.htn_managed_rate", _("hypertension management rate"), "htn_managed_rate",
     _("hypertensives enrolled ÷ (35+ population × prevalence)")),
    ("health.htn_standard_rate", _("hypertension standard management rate"), "htn_standard_rate",
     _("managed with enough face-to-face follow-ups ÷ managed")),
    ("health.htn_control_rate", _("hypertension control rate"), "htn_control_rate",
     _("managed whose last visit was under 140/90 ÷ managed")),
    ("health.dm_managed_rate", _("diabetes management rate"), "dm_managed_rate",
     _("diabetics enrolled ÷ (35+ population × prevalence)")),
    ("health.dm_standard_rate", _("diabetes standard management rate"), "dm_standard_rate",
     _("managed with enough face-to-face follow-ups ÷ managed")),
    ("health.dm_control_rate", _("diabetes control rate"), "dm_control_rate",
     _("managed whose last fasting glucose was under 7.0 ÷ managed")),
    ("health.elderly_rate", _("65+ health management rate"), "elderly_rate",
     _("65+ people with a face-to-face check in the period ÷ 65+ people")),
    ("health.ontime_rate", _("follow-up on-time rate"), "ontime_rate",
     _("tasks done inside their window ÷ windows closed in the period")),
    ("health.grid_coverage", _("health grid coverage"), "grid_coverage", _("grids in a team's health grid ÷ grids")),
    ("health.awareness_rate", _("family doctor awareness rate"), "awareness_rate",
     _("surveyed residents who know their team ÷ surveyed residents")),
    ("health.satisfaction_rate", _("family doctor satisfaction rate"), "satisfaction_rate",
     _("surveyed residents satisfied ÷ surveyed residents")),
    ("health.staff_share", _("share of the centre's medical staff in teams"), "staff_share",
     _("team members in a medical post from the team's centre ÷ the centre's medical staff")),
    ("health.provision_rate", _("service-function provision rate"), "provision_rate",
     _("programmes with a visit in the period ÷ programmes the grid's residents are enrolled in")),
    ("health.disease_ontime_rate", _("infectious-disease report timeliness"), "disease_ontime_rate",
     _("disease reports reported within their time limit ÷ disease reports")),
):
    plugins.indicator(code, label, compute=f"civicgrid.health.figures:{name}", source=_SOURCE,
                      definition=definition, capability=HEALTH_VIEW, order=60)

plugins.audit_actions({
    "health.team.create": _("family doctor team formed"),
    "health.team.member": _("team member added"),
    "health.record.open": _("health record opened"),
    "health.record.update": _("health record changed"),
    "health.record.read": _("health record read"),
    "health.record.denied": _("health record refused"),
    "health.contract.sign": _("family doctor agreement signed"),
    "health.enrolment.create": _("enrolled in a health programme"),
    "health.enrolment.end": _("health programme ended"),
    "health.visit.record": _("follow-up visit recorded"),
    "health.tasks.generate": _("follow-up tasks generated"),
    "health.tasks.missed": _("closed follow-up windows marked missed"),
    "health.referral.request": _("referral requested"),
    "health.referral.read": _("referral read"),
    "health.parameter.set": _("health parameters set"),
    "health.survey.record": _("survey answers recorded"),
    "health.surveys.bulk_create": _("survey answers recorded in bulk"),
    "health.report.export": _("half-yearly report exported"),
    "health.disease.file": _("infectious-disease report filed"),
    "health.disease.read": _("infectious-disease report read"),
    "health.supervision.file": _("health-supervision finding reported"),
    "health.contracts.bulk_sign": _("family doctor agreements signed in bulk"),
    "health.enrolments.bulk_create": _("health programme enrolments in bulk"),
    "health.visits.bulk_create": _("follow-up visits recorded in bulk"),
})
