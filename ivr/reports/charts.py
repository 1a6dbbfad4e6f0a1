"""Small bar charts drawn on the server as inline SVG (no script, no CDN), readable in print."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 56, 64, 16


def bars(title: str, labels: Sequence[str], values: Sequence[float | None], *,
         percent: bool = False, target: float | None = None) -> Markup:
    """A bar chart with a title, labelled axes, each bar's value, and a target line."""
    numbers = [v or 0.0 for v in values]
    top = max([*numbers, target or 0.0, 1.0 if percent else 0.0]) or 1.0
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(numbers), 1)
    width = max(2.0, step * 0.7)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" '
             'class="axis"/>']
    for tick in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - tick)
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">'
                     f'{escape(_fmt(top * tick, percent))}</text>')
    every = max(1, len(numbers) // 16)
    for i, (label, value) in enumerate(zip(labels, numbers, strict=True)):
        x = LEFT + i * step + (step - width) / 2
        h = plot_h * value / top
        parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{width:.1f}" '
                     f'height="{h:.1f}" class="bar"><title>{escape(label)}: '
                     f'{escape(_fmt(value, percent))}</title></rect>')
        if len(numbers) <= 16:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{TOP + plot_h - h - 4:.1f}" '
                         f'class="value" text-anchor="middle">{escape(_fmt(value, percent))}'
                         '</text>')
        if i % every == 0:
            lx, ly = x + width / 2, TOP + plot_h + 14
            parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" class="label" text-anchor="end" '
                         f'transform="rotate(-30 {lx:.1f} {ly:.1f})">{escape(label[:14])}</text>')
    if target is not None:
        y = TOP + plot_h * (1 - target / top)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" '
                     f'class="target"/><text x="{WIDTH - 10}" y="{y - 4:.1f}" class="tick" '
                     f'text-anchor="end">目标 target {escape(_fmt(target, percent))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
