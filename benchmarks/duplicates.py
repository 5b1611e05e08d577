"""1:N duplicate-identity search: numpy exact (``FaceIndex``) vs faiss / hnswlib / usearch, 10k–1M faces.

    .venv/bin/python -m benchmarks.duplicates                  # writes the "duplicates" section
    .venv/bin/python -m benchmarks.duplicates --sizes 10000 --no-write

Gallery: synthetic 128-d vectors drawn from a Gaussian fitted to the real dlib descriptors of the
``../shared/faces`` photos (their mean and covariance, shrunk 10 % towards its diagonal, so the cloud
has the shape of real descriptors), plus the **real** identities planted: each person's first photo is
indexed under its own subject key. Queries: (a) every other photo of those people (real genuine
queries), (b) 200 synthetic rows plus Gaussian noise of norm ~0.35 (a typical genuine distance).
Truth for recall@1 is numpy exact search over the same gallery. ANN libraries are optional: a library
that is not installed is skipped (``pip install faiss-cpu hnswlib usearch`` to measure them).
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import machine, now_utc, pct, write_section
from kyc_engine.match.index import FaceIndex

FACES = Path(__file__).resolve().parents[2] / "shared" / "faces"
CACHE = Path("/tmp/kyc_duplicates_real.npz")
THRESHOLD = 0.56
SWEEP = (0.40, 0.45, 0.50, 0.56)
SYNTHETIC_QUERIES = 200
ANN = ("faiss-hnsw", "hnswlib", "usearch")
HNSW_M = 16
EF_CONSTRUCTION = 100
EF_SEARCH = 64


def rss_bytes() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------- data


def real_descriptors(faces: Path) -> tuple[np.ndarray, list[str], list[str]]:
    """dlib descriptors of every photo with a face: (vectors, files, identities); cached in /tmp."""
    if CACHE.exists():
        z = np.load(CACHE)
        return z["v"], list(z["f"]), list(z["i"])
    import cv2

    from kyc_engine.detect.faces import FaceDetector
    from kyc_engine.manifest import ModelRegistry
    from kyc_engine.match.embedding import DlibEmbedder
    from kyc_engine.settings import get_settings

    s = get_settings()
    det = FaceDetector.from_registry(ModelRegistry.load(s.manifest_path, s.model_dir))
    emb = DlibEmbedder()
    vecs, files, ids = [], [], []
    for row in csv.DictReader((faces / "identities.csv").open(encoding="utf-8")):
        img = cv2.imread(str(faces / row["file"]), cv2.IMREAD_COLOR)
        found = det.detect(img)
        if found.found:
            vecs.append(emb.embed(img, found.faces[0], found.rotation).vector)
            files.append(row["file"])
            ids.append(row["file"].split("/")[0])
    v = np.asarray(vecs, dtype=np.float32)
    np.savez(CACHE, v=v, f=np.asarray(files), i=np.asarray(ids))
    return v, files, ids


def synthetic(n: int, real: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` float32 vectors from N(mean, shrunk covariance) of the real descriptors."""
    mean = real.mean(axis=0, dtype=np.float64)
    cov = np.cov(real.astype(np.float64), rowvar=False)
    cov = 0.9 * cov + 0.1 * np.diag(np.diag(cov))
    chol = np.linalg.cholesky(cov + 1e-9 * np.eye(len(mean)))
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for i in range(0, n, 100_000):
        z = rng.standard_normal((min(100_000, n - i), real.shape[1]))
        out[i : i + len(z)] = z @ chol.T + mean
    return out


# ---------------------------------------------------------------- backends: build(data) -> search(q) -> row


Search = Callable[[np.ndarray], int]


def build_numpy(data: np.ndarray) -> tuple[Search, Any]:
    index = FaceIndex()
    index.add_many((str(i), str(i), v) for i, v in enumerate(data))
    return (lambda q: int(index.search(q, 1)[0].case_id)), index


