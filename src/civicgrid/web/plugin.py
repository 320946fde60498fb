"""How the web shell joins the site: the home page."""

from django.utils.translation import gettext_lazy as _

from civicgrid.core import plugins
from civicgrid.core.capabilities import AUDIT_VIEW, VIEW

plugins.menu_entry("home", _("Home"), "home", VIEW, order=0)
plugins.urls("", "civicgrid.web.urls", order=10)
# The audit log (the core's) read on a page of the site: it filters by the area tree.
plugins.menu_entry("admin", _("Audit log"), "audit:list", AUDIT_VIEW, order=900)
plugins.urls("audit/", "civicgrid.web.audit_urls", order=40)
# In-app notifications (core.notify): the bell of the navigation bar leads here.
plugins.urls("notifications/", "civicgrid.web.notifications", order=11)
plugins.api_router("/notifications/", "civicgrid.web.notifications:router", order=70)
