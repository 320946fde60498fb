from django.contrib import admin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "object_repr", "area_code", "outcome", "source_ip")
    list_filter = ("outcome", "action")
    search_fields = ("actor_name", "action", "object_repr", "area_code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
