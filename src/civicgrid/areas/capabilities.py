"""Capabilities of the area tree. Which roles hold them: ``accounts/capabilities.py``."""

from django.utils.translation import gettext_lazy as _

from civicgrid.core.plugins import capability

LOOKUP = capability("lookup", _("locate points in grids"), app="areas")
AREAS_MANAGE = capability("areas.manage", _("edit area names and responsible staff; run checks"))
AREAS_IMPORT = capability("areas.import", _("import and replace boundaries"))
