"""The submit-step histograms: bucket choice, and the cumulative Prometheus form read back from Redis."""

from __future__ import annotations

import uuid

import pytest
from redis import Redis
from redis.exceptions import RedisError

from kyc_engine.service.submit_steps import BUCKETS_MS, StepTimer, histogram, record_commands, steps_key


def test_each_duration_counts_in_the_smallest_bucket_that_holds_it() -> None:
    commands = record_commands("k", {"read": 0.4, "store": 10.0, "commit": 10.01, "check": 99_999.0})
    counted = {c[2] for c in commands if c[0] == "HINCRBY"}
    assert counted == {"read|1", "store|10", "commit|25", "check|+Inf"}
    sums = {c[2]: c[3] for c in commands if c[0] == "HINCRBYFLOAT"}
    assert sums == {"read|sum": 0.4, "store|sum": 10.0, "commit|sum": 10.01, "check|sum": 99_999.0}


def test_histogram_is_cumulative_and_skips_steps_never_seen() -> None:
    raw = {b"store|5": b"2", b"store|50": b"1", b"store|+Inf": b"1", b"store|sum": b"3061.5"}
    [*samples] = histogram(raw).samples
    buckets = {s.labels["le"]: s.value for s in samples if s.name.endswith("_bucket")}
    assert {s.labels["step"] for s in samples} == {"store"}
    assert buckets["1"] == 0 and buckets["5"] == 2 and buckets["25"] == 2 and buckets["50"] == 3
    assert buckets["+Inf"] == 4 and len(buckets) == len(BUCKETS_MS) + 1
    assert [s.value for s in samples if s.name.endswith("_count")] == [4]
    assert [s.value for s in samples if s.name.endswith("_sum")] == [3061.5]


def test_the_commands_add_up_in_a_real_redis() -> None:
    redis = Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2)
    try:
        redis.ping()
    except RedisError:
        pytest.skip("Redis on 127.0.0.1:6379 not reachable; run scripts/services.sh")
    key = steps_key(f"test-{uuid.uuid4().hex[:8]}")
    try:
        for ms in (3.0, 4.0, 700.0):
            timer = StepTimer()
            timer.ms["store"] = ms
            for command in record_commands(key, timer.ms):
                redis.execute_command(*command)
        [*samples] = histogram(redis.hgetall(key)).samples
    finally:
        redis.delete(key)
    buckets = {s.labels["le"]: s.value for s in samples if s.name.endswith("_bucket")}
    assert buckets["5"] == 2 and buckets["500"] == 2 and buckets["1000"] == 3
    assert [s.value for s in samples if s.name.endswith("_sum")] == [pytest.approx(707.0)]


def test_step_timer_closes_each_step_at_its_mark() -> None:
    timer = StepTimer()
    timer.mark("read")
    timer.mark("check")
    assert list(timer.ms) == ["read", "check"] and all(v >= 0 for v in timer.ms.values())
