"""The matcher on the labelled name-pair table (benchmarks/data/name_pairs.csv)."""

from __future__ import annotations

from benchmarks.names import TABLE, evaluate, load_table


def test_table_is_large_and_covers_the_categories() -> None:
    rows = load_table(TABLE)
    assert len(rows) >= 300
    categories = {r.category for r in rows}
    assert {
        "kz_cyrillic",
        "kz_latin",
        "ru_variants",
        "albanian",
        "german",
        "east_african",
        "truncation",
    } <= categories
    assert {"near_miss_family", "near_miss_one_letter", "near_miss_swapped"} <= categories
    assert any(r.truncated for r in rows)


def test_precision_and_recall_of_match_decisions() -> None:
    tallies, _, _ = evaluate(load_table(TABLE))
    overall = tallies["all"]
    assert overall.precision >= 0.99, overall.errors
    assert overall.recall >= 0.95
    # the half not looked at while developing must hold up on its own
    held_out = tallies["split:held-out"]
    assert held_out.precision >= 0.99 and held_out.recall >= 0.95


def test_no_near_miss_is_ever_a_match() -> None:
    tallies, _, _ = evaluate(load_table(TABLE))
    for key in (
        "cat:near_miss_family",
        "cat:near_miss_one_letter",
        "cat:near_miss_swapped",
        "cat:different_person",
    ):
        assert tallies[key].fp == 0, tallies[key].errors
