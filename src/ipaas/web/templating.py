"""Jinja2 rendering for the dashboard: one environment, a few filters, and the layout values
every page needs (navigation for the role, company and view switchers, branding)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

if TYPE_CHECKING:
    from ipaas.web.context import WebCtx

TEMPLATES = Path(__file__).parent / "templates"


def _ago(value: datetime | None) -> str:
    if value is None:
        return "never"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    seconds = (datetime.now(UTC) - value).total_seconds()
    if seconds < 0:
        return "in " + _span(-seconds)
    if seconds < 5:
        return "just now"
    return _span(seconds) + " ago"


def _span(seconds: float) -> str:
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False, default=str)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment (autoescaping on)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(ago=_ago, when=_when, number=_number, pretty=_pretty, jsontext=json.dumps)
    env.globals["icon"] = icon
    return env


_ICONS = {
    "activity": "M3 12h4l3 8 4-16 3 8h4",
    "alert": "M12 3 2 21h20L12 3zm0 6v6m0 3v.5",
    "list": "M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01",
    "database": "M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zm0 0v12c0 1.7 3.6 3 8 3s8-1.3 "
    "8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3",
    "plug": "M9 2v6m6-6v6M6 8h12v4a6 6 0 0 1-12 0V8zm6 10v4",
    "brush": "M14 4l6 6-9 9H5v-6l9-9z",
    "book": "M4 4h10a4 4 0 0 1 4 4v12H8a4 4 0 0 1-4-4V4zm4 16V8",
    "school": "M2 9l10-5 10 5-10 5L2 9zm4 2v5c3 2 9 2 12 0v-5",
    "handshake": "M3 12l5-5 4 4 4-4 5 5-9 9-9-9z",
    "users": "M16 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1M9 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm13 "
    "9v-1a4 4 0 0 0-3-3.9M16 4.1a3 3 0 0 1 0 5.8",
    "ok": "M5 12l5 5 9-10",
    "error": "M6 6l12 12M18 6 6 18",
    "clock": "M12 7v5l3 3M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
    "pause": "M8 5v14M16 5v14",
    "skip": "M5 12h14",
}


def icon(name: str, label: str | None = None) -> Markup:
    """An inline SVG icon; decorative unless ``label`` is given."""
    path = _ICONS.get(name, _ICONS["list"])
    aria = f'role="img" aria-label="{label}"' if label else 'aria-hidden="true"'
    return Markup(
        f'<svg class="icon" viewBox="0 0 24 24" {aria} fill="none" stroke="currentColor" '
        f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="{path}"/></svg>'
    )


def render(ctx: WebCtx, template: str, *, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render a page with the layout values for ``ctx``."""
    from ipaas.web.layout import layout_values

    html = environment().get_template(template).render(**layout_values(ctx), **values)
    return HTMLResponse(html, status_code=status_code)


def render_bare(template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render a page outside a session (login, errors)."""
    values.setdefault("brand", None)
    html = environment().get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code)
