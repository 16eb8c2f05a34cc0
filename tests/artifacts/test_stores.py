"""The local and S3 artifact stores through the ArtifactStore protocol, and run clean-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.artifacts.conftest import S3Endpoint
from trackbook.artifacts import (
    ArtifactStore,
    FileEntry,
    UploadTooLarge,
    delete_location,
    delete_run_artifacts,
    put,
    put_sync,
    read_all,
    store_path,
)
from trackbook.artifacts.local import LocalArtifactStore
from trackbook.artifacts.s3 import PART_SIZE, S3ArtifactStore
from trackbook.errors import InvalidParameter, ResourceDoesNotExist
from trackbook.models import RunInfo


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ArtifactStore:
    if request.param == "local":
        return LocalArtifactStore(tmp_path / "root")
    request.getfixturevalue("s3_env")
    s3: S3Endpoint = request.getfixturevalue("s3_endpoint")
    prefix = f"stores/{tmp_path.name}"
    return S3ArtifactStore(f"s3://{s3.bucket}/{prefix}", endpoint_url=s3.url)


def test_put_get_list_delete(store: ArtifactStore) -> None:
    assert isinstance(store, ArtifactStore)
    assert put_sync(store, "a/one.txt", [b"on", b"e"]) == 3
    put_sync(store, "a/b/two.txt", [b"two"])
    put_sync(store, "top.bin", [b"\x00" * 10])
    assert read_all(store, "a/one.txt") == b"one"
    assert store.list("") == [FileEntry("a", True), FileEntry("top.bin", False, 10)]
    assert store.list("a") == [FileEntry("b", True), FileEntry("one.txt", False, 3)]
    assert store.list("a/one.txt") == []
    assert store.list("missing") == []
    put_sync(store, "a/one.txt", [b"replaced"])
    assert read_all(store, "a/one.txt") == b"replaced"
    with pytest.raises(ResourceDoesNotExist, match=r"path: no artifact at 'a/zero\.txt'"):
        store.get("a/zero.txt")
    with pytest.raises(InvalidParameter, match="is a folder"):
        store.get("a/b")
    store.delete("a")
    store.delete("a")  # deleting what is gone is fine
    assert store.list("") == [FileEntry("top.bin", False, 10)]


def test_async_put_streams_and_enforces_the_limit(store: ArtifactStore) -> None:
    async def body(n: int) -> AsyncIterator[bytes]:
        for _ in range(n):
            yield b"x" * 1000

    async def scenario() -> None:
        assert await put(store, "async/ok.bin", body(5), limit=5000) == 5000
        with pytest.raises(UploadTooLarge):
            await put(store, "async/too-big.bin", body(6), limit=5000)
        # A plain iterator goes through a worker thread.
        assert await put(store, "async/sync.bin", iter([b"a", b"b"])) == 2

    asyncio.run(scenario())
    assert [e.name for e in store.list("async")] == ["ok.bin", "sync.bin"]


@pytest.fixture
def s3_store(s3_env: None, s3_endpoint: S3Endpoint, tmp_path: Path) -> S3ArtifactStore:
    uri = f"s3://{s3_endpoint.bucket}/mpu/{tmp_path.name}"
    return S3ArtifactStore(uri, endpoint_url=s3_endpoint.url)


def test_s3_multipart_upload_round_trips(s3_store: S3ArtifactStore) -> None:
    size = PART_SIZE * 2 + 12345
    pattern = bytes(range(256)) * 4096  # 1 MiB

    def chunks() -> Iterator[bytes]:
        sent = 0
        while sent < size:
            piece = pattern[: min(len(pattern), size - sent)]
            sent += len(piece)
            yield piece

    assert put_sync(s3_store, "big/blob.bin", chunks()) == size
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=s3_store.key("big/blob.bin"))
    # A multipart object's ETag ends in "-<number of parts>".
    assert head["ETag"].strip('"').endswith("-3")
    assert head["ContentLength"] == size
    download = s3_store.get("big/blob.bin")
    digest = b"".join(download.chunks)
    assert len(digest) == size
    assert digest == b"".join(chunks())


def test_s3_aborted_upload_leaves_no_object(s3_store: S3ArtifactStore) -> None:
    def failing() -> Iterator[bytes]:
        yield b"a" * (PART_SIZE + 1)
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        put_sync(s3_store, "broken.bin", failing())
    assert s3_store.list("") == []
    uploads = s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket)
    assert [u for u in uploads.get("Uploads", []) if u["Key"] == s3_store.key("broken.bin")] == []


def test_local_symlinks_out_of_the_root_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    store = LocalArtifactStore(tmp_path / "root")
    put_sync(store, "ok.txt", [b"ok"])
    (tmp_path / "root" / "link").symlink_to(outside)
    (tmp_path / "root" / "file-link").symlink_to(outside / "secret")
    for action in (
        lambda: store.get("link/secret"),
        lambda: store.get("file-link"),
        lambda: store.list("link"),
        lambda: put_sync(store, "link/new", [b"x"]),
        lambda: store.delete("link/secret"),
    ):
        with pytest.raises(InvalidParameter, match="outside the artifact root"):
            action()
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_text() == "s"


def test_local_failed_upload_leaves_no_partial_file(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    put_sync(store, "keep.txt", [b"old"])
    with pytest.raises(UploadTooLarge):
        put_sync(store, "keep.txt", [b"new" * 10], limit=5)
    assert read_all(store, "keep.txt") == b"old"
    with pytest.raises(UploadTooLarge):
        put_sync(store, "new/folders/file.bin", [b"new" * 10], limit=5)
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == ["keep.txt"]


def test_local_refuses_a_file_where_a_folder_is_needed(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    put_sync(store, "a", [b"file"])
    with pytest.raises(InvalidParameter, match="is a file"):
        put_sync(store, "a/b.txt", [b"x"])
    put_sync(store, "d/x.txt", [b"x"])
    with pytest.raises(InvalidParameter, match="is a folder"):
        put_sync(store, "d", [b"x"])


def test_uris_map_into_the_store_only_when_they_lie_inside(tmp_path: Path) -> None:
    local = LocalArtifactStore(tmp_path / "root")
    inside = tmp_path / "root" / "1" / "r"
    assert store_path(local, "mlflow-artifacts:/1/r/artifacts") == "1/r/artifacts"
    assert store_path(local, "mlflow-artifacts://host:5000/1/r") == "1/r"
    assert store_path(local, "http://h/api/2.0/mlflow-artifacts/artifacts/1/r") == "1/r"
    assert store_path(local, str(inside)) == "1/r"
    assert store_path(local, f"file://{inside}") == "1/r"
    assert store_path(local, str(tmp_path / "elsewhere")) is None
    assert store_path(local, f"{tmp_path}/root/../elsewhere") is None
    assert store_path(local, "s3://bucket/x") is None
    with pytest.raises(InvalidParameter, match="artifact_uri"):
        store_path(local, "mlflow-artifacts:/../etc")
    s3 = S3ArtifactStore("s3://bucket/pre/fix")
    assert store_path(s3, "s3://bucket/pre/fix/1/r") == "1/r"
    assert store_path(s3, "s3://bucket/pre/fixture/1") is None
    assert store_path(s3, "s3://other/pre/fix/1") is None


def _run(uri: str) -> RunInfo:
    return RunInfo("r", "n", "1", "u", "FINISHED", 0, 1, uri, "deleted")


def test_delete_run_artifacts_removes_exactly_that_run(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    put_sync(store, "1/r1/artifacts/a/b.txt", [b"x"])
    put_sync(store, "1/r2/artifacts/c.txt", [b"y"])
    assert delete_run_artifacts(store, _run("mlflow-artifacts:/1/r1/artifacts")) is True
    assert store.list("1") == [FileEntry("r2", True)]
    # Locations the server does not own, and the store's whole root, are left alone.
    assert delete_run_artifacts(store, _run(str(tmp_path / "elsewhere"))) is False
    assert delete_run_artifacts(store, _run("mlflow-artifacts:/")) is False
    assert store.list("1/r2/artifacts") == [FileEntry("c.txt", False, 1)]


def test_delete_location_takes_a_model_or_an_experiment(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "root")
    put_sync(store, "1/models/m-1/artifacts/MLmodel", [b"m"])
    put_sync(store, "1/r/artifacts/a.txt", [b"a"])
    put_sync(store, "2/r/artifacts/b.txt", [b"b"])
    assert delete_location(store, "mlflow-artifacts:/1/models/m-1/artifacts") is True
    assert store.list("1") == [FileEntry("r", True)]
    assert delete_location(store, "mlflow-artifacts:/1") is True
    assert store.list("") == [FileEntry("2", True)]
