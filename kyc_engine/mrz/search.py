"""Check-digit-guided search: which substitutions make every check digit agree, and is that choice clear?

Each candidate substitution has *odds* relative to keeping what OCR read (from OCR confidences and
alternatives, or from a fixed prior when OCR gave none). A combination's odds is the product over its
substitutions. Besides the named substitutions each position has a *wildcard*: "some other character,
the one that satisfies the check", with the odds of an error the options do not cover. Without it a lone
candidate that happens to satisfy one check digit would look certain, yet one value in ten passes any
check: a single check digit cannot tell ``O`` read for ``0`` from ``3`` read for ``8``.

Among the combinations under which every check digit agrees, the best one without a wildcard is accepted
only if it holds at least :data:`ACCEPT_POSTERIOR` of the total odds; otherwise nothing is changed and the
outcome says the repair was ambiguous.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .checksum import WEIGHTS, char_value

Pos = tuple[int, int]
#: Substitutions tried per check-digit-protected field (fewest first).
MAX_CHANGES = 3
#: Substitutions tried in data covered only by the composite check digit.
MAX_COMPOSITE_ONLY_CHANGES = 2
#: Share of the total odds the best combination needs to be accepted.
ACCEPT_POSTERIOR = 0.9
#: Combinations below these odds are not enumerated (they could not win and barely move the total).
MIN_ODDS = 1e-5
WILDCARD = "*"
#: Composite delta of a wildcard in data covered by the composite only: it can satisfy the composite
#: (with any value but the one that changes nothing). In the table, residues of such combinations are
#: stored with :data:`FREE` added.
FREE = 10
_INVERSE = {1: 1, 3: 7, 7: 3}  # of each weight, modulo 10


@dataclass(frozen=True)
class Relation:
    """Check digit at ``digit`` over the characters at ``data``. ``allow_empty``: all-filler data may have
    ``<`` as check digit (TD3 personal number)."""

    name: str
    data: tuple[Pos, ...]
    digit: Pos
    allow_empty: bool = False


@dataclass(frozen=True)
class Candidate:
    """Substitutions ``((pos, char), ...)`` with their odds and composite-sum delta (mod 10, or FREE)."""

    changes: tuple[tuple[Pos, str], ...]
    odds: float
    composite_delta: int

    @property
    def wild(self) -> bool:
        return any(ch == WILDCARD for _, ch in self.changes)


@dataclass(frozen=True)
class SearchOutcome:
    """What the search decided: ``changes`` to apply (possibly none), the posterior of that choice, and
    ``ambiguous`` when the checks could be satisfied but no choice was clear enough."""

    changes: tuple[tuple[Pos, str], ...]
    posterior: float
    ambiguous: bool


def _relation_ok(text: Sequence[str], rel: Relation, changed: dict[Pos, str]) -> bool:
    def at(p: Pos) -> str:
        return changed.get(p) or text[p[0]][p[1]]

    digit = at(rel.digit)
    data = [at(p) for p in rel.data]
    if rel.allow_empty and digit in "<0" and all(c == "<" for c in data):
        return True
    if not digit.isdigit():
        return False
    return sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(data)) % 10 == int(digit)


@dataclass(frozen=True)
class _Choice:
    """One option at one position, with its effect on the own check and on the composite (mod 10)."""

    pos: Pos
    char: str
    odds: float
    own: int
    composite: int


def _choices(
    text: Sequence[str],
    pos: Pos,
    opts: list[tuple[str, float]],
    relation: Relation | None,
    composite_weight: dict[Pos, int],
) -> list[_Choice]:
    old = char_value(text[pos[0]][pos[1]])
    own_weight = 0
    if relation is not None:
        own_weight = -1 if pos == relation.digit else WEIGHTS[relation.data.index(pos) % 3]
    out = []
    for ch, odds in opts:
        diff = 0 if ch == WILDCARD else char_value(ch) - old
        out.append(
            _Choice(pos, ch, odds, (own_weight * diff) % 10, (composite_weight.get(pos, 0) * diff) % 10)
        )
    return out


def enumerate_candidates(
    text: Sequence[str],
    positions: Sequence[Pos],
    options: dict[Pos, list[tuple[str, float]]],
    unseen: dict[Pos, float],
    max_changes: int,
    relation: Relation | None,
    composite_weight: dict[Pos, int],
) -> list[Candidate]:
    """Combinations of up to ``max_changes`` substitutions (at most one wildcard) at ``positions`` that pass
    ``relation`` (all of them when it is None), likeliest positions first, pruned below :data:`MIN_ODDS`."""
    table = []
    for p in positions:
        opts = [*options.get(p, []), *([(WILDCARD, unseen[p])] if unseen.get(p) else [])]
        if opts:
            table.append(_choices(text, p, sorted(opts, key=lambda o: -o[1]), relation, composite_weight))
    table.sort(key=lambda cs: -cs[0].odds)
    residual = 0
    if relation is not None:
        digit = text[relation.digit[0]][relation.digit[1]]
        data = sum(char_value(text[p[0]][p[1]]) * WEIGHTS[i % 3] for i, p in enumerate(relation.data))
        residual = (data - char_value(digit)) % 10
    out: list[Candidate] = []
    digit_pos = relation.digit if relation is not None else (-1, -1)
    digit_now = text[digit_pos[0]][digit_pos[1]] if relation is not None else ""

    def emit(picked: list[_Choice], odds: float, own: int, comp: int, wild: _Choice | None) -> None:
        if relation is None:
            delta = FREE if wild is not None else comp
        elif wild is None:
            digit = next((c.char for c in picked if c.pos == digit_pos), digit_now)
            if own != 0 or not digit.isdigit():
                if not (digit == "<" and _relation_ok(text, relation, {c.pos: c.char for c in picked})):
                    return
            delta = comp
        else:
            # the wildcard takes the one value its check digit needs; no change at all explains nothing
            if own == 0:
                return
            if wild.pos == digit_pos:
                diff = own
            else:
                diff = (-own * _INVERSE[WEIGHTS[relation.data.index(wild.pos) % 3]]) % 10
            delta = (comp + composite_weight.get(wild.pos, 0) * diff) % 10
        out.append(Candidate(tuple(sorted((c.pos, c.char) for c in picked)), odds, delta))

    def walk(
        start: int, picked: list[_Choice], odds: float, own: int, comp: int, wild: _Choice | None
    ) -> None:
        emit(picked, odds, own % 10, comp % 10, wild)
        if len(picked) == max_changes:
            return
        for i in range(start, len(table)):
            if odds * table[i][0].odds < MIN_ODDS:
                break  # positions are sorted by their likeliest choice
            for choice in table[i]:
                if odds * choice.odds < MIN_ODDS:
                    break  # choices are sorted by odds
                is_wild = choice.char == WILDCARD
                if is_wild and wild is not None:
                    continue
                picked.append(choice)
                walk(
                    i + 1,
                    picked,
                    odds * choice.odds,
                    own + choice.own,
                    comp + choice.composite,
                    choice if is_wild else wild,
                )
                picked.pop()

    walk(0, [], 1.0, residual, 0, None)
    return out


def _decide(best: Candidate | None, total: float) -> SearchOutcome:
    if best is None or total <= 0.0:
        return SearchOutcome((), 0.0, False)
    post = best.odds / total
    if post < ACCEPT_POSTERIOR:
        return SearchOutcome((), post, True)
    return SearchOutcome(best.changes, post, False)


def _independent(
    text: Sequence[str],
    relations: Sequence[Relation],
    options: dict[Pos, list[tuple[str, float]]],
    unseen: dict[Pos, float],
) -> SearchOutcome:
    """Each relation on its own (visas have no composite check; or the composite cannot be satisfied)."""
    changes: list[tuple[Pos, str]] = []
    worst, ambiguous = 1.0, False
    for rel in relations:
        cands = enumerate_candidates(text, (*rel.data, rel.digit), options, unseen, MAX_CHANGES, rel, {})
        best = max((c for c in cands if not c.wild), key=lambda c: c.odds, default=None)
        outcome = _decide(best, sum(c.odds for c in cands))
        changes += outcome.changes
        ambiguous |= outcome.ambiguous
        worst = min(worst, outcome.posterior)
    return SearchOutcome(tuple(changes), worst, ambiguous)


State = dict[int, tuple[float, float, tuple[Candidate, ...]]]


def _combine(table: State, cands: list[Candidate]) -> State:
    """Extend per-residue (total odds, best wildcard-free odds, its candidates) by one group."""
    nxt: State = {}

    def add(key: int, mass: float, odds: float, chosen: tuple[Candidate, ...]) -> None:
        t, b, ch = nxt.get(key, (0.0, 0.0, ()))
        if odds > b:
            b, ch = odds, chosen
        nxt[key] = (t + mass, b, ch)

    for r, (total, best, chosen) in table.items():
        for c in cands:
            if c.composite_delta == FREE:
                if r < FREE:  # at most one free wildcard
                    add(r + FREE, total * c.odds, 0.0, ())
                continue
            key = (r % FREE + c.composite_delta) % 10 + (r >= FREE) * FREE
            add(key, total * c.odds, 0.0 if c.wild or r >= FREE else best * c.odds, (*chosen, c))
    return nxt


def search(
    text: Sequence[str],
    options: dict[Pos, list[tuple[str, float]]],
    relations: Sequence[Relation],
    composite: Relation | None,
    unseen: dict[Pos, float],
) -> SearchOutcome:
    """Find the clearest set of substitutions (from ``options``) under which all check digits agree.

    ``unseen[pos]``: odds that ``pos`` holds an error outside ``options`` *and* that it is the one value
    that would satisfy the check (about a tenth of the error odds).
    """
    settled = _settled(text, relations, composite, options, unseen)
    if settled is not None:
        return settled
    if composite is None:
        return _independent(text, relations, options, unseen)
    weight = {p: WEIGHTS[i % 3] for i, p in enumerate(composite.data)}
    groups: list[list[Candidate]] = []
    covered: set[Pos] = set()
    for rel in relations:
        covered.update((*rel.data, rel.digit))
        groups.append(
            enumerate_candidates(text, (*rel.data, rel.digit), options, unseen, MAX_CHANGES, rel, weight)
        )
    rest = [p for p in composite.data if p not in covered]
    groups.append(enumerate_candidates(text, rest, options, unseen, MAX_COMPOSITE_ONLY_CHANGES, None, weight))
    table: State = {0: (1.0, 1.0, ())}
    for cands in groups:
        table = _combine(table, cands)
    base = sum(char_value(text[p[0]][p[1]]) * w for p, w in weight.items()) % 10
    current = text[composite.digit[0]][composite.digit[1]]
    digit_opts = [(current, 1.0), *options.get(composite.digit, [])]
    total = 0.0
    if current.isdigit():  # a wildcard composite digit: any other digit, whatever the data add up to
        needed = (int(current) - base) % 10
        total += unseen.get(composite.digit, 0.0) * sum(
            t for r, (t, _, _) in table.items() if r < FREE and r != needed
        )
    best: Candidate | None = None
    for ch, odds in digit_opts:
        if not ch.isdigit():
            continue
        needed = (int(ch) - base) % 10
        t, b, picked = table.get(needed, (0.0, 0.0, ()))
        total += odds * t
        total += odds * sum(t for r, (t, _, _) in table.items() if r >= FREE and r - FREE != needed)
        if b > 0.0 and (best is None or odds * b > best.odds):
            extra = () if ch == current else ((composite.digit, ch),)
            best = Candidate(tuple(x for c in picked for x in c.changes) + extra, odds * b, 0)
    if best is None:
        return _independent(text, relations, options, unseen)
    return _decide(best, total)


def _settled(
    text: Sequence[str],
    relations: Sequence[Relation],
    composite: Relation | None,
    options: dict[Pos, list[tuple[str, float]]],
    unseen: dict[Pos, float],
) -> SearchOutcome | None:
    """The search's answer without enumerating, when it is certain: every check digit agrees as read and
    all other combinations together cannot reach the odds that would make keeping the reading unclear.

    Every combination that could rival "no change" is a choice of options (or wildcards) at some
    positions, so their total odds are at most ``prod(1 + odds at each position) - 1``. Keeping the
    reading (odds 1) then has a posterior of at least ``1 / prod(...)``; when that is at least
    :data:`ACCEPT_POSTERIOR`, enumeration would choose no change and not call it ambiguous, so the
    answer is the same, without the cost (most readings of a clear photo)."""
    if not all(_relation_ok(text, rel, {}) for rel in (*relations, *([composite] if composite else []))):
        return None
    bound = 1.0
    for pos in set(options) | set(unseen):
        bound *= 1.0 + sum(odds for _, odds in options.get(pos, ())) + unseen.get(pos, 0.0)
        if bound * ACCEPT_POSTERIOR > 1.0:
            return None
    return SearchOutcome((), 1.0 / bound, False)
