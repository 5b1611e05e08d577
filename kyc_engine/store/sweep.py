"""Blob files that no verification refers to, found and removed (part of ``kyc purge``).

Two kinds are left behind in normal operation: temporary files of a submission the API process did not
finish (killed mid-write), and images published for a submission whose row was then never committed
(database down, client gone, process killed between the two). Both hold personal images that the
retention period and erasure would otherwise never reach.

A file younger than ``grace`` is never touched: it may belong to a submission in flight. Re-using stored
content refreshes the file's time (:meth:`BlobStore.stage`), and a file is moved aside before its time is
checked again, so one that a new submission picked up meanwhile is put back instead of deleted.

Example::

    with rt.session() as s:
        swept = sweep_blobs(s, rt.blobs, grace=timedelta(hours=24))
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .blobs import TMP_PREFIX, BlobStore, is_blob_name
from .models import Verification

HEX = "0123456789abcdef"


@dataclass
class Swept:
    """What a sweep removed (``bytes``: their size on disk) and how many unreferenced files it kept
    because they were younger than the grace period."""

    temporary: int = 0
    orphans: int = 0
    bytes: int = 0
    kept_recent: int = 0


def _referenced(session: Session, first: str) -> set[str]:
    """Blob names starting with hex digit ``first`` that a verification row names (one pass over the table
    per digit, so a large table is held in memory 16 slices at a time, not at once)."""
    upper = chr(ord(first) + 1)
    cols = (Verification.selfie_blob, Verification.document_blob, Verification.document_back_blob)
    rows = session.execute(select(*cols).where(or_(*((col >= first) & (col < upper) for col in cols))))
    return {name for row in rows for name in row if name is not None and first <= name < upper}


def _remove_orphan(path: Path, grace_s: float) -> int | None:
    """Delete ``path`` unless a submission refreshed it meanwhile; returns the bytes removed (None: kept)."""
    aside = path.with_name(f"{TMP_PREFIX}sweep-{secrets.token_hex(8)}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return None
    st = os.stat(aside)
    if time.time() - st.st_mtime < grace_s:  # re-used since it was listed: same name, same content
        os.replace(aside, path)
        return None
    os.unlink(aside)
    return st.st_size


def sweep_blobs(session: Session, blobs: BlobStore, *, grace: timedelta) -> Swept:
    """Remove temporary files and unreferenced blobs older than ``grace`` under ``blobs.root``."""
    out = Swept()
    grace_s = grace.total_seconds()
    if not blobs.root.is_dir():
        return out
    fanout = sorted(d for d in blobs.root.iterdir() if d.is_dir() and len(d.name) == 2 and d.name[0] in HEX)
    for first in HEX:
        dirs = [d for d in fanout if d.name[0] == first]
        if not dirs:
            continue
        referenced = _referenced(session, first)
        for directory in dirs:
            for entry in os.scandir(directory):
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # published or removed meanwhile
                    continue
                temporary = entry.name.startswith(TMP_PREFIX)
                if not temporary and (not is_blob_name(entry.name) or entry.name in referenced):
                    continue
                if time.time() - st.st_mtime < grace_s:
                    out.kept_recent += 1
                elif temporary:
                    try:
                        os.unlink(entry.path)
                    except FileNotFoundError:
                        continue
                    out.temporary += 1
                    out.bytes += st.st_size
                elif (removed := _remove_orphan(Path(entry.path), grace_s)) is not None:
                    out.orphans += 1
                    out.bytes += removed
    return out
