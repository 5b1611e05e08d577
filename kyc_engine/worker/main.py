"""``kyc worker``: build the Engine once, then process jobs; a background process reconciles and delivers
webhooks.

Why rq's ``SimpleWorker`` (jobs run in the worker process) rather than the forking ``Worker``: the
models are loaded before the first job either way (the preload the forking pattern is for), but a fork
per job would re-create onnxruntime's and Tesseract's thread pools in every child, and forking after
onnxruntime started its threads is not safe. On a 2-core box one process per core is the right shape:
run ``kyc worker`` twice. A worker killed mid-job loses nothing: its row stays 'processing' and the
reconciler re-enqueues it after ``processing_timeout_s``. The reconciler and the webhook sender run in a
small child process forked before the engine is built (see :func:`_background`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

from rq import SimpleWorker

from ..errors import KycError
from ..settings import Settings
from ..store.db import migrate, transient_db
from .gallery import GallerySync
from .heap import freeze_startup_heap
from .reconcile import reconcile
from .runtime import Runtime, set_runtime
from .webhooks import deliver_due

log = logging.getLogger(__name__)


def _background(settings: Settings) -> None:
    """Reconciler and webhook loop, in a child process forked before the engine is built.

    A separate process rather than a thread: rq forks its scheduler from the worker, and forking a
    process that has other threads running (holding logging or connection-pool locks) can deadlock the
    child. The loop stops on SIGTERM or when its parent worker is gone (even after kill -9)."""
    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the worker, which stops us
    rt = Runtime.build(settings, pool_size=2)
    svc = settings.service
    next_reconcile = 0.0
    try:
        while not stop.is_set() and os.getppid() == parent:
            try:
                if time.monotonic() >= next_reconcile:
                    reconcile(rt)
                    next_reconcile = time.monotonic() + svc.reconcile_interval_s
                deliver_due(rt)
            except KycError as exc:
                log.warning("background loop: %s", exc.code)
            except Exception as exc:  # the database or Redis may be down for a while: keep trying
                log.warning("background loop: %s: %s", type(exc).__name__, exc)
            stop.wait(svc.webhook_poll_s)
    finally:
        rt.close()


def load_gallery(rt: Runtime) -> GallerySync | None:
    """The tenants' stored faces of the engine's embedding model, in memory (once, like the models)."""
    if rt.engine is None or rt.engine.faces is None:
        return None
    with rt.session() as s, transient_db():
        return GallerySync.load(s, rt.engine.faces.embedder.model)


def run_worker(settings: Settings, *, burst: bool = False) -> int:
    """Migrate, preload the Engine, then work the queue until SIGTERM/SIGINT (or empty, with ``burst``)."""
    from ..engine import VERIFY_STAGES, Engine

    if settings.service.worker_nice > 0:
        # verification is batch work; the API answering submissions in milliseconds matters more
        os.nice(settings.service.worker_nice)
    if settings.service.worker_sched_idle and hasattr(os, "SCHED_IDLE"):
        # Linux: run only on CPU time nothing else wants (threads started later inherit it)
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    migrate(settings.service.database_url)
    background = multiprocessing.get_context("fork").Process(
        target=_background, args=(settings,), name="kyc-background", daemon=True
    )
    background.start()  # before the engine exists: the child holds no model and no thread pool
    started = time.perf_counter()
    engine = Engine.from_settings(settings, stages=VERIFY_STAGES)
    log.info("engine built in %.1f s", time.perf_counter() - started)
    rt = Runtime.build(settings, pool_size=2)
    rt.engine = engine
    rt.gallery = load_gallery(rt)
    set_runtime(rt)
    frozen = freeze_startup_heap()  # models, gallery: no GC walks over them
    log.debug("start-up heap frozen: %d objects", frozen)
    worker = SimpleWorker(
        [rt.queue],
        connection=rt.redis,
        serializer=rt.queue.serializer,
        name=f"kyc-{socket.gethostname()}-{os.getpid()}",
    )
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
    finally:
        background.terminate()
        background.join(timeout=10)
        set_runtime(None)
        rt.close()
    return 0
