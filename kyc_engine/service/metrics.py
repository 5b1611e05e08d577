"""Prometheus metrics, computed at scrape time from PostgreSQL and Redis so every worker's work counts
(no per-process counters to merge): queue depth, verifications by status, decisions, reasons,
per-stage latency histograms of completed verifications and the API's submit time per step
(:mod:`kyc_engine.service.submit_steps`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from ..worker.runtime import Runtime
from .submit_steps import histogram, steps_key

log = logging.getLogger(__name__)

BUCKETS_MS = (50, 100, 250, 500, 1000, 2000, 5000, 10000, 30000)
STAGES = ("mrz", "faces", "checks")


class KycCollector(Collector):
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        depth = GaugeMetricFamily("kyc_queue_depth", "Jobs waiting in the rq queue")
        steps = None
        try:
            depth.add_metric([], float(self.rt.queue.count))
            steps = histogram(self.rt.redis.hgetall(steps_key(self.rt.settings.service.queue_name)))
        except Exception as exc:
            log.warning("metrics: Redis unavailable (%s)", type(exc).__name__)
        yield depth
        if steps is not None:
            yield steps
        try:
            yield from self._from_db()
        except Exception as exc:
            log.warning("metrics: database unavailable (%s)", type(exc).__name__)

    def _from_db(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        with self.rt.session() as s:
            statuses = s.execute(text("SELECT status, count(*) FROM verifications GROUP BY status")).all()
            decisions = s.execute(text("SELECT decision, count(*) FROM results GROUP BY decision")).all()
            reasons = s.execute(
                text(
                    "SELECT code, count(*) FROM results, jsonb_array_elements_text(reason_codes) AS code GROUP BY code"
                )
            ).all()
            cases = ", ".join(f"count(*) FILTER (WHERE value::float <= {b})" for b in BUCKETS_MS)
            stages = s.execute(
                text(
                    f"SELECT key, count(*), coalesce(sum(value::float), 0), {cases} FROM results, "
                    "jsonb_each_text(timings_ms) WHERE key = ANY(:stages) GROUP BY key"
                ),
                {"stages": list(STAGES)},
            ).all()
        g = GaugeMetricFamily("kyc_verifications", "Verifications by status", labels=["status"])
        for status, n in statuses:
            g.add_metric([status], n)
        yield g
        c = CounterMetricFamily("kyc_decisions", "Completed verifications by decision", labels=["decision"])
        for decision, n in decisions:
            c.add_metric([decision], n)
        yield c
        r = CounterMetricFamily("kyc_reasons", "Reason codes in completed verifications", labels=["code"])
        for code, n in reasons:
            r.add_metric([code], n)
        yield r
        h = HistogramMetricFamily("kyc_stage_latency_ms", "Stage latency of completed verifications (ms)",
                                  labels=["stage"])  # fmt: skip
        for key, count, total, *cum in stages:
            buckets = [(str(b), float(n)) for b, n in zip(BUCKETS_MS, cum, strict=True)] + [
                ("+Inf", float(count))
            ]
            h.add_metric([key], buckets, float(total))
        yield h
