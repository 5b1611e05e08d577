"""Does the name the applicant typed belong to the document's holder?

The document side is the MRZ (A-Z, surname and given names apart, maybe cut at the field width) and,
optionally, the visual-zone name (any script). The registered side is free text in any script and order.
Tokens are paired by a best assignment over per-pair verdicts (exact, transliteration, variant, truncation,
fuzzy), then a few rules decide, each leaving a note:

- the surname must be found; a different first name in the same family (``AIGERIM`` vs ``AIGUL``) is
  ``no_match``, even though the surname agrees;
- a typo-level (one edit) difference is only ``uncertain``: a person reviews it;
- middle names and patronymics present on one side only are optional; names lost to MRZ truncation too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from rapidfuzz.distance import OSA, Indel

from ..reasons import Reason, ReasonCode
from .translit import is_mrz_ascii, is_patronymic, keys, loose, skeleton, spellings, tokens

How = Literal["exact", "transliteration", "variant", "truncation", "fuzzy", "missing-optional", "unmatched"]
Decision = Literal["match", "no_match", "uncertain"]
Role = Literal["surname", "given", "viz"]

#: Credit each kind of pairing contributes to the score (fuzzy contributes its similarity ratio).
CREDIT: dict[str, float] = {
    "exact": 1.0,
    "transliteration": 1.0,
    "variant": 0.95,
    "loose": 0.9,
    "truncation": 0.9,
    "missing-optional": 0.9,
}
_STRONG = frozenset({"exact", "transliteration", "variant", "truncation"})
#: Tokens considered per side: names have a handful; the cap bounds the assignment search (2^tokens).
MAX_TOKENS = 10


@dataclass(frozen=True)
class TokenMatch:
    """One line of the explanation. ``registered`` or ``document`` is None for a one-sided token."""

    registered: str | None
    document: str | None
    how: How
    ratio: float = 1.0
    role: Role | None = None


@dataclass(frozen=True)
class NameMatch:
    """Verdict with its evidence: ``score`` in 0..1, the thresholds it met, and per-token explanations."""

    score: float
    decision: Decision
    match_threshold: float
    uncertain_threshold: float
    tokens: tuple[TokenMatch, ...]
    notes: tuple[str, ...] = ()
    registered: str = ""
    document: str = ""  # "SURNAME / GIVEN NAMES", as compared

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["tokens"] = [asdict(t) for t in self.tokens]
        out["notes"] = list(self.notes)
        return out

    def reason(self) -> Reason | None:
        """``registration.name_mismatch`` / ``registration.name_uncertain`` with this evidence; None for a match.

        ``detail`` has the keys the reviewer message uses (``registered``, ``document``, ``score``,
        ``threshold``) plus ``decision``, ``notes`` and the per-token ``tokens``.
        """
        if self.decision == "match":
            return None
        code = (
            ReasonCode.REGISTRATION_NAME_MISMATCH
            if self.decision == "no_match"
            else ReasonCode.REGISTRATION_NAME_UNCERTAIN
        )
        detail = {
            "registered": self.registered,
            "document": self.document,
            "score": self.score,
            "threshold": self.match_threshold,
            "decision": self.decision,
            "notes": list(self.notes),
            "tokens": [asdict(t) for t in self.tokens],
        }
        return Reason(code, detail)


@dataclass
class _Doc:
    text: str
    role: Role
    truncated: bool = False
    alts: list[str] = field(default_factory=list)

    def spell(self) -> set[str]:
        return {s for alt in (self.text, *self.alts) for s in spellings(alt)}


def _pair(reg: str, doc: _Doc, max_edits: int) -> tuple[str, float] | None:
    """Best verdict for one registered token against one document token, or None."""
    if reg == doc.text:
        return "exact", 1.0
    reg_sp, doc_sp = set(spellings(reg)), doc.spell()
    if reg_sp & doc_sp:
        return ("transliteration" if not is_mrz_ascii(reg) or doc.alts else "exact"), 1.0
    reg_keys = {skeleton(s) for s in reg_sp}
    doc_keys = {skeleton(s) for s in doc_sp}
    if reg_keys & doc_keys:
        return "variant", CREDIT["variant"]
    if {loose(s) for s in reg_sp} & {loose(s) for s in doc_sp}:
        return "loose", CREDIT["loose"]
    if doc.truncated:
        cut = [d for d in doc_sp if len(d) >= (1 if len(doc.text) == 1 else 2)]
        if any(r.startswith(d) and len(r) > len(d) for r in reg_sp for d in cut) or any(
            rk.startswith(skeleton(d)) for rk in reg_keys for d in cut if len(d) >= 3
        ):
            return "truncation", CREDIT["truncation"]
    best = 0.0
    for rk in reg_keys:
        for dk in doc_keys:
            if min(len(rk), len(dk)) >= 4 and OSA.distance(rk, dk) <= max_edits:
                best = max(best, Indel.normalized_similarity(rk, dk))
    return ("fuzzy", round(best, 3)) if best > 0 else None


def _merge_compounds(reg: list[str], docs: list[_Doc]) -> list[str]:
    """Join adjacent registered tokens that the document writes as one (``ABDUL RAHMAN`` → ``ABDULRAHMAN``)."""
    doc_keys = {k for d in docs for k in keys(d.text)}
    out: list[str] = []
    i = 0
    while i < len(reg):
        if i + 1 < len(reg) and keys(reg[i] + reg[i + 1]) & doc_keys and not (keys(reg[i]) & doc_keys):
            out.append(reg[i] + reg[i + 1])
            i += 2
        else:
            out.append(reg[i])
            i += 1
    return out


def _split_compounds(reg: list[str], docs: list[_Doc]) -> list[_Doc]:
    """Join adjacent document tokens that the applicant typed as one word."""
    reg_keys = {k for r in reg for k in keys(r)}
    out: list[_Doc] = []
    i = 0
    while i < len(docs):
        a = docs[i]
        if i + 1 < len(docs) and docs[i + 1].role == a.role and keys(a.text + docs[i + 1].text) & reg_keys:
            b = docs[i + 1]
            out.append(_Doc(a.text + b.text, a.role, b.truncated))
            i += 2
        else:
            out.append(a)
            i += 1
    return out


def _assign(table: list[list[tuple[str, float] | None]], n_doc: int) -> list[int | None]:
    """Registered index → document index maximising total credit (bitmask DP; names have few tokens)."""
    memo: dict[tuple[int, int], tuple[float, tuple[int | None, ...]]] = {}

    def best(i: int, used: int) -> tuple[float, tuple[int | None, ...]]:
        if i == len(table):
            return 0.0, ()
        if (i, used) in memo:
            return memo[(i, used)]
        score, rest = best(i + 1, used)
        result: tuple[float, tuple[int | None, ...]] = (score, (None, *rest))
        for j in range(n_doc):
            cell = table[i][j]
            if cell is None or used >> j & 1:
                continue
            sub, rest = best(i + 1, used | 1 << j)
            # prefer the role order of a typed name only as a tie-break: strong pairings dominate
            if cell[1] + sub > result[0] + 1e-9:
                result = (cell[1] + sub, (j, *rest))
        memo[(i, used)] = result
        return result

    return list(best(0, 0)[1])


class NameMatcher:
    """Compares a registered full name with the document's MRZ (and optional visual-zone) name.

    ``match_threshold``: minimum score for ``match``; ``uncertain_threshold``: below it, ``no_match``;
    ``max_edits``: edits (on variant keys, transpositions count once) still called a typo.
    """

    def __init__(
        self, match_threshold: float = 0.85, uncertain_threshold: float = 0.5, max_edits: int = 1
    ) -> None:
        self.match_threshold = match_threshold
        self.uncertain_threshold = uncertain_threshold
        self.max_edits = max_edits

    def match(
        self,
        registered: str,
        document_surname: str,
        document_given_names: str,
        *,
        truncated: bool = False,
        viz_name: str | None = None,
    ) -> NameMatch:
        """Match ``registered`` against MRZ surname / given names. See :func:`match_names`."""
        docs = [_Doc(t, "surname") for t in tokens(document_surname)]
        docs += [_Doc(t, "given") for t in tokens(document_given_names)]
        if truncated and docs:
            docs[-1].truncated = True
        reg = tokens(registered)[:MAX_TOKENS]
        docs = docs[:MAX_TOKENS]
        if viz_name:
            docs = _add_viz(docs, tokens(viz_name)[:MAX_TOKENS], self.max_edits)[: MAX_TOKENS + 2]
        reg = _merge_compounds(reg, docs)
        docs = _split_compounds(reg, docs)
        document = f"{document_surname} / {document_given_names}"
        if not reg or not docs:
            empty = NameMatch(
                0.0, "no_match", self.match_threshold, self.uncertain_threshold, (), ("a name is empty",)
            )
            return replace(empty, registered=registered, document=document)
        table = [[_pair(r, d, self.max_edits) for d in docs] for r in reg]
        assignment = _assign(table, len(docs))
        return replace(
            self._decide(reg, docs, table, assignment, truncated), registered=registered, document=document
        )

    def _decide(
        self,
        reg: list[str],
        docs: list[_Doc],
        table: list[list[tuple[str, float] | None]],
        assignment: list[int | None],
        truncated: bool,
    ) -> NameMatch:
        notes: list[str] = []
        lines: list[TokenMatch] = []
        by_doc: dict[int, tuple[str, float]] = {}
        extras: list[str] = []
        for i, j in enumerate(assignment):
            if j is None:
                extras.append(reg[i])
                continue
            how, ratio = table[i][j]  # type: ignore[misc]
            by_doc[j] = (how, ratio)
            shown: How = "variant" if how == "loose" else how  # type: ignore[assignment]
            lines.append(TokenMatch(reg[i], docs[j].text, shown, ratio, docs[j].role))

        def status(j: int) -> str:
            how = by_doc.get(j, ("missing", 0.0))[0]
            return "strong" if how in _STRONG or how == "loose" else how

        surnames = [j for j, d in enumerate(docs) if d.role == "surname"]
        givens = [j for j, d in enumerate(docs) if d.role == "given"]
        decision: Decision = "match"

        def cap(to: Decision, why: str) -> None:
            nonlocal decision
            order = {"match": 2, "uncertain": 1, "no_match": 0}
            if order[to] < order[decision]:
                decision = to
            notes.append(why)

        sur = [status(j) for j in surnames]
        if surnames and "strong" not in sur:
            if "fuzzy" in sur:
                cap("uncertain", "surname differs by a typo")
            else:
                cap("no_match", "surname not found in the registered name")
        elif any(s == "missing" for s in sur):
            cap("uncertain", "part of the document surname is missing")
        unexplained = [t for t in extras if not is_patronymic(t)]
        if givens:
            first = status(givens[0])
            others = [status(j) for j in givens[1:]]
            if first == "fuzzy":
                cap("uncertain", "first given name differs by a typo")
            elif first == "missing":
                if unexplained:
                    cap("no_match", "first given name differs (same surname, different first name?)")
                elif "strong" in others:
                    cap("uncertain", "first given name missing; a later given name matches")
                else:
                    cap("no_match" if unexplained else "uncertain", "no given name found")
        elif unexplained and not truncated:
            cap("uncertain", "the document has no given names but the registered name has more")
        if any(by_doc.get(j, ("", 0.0))[0] == "fuzzy" for j in range(len(docs))):
            cap("uncertain", "a token matches only approximately")
        spare_doc = [j for j in givens[1:] if j not in by_doc and not is_patronymic(docs[j].text)]
        if unexplained and spare_doc and not truncated:
            cap("uncertain", "a given name differs: each side has one the other lacks")
        if len(unexplained) >= 2 and not truncated:
            cap("uncertain", "two or more registered names are not on the document")

        credits = [ratio if how == "fuzzy" else CREDIT[how] for how, ratio in by_doc.values()]
        for t in extras:
            optional = truncated or is_patronymic(t) or decision != "no_match"
            lines.append(TokenMatch(t, None, "missing-optional" if optional else "unmatched", 0.0, None))
            credits.append(CREDIT["missing-optional"] if optional else 0.0)
        for j, d in enumerate(docs):
            if j in by_doc:
                continue
            required = d.role == "surname" or (givens and j == givens[0])
            how_doc: How = "unmatched" if required else "missing-optional"
            lines.append(TokenMatch(None, d.text, how_doc, 0.0, d.role))
            credits.append(0.0 if required else CREDIT["missing-optional"])
        score = round(sum(credits) / len(credits), 4) if credits else 0.0
        if decision == "match" and score < self.match_threshold:
            cap("uncertain", f"score {score} below match threshold {self.match_threshold}")
        if decision != "no_match" and score < self.uncertain_threshold:
            cap("no_match", f"score {score} below uncertain threshold {self.uncertain_threshold}")
        return NameMatch(
            score, decision, self.match_threshold, self.uncertain_threshold, tuple(lines), tuple(notes)
        )


def _add_viz(docs: list[_Doc], viz: list[str], max_edits: int) -> list[_Doc]:
    """Attach visual-zone tokens to the MRZ tokens they spell; the rest become optional document tokens."""
    extra: list[_Doc] = []
    for token in viz:
        for d in docs:
            verdict = _pair(token, d, max_edits)
            if verdict is not None and verdict[0] in (*_STRONG, "loose"):
                d.alts.append(token)
                break
        else:
            extra.append(_Doc(token, "viz"))
    return docs + extra


_DEFAULT = NameMatcher()


def match_names(
    registered: str,
    document_surname: str,
    document_given_names: str,
    *,
    truncated: bool = False,
    viz_name: str | None = None,
) -> NameMatch:
    """Match a registered full name with the MRZ name (default thresholds: match 0.85, uncertain 0.5).

    ``truncated=True`` says the MRZ name field was full, so its last token may be cut and later names lost.

    >>> match_names("Әлихан Серікұлы Бекұлы", "BEKULY", "AELIKHAN").decision
    'match'
    """
    return _DEFAULT.match(
        registered, document_surname, document_given_names, truncated=truncated, viz_name=viz_name
    )
