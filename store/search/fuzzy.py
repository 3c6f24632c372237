"""Spellings one edit away from a typed word (no Whoosh): a letter dropped, added,
replaced, or two neighbours swapped (Damerau distance 1).

Checking each spelling against the index's terms is exact and cheap (a few
hundred lookups); Whoosh's FuzzyTerm counts a swap as two edits, and distance 2
brings in far more noise.
"""

from __future__ import annotations

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def one_edit_away(word: str) -> set[str]:
    """Every spelling one edit from `word` (the first letter kept: it is seldom the mistyped one)."""
    head, body = word[:1], word[1:]
    splits = [(body[:i], body[i:]) for i in range(len(body) + 1)]
    found = set()
    for left, right in splits:
        if right:
            found.add(left + right[1:])  # dropped
            if len(right) > 1:
                found.add(left + right[1] + right[0] + right[2:])  # swapped
            found.update(left + c + right[1:] for c in LETTERS)  # replaced
        found.update(left + c + right for c in LETTERS)  # added
    found.discard(body)
    return {head + spelling for spelling in found}
