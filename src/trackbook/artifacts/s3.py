"""Artifacts in an S3-compatible bucket (AWS S3, MinIO, Ceph…) under a key prefix.

Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` and friends,
``~/.aws``, an instance role). An upload is buffered in parts of
:data:`PART_SIZE` bytes: one that ends within the first part is a single
``PutObject``; a larger one becomes a multipart upload, so the server's memory
holds one part at a time whatever the file's size.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from trackbook.artifacts.base import READ_CHUNK, Download, FileEntry
from trackbook.errors import InternalError, InvalidParameter, ResourceDoesNotExist

#: Size of each part of a multipart upload (S3 wants at least 5 MiB but the last).
PART_SIZE = 8 * 1024 * 1024
_DELETE_BATCH = 1000


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → (``bucket``, ``some/prefix``)."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise InvalidParameter(f"artifacts_destination: {uri!r} is not an s3://bucket/prefix URI")
    return parsed.netloc, parsed.path.strip("/")


class S3ArtifactStore:
    def __init__(self, uri: str, *, endpoint_url: str | None = None) -> None:
        self.bucket, self.prefix = parse_s3_uri(uri)
        self.root_uri = (
            f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        )
        self.endpoint_url = endpoint_url or None
        self._client: Any = None

    @property
    def client(self) -> Any:
        # Created on first use: importing boto3 and building a client takes a while,
        # and a server that never touches artifacts should not pay for it.
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError:
                raise InternalError(
                    "artifact store: an s3:// destination needs boto3; install trackbook[s3]"
                ) from None
            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                config=Config(retries={"max_attempts": 5, "mode": "standard"}),
            )
        return self._client

    def key(self, path: str) -> str:
        return "/".join(p for p in (self.prefix, path) if p)

    def _folder_prefix(self, path: str) -> str:
        key = self.key(path)
        return key + "/" if key else ""

    def path_for_uri(self, uri: str) -> str | None:
        parsed = urlparse(uri)
        if parsed.scheme != "s3" or parsed.netloc != self.bucket:
            return None
        key = parsed.path.strip("/")
        if key == self.prefix:
            return ""
        if self.prefix and not key.startswith(self.prefix + "/"):
            return None
        return key[len(self.prefix) + 1 :] if self.prefix else key

    # -- writes --------------------------------------------------------------
    def open_writer(self, path: str) -> _S3Writer:
        if not path:
            raise InvalidParameter("path: a file name is required to upload")
        return _S3Writer(self, self.key(path))

    def delete(self, path: str) -> None:
        with _s3_errors("delete", self.key(path)):
            if path:
                self.client.delete_object(Bucket=self.bucket, Key=self.key(path))
            batch: list[dict[str, str]] = []
            for item in self._objects_under(self._folder_prefix(path)):
                batch.append({"Key": item["Key"]})
                if len(batch) == _DELETE_BATCH:
                    self._delete_batch(batch)
                    batch = []
            if batch:
                self._delete_batch(batch)

    def _delete_batch(self, batch: list[dict[str, str]]) -> None:
        self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    # -- reads ---------------------------------------------------------------
    def get(self, path: str) -> Download:
        key = self.key(path)
        try:
            with _s3_errors("read", key):
                response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ResourceDoesNotExist:
            if path and self._has_objects_under(self._folder_prefix(path)):
                raise InvalidParameter(
                    f"path: '{path}' is a folder; list it to see its files"
                ) from None
            raise ResourceDoesNotExist(f"path: no artifact at '{path}'") from None
        body = response["Body"]
        return Download(
            size=int(response.get("ContentLength", 0)),
            chunks=_read_chunks(body),
            close=body.close,
        )

    def list(self, path: str) -> list[FileEntry]:
        prefix = self._folder_prefix(path)
        out: list[FileEntry] = []
        with _s3_errors("list", prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, Delimiter="/"
            )
            for page in pages:
                for common in page.get("CommonPrefixes", []):
                    name = common["Prefix"][len(prefix) :].rstrip("/")
                    if name:
                        out.append(FileEntry(name, True))
                for item in page.get("Contents", []):
                    name = item["Key"][len(prefix) :]
                    if name:  # skip a "folder marker" object named like the prefix
                        out.append(FileEntry(name, False, int(item["Size"])))
        out.sort(key=lambda e: e.name)
        return out

    def _objects_under(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents", [])

    def _has_objects_under(self, prefix: str) -> bool:
        with _s3_errors("list", prefix):
            page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1)
        return bool(page.get("Contents"))


class _S3Writer:
    def __init__(self, store: S3ArtifactStore, key: str) -> None:
        self.store = store
        self.key = key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= PART_SIZE:
            part = bytes(self.buffer[:PART_SIZE])
            del self.buffer[:PART_SIZE]
            self._upload_part(part)

    def _upload_part(self, data: bytes) -> None:
        client = self.store.client
        with _s3_errors("upload", self.key):
            if self.upload_id is None:
                created = client.create_multipart_upload(Bucket=self.store.bucket, Key=self.key)
                self.upload_id = created["UploadId"]
            number = len(self.parts) + 1
            answer = client.upload_part(
                Bucket=self.store.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=data,
            )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def commit(self) -> None:
        client = self.store.client
        if self.upload_id is None:
            with _s3_errors("upload", self.key):
                client.put_object(Bucket=self.store.bucket, Key=self.key, Body=bytes(self.buffer))
            self.buffer.clear()
            return
        if self.buffer:
            self._upload_part(bytes(self.buffer))
            self.buffer.clear()
        with _s3_errors("upload", self.key):
            client.complete_multipart_upload(
                Bucket=self.store.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        self.upload_id = None

    def abort(self) -> None:
        self.buffer.clear()
        if self.upload_id is not None:
            upload_id, self.upload_id = self.upload_id, None
            with contextlib.suppress(Exception):
                self.store.client.abort_multipart_upload(
                    Bucket=self.store.bucket, Key=self.key, UploadId=upload_id
                )


def _read_chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(READ_CHUNK)
    finally:
        body.close()


@contextlib.contextmanager
def _s3_errors(action: str, key: str) -> Iterator[None]:
    """Turn botocore's exceptions into trackbook errors that say what failed."""
    try:
        yield
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404", "NotFound"):
                raise ResourceDoesNotExist(f"path: no artifact at '{key}'") from None
            raise InternalError(
                f"artifact store: S3 refused to {action} '{key}': {code or exc}"
            ) from None
        if isinstance(exc, BotoCoreError):
            raise InternalError(
                f"artifact store: could not {action} '{key}' on S3: {exc}"
            ) from None
        raise
