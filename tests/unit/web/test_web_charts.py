"""The overview's server-rendered SVG chart (``ipaas.web.charts``)."""

from __future__ import annotations

import re

from ipaas.web.charts import in_out_chart

LABELS = ["2026-01-01 10", "2026-01-01 11", "2026-01-01 12"]


def _rects(svg: str, kind: str) -> list[dict[str, float]]:
    found = re.findall(rf'<rect class="{kind}" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
                       rf'height="([\d.]+)">', svg)  # fmt: skip
    return [dict(zip(("x", "y", "w", "h"), map(float, f), strict=True)) for f in found]


def test_both_directions_share_a_middle_line_scaled_to_the_peak() -> None:
    svg = str(in_out_chart([4, 0, 2], [1, 4, 0], LABELS, title="Shop", height=96))
    ins, outs = _rects(svg, "in"), _rects(svg, "out")
    assert len(ins) == 2  # no bar for an hour with nothing
    assert len(outs) == 2
    middle = (96 - 14) / 2
    assert ins[0]["h"] == middle  # the peak fills its half
    assert ins[0]["y"] + ins[0]["h"] == middle  # in bars stand on the line
    assert ins[1]["h"] == middle / 2
    assert all(o["y"] == middle for o in outs)  # out bars hang from it
    assert 'aria-label="Shop: 6 in, 5 out in the last 3 hours"' in svg


def test_one_direction_uses_the_whole_height_from_the_bottom() -> None:
    svg = str(in_out_chart([0, 0, 0], [3, 6, 0], LABELS, title="ERP", height=96))
    outs = _rects(svg, "out")
    assert not _rects(svg, "in")
    assert outs[1]["h"] == 96 - 14
    assert all(o["y"] + o["h"] == 96 - 14 for o in outs)


def test_small_counts_stay_visible_and_empty_series_draw_no_bars() -> None:
    svg = str(in_out_chart([1000, 1, 0], [0, 0, 0], LABELS, title="Big"))
    assert _rects(svg, "in")[1]["h"] == 1.5
    empty = str(in_out_chart([0, 0, 0], [0, 0, 0], LABELS, title="Quiet"))
    assert "<rect" not in empty
    assert "0 in, 0 out" in empty


def test_titles_and_labels_are_escaped() -> None:
    svg = str(in_out_chart([1], [0], ['<script>"x"'], title='A "B" <i>'))
    assert "<script>" not in svg
    assert "<i>" not in svg
    assert "&lt;script&gt;" in svg
    assert 'aria-label="A &quot;B&quot; &lt;i&gt;: 1 in' in svg


def test_hover_titles_name_the_hour() -> None:
    svg = str(in_out_chart([2, 0, 0], [0, 0, 5], LABELS, title="S"))
    assert "<title>2026-01-01 10: 2 in</title>" in svg
    assert "<title>2026-01-01 12: 5 out</title>" in svg
