"""Small counts hidden so that they cannot be worked out from the counts beside them.

A count of 1–4 is shown as "<5" (primary suppression). That alone is not enough when the page
also shows counts it adds up with: 27 active beside 30 in the month gives the "<5" discharges
away as 3. So whenever a suppressed count could be recovered through a sum on the same page, a
second count of that sum is hidden too (complementary suppression): the smallest one shown, so
that as little as possible is lost.

"Recovered" is judged as someone reading the page would: a shown count is known exactly, a
"<5" is 1–4, a hidden count is 5 or more (the smallest count shown beside a small one is never
small itself, and zeros are never hidden: they disclose nobody), and a part of a sum the page does
not show (the candidates of neither gender listed, say) is known only when it is 0, the guess
anyone would make. These bounds are pushed through every sum until nothing changes; a "<5"
whose bounds close to one value (or contradict: then the sums are near-identities the reader
could still use) is exposed, and the smallest shown count of the sum that pins it is hidden.
This is bound propagation, not a full linear-programming audit; for the few sums of one page
it finds what subtraction and the 1–4 bounds give away.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

SMALL = 5  # counts 1 to SMALL - 1 are suppressed
_PASSES = 200  # propagation passes; each tightens a bound by at least 1, and counts are small


@dataclass(frozen=True)
class Sum:
    """One relation between cells of a page: `total` = the sum of `parts`."""

    total: str
    parts: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.total, *self.parts)


def small(n: int) -> bool:
    """A count that could point at a person: 1–4."""
    return 0 < n < SMALL


Bounds = dict[str, tuple[float, float]]


def _bounds(values: dict[str, int], shown: set[str], suppressed: set[str], hidden: set[str]) -> Bounds:
    """What a reader knows of each cell (see the module's note)."""
    known: Bounds = {}
    for key, value in values.items():
        if key in suppressed:
            known[key] = (1, SMALL - 1)
        elif key in hidden:
            known[key] = (SMALL, math.inf)
        elif key in shown or value == 0:
            known[key] = (value, value)
        else:
            known[key] = (0, math.inf)
    return known


def _range(relation: Sum, cell: str, bounds: Bounds) -> tuple[float, float]:
    """The values `cell` can take given the others' bounds and this one sum."""
    others = [c for c in relation.cells if c != cell]
    if cell == relation.total:  # total = Σ parts
        return sum(bounds[c][0] for c in others), sum(bounds[c][1] for c in others)
    rest = [c for c in others if c != relation.total]  # part = total - Σ other parts
    low, high = bounds[relation.total]
    return low - sum(bounds[c][1] for c in rest), high - sum(bounds[c][0] for c in rest)


def _propagate(bounds: Bounds, relations: list[Sum]) -> set[str]:
    """Tighten `bounds` in place through every sum; the cells whose bounds contradict."""
    broken: set[str] = set()
    for _ in range(_PASSES):
        changed = False
        for relation in relations:
            for cell in relation.cells:
                if cell in broken:
                    continue
                low, high = _range(relation, cell, bounds)
                new = (max(bounds[cell][0], low), min(bounds[cell][1], high))
                if new[0] > new[1]:
                    broken.add(cell)
                elif new != bounds[cell]:
                    bounds[cell], changed = new, True
        if not changed:
            break
    return broken


def protect(values: dict[str, int], relations: list[Sum], shown: set[str]) -> tuple[set[str], set[str]]:
    """(suppressed, hidden) of the `shown` cells: the small ones, and the ones hidden beside them
    so that no small one can be worked out through `relations`.

    `values` holds every cell of the relations, those the page does not show included. While a
    "<5" can be worked out, one more count is hidden: where a hidden count can itself be worked
    out (27 active hidden, but 27 without consent of whom none is unlisted), the smallest shown
    count of a sum that pins it; else the smallest shown count of a sum that pins the "<5".
    """
    order = {key: i for i, key in enumerate(values)}
    suppressed = {k for k in shown if small(values[k])}
    hidden: set[str] = set()
    while True:
        bounds = _bounds(values, shown, suppressed, hidden)
        broken = _propagate(bounds, relations)

        def pinned(k: str, broken: set[str] = broken, bounds: dict = bounds) -> bool:  # this round's
            return k in broken or bounds[k][0] == bounds[k][1]

        if not any(pinned(k) for k in suppressed):
            return suppressed, hidden
        exposed = sorted((k for k in suppressed | hidden if pinned(k)), key=lambda k: (k in suppressed, order[k]))
        for cell in exposed:
            pinning = [r for r in relations if cell in r.cells and _pins(_range(r, cell, bounds), bounds[cell])]
            free = [c for r in pinning for c in r.cells
                    if c in shown and c not in suppressed | hidden and values[c] > 0]
            if free:
                hidden.add(min(free, key=lambda c: (values[c], order[c])))
                break
        else:  # no sum that pins them has a count left to hide: hide the smallest in reach
            free = [c for r in relations for c in r.cells if c in shown and c not in suppressed | hidden
                    and values[c] > 0]
            if not free:
                return suppressed, hidden
            hidden.add(min(free, key=lambda c: (values[c], order[c])))


def _pins(span: tuple[float, float], bound: tuple[float, float]) -> bool:
    """True when a sum leaves a cell one value (or none) within its bounds."""
    return max(span[0], bound[0]) >= min(span[1], bound[1])
