"""How the core joins the site: the home and Administration menus (their entries come from the apps)."""

from django.utils.translation import pgettext_lazy

from civicgrid.core import plugins

plugins.menu("home", None, order=0)
plugins.menu("admin", pgettext_lazy("menu", "Administration"), order=900)
