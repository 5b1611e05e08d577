"""The blob store's two-step write (stage, then publish): nothing is visible under its name before publish,
publish makes it readable and syncs the new names, failures and discards leave no files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from kyc_engine.store.blobs import BlobStore, Cipher, discard, publish


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", Cipher(Fernet.generate_key()))


def files(store: BlobStore) -> list[str]:
    return sorted(p.name for p in store.root.rglob("*") if p.is_file())


def test_staged_blobs_are_invisible_until_published(store: BlobStore) -> None:
    staged = [store.stage("t1", b"selfie bytes"), store.stage("t1", b"document bytes")]
    assert all(s.tmp is not None and not s.path.exists() for s in staged)
    with pytest.raises(Exception, match="gone"):
        store.get(staged[0].name)
    publish(staged)
    assert store.get(staged[0].name) == b"selfie bytes" and store.get(staged[1].name) == b"document bytes"
    assert not [n for n in files(store) if n.startswith(".tmp-")]
    assert b"selfie bytes" not in staged[0].path.read_bytes()  # encrypted at rest


def test_content_already_stored_stages_nothing(store: BlobStore) -> None:
    name = store.put("t1", b"same")
    again = store.stage("t1", b"same")
    assert again.name == name and again.tmp is None
    publish([again])  # a no-op
    assert store.get(name) == b"same" and len(files(store)) == 1


def test_discard_leaves_no_file(store: BlobStore) -> None:
    staged = [store.stage("t1", b"a"), store.stage("t1", b"b")]
    discard(staged)
    assert files(store) == []


def test_a_failed_publish_leaves_none_of_the_submission(store: BlobStore) -> None:
    staged = [store.stage("t1", b"first"), store.stage("t1", b"second")]
    assert staged[1].fd >= 0
    os.close(staged[1].fd)  # the second sync will fail (EBADF)
    with pytest.raises(OSError):
        publish(staged)
    assert files(store) == []  # neither the synced first file nor the second: no half submission


def test_the_new_names_are_synced_through_their_directory(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    staged = [store.stage("t1", b"one"), store.stage("t1", b"two")]
    publish(staged)
    assert {str(s.path.parent) for s in staged} <= set(synced)
