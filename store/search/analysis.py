"""How text becomes index terms: Whoosh's analyzers, run a word at a time with a cache.

`analysed_terms` gives the same terms and positions as the analyzer run on the
whole text (`reference_terms`; the tests compare the two), several times faster.
"""

from __future__ import annotations

import re

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.support.charset import accent_map

# Token patterns without capturing groups, so `findall` gives whole words.
TEXT_WORD = r"\w+(?:\.?\w+)*"  # Whoosh's default tokenizer pattern
NAME_WORD = r"\w+(?:['’]\w+)*"  # keeps O'Brien whole
TERM_CACHE_LIMIT = 300_000  # distinct words remembered per analyzer (about 60 MB at most)


def _text_analyzer():
    # Accents folded so that `laurencon` finds `Laurençon`.
    return StemmingAnalyzer(TEXT_WORD) | CharsetFilter(accent_map)


def _name_analyzer():
    return RegexTokenizer(NAME_WORD) | LowercaseFilter() | CharsetFilter(accent_map)


ANALYZERS = {"text": _text_analyzer, "name": _name_analyzer}
_analyzer_instances = {kind: make() for kind, make in ANALYZERS.items()}
_term_caches: dict[str, dict[str, str | None]] = {kind: {} for kind in ANALYZERS}
_word_patterns = {"text": re.compile(TEXT_WORD), "name": re.compile(NAME_WORD)}


def term_of(kind: str, word: str) -> str | None:
    """What the analyzer makes of one word (None: a stop word), cached.

    Every filter in both analyzers looks at one token at a time, so analysing
    word by word gives the terms of the whole text; only positions differ, and
    `analysed_terms` renumbers them as the stop filter does."""
    cache = _term_caches[kind]
    if word in cache:
        return cache[word]
    tokens = [t.text for t in _analyzer_instances[kind](word)]
    term = tokens[0] if tokens else None
    if len(cache) >= TERM_CACHE_LIMIT:
        cache.clear()
    cache[word] = term
    return term


def reference_terms(kind: str, text: str) -> dict[str, list[int]]:
    """term -> positions from Whoosh's own analyzer run on the whole text: what
    `analysed_terms` must equal (the tests compare them)."""
    positions: dict[str, list[int]] = {}
    for token in _analyzer_instances[kind](text, positions=True):
        positions.setdefault(token.text, []).append(token.pos)
    return positions


def analysed_terms(kind: str, text: str) -> dict[str, list[int]]:
    """term -> positions, as the `kind` analyzer gives them for `text`."""
    positions: dict[str, list[int]] = {}
    cache = _term_caches[kind]
    pos = None
    for index, word in enumerate(_word_patterns[kind].findall(text)):
        term = cache[word] if word in cache else term_of(kind, word)
        if term is None:
            continue
        # The stop filter keeps the first kept word's own position, then numbers on from it.
        pos = index if pos is None else pos + 1
        positions.setdefault(term, []).append(pos)
    return positions
