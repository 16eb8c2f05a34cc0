"""The Jinja2 environment of the UI's pages, with the filters the templates use."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

from trackbook import __version__

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PREFIX = "/ui/static"


def static_version(root: Path = STATIC) -> str:
    """A short digest of the static files' names, sizes and times: changes bust caches."""
    digest = hashlib.sha1(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:10]


def iso_time(ms: int | None) -> str:
    """Milliseconds since the epoch as an ISO-8601 UTC time (pages localise it in the browser)."""
    if ms is None:
        return ""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="seconds")


def utc_time(ms: int | None) -> str:
    if ms is None:
        return ""
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return ""
    seconds = max(0, end - start) / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m"


def number(value: float | None) -> str:
    """Metric values as people read them: up to 6 significant digits, NaN and ±inf spelled."""
    if value is None:
        return ""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def basename(path: str | None) -> str:
    if not path:
        return ""
    return posixpath.basename(path.rstrip("/")) or path


class Pages:
    """Renders the page templates into responses."""

    def __init__(self, on_render: Callable[[], None] | None = None) -> None:
        self.on_render = on_render
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        version = static_version()
        self.env.globals["static"] = lambda name: f"{STATIC_PREFIX}/{name}?v={version}"
        self.env.globals["version"] = __version__
        self.env.filters.update(
            iso_time=iso_time,
            utc_time=utc_time,
            duration=duration,
            number=number,
            basename=basename,
        )

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        if self.on_render is not None:
            self.on_render()
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code)