def build_numpy_blas(data: np.ndarray) -> tuple[Search, Any]:
    """Bare ``matrix @ query`` (OpenBLAS sgemv with its default threads), no index bookkeeping."""
    norms = np.einsum("ij,ij->i", data, data)

    def search(q: np.ndarray) -> int:
        d2 = norms - 2.0 * (data @ q)
        return int(np.argmin(d2))

    return search, (data, norms)


def build_numpy_f16(data: np.ndarray) -> tuple[Search, Any]:
    """Exact scan of a float16 copy (half the memory), converted to float32 in 32k-row blocks per query."""
    half = data.astype(np.float16)
    norms = np.einsum("ij,ij->i", half.astype(np.float32), half.astype(np.float32))
    block = 32_768

    def search(q: np.ndarray) -> int:
        d2 = np.empty(len(half), dtype=np.float32)
        for i in range(0, len(half), block):
            d2[i : i + block] = np.einsum("ij,j->i", half[i : i + block].astype(np.float32), q)
        d2 *= -2.0
        d2 += norms
        return int(np.argmin(d2))

    return search, (half, norms)


def build_faiss_flat(data: np.ndarray) -> tuple[Search, Any]:
    import faiss

    index = faiss.IndexFlatL2(data.shape[1])
    index.add(data)
    faiss.omp_set_num_threads(1)  # its OpenMP threads lose on busy cores, as OpenBLAS's do
    return (lambda q: int(index.search(q.reshape(1, -1), 1)[1][0, 0])), index


def build_faiss_hnsw(data: np.ndarray) -> tuple[Search, Any]:
    import faiss

    index = faiss.IndexHNSWFlat(data.shape[1], HNSW_M)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index.add(data)
    faiss.omp_set_num_threads(1)
    index.hnsw.efSearch = EF_SEARCH
    return (lambda q: int(index.search(q.reshape(1, -1), 1)[1][0, 0])), index


def build_hnswlib(data: np.ndarray) -> tuple[Search, Any]:
    import hnswlib

    index = hnswlib.Index(space="l2", dim=data.shape[1])
    index.init_index(max_elements=len(data), ef_construction=EF_CONSTRUCTION, M=HNSW_M)
    index.add_items(data, np.arange(len(data)), num_threads=-1)
    index.set_ef(EF_SEARCH)
    return (lambda q: int(index.knn_query(q, k=1, num_threads=1)[0][0, 0])), index


def build_usearch(data: np.ndarray) -> tuple[Search, Any]:
    from usearch.index import Index

    index = Index(ndim=data.shape[1], metric="l2sq", dtype="f32", connectivity=HNSW_M,
                  expansion_add=EF_CONSTRUCTION, expansion_search=EF_SEARCH)  # fmt: skip
    index.add(np.arange(len(data)), data)
    return (lambda q: int(index.search(q, 1).keys[0])), index


BACKENDS: dict[str, tuple[str, Callable[[np.ndarray], tuple[Search, Any]]]] = {
    "numpy": ("FaceIndex (numpy exact, GEMV)", build_numpy),
    "numpy-blas": ("bare numpy `matrix @ q` (OpenBLAS, default threads)", build_numpy_blas),
    "numpy-f16": ("numpy exact over a float16 copy (32k-row blocks)", build_numpy_f16),
    "faiss-flat": ("faiss IndexFlatL2 (exact)", build_faiss_flat),
    "faiss-hnsw": (f"faiss IndexHNSWFlat M={HNSW_M} efC={EF_CONSTRUCTION} ef={EF_SEARCH}", build_faiss_hnsw),
    "hnswlib": (f"hnswlib M={HNSW_M} efC={EF_CONSTRUCTION} ef={EF_SEARCH}", build_hnswlib),
    "usearch": (f"usearch conn={HNSW_M} expA={EF_CONSTRUCTION} expS={EF_SEARCH}", build_usearch),
}


def available(name: str) -> bool:
    module = {"faiss-flat": "faiss", "faiss-hnsw": "faiss", "hnswlib": "hnswlib", "usearch": "usearch"}
    if name not in module:
        return True
    try:
        __import__(module[name])
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- run


