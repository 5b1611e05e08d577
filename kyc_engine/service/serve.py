"""Run the API in one or several processes on one port.

Several processes each open their own listening socket with ``SO_REUSEPORT``, so the kernel spreads new
connections over them by a hash of their addresses: evenly over many connections, often unevenly over a
few long-lived ones (benchmarks/RESULTS.md, service section). uvicorn's own ``workers=N`` shares one
socket, and there the process that wakes first takes most connections: 20 keep-alive clients split 14/6
or 20/0 when measured here, which leaves one process saturated while the other idles. A small supervisor starts the processes, restarts one
that dies (backing off while one keeps dying at start), and stops them all on SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

from ..settings import Settings

log = logging.getLogger(__name__)

#: An API process that exits sooner than this after its start is crash-looping: restarts back off.
QUICK_EXIT_S = 10.0
MAX_BACKOFF_S = 60.0


def restart_delay(previous_s: float, lived_s: float) -> float:
    """Seconds to wait before restarting a process that lived ``lived_s``: none after a normal life, then
    1, 2, 4 … up to :data:`MAX_BACKOFF_S` while it keeps dying right after its start."""
    if lived_s >= QUICK_EXIT_S:
        return 0.0
    return min(MAX_BACKOFF_S, max(1.0, previous_s * 2))


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket with SO_REUSEPORT, one per API process."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _serve_one(host: str, port: int) -> None:
    """One API process: settings from the environment (as the parent's), its own socket, uvicorn."""
    import uvicorn

    from .app import create_app

    sock = reuseport_socket(host, port)
    config = uvicorn.Config(create_app(), log_level="warning", proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])


def serve(settings: Settings, host: str, port: int, processes: int) -> None:
    """Serve until SIGTERM/SIGINT: in this process when ``processes`` is 1, else under a supervisor."""
    import uvicorn

    from .app import create_app

    if processes == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", proxy_headers=False)
        return
    reuseport_socket(host, port).close()  # fail here, once, if the port is taken by someone else
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited pools or threads
    stopping = False

    def start() -> BaseProcess:
        proc = ctx.Process(target=_serve_one, args=(host, port), name="kyc-api")
        proc.start()
        return proc

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    procs = [start() for _ in range(processes)]
    started = [time.monotonic()] * processes
    delays = [0.0] * processes
    due: dict[int, float] = {}  # process slot -> when its replacement starts
    try:
        while not stopping:
            time.sleep(0.5)
            now = time.monotonic()
            for i, proc in enumerate(procs):
                if stopping or proc.is_alive():
                    continue
                if i not in due:
                    delays[i] = restart_delay(delays[i], now - started[i])
                    due[i] = now + delays[i]
                    log.error("API process %s exited with %s; starting another in %.0f s", proc.pid,
                              proc.exitcode, delays[i])  # fmt: skip
                if now >= due[i]:
                    del due[i]
                    procs[i], started[i] = start(), now
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + 30
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        for sig, handler in old.items():
            signal.signal(sig, handler)
