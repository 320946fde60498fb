from django import template

register = template.Library()


@register.filter
def pct(value):
    """A share as a percentage with one decimal ("—" without a denominator)."""
    return "—" if value is None else f"{100 * value:.1f}%"
