"""The label-anchored fallback of the VIZ reader: find printed labels among OCR words, take the text below.

Used when no template fits (an unknown layout, or no MRZ to choose one): the field area is read as sparse
text once, words are joined into phrases, a phrase holding a known label (``viz_layouts.toml``'s
``[labels]``, the longest match wins) anchors the phrase right under it as that field's value.

Example::

    anchored_values([("Surname", (0, 0, 60, 12), 0.9), ("KIPCHOGE", (0, 18, 90, 40), 0.95)],
                    {"surname": ("Surname",)})       # [("surname", "KIPCHOGE", (0, 18, 90, 40), 0.95)]
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["anchored_values"]

Box = tuple[int, int, int, int]
Word = tuple[str, Box, float]


def anchored_values(
    words: list[Word], labels: dict[str, tuple[str, ...]]
) -> list[tuple[str, str, Box, float]]:
    """``(field, text, box, confidence)`` for each label found with a value phrase under it (within three
    label heights down, starting within three label heights of the label's left edge); first label wins."""
    phrases = _phrases(words)
    kinds = {i: _label_of(p[0], labels) for i, p in enumerate(phrases)}
    out: list[tuple[str, str, Box, float]] = []
    done: set[str] = set()
    for i, label in enumerate(phrases):
        name = kinds[i]
        if name is None or name in done:
            continue
        lx0, ly0, _, ly1 = label[1]
        lh = ly1 - ly0
        below = [p for j, p in enumerate(phrases) if kinds[j] is None and 0 <= p[1][1] - ly1 <= 3 * lh
                 and abs(p[1][0] - lx0) <= 3 * lh]  # fmt: skip
        if below:
            text, box, conf = min(below, key=lambda p: p[1][1])
            out.append((name, text, box, conf))
            done.add(name)
    return out


def _phrases(words: list[Word]) -> list[Word]:
    """Words joined into phrases: same line (vertical overlap) and a gap under 1.5 word heights."""
    words = sorted(words, key=lambda w: (w[1][1], w[1][0]))
    phrases: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w[1][0]):
        _, (x0, y0, x1, y1), _ = word
        for phrase in phrases:
            _, (px0, py0, px1, py1), _ = phrase[-1]
            overlap = min(y1, py1) - max(y0, py0)
            if overlap > 0.5 * min(y1 - y0, py1 - py0) and 0 <= x0 - px1 <= 1.5 * max(y1 - y0, py1 - py0):
                phrase.append(word)
                break
        else:
            phrases.append([word])
    out = []
    for phrase in phrases:
        text = " ".join(w[0] for w in phrase)
        box = (min(w[1][0] for w in phrase), min(w[1][1] for w in phrase),
               max(w[1][2] for w in phrase), max(w[1][3] for w in phrase))  # fmt: skip
        out.append((text, box, float(np.mean([w[2] for w in phrase]))))
    return out


def _norm(text: str) -> str:
    return re.sub(r"[^\w]", "", text.casefold())


def _label_of(text: str, labels: dict[str, tuple[str, ...]]) -> str | None:
    """The field whose label ``text`` holds; the longest label wins (``EMRI`` is inside ``MBIEMRI``)."""
    flat = _norm(text)
    best, length = None, 0
    for name, group in labels.items():
        for label in group:
            key = _norm(label)
            if key and key in flat and len(key) > length:
                best, length = name, len(key)
    return best
