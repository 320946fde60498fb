from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def pct(value):
    """0.934 → 93.4%; None → —."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"
