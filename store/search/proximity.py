"""Where the words of a query stand in a paper's text: order and closeness (no Whoosh)."""

from __future__ import annotations

import math


def order_counts(word_positions: list[list[int]]) -> tuple[int, int]:
    """How many neighbouring query words stand adjacent, and how many only in order."""
    adjacent = in_order = 0
    for before, after in zip(word_positions, word_positions[1:], strict=False):
        starts = set(before)
        if any(p - 1 in starts for p in after):
            adjacent += 1
        elif min(before) < max(after):
            in_order += 1
    return adjacent, in_order


def shortest_span(word_positions: list[list[int]]) -> int:
    """Fewest positions covering one occurrence of each word (a sweep over the merged positions)."""
    events = sorted((pos, index) for index, plist in enumerate(word_positions) for pos in plist)
    need, best, left = len(word_positions), math.inf, 0
    seen: dict[int, int] = {}
    for pos, index in events:
        seen[index] = seen.get(index, 0) + 1
        while len(seen) == need:
            start, first = events[left]
            best = min(best, pos - start + 1)
            seen[first] -= 1
            if not seen[first]:
                del seen[first]
            left += 1
    return int(best) if best != math.inf else 10**6
