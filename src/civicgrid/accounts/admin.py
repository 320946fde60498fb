from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, Membership, OrgUnit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("area", "unit")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "display_name", "is_active", "is_superuser")
    fieldsets = BaseUserAdmin.fieldsets + (("CivicGrid", {"fields": ("display_name", "phone")}),)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "department", "area_code", "active")
    list_filter = ("kind", "department")
    search_fields = ("code", "name")
    raw_id_fields = ("area", "parent")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "key_hash")
