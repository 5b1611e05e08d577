"""Benchmark of `kyc reverify`: re-verify N stored verifications through the queue with k `kyc worker`
processes; throughput (verifications/min) and the time to the diff report, then the time to --apply.

Set-up: a fresh PostgreSQL database and rq queue (dropped afterwards). A pool of distinct labelled cases
(`samples.cases`: genuine, impostors, wrong data, expired, tampered, unreadable...) is generated and
verified once in this process under the packaged policy (the "old" decisions); N verifications are then
stored directly through the repository and the encrypted blob store, cycling the pool (the blob store
deduplicates identical uploads, the rows are distinct). Workers are started and their engines loaded before
the clock starts. The run is `kyc_engine.service.reverify.reverify` (what `kyc reverify` calls) with a
stricter policy (minimum age 30; an uncertain registration name rejected).

    .venv/bin/python -m benchmarks.reverify --count 1000 --pool 60 --workers 2
    .venv/bin/python -m benchmarks.reverify --count 40 --pool 10 --no-write      # quick look
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from benchmarks.common import (
    drop_database,
    fresh_database,
    machine,
    now_utc,
    stop_processes,
    wait_for_workers,
    write_section,
)

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-01"  # the sample generator's clock


def strict_policy(default: str) -> str:
    version = default.split('version = "', 1)[1].split('"', 1)[0]
    out = default.replace(f'version = "{version}"', f'version = "{version}-bench-strict"', 1)
    out = out.replace("minimum_age = 18", "minimum_age = 30")
    out = out.replace(
        '"registration.name_uncertain" = "review"', '"registration.name_uncertain" = "rejected"'
    )
    assert out.count("bench-strict") == 1 and "minimum_age = 30" in out
    return out


def make_pool(tmp: Path, n: int, seed: int) -> list[dict[str, Any]]:
    """Generate ``n`` labelled cases and verify each once (in this process) under the packaged policy."""
    from kyc_engine.engine import VERIFY_STAGES, Engine
    from kyc_engine.imageio import load_image
    from kyc_engine.registration.model import parse_registration
    from kyc_engine.settings import Settings
    from samples.cases import generate_cases

    settings = Settings(today=TODAY)
    entries = generate_cases(tmp / "pool", n, seed)
    engine = Engine.from_settings(settings, stages=VERIFY_STAGES)
    pool = []
    for e in entries:
        files = {k: (tmp / "pool" / v) for k, v in e["files"].items()}
        raw = {k: files[k].read_bytes() for k in ("selfie", "document", "registration")}
        limits = {"max_bytes": settings.limits.max_upload_bytes, "max_pixels": settings.limits.max_pixels}
        report = engine.verify(
            load_image(raw["selfie"], name="selfie", **limits),
            load_image(raw["document"], name="document", **limits),
            parse_registration(raw["registration"], today=settings.current_date()),
        ).to_dict("en")
        pool.append({**raw, "report": report, "category": e["category"]})
    return pool


class Store:
    """A fresh database and queue; the settings for in-process use and for worker subprocesses."""

    def __init__(self, tmp: Path) -> None:
        from kyc_engine.settings import ServiceSettings, Settings

        self.db = f"kyc_bench_reverify_{os.getpid()}"
        fresh_database(self.db)
        service = {
            "database_url": f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.db}",
            "queue_name": f"kyc-bench-rv-{uuid.uuid4().hex[:8]}",
            "blob_dir": str(tmp / "blobs"),
            "blob_key": Fernet.generate_key().decode(),
        }
        self.settings = Settings(today=TODAY, service=ServiceSettings(**service))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KYC_")}
        self.env["KYC_TODAY"] = TODAY
        self.env.update({f"KYC_SERVICE__{k.upper()}": v for k, v in service.items()})
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs = tmp

    def fill(self, pool: list[dict[str, Any]], count: int) -> str:
        """Store ``count`` completed verifications (cycling ``pool``) with their old results."""
        from kyc_engine.store import repo
        from kyc_engine.store.db import migrate
        from kyc_engine.store.models import Result, Verification
        from kyc_engine.worker.runtime import Runtime

        migrate(self.settings.service.database_url)
        rt = Runtime.build(self.settings, pool_size=1)
        try:
            with rt.session() as s:
                tenant = repo.create_tenant(s, rt.cipher, "bench")
                s.commit()
                blobs = [
                    {k: rt.blobs.put(tenant.tenant_id, c[k]) for k in ("selfie", "document")} for c in pool
                ]
                for i in range(count):
                    c, b = pool[i % len(pool)], blobs[i % len(pool)]
                    vid, report = repo.new_id(), c["report"]
                    sha = hashlib.sha256(f"{i}".encode() + c["selfie"][:64]).hexdigest()
                    s.add(Verification(id=vid, tenant_id=tenant.tenant_id, status="completed", request_sha256=sha,
                                       external_ref=f"bench-{i}", lang="en", selfie_blob=b["selfie"],
                                       document_blob=b["document"], registration_enc=rt.cipher.encrypt(c["registration"]),
                                       decision=report["decision"], attempts=1))  # fmt: skip
                    s.flush()
                    s.add(Result(verification_id=vid, decision=report["decision"],
                                 reason_codes=[r["code"] for r in report["reasons"]],
                                 timings_ms=report.get("timings_ms", {}), report=report, source="engine",
                                 engine_decision=report["decision"], policy_version=report["policy_version"]))  # fmt: skip
                    if i % 200 == 199:
                        s.commit()
                s.commit()
            return tenant.tenant_id
        finally:
            rt.close()

    def start_workers(self, k: int, timeout: float = 300) -> None:
        for i in range(k):
            log = (self.logs / f"worker-{i}.log").open("wb")
            self.procs.append(subprocess.Popen([sys.executable, "-m", "kyc_engine.cli", "worker"], env=self.env,
                                               cwd=REPO, stdout=log, stderr=subprocess.STDOUT))  # fmt: skip
        wait_for_workers(self.settings.service.queue_name, k, timeout, self.logs)

    def close(self) -> None:
        stop_processes(self.procs)
        drop_database(self.db)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000, help="stored verifications to re-verify")
    ap.add_argument("--pool", type=int, default=60, help="distinct generated cases, cycled")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--window", type=int, default=8, help="jobs kept on the queue (kyc reverify --window)")
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--note", default="", help="a sentence about the conditions, added to RESULTS.md")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update RESULTS.md")
    args = ap.parse_args()
    from kyc_engine.service.reverify import reverify
    from kyc_engine.settings import DEFAULT_POLICY

    with tempfile.TemporaryDirectory(prefix="kyc-reverify-") as tmp_name:
        tmp = Path(tmp_name)
        t = time.perf_counter()
        pool = make_pool(tmp, args.pool, args.seed)
        pool_s = time.perf_counter() - t
        store = Store(tmp)
        try:
            store.fill(pool, args.count)
            store.start_workers(args.workers)
            policy = tmp / "strict.toml"
            policy.write_text(strict_policy(DEFAULT_POLICY.read_text(encoding="utf-8")), encoding="utf-8")
            load = os.getloadavg()
            dry = reverify(store.settings, policy_path=policy, out_dir=tmp / "reports", window=args.window)
            load_after = os.getloadavg()
            t = time.perf_counter()
            applied = reverify(store.settings, resume=dry["run_id"], apply=True, out_dir=tmp / "reports")
            apply_s = time.perf_counter() - t
        finally:
            store.close()
    per_min = dry["done"] / dry["report_s"] * 60 if dry["report_s"] > 0 else float("nan")
    old = Counter(c["report"]["decision"] for c in pool)
    result = {"count": args.count, "pool": args.pool, "workers": args.workers, "pool_s": round(pool_s, 1),
              "dry_run": dry, "apply_s": round(apply_s, 1), "applied": applied["applied"],
              "per_min": round(per_min, 1), "load": load, "load_after": load_after}  # fmt: skip
    print(json.dumps(result, default=str))
    cmd = (f".venv/bin/python -m benchmarks.reverify --count {args.count} --pool {args.pool} "
           f"--workers {args.workers} --window {args.window}")  # fmt: skip
    text = f"""## Batch re-verification: `kyc reverify` (issue 7)

