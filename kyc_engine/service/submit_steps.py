"""Where the API's submit time goes, step by step, as Prometheus histograms kept in Redis.

An accepted submission times four steps: ``read`` (receive the body and split the multipart form), ``check``
(idempotency lookup, field and image checks, registration JSON), ``store`` (wait for a blob writer and write
the encrypted images durably) and ``commit`` (insert the row). The durations are added to one Redis hash
*inside the MULTI/EXEC that enqueues the job*, so recording costs no extra round trip, and every API process
adds to the same hash: ``/metrics`` reads it whichever process answers the scrape. Refused submissions and
idempotent replays record nothing (they never enqueue).

Example::

    timer = StepTimer()
    ...; timer.mark("read")
    ...; timer.mark("check")
    commands = record_commands(steps_key("kyc"), timer.ms)   # run in the enqueue's pipeline
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Final

from prometheus_client.core import HistogramMetricFamily

__all__ = ["BUCKETS_MS", "STEPS", "StepTimer", "histogram", "record_commands", "steps_key"]

STEPS: Final = ("read", "check", "store", "commit")
#: upper bounds (ms) of the histogram buckets; the last bucket is ``+Inf``
BUCKETS_MS: Final = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)
_INF: Final = "+Inf"


class StepTimer:
    """Durations of consecutive steps: each :meth:`mark` closes the step that ran since the previous one."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.ms: dict[str, float] = {}

    def mark(self, step: str) -> None:
        now = time.perf_counter()
        self.ms[step] = (now - self._last) * 1000
        self._last = now


def steps_key(queue_name: str) -> str:
    """The Redis hash of one deployment (named by its queue, so deployments sharing a Redis stay apart)."""
    return f"kyc:submit_step_ms:{queue_name}"


def _bucket(ms: float) -> str:
    return next((str(b) for b in BUCKETS_MS if ms <= b), _INF)


def record_commands(key: str, ms: Mapping[str, float]) -> list[tuple[str | int | float, ...]]:
    """Redis commands that add one submission's step durations to ``key``: per step, its bucket's count
    (field ``step|bound``) and the running sum (``step|sum``)."""
    commands: list[tuple[str | int | float, ...]] = []
    for step, value in ms.items():
        commands.append(("HINCRBY", key, f"{step}|{_bucket(value)}", 1))
        commands.append(("HINCRBYFLOAT", key, f"{step}|sum", round(value, 3)))
    return commands


def histogram(raw: Mapping[bytes | str, bytes | str]) -> HistogramMetricFamily:
    """``kyc_submit_step_latency_ms{step}`` from the hash's fields (``HGETALL``); cumulative buckets."""
    fields = {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}
    family = HistogramMetricFamily(
        "kyc_submit_step_latency_ms",
        "API submit time per step of accepted submissions (ms): read, check, store, commit",
        labels=["step"],
    )
    for step in STEPS:
        counts = [fields.get(f"{step}|{b}", 0.0) for b in (*BUCKETS_MS, _INF)]
        if not any(counts):
            continue
        running, buckets = 0.0, []
        for bound, n in zip((*BUCKETS_MS, _INF), counts, strict=True):
            running += n
            buckets.append((str(bound), running))
        family.add_metric([step], buckets, fields.get(f"{step}|sum", 0.0))
    return family
