"""Helpers shared by the benchmark runners: machine description, percentiles, RESULTS.md sections, and the
scratch PostgreSQL databases and `kyc worker` processes of the service benchmarks."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
PG = "postgresql://postgres@127.0.0.1:5432"


def machine() -> str:
    """One line naming the CPU, core count, memory and Python used."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        mem = "unknown memory"
    return f"{cpu}, {os.cpu_count()} cores, {mem}, Python {platform.python_version()}, {platform.system()}"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace (or append) the block between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = (
        path.read_text(encoding="utf-8")
        if path.exists()
        else "# Benchmark results\n\nRerun commands are given in each section.\n"
    )
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = (
        pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    path.write_text(text, encoding="utf-8")


def fresh_database(name: str) -> None:
    """Create PostgreSQL database ``name``, dropping an older one of that name first."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop_processes(procs: list[subprocess.Popen[bytes]], timeout: float = 30) -> None:
    """SIGTERM every process, then wait; kill those still running after ``timeout`` seconds."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_for_workers(queue_name: str, k: int, timeout: float, logs: Path) -> None:
    """Until ``k`` rq workers listen on the queue (`kyc worker` registers only after building its engine)."""
    from redis import Redis
    from rq import Queue, Worker

    queue = Queue(queue_name, connection=Redis())
    deadline = time.monotonic() + timeout
    while Worker.count(queue=queue) < k:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{k} workers did not start; see {logs}")
        time.sleep(0.5)
