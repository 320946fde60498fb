"""How the indicators, targets and dashboards join the site."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW

plugins.menu("stats", pgettext_lazy("menu", "Statistics"), order=15)
plugins.menu_entry("stats", _("Dashboard"), "stats:dashboard", VIEW, order=10)
plugins.menu_entry("stats", _("Indicators"), "stats:indicators", VIEW, order=20)
plugins.menu_entry("stats", _("Targets"), "stats:targets", VIEW, order=30)
plugins.menu_entry("stats", _("Report forms"), "stats:reports", VIEW, order=40)
plugins.menu_entry("stats", _("Assessment"), "stats:assessment", VIEW, order=50)
plugins.menu_entry("stats", _("Surveys"), "stats:surveys", VIEW, order=60)
plugins.menu_entry("stats", _("Forms, schemes and surveys"), "stats:define", "stats.admin", order=70)
plugins.indicator("stats.survey_awareness", _("awareness (survey)"), compute="civicgrid.stats.indicators:awareness",
                  order=60, source="004 居民对网格化管理知晓率达到60%以上",
                  definition=_("awareness answers 'yes' ÷ awareness answers recorded in the period"))
plugins.indicator("stats.survey_satisfaction", _("satisfaction (survey)"),
                  compute="civicgrid.stats.indicators:satisfaction", order=61,
                  source="004 对服务满意率达到90%以上",
                  definition=_("satisfaction answers 1–3 ÷ satisfaction answers recorded in the period"))
plugins.urls("stats/", "civicgrid.stats.urls", order=75)
plugins.api_router("/stats/", "civicgrid.stats.api:router", order=75)
plugins.audit_actions({
    "stats.refresh": _("indicator values refreshed"),
    "stats.target.set": _("target set"),
    "stats.target.breakdown": _("quarterly breakdown of a target set"),
    "stats.report.issue": _("report forms opened for a period"),
    "stats.report.export": _("report exported"),
    "stats.assessment.compute": _("assessment scored"),
    "stats.assessment.publish": _("assessment results published"),
    "stats.survey.response": _("survey answers recorded"),
    "stats.define.report": _("report form defined or changed"),
    "stats.define.scheme": _("assessment scheme defined or changed"),
    "stats.define.survey": _("survey defined or changed"),
})
