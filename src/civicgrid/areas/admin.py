from django.contrib import admin

from .models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    """Read-only here: areas change through imports and the area pages (actions with audit)."""

    list_display = ("code", "name", "level", "kind", "households", "population")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
