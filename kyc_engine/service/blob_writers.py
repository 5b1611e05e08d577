"""Blob writer processes for the API: the encrypted image files are written outside the API's process.

Writing a submission's images (encrypt, write, ``fdatasync``, rename, sync the directories) takes ~18 system
calls. In a thread of the API every one of them gives the GIL up and takes it back from the event loop, and
under load the loop spent about a third of its time waiting for it (benchmarks/RESULTS.md, service). Here each
writer is a process of its own with a slot of shared memory (an anonymous ``memfd``, not ``/dev/shm``, whose
size limit in containers would make a write fault): the API copies a submission's images into a free slot,
sends the writer a short message and awaits the answer with ``loop.add_reader``, with no thread at all.

Guarantees kept from the thread path (:meth:`kyc_engine.store.blobs.BlobStore.put_many`): the answer comes
only after every file is durable and visible, or none is left behind; a request cancelled meanwhile does not
free its slot before the writer has answered. A writer that dies is not reused: its request fails as
``transient.storage`` (retryable) and later submissions use the other writers, or the thread path when none
is left. Submissions larger than a slot use the thread path too.

Example::

    pool = BlobWriterPool.start(settings.service, processes=4, slot_bytes=16 << 20)
    names = await pool.put_many(tenant_id, [(image, sha256), ...])   # None: use the thread path
    pool.close()
"""

from __future__ import annotations

import asyncio
import logging
import mmap
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import recv_handle, send_handle
from typing import Any

from ..errors import KycError, TransientError
from ..settings import ServiceSettings

log = logging.getLogger(__name__)

__all__ = ["BlobWriterPool"]


