"""Admin pages for the register's catalogues (component classes, information catalogue).

People and other personal records are not in the admin: they are edited through the
scoped pages and API, where actions check the jurisdiction and write the audit log.
"""

from django.contrib import admin

from .models import ComponentClass, InfoClass, InfoItem


@admin.register(ComponentClass)
class ComponentClassAdmin(admin.ModelAdmin):
    list_display = ("major", "sub", "major_name", "name", "department")
    list_filter = ("major_name",)
    search_fields = ("name", "major_name")


class InfoItemInline(admin.TabularInline):
    model = InfoItem
    extra = 0


@admin.register(InfoClass)
class InfoClassAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    inlines = [InfoItemInline]


@admin.register(InfoItem)
class InfoItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "info_class", "department", "active")
    list_filter = ("info_class", "active")
