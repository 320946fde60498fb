"""How the web shell joins the site: the home page."""

from django.utils.translation import gettext_lazy as _

from civicgrid.core import plugins
from civicgrid.core.capabilities import VIEW

plugins.menu_entry("home", _("Home"), "home", VIEW, order=0)
plugins.urls("", "civicgrid.web.urls", order=10)
