from django import template

from ..charts import fmt

register = template.Library()


@register.filter
def num(value, digits=1):
    if value is None or value == "":
        return "—"
    return fmt(float(value), int(digits))