def _serve(conn: Connection, svc: ServiceSettings, size: int) -> None:
    """A writer process: receive the slot's memory, then store what each message names, until ``None``."""
    from ..store.blobs import BlobStore, Cipher

    # Ctrl-C reaches the whole process group: the API decides when its writers stop (None, or EOF if it died)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd = recv_handle(conn)
    slot = mmap.mmap(fd, size)
    logging.getLogger("kyc_engine.store.blobs").setLevel(logging.ERROR)  # the API warned of a dev key already
    store = BlobStore(svc.blob_dir, Cipher.from_settings(svc))
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the API is gone
            break
        if message is None:
            break
        tenant_id, parts = message
        items = [(bytes(slot[offset : offset + length]), sha256) for offset, length, sha256 in parts]
        try:
            conn.send(("ok", store.put_many(tenant_id, items)))
        except KycError as exc:
            conn.send(("error", exc.code, str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the API as a retryable error with a code
            log.exception("blob writer failed")
            conn.send(("error", "transient.storage", f"{type(exc).__name__}: {exc}"))


#: Put in the free-slot queue when the last writer is retired: a request waiting for a slot then gets it,
#: passes it on to the next one and writes in a thread.
_NONE_LEFT = -1


@dataclass
class _Writer:
    conn: Connection
    process: BaseProcess
    slot: mmap.mmap
    memfd: int
    alive: bool = True


class BlobWriterPool:
    """Writer processes, each with one slot of ``slot_bytes``; one submission per writer at a time."""

    def __init__(self, writers: list[_Writer], slot_bytes: int) -> None:
        self._writers = writers
        self.slot_bytes = slot_bytes
        self._free: asyncio.Queue[int] = asyncio.Queue()
        for i in range(len(writers)):
            self._free.put_nowait(i)

    @classmethod
    def start(
        cls, svc: ServiceSettings, *, processes: int, slot_bytes: int, timeout: float = 60.0
    ) -> BlobWriterPool:
        """Spawn the writers (a fresh interpreter each: nothing of the API's state is inherited) and wait
        until each has loaded; OSError if one does not start within ``timeout`` seconds (none is left)."""
        ctx = mp.get_context("spawn")
        writers: list[_Writer] = []
        try:
            for i in range(processes):
                memfd = os.memfd_create(f"kyc-blob-slot-{i}", os.MFD_CLOEXEC)
                os.ftruncate(memfd, slot_bytes)
                ours, theirs = ctx.Pipe()
                process = ctx.Process(target=_serve, args=(theirs, svc, slot_bytes),
                                      name=f"kyc-blob-writer-{i}", daemon=True)  # fmt: skip
                process.start()
                theirs.close()
                writers.append(_Writer(ours, process, mmap.mmap(memfd, slot_bytes), memfd))
                send_handle(ours, memfd, process.pid)
            deadline = time.monotonic() + timeout
            for writer in writers:
                try:
                    ready = writer.conn.poll(max(0.0, deadline - time.monotonic())) and writer.conn.recv()
                except EOFError:  # it died while starting (its error is in the log)
                    ready = False
                if ready != ("ready",):
                    raise OSError(f"{writer.process.name} did not start")
        except BaseException:
            cls(writers, slot_bytes).close(timeout=1.0)
            raise
        log.info("%d blob writer processes started (slot %d MiB)", processes, slot_bytes >> 20)
        return cls(writers, slot_bytes)

    @property
    def alive(self) -> int:
        """Writers still in use (one that died is never used again)."""
        return sum(w.alive for w in self._writers)

    def reap(self) -> int:
        """Retire the writers whose process has exited; the number still in use. (:meth:`put_many` finds a
        dead writer by itself when it comes to it; this is for monitoring and tests.)"""
        for writer in self._writers:
            if writer.alive and not writer.process.is_alive():
                self._retire(writer, f"exit code {writer.process.exitcode}")
        return self.alive

    @property
    def pids(self) -> list[int]:
        """The writer processes' ids, in slot order (for monitoring)."""
        return [w.process.pid for w in self._writers if w.process.pid is not None]

    async def put_many(self, tenant_id: str, items: Sequence[tuple[bytes, bytes | None]]) -> list[str] | None:
        """The blob names, as :meth:`BlobStore.put_many` returns them; ``None`` when no writer can take it
        (too large for a slot, or every writer died): the caller writes in a thread instead."""
        if sum(len(data) for data, _ in items) > self.slot_bytes:
            return None
        while self.alive:
            index = await self._free.get()
            if index == _NONE_LEFT:  # the last writer died while this request waited: pass the word on
                self._free.put_nowait(_NONE_LEFT)
                return None
            writer = self._writers[index]
            if not writer.process.is_alive():  # died while idle: it never took this job
                self._retire(writer, "exited while idle")
                continue
            # run to the end even if this request is cancelled: the slot is freed only after the writer has
            # answered (or died), so a later submission never overwrites images still being written
            return await asyncio.shield(asyncio.ensure_future(self._exchange(index, tenant_id, items)))
        return None

    def _retire(self, writer: _Writer, why: object) -> None:
        writer.alive = False
        log.error("blob writer %s is gone (%s); %d left", writer.process.name, why, self.alive)
        if not self.alive:  # wake the requests waiting for a slot that will never be freed
            self._free.put_nowait(_NONE_LEFT)

    async def _exchange(
        self, index: int, tenant_id: str, items: Sequence[tuple[bytes, bytes | None]]
    ) -> list[str]:
        writer = self._writers[index]
        released = False

        def release() -> None:  # at most once; a writer that died is not handed out again
            nonlocal released
            if not released and writer.alive:
                self._free.put_nowait(index)
            released = True

        try:
            parts, offset = [], 0
            for data, sha256 in items:
                writer.slot[offset : offset + len(data)] = data
                parts.append((offset, len(data), sha256))
                offset += len(data)
            writer.conn.send((tenant_id, parts))
            reply = await self._reply(writer, release)
        except (EOFError, OSError) as exc:  # died with the job: whether its files were published is unknown
            self._retire(writer, exc)
            raise TransientError(
                "The image store cannot take the upload now.", code="transient.storage"
            ) from exc
        finally:
            release()
        if reply[0] == "ok":
            return list(reply[1])
        _, code, message = reply
        if code.startswith("transient."):
            raise TransientError(message, code=code)
        raise KycError(message, code=code)

    @staticmethod
    async def _reply(writer: _Writer, release: Callable[[], None]) -> Any:
        """The writer's answer. ``release`` is called as soon as it is read, in the reader callback: the
        writer is idle again and its slot no longer needed, and a request waiting for a writer should not
        also wait until the event loop gets round to resuming this one (under load, ~10 ms)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        fd = writer.conn.fileno()
        watching = True  # once released, the fd's reader may be the next request's: never remove that one

        def readable() -> None:
            nonlocal watching
            loop.remove_reader(fd)
            watching = False
            if future.done():
                return
            try:
                reply = writer.conn.recv()
            except (EOFError, OSError) as exc:
                future.set_exception(exc)
                return
            release()
            future.set_result(reply)

        loop.add_reader(fd, readable)
        try:
            return await future
        finally:
            if watching:
                loop.remove_reader(fd)

    def close(self, timeout: float = 5.0) -> None:
        """Ask every writer to stop after its current submission; kill the ones that do not."""
        for writer in self._writers:
            if writer.alive:
                try:
                    writer.conn.send(None)
                except (OSError, ValueError):  # ValueError: already closed
                    pass
        for writer in self._writers:
            writer.process.join(timeout)
            if writer.process.is_alive():
                writer.process.kill()
                writer.process.join(timeout)
            writer.conn.close()
            writer.slot.close()
            os.close(writer.memfd)
