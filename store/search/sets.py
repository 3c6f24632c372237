"""Queries worked out as sets of document numbers, a segment at a time.

Nothing is scored: And, Or, Not and terms are set operations on posting lists
read a block at a time (recent terms cached per segment). `matching` uses this
for unranked answers; `expanded_as_sets` lets ranked searches treat prefix,
wildcard and fuzzy terms as constant-score sets.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict

from whoosh import query
from whoosh.matching import ListMatcher, NullMatcher

from . import whoosh_private

_EXPANDING = (query.Prefix, query.Wildcard, query.FuzzyTerm)


class PostingCache:
    """Document numbers of recently used terms, per segment. Segments never change
    (deletions are applied on use), so an entry stays right; typing a query
    word by word asks for the same terms again and again."""

    def __init__(self, max_ids: int = 2_000_000):  # 8 MB of ids at most
        self._entries: OrderedDict = OrderedDict()
        self._size = 0
        self._max = max_ids
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            ids = self._entries.get(key)
            if ids is not None:
                self._entries.move_to_end(key)
            return ids

    def put(self, key, ids: array) -> array:
        with self._lock:
            if key not in self._entries:
                self._entries[key] = ids
                self._size += len(ids)
                while self._size > self._max and len(self._entries) > 1:
                    _, dropped = self._entries.popitem(last=False)
                    self._size -= len(dropped)
            return ids


def docset(parsed, searcher, cache: PostingCache) -> set[int]:
    """Document numbers of one segment's searcher that `parsed` matches (deleted
    documents excluded). And, Or, Not and terms are set operations on posting
    lists read a block at a time; other query types ask Whoosh for their documents."""
    reader = searcher.reader()
    kind = type(parsed)
    if kind is query.Term:
        return term_docs(reader, parsed.fieldname, parsed.text, cache)
    if kind is query.And:
        parts = sorted((docset(sub, searcher, cache) for sub in parsed.subqueries), key=len)
        common = parts[0] if parts else set()
        for part in parts[1:]:
            common = common & part
        return common
    if kind is query.Or and not parsed.minmatch:
        return set().union(*(docset(sub, searcher, cache) for sub in parsed.subqueries))
    if kind is query.Not:
        return set(reader.all_doc_ids()) - docset(parsed.query, searcher, cache)
    if kind is query.AndNot:
        return docset(parsed.a, searcher, cache) - docset(parsed.b, searcher, cache)
    if kind is query.AndMaybe:
        return docset(parsed.a, searcher, cache)
    if kind in _EXPANDING and parsed.text not in ("", "*"):
        result: set[int] = set()
        for fieldname, btext in parsed.expanded_terms(reader):
            result |= term_docs(reader, fieldname, btext, cache)
        return result
    return set(parsed.docs(searcher))


def term_docs(reader, fieldname: str, text, cache: PostingCache) -> set[int]:
    """Document numbers of one segment holding the term, deleted ones excluded."""
    if fieldname not in reader.schema:
        return set()
    try:
        btext = text if isinstance(text, bytes) else reader.schema[fieldname].to_bytes(text)
    except ValueError:
        return set()
    key = (reader.segment().segment_id(), fieldname, btext)
    ids = cache.get(key)
    if ids is None:
        if (fieldname, btext) not in reader:
            return set()
        # Deleted documents are taken out below, from a set, rather than posting by posting.
        matcher = whoosh_private.unfiltered_postings(reader.postings(fieldname, btext))
        ids = cache.put(key, array("i", whoosh_private.all_ids(matcher)))
    found = set(ids)
    return found - whoosh_private.deleted_docs(reader) if reader.has_deletions() else found


def expanded_as_sets(parsed, cache: PostingCache):
    """The query with each prefix, wildcard and fuzzy term made a constant-score
    set of documents: Whoosh ranks `multi*` through a union of every word it
    expands to (hundreds), and took 30 s at 100,000 papers; a set takes a few ms.
    Whoosh scores such terms as constant already (constantscore), so the ranking
    is the same."""
    if type(parsed) in _EXPANDING and parsed.text not in ("", "*"):
        return ExpandedTerms(parsed, cache)
    if isinstance(parsed, query.BinaryQuery):  # AndNot, AndMaybe... (also CompoundQuery: test first)
        return type(parsed)(expanded_as_sets(parsed.a, cache), expanded_as_sets(parsed.b, cache))
    if type(parsed) in (query.And, query.Or):
        return type(parsed)([expanded_as_sets(sub, cache) for sub in parsed.subqueries], boost=parsed.boost)
    if type(parsed) is query.Not:
        return query.Not(expanded_as_sets(parsed.query, cache), boost=parsed.boost)
    return parsed


class ExpandedTerms(query.Query):
    """Documents of an expanding term (prefix, wildcard, fuzzy), from docset, each scored its boost."""

    def __init__(self, original, cache: PostingCache):
        self.original, self.cache, self.boost = original, cache, original.boost

    def __eq__(self, other):
        return type(other) is ExpandedTerms and other.original == self.original

    def __hash__(self):
        return hash(("expanded", self.original))

    def __unicode__(self):
        return str(self.original)

    __str__ = __unicode__

    def estimate_size(self, ixreader):
        return ixreader.doc_count()

    def matcher(self, searcher, context=None):
        # `searcher` is one segment's (Whoosh searches segment by segment).
        ids = sorted(docset(self.original, searcher, self.cache))
        return ListMatcher(array("I", ids), all_weights=self.boost) if ids else NullMatcher()
