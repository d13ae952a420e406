"""WCAG contrast of the dashboard's palette, read from its stylesheet, and the ratio maths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ipaas.web.contrast import AA_TEXT, luminance, ratio

CSS = (Path(__file__).parents[3] / "src/ipaas/web/static/app.css").read_text()
VARS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))
SIDEBAR = "#19212d"
CHART_BG = "#fafbfc"

#: (foreground, background) of every body text the dashboard draws.
TEXT = [
    ("text", "bg"), ("text", "surface"), ("muted", "bg"), ("muted", "surface"),
    ("muted", "neutral-bg"), ("brand", "surface"), ("brand", "bg"),
    ("ok", "ok-bg"), ("warn", "warn-bg"), ("bad", "bad-bg"), ("info", "info-bg"),
    ("bad", "surface"), ("muted", CHART_BG), ("muted", "#fcfcfd"),
    ("#ffffff", "brand"), ("#c9d0da", SIDEBAR), ("#9aa5b5", SIDEBAR), ("#ffffff", "#2b394d"),
    ("#6b7280", "surface"),  # placeholders
]  # fmt: skip
#: Non-text contrast (WCAG 1.4.11): control borders, focus rings and chart bars.
GRAPHICS = [
    ("control-line", "surface"), ("brand", "surface"), ("brand", "bg"), ("#9cc3ea", SIDEBAR),
    ("in", CHART_BG), ("out", CHART_BG),
]  # fmt: skip


def _colour(name: str) -> str:
    return name if name.startswith("#") else VARS[name]


def test_the_stylesheet_declares_the_palette() -> None:
    for name in ("text", "muted", "bg", "surface", "brand", "in", "out", "control-line"):
        assert name in VARS


@pytest.mark.parametrize(("foreground", "background"), TEXT)
def test_body_text_meets_aa(foreground: str, background: str) -> None:
    assert ratio(_colour(foreground), _colour(background)) >= AA_TEXT


@pytest.mark.parametrize(("foreground", "background"), GRAPHICS)
def test_controls_focus_rings_and_bars_meet_three_to_one(foreground: str, background: str) -> None:
    assert ratio(_colour(foreground), _colour(background)) >= 3.0


def test_ratio_maths() -> None:
    assert ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert ratio("#ffffff", "#000000") == ratio("#000000", "#ffffff")
    assert ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert luminance("#ffffff") == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not a #rrggbb"):
        luminance("blue")
