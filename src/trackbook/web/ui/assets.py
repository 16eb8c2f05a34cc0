"""Static files of the UI, and plotly.js served from the installed ``plotly`` package.

The UI's own JS and CSS are small and revalidated on each load (ETag, 304). The
plotly bundle is ~5 MB: it is served from the Python package's own copy under a
URL that names its version, cached by browsers for a week, and gzipped once
per process, in a background thread started by the first page served (so no
request waits for it; one that comes before it is done gets the plain file).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import os
import threading
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


def plotly_bundle_path() -> Path | None:
    """``plotly/package_data/plotly.min.js`` of the installed package (without importing it)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "package_data" / "plotly.min.js"
        if candidate.is_file():
            return candidate
    return None


def plotly_version() -> str:
    try:
        return importlib.metadata.version("plotly")
    except importlib.metadata.PackageNotFoundError:
        return "missing"


class PlotlyBundle:
    """An endpoint serving plotly.min.js, gzipped when the client accepts it."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._raw: bytes | None = None
        self._gzipped: bytes | None = None
        self._etag = ""
        self._lock = threading.Lock()
        self._compressing = False

    def _load(self) -> bytes:
        with self._lock:
            if self._raw is None:
                assert self.path is not None
                self._raw = self.path.read_bytes()
                self._etag = '"' + hashlib.sha1(self._raw).hexdigest()[:16] + '"'
            return self._raw

    def prepare(self) -> None:
        """Start gzipping the bundle (once), e.g. when the first page is served."""
        if self.path is not None:
            self._compress_in_background()

    def _compress_in_background(self) -> None:
        with self._lock:
            if self._compressing or self._gzipped is not None:
                return
            self._compressing = True

        def work() -> None:
            packed = gzip.compress(self._load(), compresslevel=6, mtime=0)
            with self._lock:
                self._gzipped = packed

        threading.Thread(target=work, name="plotly-gzip", daemon=True).start()

    async def serve(self, request: Request) -> Response:
        if self.path is None:
            return PlainTextResponse(
                "plotly is not installed; charts need the 'plotly' package", status_code=503
            )
        raw = self._load()
        headers = {
            "Cache-Control": "public, max-age=604800, immutable",
            "ETag": self._etag,
            "Vary": "Accept-Encoding",
        }
        if request.headers.get("if-none-match") == self._etag:
            return Response(status_code=304, headers=headers)
        body = raw
        if "gzip" in request.headers.get("accept-encoding", ""):
            if self._gzipped is None:
                self._compress_in_background()
            else:
                body = self._gzipped
                headers["Content-Encoding"] = "gzip"
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


class RevalidatedStaticFiles(StaticFiles):
    """StaticFiles whose responses are revalidated on every use (ETag → 304)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        if str(full_path).endswith(".js") and isinstance(response, FileResponse):
            response.headers["Content-Type"] = "text/javascript; charset=utf-8"
        return response
