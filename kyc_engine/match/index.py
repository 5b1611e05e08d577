"""In-memory 1:N face index: exact Euclidean search over stored descriptors (numpy, one GEMV).

Each row is ``(case_id, subject_key, vector)``. ``case_id`` names the verification case the face came
from (a case may store several rows, e.g. its selfie and its document portrait); ``subject_key`` names
the registration it was verified under (a normalised document number + issuing country, or the tenant's
external reference). The same person re-verifying under the same subject key is not a duplicate; the
same face under a *different* subject key is (identity farming).

Search is exact brute force: squared distances ``|x|² - 2 x·q + |q|²`` from precomputed row norms and one
single-threaded float32 matrix-vector product, then ``argpartition``. ``python -m benchmarks.duplicates``
compared it with faiss (flat and HNSW), hnswlib and usearch at 10k / 100k / 1M rows (benchmarks/RESULTS.md,
section "duplicates"; 2 busy cores): exact numpy took ~0.4 ms / 5-8 ms / 52-59 ms p50 and 516 MB of
matrix at 1M, as fast as faiss's exact index (the scan is memory bound). HNSW answers in ~0.2 ms but found
the exact nearest row for 98.5-99.7 % of queries at 100k (a missed duplicate is the failure that matters
here), needs ~1 minute per 100k rows to build on 2 cores, and brings a dependency. Exact search adds
~55 ms to a verification at 1M stored faces (one search per case; the embedding alone takes ~0.1 s).

The index holds no persistence: each ``kyc worker`` loads its tenants' rows from PostgreSQL at start
(``add_many``, with ``capacity`` set to the row count plus headroom; one index per tenant, see
:mod:`kyc_engine.match.gallery` and :mod:`kyc_engine.worker.gallery`) and adds each newly verified face.
Not thread-safe: serialise ``add``/``remove`` against searches with the caller's lock.

Example::

    index = FaceIndex()
    index.add("case-1", "KAZ:N1234567", selfie.vector)
    index.duplicates(new_selfie.vector, "KAZ:N7654321", threshold=0.56)
    # [IndexHit(case_id='case-1', subject_key='KAZ:N1234567', distance=0.31)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np

__all__ = ["DIMENSIONS", "DuplicateIndex", "FaceIndex", "IndexHit"]

#: dlib ResNet descriptor length.
DIMENSIONS: Final = 128
_INITIAL_CAPACITY: Final = 1024
_DOUBLE_UP_TO: Final = 65_536


@dataclass(frozen=True)
class IndexHit:
    """One stored face near the query: its case, its registration and the Euclidean distance."""

    case_id: str
    subject_key: str
    distance: float


class DuplicateIndex(Protocol):
    """What the duplicate check searches: a :class:`FaceIndex`, or a view of one (the worker's
    tenant-scoped gallery, which hashes the subject key and re-checks hits against the store)."""

    def duplicates(
        self, vector: np.ndarray, subject_key: str, threshold: float, k: int = 10
    ) -> list[IndexHit]: ...


class FaceIndex:
    """Exact nearest-neighbour index of face descriptors (Euclidean, float32).

    Memory: ``4 × dim + 4`` bytes per row for the matrix and norms, plus the two id lists.
    """

    def __init__(self, dim: int = DIMENSIONS, capacity: int = _INITIAL_CAPACITY) -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = dim
        self._vectors = np.empty((max(1, capacity), dim), dtype=np.float32)
        self._norms = np.empty(max(1, capacity), dtype=np.float32)  # |x|² per row
        self._case: list[str] = []
        self._subject: list[str] = []
        self._rows: dict[str, list[int]] = {}  # case_id -> its row numbers
        self._max_rows_per_case = 1

    def __len__(self) -> int:
        return len(self._case)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._rows

    def memory_bytes(self) -> int:
        """Bytes held by the vector matrix and norms (allocated capacity, not just the rows in use)."""
        return int(self._vectors.nbytes + self._norms.nbytes)

    # ------------------------------------------------------------------------------------- writing

    def add(self, case_id: str, subject_key: str, vector: np.ndarray) -> None:
        """Store one descriptor; a case may hold several (selfie, document portrait)."""
        self.add_many([(case_id, subject_key, vector)])

    def add_many(self, rows: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """Store many ``(case_id, subject_key, vector)`` rows (the start-up load from the store).

        Vectors are copied straight into the matrix, so a generator over the store needs no second
        copy of the data. All or nothing: a bad vector (wrong length, not finite) raises ValueError and
        stores none of ``rows``.
        """
        start = len(self)
        keys: list[tuple[str, str]] = []
        for case_id, subject_key, vector in rows:
            v = np.asarray(vector, dtype=np.float32).reshape(-1)
            if v.shape[0] != self.dim:
                raise ValueError(f"vectors must have {self.dim} values, got {v.shape[0]}")
            self._reserve(start + len(keys) + 1, used=start + len(keys))
            self._vectors[start + len(keys)] = v
            keys.append((case_id, subject_key))
        end = start + len(keys)
        block = self._vectors[start:end]
        if not np.isfinite(block).all():
            raise ValueError("vectors must be finite")
        self._norms[start:end] = np.einsum("ij,ij->i", block, block)
        for row, (case_id, subject_key) in enumerate(keys, start):
            self._case.append(case_id)
            self._subject.append(subject_key)
            case_rows = self._rows.setdefault(case_id, [])
            case_rows.append(row)
            self._max_rows_per_case = max(self._max_rows_per_case, len(case_rows))

    def remove(self, case_id: str) -> int:
        """Forget every row of ``case_id`` (deletion request, case withdrawn); returns how many.

        The last row moves into each freed slot, so removal costs O(rows of the case), not O(N).
        """
        freed = sorted(self._rows.pop(case_id, []), reverse=True)
        for row in freed:
            last = len(self._case) - 1
            if row != last:
                self._vectors[row] = self._vectors[last]
                self._norms[row] = self._norms[last]
                moved = self._case[last]
                self._case[row], self._subject[row] = moved, self._subject[last]
                moved_rows = self._rows[moved]
                moved_rows[moved_rows.index(last)] = row
            self._case.pop()
            self._subject.pop()
        return len(freed)

    def _reserve(self, size: int, used: int | None = None) -> None:
        """Room for ``size`` rows; the first ``used`` rows (default: all stored) are kept on growth."""
        capacity = self._vectors.shape[0]
        if size <= capacity:
            return
        while capacity < size:
            # doubling while small; +25 % once large, so a 1M-row gallery does not jump to 2M rows of
            # memory for its next face (still amortised O(1) per row)
            capacity += capacity if capacity < _DOUBLE_UP_TO else capacity // 4
        vectors = np.empty((capacity, self.dim), dtype=np.float32)
        norms = np.empty(capacity, dtype=np.float32)
        n = len(self) if used is None else used
        vectors[:n], norms[:n] = self._vectors[:n], self._norms[:n]
        self._vectors, self._norms = vectors, norms

    # ------------------------------------------------------------------------------------- reading

    def search(self, vector: np.ndarray, k: int = 10, max_distance: float | None = None) -> list[IndexHit]:
        """The ``k`` nearest cases to ``vector``, nearest first, each case once (its nearest row).

        ``max_distance`` (Euclidean, inclusive) drops anything farther. Distances are float32 and
        accurate to ~1e-3 around the 0.5 range of dlib thresholds.
        """
        if k <= 0 or len(self) == 0:
            return []
        d2 = self._squared_distances(vector)
        # several rows per case: fetch enough rows for k distinct cases
        want = min(len(d2), k * self._max_rows_per_case)
        if max_distance is not None:
            candidates = np.flatnonzero(d2 <= np.float32(max_distance) ** 2)
            if len(candidates) > want:
                candidates = candidates[np.argpartition(d2[candidates], want - 1)[:want]]
        elif want < len(d2):
            candidates = np.argpartition(d2, want - 1)[:want]
        else:
            candidates = np.arange(len(d2))
        hits: list[IndexHit] = []
        seen: set[str] = set()
        for row in candidates[np.argsort(d2[candidates], kind="stable")]:
            case_id = self._case[row]
            if case_id in seen:
                continue
            seen.add(case_id)
            hits.append(IndexHit(case_id, self._subject[row], float(np.sqrt(max(0.0, d2[row])))))
            if len(hits) == k:
                break
        return hits

    def duplicates(
        self, vector: np.ndarray, subject_key: str, threshold: float, k: int = 10
    ) -> list[IndexHit]:
        """Stored cases within ``threshold`` (inclusive) whose ``subject_key`` differs, nearest first.

        Rows under the same ``subject_key`` (the same registration re-verifying) are skipped before the
        ``k`` cut, so they never hide another registration's hit.
        """
        if len(self) == 0:
            return []
        d2 = self._squared_distances(vector)
        rows = np.flatnonzero(d2 <= np.float32(threshold) ** 2)
        hits: list[IndexHit] = []
        seen: set[str] = set()
        for row in rows[np.argsort(d2[rows], kind="stable")]:
            case_id, subject = self._case[row], self._subject[row]
            if subject == subject_key or case_id in seen:
                continue
            seen.add(case_id)
            hits.append(IndexHit(case_id, subject, float(np.sqrt(max(0.0, d2[row])))))
            if len(hits) == k:
                break
        return hits

    def _squared_distances(self, vector: np.ndarray) -> np.ndarray:
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise ValueError(f"query must have {self.dim} values, got {q.shape[0]}")
        n = len(self)
        # einsum runs numpy's own single-threaded loop: as fast as BLAS sgemv at 1M rows (memory bound),
        # while OpenBLAS's threads made a 10k-row query 100x slower on 2 busy cores (RESULTS.md)
        d2 = np.einsum("ij,j->i", self._vectors[:n], q)
        d2 *= -2.0
        d2 += self._norms[:n]
        d2 += np.float32(q @ q)
        return d2
