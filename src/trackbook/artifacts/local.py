"""Artifacts in a folder on the server's disk (the default store)."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlparse

from trackbook.artifacts.base import READ_CHUNK, Download, FileEntry
from trackbook.errors import InvalidParameter, ResourceDoesNotExist

#: Uploads in progress are written next to their target under this prefix and are
#: never listed; a crash can leave one behind, which a later upload does not mind.
PARTIAL_PREFIX = ".trackbook-upload-"


class LocalArtifactStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(os.path.realpath(Path(root).expanduser()))
        self.root_uri = str(self.root)

    # -- paths ---------------------------------------------------------------
    def resolve(self, path: str) -> Path:
        """The file system path of a clean store path, refused if it leaves the root.

        ``realpath`` follows every symbolic link on the way, so a link inside the
        root that points elsewhere is caught here, whichever component it is.
        """
        target = self.root / path if path else self.root
        real = os.path.realpath(target)
        if real != str(self.root) and not real.startswith(str(self.root) + os.sep):
            raise InvalidParameter(
                f"path: '{path}' resolves outside the artifact root (through a symbolic link)"
            )
        return target

    def path_for_uri(self, uri: str) -> str | None:
        parsed = urlparse(uri)
        if parsed.scheme == "file":
            if parsed.netloc not in ("", "localhost"):
                return None
            local = unquote(parsed.path)
        elif parsed.scheme == "" and uri.startswith("/"):
            local = uri
        else:
            return None
        real = os.path.realpath(local)
        if real == str(self.root):
            return ""
        if not real.startswith(str(self.root) + os.sep):
            return None
        return Path(real).relative_to(self.root).as_posix()

    # -- writes --------------------------------------------------------------
    def open_writer(self, path: str) -> _LocalWriter:
        if not path:
            raise InvalidParameter("path: a file name is required to upload")
        target = self.resolve(path)
        if target.is_dir():
            raise InvalidParameter(f"path: '{path}' is a folder; upload to a file path in it")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidParameter(
                f"path: a parent of '{path}' is a file, so it cannot hold '{target.name}'"
            ) from None
        # mkdir may have walked through a link created since resolve(); check again.
        self.resolve(path)
        return _LocalWriter(target, after_abort=lambda: self._prune_empty_parents(target))

    def delete(self, path: str) -> None:
        target = self.resolve(path)
        if target.is_symlink() or target.is_file():
            target.unlink(missing_ok=True)
        elif target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            if not path:
                self.root.mkdir(parents=True, exist_ok=True)
        self._prune_empty_parents(target)

    def _prune_empty_parents(self, target: Path) -> None:
        """Remove folders left empty above a deleted path (a run's ``<exp>/<run>``), as an
        object store would; stop at the first one that still holds something."""
        parent = target.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent

    # -- reads ---------------------------------------------------------------
    def get(self, path: str) -> Download:
        target = self.resolve(path)
        try:
            handle = target.open("rb")
        except FileNotFoundError:
            raise ResourceDoesNotExist(f"path: no artifact at '{path}'") from None
        except (IsADirectoryError, PermissionError):
            if target.is_dir():
                raise InvalidParameter(
                    f"path: '{path}' is a folder; list it to see its files"
                ) from None
            raise
        size = os.fstat(handle.fileno()).st_size
        return Download(size=size, chunks=_read_chunks(handle), close=handle.close)

    def list(self, path: str) -> list[FileEntry]:
        target = self.resolve(path)
        try:
            scanner = os.scandir(target)
        except (FileNotFoundError, NotADirectoryError):
            return []
        out = []
        with scanner:
            for entry in scanner:
                if entry.name.startswith(PARTIAL_PREFIX):
                    continue
                try:
                    if entry.is_dir():
                        out.append(FileEntry(entry.name, True))
                    else:
                        out.append(FileEntry(entry.name, False, entry.stat().st_size))
                except FileNotFoundError:  # a dangling link, or deleted while listing
                    continue
        out.sort(key=lambda e: e.name)
        return out


class _LocalWriter:
    def __init__(self, target: Path, after_abort: Callable[[], None]) -> None:
        self.target = target
        self.after_abort = after_abort
        self.partial = target.parent / f"{PARTIAL_PREFIX}{uuid.uuid4().hex}"
        self.handle: BinaryIO | None = self.partial.open("xb")

    def write(self, data: bytes) -> None:
        assert self.handle is not None
        self.handle.write(data)

    def commit(self) -> None:
        assert self.handle is not None
        self.handle.close()
        self.handle = None
        # rename() replaces the target atomically and, if the target is a symbolic
        # link, replaces the link itself instead of writing where it points.
        os.replace(self.partial, self.target)

    def abort(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        with contextlib.suppress(FileNotFoundError):
            self.partial.unlink()
        self.after_abort()  # folders made for this upload alone go too


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := handle.read(READ_CHUNK):
            yield chunk
    finally:
        handle.close()
