from django.contrib import admin

from civicgrid.core.admin import ReadOnlyAdmin

from .models import AccessRun, Facility, Provider, ServiceCategory, ServiceItem, WalkNetwork

# Facilities, networks, runs and providers change only through ``circle.actions`` (audit, scope,
# recomputation); the admin shows them.
ReadOnly = ReadOnlyAdmin


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category")
    list_filter = ("category",)


@admin.register(Facility)
class FacilityAdmin(ReadOnly):
    list_display = ("name", "kind", "area_code", "area_m2", "capacity", "source", "active")
    list_filter = ("kind", "source", "active")
    search_fields = ("name", "area_code")
    readonly_fields = ("area_code", "version")


@admin.register(WalkNetwork)
class WalkNetworkAdmin(ReadOnly):
    list_display = ("area_code", "source", "source_name", "nodes", "edges", "components", "updated_at")
    exclude = ("data",)


@admin.register(AccessRun)
class AccessRunAdmin(ReadOnly):
    list_display = ("area_code", "status", "reason", "created_at", "finished_at")


@admin.register(Provider)
class ProviderAdmin(ReadOnly):
    list_display = ("name", "area_code", "status", "rating_count")
    list_filter = ("status",)
    readonly_fields = ("status", "version", "rating_count", "rating_sum")
