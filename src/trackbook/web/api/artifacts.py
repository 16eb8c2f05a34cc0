"""Artifact routes: the ``mlflow-artifacts`` proxy and the listings of runs and models.

The proxy (``/api/2.0/mlflow-artifacts/artifacts/<path>``) is what the ``mlflow``
client talks to when a run's artifact URI is ``mlflow-artifacts:/...``: PUT
uploads a file, GET downloads one, DELETE removes a file or folder, and GET on
``/artifacts?path=`` lists one folder. Bodies stream in both directions; the
server holds about a megabyte of any file at a time.

``/mlflow/artifacts/list`` lists a run's files for the UI and other clients; the
logged-model routes list and serve a model's files. All of them take paths
through ``artifacts.clean_path`` and serve only what lies in the server's own
store (see ``artifacts/locations.py``).

The client's multipart-upload protocol (``/mlflow-artifacts/mpu/*``) hands out
URLs that it then PUTs parts to directly. This server does not offer it (its
single streamed PUT already has bounded memory, and direct URLs would bypass
the server); ``/api/3.0/mlflow/server-info`` says so, and the mpu routes answer
with the error that makes a client which tries anyway fall back to a plain PUT.
"""

from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from trackbook.artifacts import (
    ArtifactStore,
    FileEntry,
    UploadTooLarge,
    clean_path,
    join,
    put,
    require_store_path,
)
from trackbook.config import Settings
from trackbook.errors import EndpointNotFound, TrackbookError
from trackbook.store import Store, paging
from trackbook.web.api.fields import Fields
from trackbook.web.api.routing import JSONResponse, read_fields

#: What ``/api/3.0/mlflow/server-info`` reports: uploads and downloads go through the
#: proxy as single streamed requests, never as direct multipart transfers.
MULTIPART_UPLOADS_ENABLED = False
MULTIPART_DOWNLOADS_ENABLED = False

LIST_PAGE_SIZE = 1000
_MPU_ACTIONS = ("create", "complete", "abort")
_API_ROOTS = ("/api/2.0", "/ajax-api/2.0")
# Served as plain text so a browser never runs an uploaded page or script on our origin.
_ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
    "text/xml",
    "application/xml",
}


class MultipartUploadNotSupported(TrackbookError):
    # The message is the one the mlflow client recognises to fall back to a plain PUT.
    error_code = "NOT_IMPLEMENTED"
    http_status = 501

    def __init__(self) -> None:
        super().__init__("Multipart upload is not supported for the current artifact repository")


