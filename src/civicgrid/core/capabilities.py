"""Capabilities of the core: seeing staff pages at all, and reading the audit log.

Which roles hold them is declared with the roles, in ``accounts/capabilities.py``."""

from django.utils.translation import gettext_lazy as _

from .plugins import capability

VIEW = capability("view", _("see staff pages and the data of the jurisdiction"), app="core")
AUDIT_VIEW = capability("audit.view", _("read the audit log of the jurisdiction"), app="core")
