"""Spellings one edit away from a typed word (no Whoosh): a letter dropped, added,
replaced, or two neighbours swapped (Damerau distance 1).

Checking each spelling against the index's terms is exact and cheap (a few
hundred lookups); Whoosh's FuzzyTerm counts a swap as two edits, and distance 2
brings in far more noise.
"""

from __future__ import annotations

import threading

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


class LexiconCache:
    """Every word of a field, per segment, as a set (segments never change): spellings
    one edit away are checked against it, hundreds of look-ups in a microsecond each."""

    def __init__(self, max_segments: int = 64):
        self._sets: dict[tuple, frozenset[str]] = {}
        self._max = max_segments
        self._lock = threading.Lock()

    def words(self, reader, fieldname: str) -> frozenset[str]:
        key = (reader.segment().segment_id(), fieldname)
        with self._lock:
            found = self._sets.get(key)
        if found is None:
            found = frozenset(t.decode("utf-8") for t in reader.lexicon(fieldname)) if fieldname in reader.schema else frozenset()
            with self._lock:
                if len(self._sets) >= self._max:
                    self._sets.clear()
                self._sets[key] = found
        return found


DEFAULT_LEXICONS = LexiconCache()
