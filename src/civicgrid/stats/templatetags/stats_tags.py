from django import template

from ..charts import fmt

register = template.Library()


@register.filter
def num(value, digits=1):
    if value is None or value == "":
        return "—"
    return fmt(float(value), int(digits))


@register.filter
def get(mapping, key):
    return (mapping or {}).get(key, "") if hasattr(mapping, "get") else ""


@register.simple_tag
def cellname(cell):
    return f"cell_{cell.pk}"