def exact_scan(
    gallery: np.ndarray, queries: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per query: nearest row, its distance, the second-nearest distance, rows within each SWEEP value."""
    norms = np.einsum("ij,ij->i", gallery, gallery)
    out = [np.empty(len(queries)) for _ in range(3)] + [np.empty((len(queries), len(SWEEP)))]
    for i in range(0, len(queries), 32):
        q = queries[i : i + 32]
        d2 = norms[None, :] - 2.0 * (q @ gallery.T) + np.einsum("ij,ij->i", q, q)[:, None]
        two = np.partition(d2, 1, axis=1)[:, :2]
        out[0][i : i + len(q)] = np.argmin(d2, axis=1)
        out[1][i : i + len(q)] = np.sqrt(np.maximum(0.0, two[:, 0]))
        out[2][i : i + len(q)] = np.sqrt(np.maximum(0.0, two[:, 1]))
        for j, t in enumerate(SWEEP):
            out[3][i : i + len(q), j] = (d2 <= t * t).sum(axis=1)
    return out[0].astype(np.int64), out[1], out[2], out[3]


def measure(
    name: str, data: np.ndarray, queries: np.ndarray, truth: np.ndarray, repeats: int
) -> dict[str, Any]:
    gc.collect()
    before = rss_bytes()
    t = time.perf_counter()
    search, index = BACKENDS[name][1](data)
    build_s = time.perf_counter() - t
    gc.collect()
    rss = rss_bytes() - before
    mem = index.memory_bytes() if isinstance(index, FaceIndex) else None
    if name == "numpy-f16":
        mem = sum(a.nbytes for a in index)
    p50s, p95s, got = [], [], np.empty(len(queries), dtype=np.int64)
    for _ in range(repeats):
        ms = []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            got[i] = search(q)
            ms.append((time.perf_counter() - t) * 1000)
        p50s.append(pct(ms, 50))
        p95s.append(pct(ms, 95))
    del index, search
    gc.collect()
    return {"build_s": build_s, "rss": rss, "mem": mem, "p50": p50s, "p95": p95s,
            "recall": float(np.mean(got == truth))}  # fmt: skip


def span(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:.2f}" if f"{lo:.2f}" == f"{hi:.2f}" else f"{lo:.2f}–{hi:.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=FACES)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    parser.add_argument(
        "--ann-max",
        type=int,
        default=100_000,
        help="build HNSW indexes above this size only for --big (builds take minutes)",
    )
    parser.add_argument("--big", nargs="*", default=["faiss-hnsw"], help="HNSW backends built at any size")
    parser.add_argument(
        "--big-skip", nargs="*", default=["numpy-blas", "numpy-f16"], help="backends skipped above --ann-max"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timing rounds over all queries")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    real, files, ids = real_descriptors(args.faces)
    first: dict[str, int] = {}
    for i, person in enumerate(ids):
        first.setdefault(person, i)
    planted = np.asarray(list(first.values()))
    real_q = np.asarray([i for i in range(len(ids)) if i not in set(planted)])
    same = np.asarray(ids)[:, None] == np.asarray(ids)[None, :]
    upper = np.triu(same, 1)
    genuine = np.linalg.norm(real[:, None, :] - real[None, :, :], axis=2)[upper]
    load = [os.getloadavg()[0]]
    rows = []
    planted_rows = []
    for n in args.sizes:
        gallery = np.concatenate([real[planted], synthetic(n - len(planted), real, rng)])
        pick = rng.choice(np.arange(len(planted), n), SYNTHETIC_QUERIES, replace=False)
        noise = rng.standard_normal((SYNTHETIC_QUERIES, real.shape[1])).astype(np.float32)
        noise *= 0.35 / np.linalg.norm(noise, axis=1, keepdims=True)
        queries = np.concatenate([real[real_q], gallery[pick] + noise]).astype(np.float32)
        truth, nearest, second, crowd = exact_scan(gallery, queries)
        owner = {r: ids[int(p)] for r, p in enumerate(planted)}
        nr = len(real_q)
        real_hit = np.asarray([owner.get(int(truth[j])) == ids[int(i)] for j, i in enumerate(real_q)])
        within = int(np.sum(real_hit & (nearest[:nr] <= THRESHOLD)))
        planted_rows.append(
            f"| {n:,} | {int(real_hit.sum())} / {nr} | {within} / {nr} | "
            + " | ".join(f"{np.median(crowd[:nr, j]):.0f} / {np.percentile(crowd[:nr, j], 95):.0f}"
                         for j in range(len(SWEEP)))
            + f" | {np.median(second[nr:]):.3f} |"
        )  # fmt: skip
        for name in args.backends:
            big_ok = name not in args.big_skip and (name not in ANN or name in args.big)
            if not available(name) or (n > args.ann_max and not big_ok):
                continue
            print(f"{n:>9,} {name} ...", flush=True)
            r = measure(name, gallery, queries, truth, args.repeats)
            load.append(os.getloadavg()[0])
            mem = f"{r['rss'] / 2**20:.0f}" + ("" if r["mem"] is None else f" ({r['mem'] / 2**20:.0f})")
            rows.append(f"| {n:,} | {BACKENDS[name][0]} | {r['build_s']:.2f} | {mem} | {span(r['p50'])} | "
                        f"{span(r['p95'])} | {100 * r['recall']:.1f} % |")  # fmt: skip
            print(rows[-1], flush=True)
        del gallery, queries
    body = "\n".join(
        [
            "## 1:N duplicate search (`python -m benchmarks.duplicates`)",
            "",
            f"{now_utc()}; {machine()}; load average {min(load):.1f}–{max(load):.1f} during the run "
            "(the 2 cores were shared with other jobs: latencies are noisy; each p50/p95 is given as the "
            f"range over {args.repeats} timing rounds of all {len(real_q) + SYNTHETIC_QUERIES} queries).",
            "",
            "Gallery: synthetic 128-d vectors from a Gaussian with the mean and covariance of the real dlib "
            f"descriptors of {len(real)} ../shared/faces photos, plus {len(planted)} real people planted "
            f"(first photo each). Queries: the other {len(real_q)} real photos of those people, plus "
            f"{SYNTHETIC_QUERIES} synthetic gallery rows with noise of norm 0.35. Single query, k = 1. Recall@1 = same top row as "
            "numpy exact search. Memory = growth of the process RSS while building (in brackets: "
            "`FaceIndex.memory_bytes()`, its allocated capacity). Build = add every vector from a ready "
            f"float32 matrix. HNSW: M = {HNSW_M}, ef_construction = {EF_CONSTRUCTION}, ef_search = {EF_SEARCH}.",
            "",
            "| stored | backend | build s | memory MiB | search p50 ms | search p95 ms | recall@1 vs exact |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Planted real people (exact search; threshold {THRESHOLD}): how many real queries have their own "
            "person's planted photo as the nearest stored face, and how many of those are within the "
            "threshold (what `FaceIndex.duplicates` returns); how many stored rows lie within distance t of "
            "a real query (median / p95; nearly all are synthetic strangers, i.e. false candidates: this "
            "measures how crowded the synthetic cloud is, an estimate, not a measured real false-match "
            "rate); median distance from a synthetic query to its second-nearest row.",
            "",
            "| stored | nearest is the same person | and within threshold | "
            + " | ".join(f"rows within {t:.2f}" for t in SWEEP)
            + " | synthetic query: 2nd-nearest d |",
            "|---" * (4 + len(SWEEP)) + "|",
            *planted_rows,
            "",
            "Genuine pairs of the real photos (every within-person pair of the "
            f"{len(real)} descriptors) at or under t: "
            + ", ".join(f"{t:.2f}: {100 * np.mean(genuine <= t):.1f} %" for t in SWEEP)
            + ".",
        ]
    )
    print(body)
    if not args.no_write:
        write_section("duplicates", body)


if __name__ == "__main__":
    main()
