"""1:N duplicate-identity search: FaceIndex and find_duplicates on real photos from ../shared/faces, plus
the index's bookkeeping (removal, several rows per case) checked against a float64 brute force."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from face_helpers import detector, embedder, photo

from kyc_engine.match.duplicates import find_duplicates
from kyc_engine.match.embedding import FaceEmbedding
from kyc_engine.match.index import FaceIndex, IndexHit
from kyc_engine.reasons import ReasonCode, detail_keys

#: One registration each; the query photos below are other photos of the same people or strangers.
ENROLLED = {
    "case-will": ("GBR:P100", "will_smith/will_smith_01.jpg"),
    "case-serena": ("USA:P200", "serena_williams/serena_williams_01.jpg"),
    "case-halle": ("USA:P300", "halle_berry/halle_berry_01.jpg"),
    "case-keanu": ("CAN:P400", "keanu_reeves/keanu_reeves_01.jpg"),
}
WILL_AGAIN = "will_smith/will_smith_03.jpg"
STRANGER = "natalie_portman/natalie_portman_01.jpg"


@cache
def _embed(faces: Path, models: Path, name: str) -> FaceEmbedding:
    img = photo(faces, name)
    found = detector(models).detect(img)
    assert found.found, name
    return embedder().embed(img, found.faces[0], found.rotation)


@pytest.fixture
def enrolled(shared_faces: Path, shared_models: Path) -> tuple[FaceIndex, Path, Path]:
    index = FaceIndex()
    for case_id, (subject, name) in ENROLLED.items():
        index.add(case_id, subject, _embed(shared_faces, shared_models, name).vector)
    return index, shared_faces, shared_models


def test_same_face_under_another_registration_is_a_duplicate(enrolled: tuple[FaceIndex, Path, Path]) -> None:
    index, faces, models = enrolled
    query = _embed(faces, models, WILL_AGAIN)
    threshold = embedder().threshold
    reasons = find_duplicates(index, query, "GBR:P999", threshold)
    assert [r.detail["other_case_id"] for r in reasons] == ["case-will"]
    reason = reasons[0]
    assert reason.code is ReasonCode.FACE_DUPLICATE_IDENTITY and not reason.retryable
    assert set(reason.detail) == set(detail_keys(reason.code))
    assert 0 < reason.detail["distance"] <= threshold == reason.detail["threshold"]
    assert reason.detail["model"] == query.model
    assert "case-will" in reason.reviewer_message and "detail:" not in reason.reviewer_message
    assert index.search(query.vector, 1)[0].case_id == "case-will"


def test_same_registration_and_strangers_are_not_duplicates(enrolled: tuple[FaceIndex, Path, Path]) -> None:
    index, faces, models = enrolled
    threshold = embedder().threshold
    again = _embed(faces, models, WILL_AGAIN)
    assert find_duplicates(index, again, "GBR:P100", threshold) == []  # re-verifying, same registration
    stranger = _embed(faces, models, STRANGER)
    assert find_duplicates(index, stranger, "FRA:P500", threshold) == []
    assert index.search(stranger.vector, 4, max_distance=threshold) == []
    assert len(index.search(stranger.vector, 4)) == 4  # without max_distance the k nearest come back


def test_removed_case_is_no_longer_found(enrolled: tuple[FaceIndex, Path, Path]) -> None:
    index, faces, models = enrolled
    query = _embed(faces, models, WILL_AGAIN).vector
    assert index.remove("case-will") == 1 and "case-will" not in index and len(index) == 3
    assert index.duplicates(query, "GBR:P999", embedder().threshold) == []
    assert index.remove("case-will") == 0
    assert {h.case_id for h in index.search(query, 10)} == {"case-serena", "case-halle", "case-keanu"}


def _reference(rows: list[tuple[str, str, np.ndarray]], q: np.ndarray) -> list[tuple[str, float]]:
    best: dict[str, float] = {}
    for case_id, _, v in rows:
        d = float(np.linalg.norm(v.astype(np.float64) - q.astype(np.float64)))
        best[case_id] = min(best.get(case_id, np.inf), d)
    return sorted(best.items(), key=lambda item: item[1])


def test_index_matches_brute_force_through_adds_and_removals() -> None:
    rng = np.random.default_rng(7)
    vectors = (rng.standard_normal((600, 128)) * 0.09).astype(np.float32)
    # two rows for every fifth case (selfie + portrait), 500 cases in all, capacity grown from 8
    rows = [(f"c{i % 500}", f"s{i % 500}", v) for i, v in enumerate(vectors)]
    index = FaceIndex(capacity=8)
    index.add_many(rows[:300])
    for row in rows[300:]:
        index.add(*row)
    for case_id in ("c3", "c499", "c250", "c17"):
        index.remove(case_id)
    kept = [r for r in rows if r[0] not in {"c3", "c499", "c250", "c17"}]
    assert len(index) == len(kept) and index.memory_bytes() >= len(kept) * 128 * 4
    for q in (vectors[10] + 0.01, vectors[555], rng.standard_normal(128).astype(np.float32) * 0.09):
        want = _reference(kept, q)[:5]
        got = index.search(q, 5)
        assert [h.case_id for h in got] == [c for c, _ in want]
        np.testing.assert_allclose([h.distance for h in got], [d for _, d in want], atol=2e-3)
        assert len({h.case_id for h in got}) == 5  # a case with two rows appears once
    # between the 3rd and 4th distance: the index's float32 sums may differ from float64 in the last bits
    limit = (want[2][1] + want[3][1]) / 2
    assert [h.case_id for h in index.search(q, 10, max_distance=limit)] == [c for c, _ in want[:3]]


def test_duplicates_skip_own_registration_before_the_cut() -> None:
    index = FaceIndex()
    base = np.full(128, 0.05, np.float32)
    for i in range(12):  # twelve earlier verifications of the same registration, all very close
        index.add(f"own{i}", "KAZ:N1", base + 0.001 * i)
    index.add("other", "KAZ:N2", base + 0.02)
    hits = index.duplicates(base, "KAZ:N1", threshold=0.56, k=3)
    assert hits == [IndexHit("other", "KAZ:N2", pytest.approx(0.02 * np.sqrt(128), abs=1e-3))]


def test_bad_input_is_rejected() -> None:
    index = FaceIndex()
    assert index.search(np.zeros(128, np.float32), 3) == [] and len(index) == 0
    with pytest.raises(ValueError, match="128"):
        index.add("c", "s", np.zeros(64, np.float32))
    with pytest.raises(ValueError, match="finite"):
        index.add("c", "s", np.full(128, np.nan, np.float32))
    good = [(f"g{i}", "s", np.zeros(128, np.float32)) for i in range(3)]
    with pytest.raises(ValueError, match="finite"):  # all or nothing
        index.add_many([*good, ("bad", "s", np.full(128, np.inf, np.float32))])
    assert len(index) == 0 and "g0" not in index
    index.add("c", "s", np.zeros(128, np.float32))
    with pytest.raises(ValueError, match="128"):
        index.search(np.zeros(127, np.float32), 1)
    sface = FaceEmbedding(np.zeros(128, np.float32), "sface_2021dec", "cosine")
    with pytest.raises(ValueError, match="Euclidean"):
        find_duplicates(index, sface, "s2", 0.5)
