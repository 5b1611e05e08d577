"""Blob writer processes: what they store is what the thread path stores, and the pool survives a writer's
death, a cancelled request and a submission too large for its slots. Real processes, real files."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyc_engine.errors import TransientError
from kyc_engine.service.blob_writers import BlobWriterPool
from kyc_engine.settings import ServiceSettings
from kyc_engine.store.blobs import BlobStore, Cipher
from kyc_engine.store.models import Verification
from tests.service.conftest import Deployment, auth, jpeg, make_settings, submission


@pytest.fixture
def svc(tmp_path: Path) -> ServiceSettings:
    return make_settings(tmp_path, "bw").service


def store_of(svc: ServiceSettings) -> BlobStore:
    return BlobStore(svc.blob_dir, Cipher.from_settings(svc))


def images(seed: int) -> list[tuple[bytes, bytes | None]]:
    return [(data, hashlib.sha256(data).digest()) for data in (jpeg(seed=seed), jpeg(seed=seed + 1))]


@pytest.fixture
def pools() -> Iterator[list[BlobWriterPool]]:
    started: list[BlobWriterPool] = []
    yield started
    for pool in started:
        pool.close()


def start(pools: list[BlobWriterPool], svc: ServiceSettings, processes: int, slot_bytes: int = 1 << 20) -> BlobWriterPool:
    pool = BlobWriterPool.start(svc, processes=processes, slot_bytes=slot_bytes)
    pools.append(pool)
    return pool


def kill_writer(pool: BlobWriterPool, pid: int) -> None:
    """SIGKILL one writer and wait until the pool has seen it exit."""
    left = pool.alive - 1
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pool.reap() > left and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.alive == left


def test_writers_store_what_the_thread_path_stores(svc: ServiceSettings, pools: list[BlobWriterPool]) -> None:
    pool = start(pools, svc, 2)
    items = images(1)

    async def main() -> list[list[str] | None]:
        return list(await asyncio.gather(*(pool.put_many("t1", items) for _ in range(3))))

    results = asyncio.run(main())
    store = store_of(svc)
    assert results[0] == results[1] == results[2] == [store.cipher.name(b"t1", d) for _, d in items]
    assert [store.get(n) for n in results[0] or []] == [data for data, _ in items]
    assert store.put_many("t1", items) == results[0]  # the thread path names (and dedupes) them the same
    assert not [p for p in svc.blob_dir.rglob(".tmp-*")]  # nothing left under a temporary name


def test_one_writer_takes_back_to_back_submissions_freed_as_soon_as_it_answers(
    svc: ServiceSettings, pools: list[BlobWriterPool]
) -> None:
    """The writer is handed to the next waiting request from the reader callback, before the request it
    answered has resumed: every submission still gets its own answer and its own images stored (freeing
    the writer before it has answered fails here: answers cross and the slot is overwritten)."""
    pool = start(pools, svc, 1)
    batches = [images(10 + 2 * i) for i in range(6)]

    async def main() -> list[list[str] | None]:
        return list(await asyncio.wait_for(asyncio.gather(*(pool.put_many("t1", b) for b in batches)), 30))

    results = asyncio.run(main())
    store = store_of(svc)
    assert results == [[store.cipher.name(b"t1", d) for _, d in b] for b in batches]
    assert all(store.get(n) == data for b, names in zip(batches, results, strict=True)
               for (data, _), n in zip(b, names or [], strict=True))  # fmt: skip


def test_a_submission_larger_than_a_slot_is_left_to_the_thread_path(
    svc: ServiceSettings, pools: list[BlobWriterPool]
) -> None:
    pool = start(pools, svc, 1, slot_bytes=4096)
    assert asyncio.run(pool.put_many("t1", images(2))) is None
    assert not [p for p in svc.blob_dir.rglob("*") if p.is_file()]


def test_a_dead_writer_is_retired_and_the_rest_carry_on(svc: ServiceSettings, pools: list[BlobWriterPool]) -> None:
    pool = start(pools, svc, 2)
    first, second = pool.pids
    kill_writer(pool, first)

    async def main() -> list[list[str] | None]:
        return [await pool.put_many("t1", images(10 + i)) for i in range(3)]

    results = asyncio.run(main())
    assert all(r is not None and len(r) == 2 for r in results)
    assert pool.alive == 1
    kill_writer(pool, second)
    assert asyncio.run(pool.put_many("t1", images(20))) is None  # none left: the caller uses a thread
    assert pool.alive == 0


def test_a_cancelled_request_keeps_its_slot_until_the_writer_answered(
    svc: ServiceSettings, pools: list[BlobWriterPool]
) -> None:
    pool = start(pools, svc, 1, slot_bytes=8 << 20)
    big = [(os.urandom(6 << 20), None)]  # slow enough to still be writing when cancelled
    after = images(30)

    async def main() -> list[str] | None:
        first = asyncio.ensure_future(pool.put_many("t1", big))
        await asyncio.sleep(0.01)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        # the only slot is still busy with the cancelled request's images: this waits, then writes its own
        return await pool.put_many("t1", after)

    names = asyncio.run(main())
    store = store_of(svc)
    assert names is not None and [store.get(n) for n in names] == [data for data, _ in after]
    big_name = store.cipher.name(b"t1", hashlib.sha256(big[0][0]).digest())
    assert store.get(big_name) == big[0][0]  # the cancelled request's file was still published whole


def test_the_api_falls_back_to_threads_when_its_writers_are_gone(tmp_path: Path) -> None:
    d = Deployment(make_settings(tmp_path, "bwapi", blob_writer_processes=1), tmp_path)
    try:
        headers = auth(d.tenant("acme").api_key)
        pool = d.client.app.state.blob_pool
        assert pool is not None and pool.alive == 1
        ok = d.client.post("/v1/verifications", headers=headers, **submission(seed=301))
        assert ok.status_code == 202, ok.text
        [pid] = pool.pids
        kill_writer(pool, pid)
        after = d.client.post("/v1/verifications", headers=headers, **submission(seed=302))
        assert after.status_code == 202, after.text
        assert pool.alive == 0
        with d.rt.session() as s:
            v = s.get(Verification, after.json()["id"])
            assert v is not None
            assert d.rt.blobs.get(v.selfie_blob) == jpeg(seed=302)  # written (in a thread) and readable
    finally:
        d.close()


def test_a_writer_that_cannot_start_fails_the_pool_cleanly(tmp_path: Path) -> None:
    bad = make_settings(tmp_path, "bwbad", blob_key="bm90IGEga2V5").service  # "not a key": the writer refuses it
    before = {p.pid for p in multiprocessing.active_children()}
    with pytest.raises(OSError, match="did not start"):
        BlobWriterPool.start(bad, processes=2, slot_bytes=1 << 20, timeout=30)
    assert {p.pid for p in multiprocessing.active_children()} == before  # nothing left running


def test_a_writer_dying_with_a_job_fails_that_submission_as_transient(
    svc: ServiceSettings, pools: list[BlobWriterPool]
) -> None:
    pool = start(pools, svc, 1)
    [pid] = pool.pids

    async def main() -> None:
        os.kill(pid, signal.SIGSTOP)  # it takes the job but cannot answer
        job = asyncio.ensure_future(pool.put_many("t1", images(40)))
        await asyncio.sleep(0.2)
        assert not job.done()
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(TransientError) as info:
            await job
        assert info.value.code == "transient.storage"  # answered 503: the client retries, nothing is lost
        assert pool.alive == 0
        assert await pool.put_many("t1", images(41)) is None  # the thread path takes over

    asyncio.run(main())


def test_requests_waiting_for_a_slot_are_not_stranded_when_the_last_writer_dies(
    svc: ServiceSettings, pools: list[BlobWriterPool]
) -> None:
    pool = start(pools, svc, 1)
    [pid] = pool.pids

    async def main() -> None:
        os.kill(pid, signal.SIGSTOP)
        holder = asyncio.ensure_future(pool.put_many("t1", images(50)))
        waiters = [asyncio.ensure_future(pool.put_many("t1", images(60 + i))) for i in range(3)]
        await asyncio.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(TransientError):
            await holder
        # each waiter learns that no writer is left and hands its submission to the thread path
        assert await asyncio.wait_for(asyncio.gather(*waiters), timeout=10) == [None, None, None]

    asyncio.run(main())
