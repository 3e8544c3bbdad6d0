"""The blob store checks hashes on read, and a second put repairs a damaged blob."""

from pathlib import Path

import pytest

from batchjudge.storage.blobs import BlobCorruptError, BlobNotFoundError, BlobStore


def test_a_damaged_blob_is_reported_and_never_served(tmp_path: Path):
    store = BlobStore(tmp_path)
    digest = store.put(b"1 2\n")
    store.path(digest).write_bytes(b"1 3\n")
    with pytest.raises(BlobCorruptError, match="is corrupt"):
        store.get(digest)
    with pytest.raises(BlobCorruptError):
        store.check(digest)


def test_a_missing_blob_is_reported_by_get_and_check(tmp_path: Path):
    store = BlobStore(tmp_path)
    digest = store.put(b"data")
    store.path(digest).unlink()
    for read in (store.get, store.check):
        with pytest.raises(BlobNotFoundError, match="is missing"):
            read(digest)


def test_putting_the_same_bytes_again_repairs_a_damaged_blob(tmp_path: Path):
    store = BlobStore(tmp_path)
    digest = store.put(b"answer\n")
    store.path(digest).write_bytes(b"")
    assert store.put(b"answer\n") == digest
    assert store.get(digest) == b"answer\n"
    store.check(digest)
