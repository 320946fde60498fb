from django.contrib import admin

from .models import CaseClass, ScoreRule, StepLimit


@admin.register(CaseClass)
class CaseClassAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "major", "name", "department", "limit_value", "limit_unit", "active")
    list_filter = ("kind", "major", "active")
    search_fields = ("code", "name", "keywords")


@admin.register(StepLimit)
class StepLimitAdmin(admin.ModelAdmin):
    list_display = ("step", "minutes")


@admin.register(ScoreRule)
class ScoreRuleAdmin(admin.ModelAdmin):
    list_display = ("post", "indicator", "weight", "invert")
