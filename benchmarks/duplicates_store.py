"""1:N gallery as the worker runs it: PostgreSQL ``face_embeddings`` → per-tenant index → search, 10k–1M rows.

    .venv/bin/python -m benchmarks.duplicates_store                       # writes "duplicates-store"
    .venv/bin/python -m benchmarks.duplicates_store --sizes 10000 --no-write

For each size: a scratch database (created, migrated, dropped), one tenant holding every row (the worst
case for a tenant-scoped index), rows bulk-inserted with ``COPY`` (verifications, then face_embeddings:
synthetic 128-d descriptors from ``benchmarks.duplicates.synthetic``, uuid ids, sha256 subject hashes, as
the worker writes them). Then, in this process, exactly what ``kyc worker`` does: ``GallerySync.load``
(timed; memory = growth of the process RSS, and the vector matrix alone); ``refresh`` with nothing new
and after another transaction committed one verified case (row + audit entry, as ``repo.finish`` does);
and the duplicate search through the tenant's view (``TenantView.duplicates`` at the 0.50 setting,
including the store re-check of any hit), for 200 queries: stored rows plus noise of norm 0.35 (each
finds its own row) and 200 fresh synthetic vectors (mostly no hit).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import time
import uuid
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import insert

from benchmarks.common import machine, now_utc, pct, write_section
from benchmarks.duplicates import FACES, real_descriptors, rss_bytes, synthetic
from kyc_engine.store import faces
from kyc_engine.store.db import make_engine, migrate, session_factory
from kyc_engine.store.models import AuditLog, Verification
from kyc_engine.worker.gallery import GallerySync

MODEL = "dlib_resnet_v1+sp5"
THRESHOLD = 0.50
QUERIES = 200


def _copy_rows(conn: psycopg.Connection, tenant: str, vectors: np.ndarray) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(len(vectors))]
    with conn.cursor() as cur:
        with cur.copy(
            "COPY verifications (id, tenant_id, status, request_sha256, lang, attempts, decision) FROM STDIN"
        ) as cp:
            for vid in ids:
                cp.write_row((vid, tenant, "completed", "0" * 64, "en", 1, "verified"))
        with cur.copy(
            "COPY face_embeddings (verification_id, tenant_id, subject_hash, model, dim, vector, active) "
            "FROM STDIN"
        ) as cp:
            for vid, v in zip(ids, vectors, strict=True):
                subject = hashlib.sha256(vid.encode()).hexdigest()  # every row its own registration
                cp.write_row((vid, tenant, subject, MODEL, v.shape[0], v.astype("<f4").tobytes(), True))
    conn.commit()
    return ids


def run_size(pg: str, n: int, real: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    name = f"kyc_bench_dup_{os.getpid()}_{n}"
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{pg.split('://', 1)[1]}/{name}"
    out: dict[str, Any] = {"n": n}
    try:
        migrate(url)
        vectors = synthetic(n, real, rng)
        tenant = str(uuid.uuid4())
        with psycopg.connect(f"{pg}/{name}") as conn:
            conn.execute(
                "INSERT INTO tenants (id, name, webhook_secret_enc) VALUES (%s, 'bench', '')", (tenant,)
            )
            t = time.perf_counter()
            ids = _copy_rows(conn, tenant, vectors)
            out["copy_s"] = time.perf_counter() - t
            conn.execute("ANALYZE")
            conn.commit()
            size = conn.execute("SELECT pg_total_relation_size('face_embeddings')").fetchone()
            out["table_mb"] = (size[0] if size else 0) / 2**20
        engine = make_engine(url, pool_size=1)
        sessions = session_factory(engine)
        gc.collect()
        before = rss_bytes()
        with sessions() as s:
            t = time.perf_counter()
            sync = GallerySync.load(s, MODEL)
            out["load_s"] = time.perf_counter() - t
        gc.collect()
        out["rss_mb"] = (rss_bytes() - before) / 2**20
        out["matrix_mb"] = sync.gallery.memory_bytes() / 2**20
        assert len(sync.gallery) == n
        with sessions() as s:
            idle = []
            for _ in range(20):
                t = time.perf_counter()
                sync.refresh(s)
                idle.append((time.perf_counter() - t) * 1000)
                s.rollback()
            out["refresh_idle_ms"] = pct(idle, 50)
            # another worker records one verified case: verification, face row, audit entry, one commit
            vid = str(uuid.uuid4())
            s.execute(insert(Verification).values(id=vid, tenant_id=tenant, status="completed",
                                                  request_sha256="0" * 64, lang="en", attempts=1))  # fmt: skip
            faces.save(s, vid, tenant, faces.NewFace("x" * 64, MODEL, synthetic(1, real, rng)[0]))
            s.execute(insert(AuditLog).values(tenant_id=tenant, verification_id=vid,
                                              action="verification.completed", detail={}))  # fmt: skip
            s.commit()
            t = time.perf_counter()
            added, _ = sync.refresh(s)
            out["refresh_one_ms"] = (time.perf_counter() - t) * 1000
            s.rollback()
            assert added == 1 and vid in sync.gallery
            view = sync.view(s, tenant)
            picks = rng.choice(n, QUERIES, replace=False)
            noise = rng.standard_normal((QUERIES, vectors.shape[1])).astype(np.float32)
            noise *= 0.35 / np.linalg.norm(noise, axis=1, keepdims=True)
            queries = np.concatenate([vectors[picks] + noise, synthetic(QUERIES, real, rng)])
            ms, found = [], 0
            for i, q in enumerate(queries):
                t = time.perf_counter()
                hits = view.duplicates(q, "KAZ:QUERY", THRESHOLD, 5)
                ms.append((time.perf_counter() - t) * 1000)
                if i < QUERIES:
                    found += any(h.case_id == ids[picks[i]] for h in hits)
                s.rollback()
            out["p50"], out["p95"] = pct(ms, 50), pct(ms, 95)
            out["found"] = found
        engine.dispose()
        del sync, vectors
        gc.collect()
    finally:
        with psycopg.connect(f"{pg}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    real, _, _ = real_descriptors(FACES)
    load = [os.getloadavg()[0]]
    rows = []
    for n in args.sizes:
        print(f"{n:,} ...", flush=True)
        r = run_size(args.pg, n, real, rng)
        load.append(os.getloadavg()[0])
        rows.append(f"| {n:,} | {r['copy_s']:.1f} | {r['table_mb']:.0f} | {r['load_s']:.2f} | {r['rss_mb']:.0f} "
                    f"({r['matrix_mb']:.0f}) | {r['refresh_idle_ms']:.2f} | {r['refresh_one_ms']:.2f} | "
                    f"{r['p50']:.2f} | {r['p95']:.2f} | {r['found']} / {QUERIES} |")  # fmt: skip
        print(rows[-1], flush=True)
    body = "\n".join(
        [
            "### The worker's gallery from PostgreSQL (`python -m benchmarks.duplicates_store`)",
            "",
            f"{now_utc()}; {machine()}; load average {min(load):.1f}–{max(load):.1f} during the run (the 2 "
            "cores were shared with other engineers' jobs: timings are noisy and pessimistic). PostgreSQL "
            "15 on the same machine.",
            "",
            "One tenant holds every row. COPY = bulk insert of the verifications and face_embeddings rows; "
            "table = `pg_total_relation_size('face_embeddings')`. Load = `GallerySync.load` (what `kyc "
            "worker` does at start: server-side cursor, 10,000 rows a batch, straight into the tenant's "
            "float32 matrix); memory = growth of the worker's RSS (in brackets the vector matrix and norms "
            "alone; the rest is the uuid and subject-hash strings and the case → row map). Refresh = "
            "`GallerySync.refresh` before a search: with nothing new (median of 20), and after another "
            "transaction committed one verified case. Search = `TenantView.duplicates` at distance "
            f"{THRESHOLD} (exact numpy scan + the store re-check of any hit), {2 * QUERIES} queries; found = "
            f"noisy copies of stored rows whose own row came back (of {QUERIES}).",
            "",
            "| stored | COPY s | table MiB | load s | memory MiB | refresh ms (idle) | refresh ms (1 new) "
            "| search p50 ms | search p95 ms | found |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(body)
    if not args.no_write:
        write_section("duplicates-store", body)


if __name__ == "__main__":
    main()
