"""Small server-rendered SVG charts (no front-end library): records in and out per hour."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup


def in_out_chart(
    records_in: Sequence[int],
    records_out: Sequence[int],
    labels: Sequence[str],
    *,
    title: str,
    width: int = 360,
    height: int = 96,
) -> Markup:
    """Bars per hour: records into the hub (up) and out of it (down from the middle line),
    with an accessible title and a text summary for screen readers. A subscription that only
    sends or only receives gets the whole height for its one direction."""
    count = max(len(records_in), len(records_out), 1)
    peak = max([*records_in, *records_out, 1])
    has_in, has_out = any(records_in), any(records_out)
    plot = height - 14  # room for the tick labels
    # the baseline: the middle when both directions have data, else the bottom
    both = has_in and has_out
    base = plot / 2 if both else float(plot)
    out_room = plot - base if both else float(plot)
    step = width / count
    bar = max(step * 0.7, 1.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" height="{height}" '
        f'role="img" aria-label="{escape(title)}: {sum(records_in)} in, '
        f'{sum(records_out)} out in the last {count} hours" preserveAspectRatio="none">',
        f'<line x1="0" x2="{width}" y1="{base:.1f}" y2="{base:.1f}" class="axis"/>',
    ]
    for i in range(count):
        n_in = records_in[i] if i < len(records_in) else 0
        n_out = records_out[i] if i < len(records_out) else 0
        x = i * step + (step - bar) / 2
        label = escape(labels[i]) if i < len(labels) else ""
        if n_in:
            h = max(base * n_in / peak, 1.5)
            parts.append(
                f'<rect class="in" x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{label}: {n_in} in</title></rect>'
            )
        if n_out:
            h = max(out_room * n_out / peak, 1.5)
            y = base if both else base - h  # alone, out bars rise from the bottom too
            parts.append(
                f'<rect class="out" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{label}: {n_out} out</title></rect>'
            )
    if labels:
        parts.append(f'<text x="0" y="{height - 2}" class="tick">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{width}" y="{height - 2}" class="tick" text-anchor="end">now</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
