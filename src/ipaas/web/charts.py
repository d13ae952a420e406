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
    """Paired bars per hour: records into the hub (top) and out of it (bottom), with an
    accessible title and a text summary for screen readers."""
    count = max(len(records_in), 1)
    peak = max([*records_in, *records_out, 1])
    half = (height - 14) / 2
    step = width / count
    bar = max(step * 0.7, 1.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" height="{height}" '
        f'role="img" aria-label="{escape(title)}: {sum(records_in)} in, '
        f'{sum(records_out)} out in the last {count} hours" preserveAspectRatio="none">',
        f'<line x1="0" x2="{width}" y1="{half:.1f}" y2="{half:.1f}" class="axis"/>',
    ]
    for i, (n_in, n_out) in enumerate(zip(records_in, records_out, strict=False)):
        x = i * step + (step - bar) / 2
        label = escape(labels[i]) if i < len(labels) else ""
        if n_in:
            h = max(half * n_in / peak, 1.5)
            parts.append(
                f'<rect class="in" x="{x:.1f}" y="{half - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{label}: {n_in} in</title></rect>'
            )
        if n_out:
            h = max(half * n_out / peak, 1.5)
            parts.append(
                f'<rect class="out" x="{x:.1f}" y="{half:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{label}: {n_out} out</title></rect>'
            )
    if labels:
        parts.append(f'<text x="0" y="{height - 2}" class="tick">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{width}" y="{height - 2}" class="tick" text-anchor="end">now</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
