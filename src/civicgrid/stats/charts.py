"""Server-side SVG charts (no script, no CDN; they print): a trend line with its target, and bars of
the child areas coloured by traffic light."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe

COLOURS = {"met": "#2e7d32", "near": "#f9a825", "missed": "#c62828", "": "#607d8b"}


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if abs(value) < 1e6 else f"{value:,.0f}"


def _scale(values: list[float], target: float | None) -> tuple[float, float]:
    known = [v for v in values if v is not None] + ([target] if target is not None else [])
    if not known:
        return 0.0, 1.0
    lo, hi = min(0.0, min(known)), max(known)
    return lo, hi if hi > lo else lo + 1


def trend(values: list[float | None], labels: list[str], target: float | None = None, *, width: int = 220,
          height: int = 60, title: str = "") -> str:
    """A small line chart of ``values`` over ``labels`` with a dashed target line."""
    pad = 4
    lo, hi = _scale(values, target)
    n = max(len(values) - 1, 1)

    def x(i):
        return pad + i * (width - 2 * pad) / n

    def y(v):
        return height - pad - (v - lo) * (height - 2 * pad) / (hi - lo)

    parts = [f'<svg class="stats-trend" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    if target is not None:
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
                     'stroke="#c62828" stroke-dasharray="4 3" stroke-width="1"/>')
    points = [(x(i), y(v), v, labels[i]) for i, v in enumerate(values) if v is not None]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _v, _l in points)
        parts.append(f'<polyline fill="none" stroke="#1565c0" stroke-width="2" points="{path}"/>')
    for px, py, v, label in points:
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="#1565c0"><title>{escape(label)}: '
                     f'{fmt(v)}</title></circle>')
    if not points:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="11" fill="#888">—</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bars(rows: list[tuple[str, float | None, str]], target: float | None = None, *, width: int = 640,
         unit: str = "", title: str = "") -> str:
    """Horizontal bars: (label, value, light) per row, with the target as a dashed line."""
    label_w, bar_h, gap, pad = 150, 18, 6, 40
    height = max(1, len(rows)) * (bar_h + gap) + 24
    lo, hi = _scale([v for _l, v, _c in rows], target)
    lo = min(lo, 0.0)
    span = width - label_w - pad

    def x(v):
        return label_w + (v - lo) * span / (hi - lo)

    parts = [f'<svg class="stats-bars" xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value, light) in enumerate(rows):
        top = 4 + i * (bar_h + gap)
        parts.append(f'<text x="{label_w - 6}" y="{top + bar_h - 5}" text-anchor="end" font-size="12">'
                     f'{escape(label[:14])}</text>')
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{top + bar_h - 5}" font-size="12" fill="#888">—</text>')
            continue
        w = max(x(value) - x(0), 1)
        parts.append(f'<rect x="{x(0):.1f}" y="{top}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS.get(light, COLOURS[""])}">'
                     f'<title>{escape(label)}: {fmt(value)}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{x(0) + w + 4:.1f}" y="{top + bar_h - 5}" font-size="11">{fmt(value)}</text>')
    if target is not None:
        tx = x(target)
        parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="0" y2="{height - 18}" stroke="#c62828" '
                     'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{tx:.1f}" y="{height - 4}" text-anchor="middle" font-size="11" fill="#c62828">'
                     f'{fmt(target)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