class _AnyPath(Convertor[str]):
    """Starlette's ``path`` stops at a newline; this one takes every character, so that a
    path with control characters reaches ``clean_path`` and gets a 400, not a 404."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def routes(
    get_store: Callable[[Request], Store],
    get_artifacts: Callable[[], ArtifactStore],
    settings: Settings,
) -> list[BaseRoute]:
    register_url_convertor("artifact_path", _AnyPath())
    api = _ArtifactAPI(get_store, get_artifacts, settings)
    out: list[BaseRoute] = []
    for root in _API_ROOTS:
        proxy = f"{root}/mlflow-artifacts"
        out += [
            Route(f"{proxy}/artifacts", api.proxy_list, methods=["GET"]),
            Route(
                f"{proxy}/artifacts/{{artifact_path:artifact_path}}",
                api.proxy_file,
                methods=["GET", "PUT", "DELETE"],
            ),
            Route(
                f"{proxy}/mpu/{{action:str}}/{{artifact_path:artifact_path}}",
                api.mpu,
                methods=["POST"],
            ),
            Route(f"{root}/mlflow/artifacts/list", api.run_list, methods=["GET"]),
            Route(f"{root}/mlflow/get-artifact", api.run_file, methods=["GET"]),
            Route(
                f"{root}/mlflow/logged-models/{{model_id}}/artifacts/directories",
                api.model_list,
                methods=["GET"],
            ),
            Route(
                f"{root}/mlflow/logged-models/{{model_id}}/artifacts/files",
                api.model_file,
                methods=["GET"],
            ),
        ]
    out.append(Route("/get-artifact", api.run_file, methods=["GET"]))
    return out


class _ArtifactAPI:
    def __init__(
        self,
        get_store: Callable[[Request], Store],
        get_artifacts: Callable[[], ArtifactStore],
        settings: Settings,
    ) -> None:
        self.get_store = get_store
        self.get_artifacts = get_artifacts
        self.max_upload = settings.max_upload_bytes
        self.max_request = settings.max_request_bytes

    # -- the mlflow-artifacts proxy -------------------------------------------
    async def proxy_list(self, request: Request) -> Response:
        path = clean_path("path", request.query_params.get("path"))
        entries = await run_in_threadpool(self.get_artifacts().list, path)
        return JSONResponse({"files": [_file_json(e, e.name) for e in entries]})

    async def proxy_file(self, request: Request) -> Response:
        raw = request.path_params["artifact_path"]
        if request.method == "PUT":
            return await self._upload(request, clean_path("path", raw, allow_root=False))
        if request.method == "DELETE":
            path = clean_path("path", raw, allow_root=False)
            await run_in_threadpool(self.get_artifacts().delete, path)
            return JSONResponse({})
        return await self._download(clean_path("path", raw, allow_root=False))

    async def _upload(self, request: Request, path: str) -> Response:
        declared = request.headers.get("content-length", "")
        if self.max_upload and declared.isdigit() and int(declared) > self.max_upload:
            raise UploadTooLarge(
                f"path: the upload of '{path}' ({declared} bytes) is larger than the server's"
                f" limit of {self.max_upload} bytes (max_upload_bytes)"
            )
        await put(self.get_artifacts(), path, request.stream(), limit=self.max_upload or None)
        return JSONResponse({})

    async def mpu(self, request: Request) -> Response:
        if request.path_params["action"] not in _MPU_ACTIONS:
            raise EndpointNotFound(f"no endpoint {request.method} {request.url.path}")
        clean_path("path", request.path_params["artifact_path"], allow_root=False)
        raise MultipartUploadNotSupported()

    # -- runs ------------------------------------------------------------------
    async def run_list(self, request: Request) -> Response:
        fields = await read_fields(request, self.max_request, None)
        result = await run_in_threadpool(self._run_list, self.get_store(request), fields)
        return JSONResponse(result)

    def _run_list(self, store: Store, f: Fields) -> dict[str, Any]:
        run = store.runs.get(f.run_id())
        root = require_store_path(
            self.get_artifacts(), run.info.artifact_uri, f"run '{run.info.run_id}'"
        )
        return self._listing(root, run.info.artifact_uri, f, "path")

    async def run_file(self, request: Request) -> Response:
        fields = await read_fields(request, self.max_request, None)
        store = self.get_store(request)
        path = clean_path("path", fields.string("path"), allow_root=False)
        run = await run_in_threadpool(store.runs.get, fields.run_id())
        root = require_store_path(
            self.get_artifacts(), run.info.artifact_uri, f"run '{run.info.run_id}'"
        )
        return await self._download(join(root, path), path)

    # -- logged models ---------------------------------------------------------
    async def model_list(self, request: Request) -> Response:
        fields = await read_fields(request, self.max_request, None)
        model_id = request.path_params["model_id"]
        result = await run_in_threadpool(
            self._model_list, self.get_store(request), model_id, fields
        )
        return JSONResponse(result)

    def _model_list(self, store: Store, model_id: str, f: Fields) -> dict[str, Any]:
        model = store.logged_models.get(model_id)
        root = require_store_path(
            self.get_artifacts(), model.artifact_location, f"logged model '{model_id}'"
        )
        return self._listing(root, model.artifact_location, f, "artifact_directory_path")

    async def model_file(self, request: Request) -> Response:
        fields = await read_fields(request, self.max_request, None)
        path = clean_path(
            "artifact_file_path",
            fields.string("artifact_file_path", required=True),
            allow_root=False,
        )
        store = self.get_store(request)
        model_id = request.path_params["model_id"]
        model = await run_in_threadpool(store.logged_models.get, model_id)
        root = require_store_path(
            self.get_artifacts(), model.artifact_location, f"logged model '{model_id}'"
        )
        return await self._download(join(root, path), path)

    # -- shared ----------------------------------------------------------------
    def _listing(self, root: str, root_uri: str, f: Fields, path_field: str) -> dict[str, Any]:
        """One folder of a run's or model's files, paths relative to its root, paginated."""
        relative = clean_path(path_field, f.string(path_field))
        offset = paging.decode_offset(f.string("page_token"))
        entries = self.get_artifacts().list(join(root, relative))
        page = entries[offset : offset + LIST_PAGE_SIZE]
        out: dict[str, Any] = {
            "root_uri": root_uri,
            "files": [_file_json(e, join(relative, e.name)) for e in page],
        }
        if offset + LIST_PAGE_SIZE < len(entries):
            out["next_page_token"] = paging.encode_offset(offset + LIST_PAGE_SIZE)
        return out

    async def _download(self, store_path: str, shown_as: str | None = None) -> Response:
        download = await run_in_threadpool(self.get_artifacts().get, store_path)
        name = posixpath.basename(shown_as or store_path)
        headers = {
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
        }
        if download.size is not None:
            headers["Content-Length"] = str(download.size)
        return StreamingResponse(download.chunks, media_type=_media_type(name), headers=headers)


def _file_json(entry: FileEntry, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {"path": path, "is_dir": entry.is_dir}
    if not entry.is_dir and entry.size is not None:
        out["file_size"] = entry.size
    return out


def _media_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    if guessed is None:
        return "application/octet-stream"
    if guessed in _ACTIVE_TYPES:
        return "text/plain"
    return guessed