Measured {now_utc()} on {machine()}; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) at the
start of the run, {load_after[0]:.1f} at its end. {args.note}
Rerun: `{cmd}`.
Set-up: {args.count} completed verifications stored directly through the repository and the encrypted blob
store, cycling {args.pool} distinct generated cases (`samples.cases`, seed {args.seed}; old decisions from one
in-process verification each under the packaged policy: {", ".join(f"{k} {v}" for k, v in sorted(old.items()))}),
re-verified through the rq queue by {args.workers} `kyc worker` processes (engines loaded before the clock
starts) under a stricter policy (minimum age 30, `registration.name_uncertain` rejected), with a window of
{args.window} jobs on the queue. PostgreSQL and Redis on localhost.

| verifications | workers | time to the diff report | verifications/min | failed | decisions changed | then --apply |
|---|---|---|---|---|---|---|
| {dry["total"]} | {args.workers} | {dry["report_s"]:.0f} s | {per_min:.1f} | {dry["failed"]} | {dry["changed"]} | {apply_s:.1f} s ({", ".join(f"{k} {v}" for k, v in sorted((applied["applied"] or {}).items()))}) |

The time to the diff report runs from the call (planning the run, enqueueing) to the CSV and HTML written;
throughput is verifications re-verified over that time. A verification costs a re-verification what it
costs the first time (the whole engine runs again), so throughput follows the service's
completion rate on the same box.
"""
    print(text)
    if not args.no_write:
        write_section("reverify", text)


if __name__ == "__main__":
    main()
