"""The artifact-store protocol and what the stores share.

A store keeps files under relative paths that ``paths.clean_path`` has already
checked. Uploads arrive as a stream of chunks and go to a :class:`Writer`, which
only makes the file visible on :meth:`Writer.commit`; a failed or oversized
upload leaves nothing behind. Downloads come back as a :class:`Download`: the
size plus an iterator of chunks, so the web layer can stream them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import anyio.to_thread

from trackbook.errors import BadRequest

#: Bytes collected from the request before one blocking write is handed to a thread.
WRITE_BATCH = 1024 * 1024
#: Bytes read per chunk when streaming a download.
READ_CHUNK = 1024 * 1024


class UploadTooLarge(BadRequest):
    """An upload larger than the server's ``max_upload_bytes``."""

    http_status = 413


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One entry of a listing: ``name`` is relative to the folder that was listed."""

    name: str
    is_dir: bool
    size: int | None = None


@dataclass(slots=True)
class Download:
    """An open artifact: its size (when known) and its bytes, chunk by chunk."""

    size: int | None
    chunks: Iterator[bytes]
    close: Callable[[], None]


class Writer(Protocol):
    """Receives one upload. Blocking calls: run them off the event loop."""

    def write(self, data: bytes) -> None: ...

    def commit(self) -> None:
        """Make the uploaded bytes visible under the target path."""

    def abort(self) -> None:
        """Throw away whatever was written; the target path is left as it was."""


@runtime_checkable
class ArtifactStore(Protocol):
    """Where artifact files live: a local folder or an S3 bucket and prefix."""

    #: ``/srv/artifacts`` or ``s3://bucket/prefix``: where the store keeps its root.
    root_uri: str

    def open_writer(self, path: str) -> Writer: ...

    def get(self, path: str) -> Download:
        """Open a file for streaming; ResourceDoesNotExist if there is none."""

    def list(self, path: str) -> list[FileEntry]:
        """One level under ``path``, sorted by name; empty if it is missing or a file."""

    def delete(self, path: str) -> None:
        """Delete a file or a whole folder; deleting what is not there is not an error."""

    def path_for_uri(self, uri: str) -> str | None:
        """The store path of a location written in this store's own form (a local path,
        ``file://`` or ``s3://`` URI), or None when the location lies outside the store."""


async def put(
    store: ArtifactStore,
    path: str,
    chunks: AsyncIterable[bytes] | Iterable[bytes],
    *,
    limit: int | None = None,
) -> int:
    """Stream ``chunks`` into ``path`` with bounded memory and return the size written.

    Async iterables (an HTTP request body) are read on the event loop and written in
    batches of about 1 MB from a worker thread, one batch in flight while the next is
    read; plain iterables are consumed in a worker thread. Over ``limit`` bytes the
    upload is dropped and UploadTooLarge raised.
    """
    if not isinstance(chunks, AsyncIterable):
        return await anyio.to_thread.run_sync(put_sync, store, path, chunks, limit)
    loop = asyncio.get_running_loop()
    writer = await loop.run_in_executor(None, store.open_writer, path)
    # One batch is written in a worker thread while the next one is received: the
    # network and the disk (or S3) work at the same time, and memory holds two batches.
    writing: asyncio.Future[None] | None = None
    size = 0
    batch = bytearray()
    try:
        async for chunk in chunks:
            size += len(chunk)
            _check_limit(path, size, limit)
            batch += chunk
            if len(batch) >= WRITE_BATCH:
                if writing is not None:
                    await writing
                writing = loop.run_in_executor(None, writer.write, bytes(batch))
                batch.clear()
        if writing is not None:
            await writing
            writing = None
        if batch:
            await loop.run_in_executor(None, writer.write, bytes(batch))
        await loop.run_in_executor(None, writer.commit)
    except BaseException:
        with anyio.CancelScope(shield=True):
            if writing is not None:
                with contextlib.suppress(Exception):
                    await writing  # never abort while a write is still running
            await loop.run_in_executor(None, writer.abort)
        raise
    return size


def put_sync(
    store: ArtifactStore, path: str, chunks: Iterable[bytes], limit: int | None = None
) -> int:
    """The blocking form of :func:`put`, for the CLI and scripts."""
    writer = store.open_writer(path)
    size = 0
    try:
        for chunk in chunks:
            size += len(chunk)
            _check_limit(path, size, limit)
            writer.write(chunk)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return size


def _check_limit(path: str, size: int, limit: int | None) -> None:
    if limit and size > limit:
        raise UploadTooLarge(
            f"path: the upload of '{path}' is larger than the server's limit of {limit} bytes"
            " (max_upload_bytes)"
        )


def read_all(store: ArtifactStore, path: str) -> bytes:
    """A whole (small) artifact as bytes; for tests and small JSON files."""
    download = store.get(path)
    try:
        return b"".join(download.chunks)
    finally:
        download.close()
