from django.contrib import admin

from .models import AuditLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """Django's admin shows these rows and changes none: they change only through the apps' actions
    (checked, scoped and audited) or, for catalogues, through migrations."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_repr", "area_code", "outcome", "source_ip")
    list_filter = ("outcome", "action")
    search_fields = ("actor_name", "action", "object_repr", "area_code")
