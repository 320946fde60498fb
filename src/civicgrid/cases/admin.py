"""The rule data of cases, read-only in Django's admin: classes, step limits and score weights change
only through the catalogue's migrations and the actions behind the page 考核规则 (checked and audited)."""

from django.contrib import admin

from civicgrid.core.admin import ReadOnlyAdmin

from .models import CaseClass, GradeBand, ScoreRule, StepLimit


@admin.register(CaseClass)
class CaseClassAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "major", "name", "department", "limit_value", "limit_unit", "active")
    list_filter = ("kind", "major", "active")
    search_fields = ("code", "name", "keywords")


@admin.register(StepLimit)
class StepLimitAdmin(ReadOnlyAdmin):
    list_display = ("step", "minutes")


@admin.register(ScoreRule)
class ScoreRuleAdmin(ReadOnlyAdmin):
    list_display = ("post", "indicator", "weight", "invert")


@admin.register(GradeBand)
class GradeBandAdmin(ReadOnlyAdmin):
    list_display = ("letter", "lowest")
