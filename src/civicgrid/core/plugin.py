"""How the core joins the site: the Administration menu and its audit-log page."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins

from .capabilities import AUDIT_VIEW

plugins.menu("home", None, order=0)
plugins.menu("admin", pgettext_lazy("menu", "Administration"), order=900)
plugins.menu_entry("admin", _("Audit log"), "audit:list", AUDIT_VIEW, order=900)
plugins.urls("audit/", "civicgrid.core.urls", order=40)
