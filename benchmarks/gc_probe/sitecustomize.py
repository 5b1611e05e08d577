"""Imported by every Python process started with this folder on PYTHONPATH (``submit_profile --gc-log``):
records each garbage collection's generation, duration and end time into ``$GC_PROBE_DIR/gc_<pid>.txt``,
rewritten every 10 collections. Benchmark tooling only; the engine never loads it."""

import gc
import os
import time

_DIR = os.environ.get("GC_PROBE_DIR")
_events: list[tuple[int, float, float]] = []
_started = [0.0]


def _write() -> None:
    with open(os.path.join(_DIR, f"gc_{os.getpid()}.txt"), "w") as out:  # type: ignore[arg-type]
        for generation, ms, end in _events:
            out.write(f"{generation} {ms:.3f} {end:.3f}\n")


def _callback(phase: str, info: dict) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    _events.append((info["generation"], (time.perf_counter() - _started[0]) * 1000, time.time()))
    if len(_events) % 10 == 0:
        _write()


if _DIR:
    gc.callbacks.append(_callback)
