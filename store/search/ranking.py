"""Ranked search for plain words: the paper a person half remembers, first.

Plain words (no field, operator, quote or wildcard) are ranked here, not by
Whoosh's BM25F. 1. Candidates as sets (sets.py): the papers holding every word
in some field, scored by the fields holding each word (weights, saturated per
word, times its idf). If none, the last word is taken as a prefix (still being
typed); a word found nowhere matches its spellings one edit away (fuzzy.py).
2. The best RESCORED are rescored from word positions (proximity.py): all words
in the title, in order, as typed; close together in the abstract.
Measured choices: docs/decisions.md ("Ranking").
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from .analysis import analysed_terms
from .fuzzy import DEFAULT_LEXICONS, LexiconCache, one_edit_away
from .proximity import order_counts, shortest_span
from .sets import PostingCache, term_docs

_TOKEN = re.compile(r"[\w'’.]+(?:-[\w'’.]+)*")
_WORD = re.compile(r"\w+(?:['’.]\w+)*")
_COMBINED = re.compile(r"\((.*)\) AND \(([^()]*)\)", re.S)
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})

# field -> (analyzer kind, weight). `surnames` holds each author's last name: a
# surname typed is worth more than the same word in a title.
FIELDS = {
    "title": ("text", 3.0),
    "title_words": ("name", 0.0),  # the title's words as typed, not only their stems: see bonus()
    "authors": ("name", 2.0),
    "surnames": ("name", 3.0),
    "abstract": ("text", 1.0),
    "tags": ("tag", 2.0),
    "note": ("text", 1.0),
    "orgs": ("name", 1.0),
    "comments": ("text", 1.0),
}
PREFIX_WEIGHT = 0.8  # a word matched only through the prefix typed so far
FUZZY_WEIGHT = 0.5  # a word matched only one edit away
SATURATION = 0.5  # k1 of the per-word saturation x / (x + k1)
# A prefix is looked for where a person remembering a paper types from: in an
# abstract, `mode` would expand to `model`, `modal`, `modul`..., tens of
# thousands of postings at 100,000 papers (2 s).
PREFIX_FIELDS = ("title", "title_words", "authors", "surnames")
MIN_PREFIX = 3  # shorter last words match whole only
MAX_PREFIX_TERMS = 200  # terms a prefix expands to, per field and segment
FUZZY_BELOW = 1  # no exact hit: look one edit away too (3 measured the same, and buried an exact hit)
RESCORED = 200
BONUS = {"title_as_typed": 1.0, "all_in_title": 2.5, "title_share": 0.6, "title_adjacent": 0.8, "title_in_order": 0.3, "abstract_near": 3.0}


def plain_words(text: str) -> list[str] | None:
    """The words of a query made of plain words only, else None (the query language's path)."""
    tokens = text.split()
    if not tokens or any(t in _OPERATORS or not _TOKEN.fullmatch(t) or t.startswith("-") for t in tokens):
        return None
    words = [w.lower() for w in _WORD.findall(text)]
    kept = [w for w in words if analysed_terms("text", w)]  # stop words dropped, as the parser does
    return kept or None


def terms_for(kind: str, word: str) -> list[str]:
    if kind == "tag":
        return [word]
    return list(analysed_terms(kind, word))


@dataclass
class Word:
    """One query word's documents in one segment: field -> set, exact and otherwise."""

    text: str
    exact: dict[str, set[int]] = field(default_factory=dict)
    prefix: dict[str, set[int]] = field(default_factory=dict)
    fuzzy: dict[str, set[int]] = field(default_factory=dict)
    prefix_terms: dict[str, list[bytes]] = field(default_factory=dict)
    fuzzy_terms: dict[str, list[bytes]] = field(default_factory=dict)
    prefix_found: dict[str, bool] = field(default_factory=dict)
    unions: dict[str, set[int]] = field(default_factory=dict)  # docs() and exact_docs(), once worked out

    def known(self) -> bool:
        """Found as typed or as the start of a word (not only through a stem the typed word starts with)."""
        return any(self.exact.values()) or any(self.prefix_found.values())

    def exact_docs(self) -> set[int]:
        if self.unions.get("exact") is None:
            self.unions["exact"] = set().union(*self.exact.values())
        return self.unions["exact"]

    def docs(self) -> set[int]:
        if self.unions.get("all") is None:
            self.unions["all"] = set().union(self.exact_docs(), *self.prefix.values(), *self.fuzzy.values())
        return self.unions["all"]


def exact_docs(reader, fieldname: str, word: str, cache: PostingCache) -> set[int]:
    terms = terms_for(FIELDS[fieldname][0], word)
    if not terms:
        return set()
    found = term_docs(reader, fieldname, terms[0], cache)
    for term in terms[1:]:
        found = found & term_docs(reader, fieldname, term, cache)
    return found


def prefix_terms(reader, fieldname: str, word: str) -> tuple[list[bytes], int]:
    """Terms starting with what was typed, then (text fields, when the typed word is
    no word there) stems the typed word starts with: `learnin` is on its way to
    `learning`, indexed as `learn`; and how many of the first kind."""
    if fieldname not in reader.schema or FIELDS[fieldname][0] == "tag":
        return [], 0
    terms: list[bytes] = []
    for btext in reader.expand_prefix(fieldname, word):
        terms.append(btext)
        if len(terms) >= MAX_PREFIX_TERMS:
            break
    whole = len(terms)
    whole_term = terms_for("text", word)[:1]
    if FIELDS[fieldname][0] == "text" and not (whole_term and (fieldname, whole_term[0]) in reader):
        for size in range(max(4, len(word) - 3), len(word)):
            if (fieldname, word[:size]) in reader:
                terms.append(word[:size].encode("utf-8"))
    return terms, whole


def word_in_segment(reader, text: str, cache: PostingCache) -> Word:
    word = Word(text)
    for fieldname in FIELDS:
        word.exact[fieldname] = exact_docs(reader, fieldname, text, cache)
    return word


def add_prefix(reader, word: Word, cache: PostingCache) -> None:
    """The documents of the words the typed one begins (the last word, still being typed)."""
    if len(word.text) < MIN_PREFIX:
        return
    for fieldname in PREFIX_FIELDS:
        terms, whole = prefix_terms(reader, fieldname, word.text)
        word.prefix_found[fieldname] = whole > 0
        found = set().union(*(term_docs(reader, fieldname, t, cache) for t in terms)) if terms else set()
        word.prefix[fieldname] = found - word.exact[fieldname]
        word.prefix_terms[fieldname] = terms
    word.unions.clear()


FUZZY_FIELDS = ("title_words", "authors")  # words as written: a spelling is looked up as it is


def add_fuzzy(reader, word: Word, cache: PostingCache, lexicons: LexiconCache) -> None:
    """Documents holding a spelling of the word one edit away (a word of 4+ letters):
    spellings found among the title's words or the authors' names, then looked up
    (stemmed) in every field as the word itself is."""
    if len(word.text) < 4:
        return
    variants = one_edit_away(word.text)
    found = sorted(set().union(*(variants & lexicons.words(reader, name) for name in FUZZY_FIELDS)))
    for fieldname in FIELDS:
        docs: set[int] = set()
        for variant in found:
            terms = terms_for(FIELDS[fieldname][0], variant)
            if len(terms) == 1 and (fieldname, terms[0]) in reader:
                docs |= term_docs(reader, fieldname, terms[0], cache)
                word.fuzzy_terms.setdefault(fieldname, []).append(terms[0].encode("utf-8"))
        word.fuzzy[fieldname] = docs - word.exact.get(fieldname, set()) - word.prefix.get(fieldname, set())
    word.unions.pop("all", None)


@dataclass
class Segment:
    reader: Any  # a Whoosh segment reader
    pids: list[int]
    words: list[Word]
    exact_hits: set[int] = field(default_factory=set)
    allowed: set[int] | None = None  # the filter's documents, if any


def first_pass(segment: Segment, candidates: set[int], idf: list[float]) -> dict[int, float]:
    """Score of each candidate from the fields holding each word. The candidates are
    split by set operations into groups holding the word in the same weight of
    fields (a few groups), so Python touches each candidate once a word."""
    scores = dict.fromkeys(candidates, 0.0)
    for word, word_idf in zip(segment.words, idf, strict=True):
        groups = {0.0: candidates}
        for kind, factor in ((word.exact, 1.0), (word.prefix, PREFIX_WEIGHT), (word.fuzzy, FUZZY_WEIGHT)):
            for fieldname, docs in kind.items():
                weight = FIELDS[fieldname][1] * factor
                if weight and docs:
                    groups = regrouped(groups, docs, weight)
        for total, members in groups.items():
            if total:
                gain = word_idf * total / (total + SATURATION)
                for doc in members:
                    scores[doc] += gain
    return scores


def regrouped(groups: dict[float, set[int]], docs: set[int], weight: float) -> dict[float, set[int]]:
    """Groups by weight, the members in `docs` moved up by `weight`."""
    result: dict[float, set[int]] = {}
    for total, members in groups.items():
        for key, part in ((total + weight, members & docs), (total, members - docs)):
            if part:
                result[key] = result[key] | part if key in result else part
    return result


def word_terms(word: Word, fieldname: str) -> set[str]:
    """The terms a word matched in a field: itself, the words it begins, its spellings one edit away."""
    terms = set(terms_for(FIELDS[fieldname][0], word.text)[:1])
    for found in (word.prefix_terms.get(fieldname, []), word.fuzzy_terms.get(fieldname, [])):
        terms.update(t.decode("utf-8") for t in found)
    return terms


def text_positions(segment: Segment, docs: list[int], texts: dict[int, tuple[str, str]]):
    """As `positions` for the title and the abstract, from the papers' text analysed
    again (the same terms and positions as indexed: analysis.py): reading positions
    from posting lists decodes a block per paper for a common word, 60 ms a query at
    100,000 papers; analysing a hundred titles and abstracts takes a few ms."""
    title_pos: list[dict[int, list[int]]] = [{} for _ in segment.words]
    abstract_pos: list[dict[int, list[int]]] = [{} for _ in segment.words]
    wanted = [(word_terms(w, "title"), word_terms(w, "abstract")) for w in segment.words]
    for doc in docs:
        title, abstract = texts.get(segment.pids[doc], ("", ""))
        # Positions matter for words in the title, or all of them in the abstract.
        in_title = sum(1 for w in segment.words if any(doc in kind.get("title", ()) for kind in (w.exact, w.prefix, w.fuzzy)))
        # All words in the title: the title's bonus is the one that counts (analysing abstracts is the cost here).
        in_abstract = in_title < len(segment.words) and all(
            any(doc in kind.get("abstract", ()) for kind in (w.exact, w.fuzzy)) for w in segment.words)
        for found, text, side in ((title_pos, title if in_title else "", 0), (abstract_pos, abstract if in_abstract else "", 1)):
            for term, places in analysed_terms("text", text).items():
                for index, terms in enumerate(wanted):
                    if term in terms[side]:
                        found[index].setdefault(doc, []).extend(places)
    return title_pos, abstract_pos


def positions(reader, fieldname: str, word: Word, docs: list[int]) -> dict[int, list[int]]:
    """doc -> positions of the word's exact (and, if few, prefix) terms in the field, for sorted `docs`."""
    exact = [t.encode("utf-8") for t in terms_for(FIELDS[fieldname][0], word.text)[:1]]
    terms = list(dict.fromkeys(exact + word.prefix_terms.get(fieldname, [])[:20] + word.fuzzy_terms.get(fieldname, [])))
    found: dict[int, list[int]] = {}
    for btext in terms:
        if (fieldname, btext) not in reader:
            continue
        matcher = reader.postings(fieldname, btext)
        for doc in docs:
            if not matcher.is_active():
                break
            if matcher.id() < doc:
                matcher.skip_to(doc)
            if matcher.is_active() and matcher.id() == doc:
                found.setdefault(doc, []).extend(matcher.value_as("positions"))
    return found


def bonus(segment: Segment, doc: int, title_pos: list[dict], abstract_pos: list[dict], idf_sum: float) -> float:
    """What word positions add: all words in the title, the title mostly them, in order, close together."""
    count = len(segment.words)
    in_title = [p.get(doc) for p in title_pos]
    found = [p for p in in_title if p]
    extra = 0.0
    held = sum(1 for w in segment.words if any(doc in kind.get("title", ()) for kind in (w.exact, w.prefix, w.fuzzy)))
    if held:
        length = segment.reader.doc_field_length(doc, "title", 1) or 1
        extra += BONUS["title_share"] * min(1.0, held / length)
    # A surname typed beside title words names the paper as well as a title word does.
    named = sum(1 for p, w in zip(in_title, segment.words, strict=True) if not p and doc in w.exact["surnames"])
    together = 0.0  # the words together: all in the title, or close in the abstract, whichever tells more
    if count > 1 and len(found) + named == count:
        # A surname beside the title words is as telling as a word in its place in the title.
        placed = order_bonus(found) * (len(found) - 1) if len(found) > 1 else 0.0
        together = BONUS["all_in_title"] + (placed + BONUS["title_adjacent"] * named) / (count - 1)
        together += BONUS["title_as_typed"] * sum(as_typed(w, doc) for w in segment.words) / count
    in_abstract = [p[doc] for p in abstract_pos if doc in p and p[doc]]
    if count > 1 and len(in_abstract) == len(abstract_pos):
        together = max(together, BONUS["abstract_near"] * count / shortest_span(in_abstract))
    return (extra + together) * idf_sum / max(count, 1)


def order_bonus(word_positions: list[list[int]]) -> float:
    adjacent, in_order = order_counts(word_positions)
    return (BONUS["title_adjacent"] * adjacent + BONUS["title_in_order"] * in_order) / (len(word_positions) - 1)


def as_typed(word: Word, doc: int) -> float:
    """1 when the title holds the word as it was typed, not only a word of the same stem
    (or the word is an author's surname, as typed); PREFIX_WEIGHT when it holds a word
    the typed one begins."""
    if doc in word.exact["title_words"] or doc in word.exact["surnames"] or doc in word.fuzzy.get("title_words", ()):
        return 1.0
    return PREFIX_WEIGHT if doc in word.prefix.get("title_words", ()) else 0.0



def split_query(text: str) -> tuple[str | None, list[str]] | None:
    """(filter, words) when the query is plain words, alone or ANDed after a bracketed
    filter as the app combines a view and a search (`(is:unread) AND (diffusion meng)`)."""
    words = plain_words(text)
    if words:
        return None, words
    match = _COMBINED.fullmatch(text.strip())
    after_filter = plain_words(match.group(2)) if match else None
    if match and after_filter:
        return match.group(1), after_filter
    return None


def rank(segments: list[tuple], words: list[str], doc_count: int, cache: PostingCache, limit: int | None, scored: bool = True,
         lexicons: LexiconCache | None = None, texts=None):
    """(paper id, score) for plain words, best first. `segments` gives (reader, paper
    ids, allowed document numbers or None) per segment; `texts(paper ids)`, if given,
    {paper id: (title, abstract)}. Unscored: the matches, score 0."""
    parts = [Segment(reader, pids, [word_in_segment(reader, w, cache) for w in words], allowed=ok) for reader, pids, ok in segments]
    ranked = ranked_block(parts, doc_count, scored, texts, limit)
    if not ranked:
        # Nothing holds the words whole: the last one is still being typed. (With any
        # exact hit it is not: `zqa1` does not also find `zqa10`.)
        for part in parts:
            add_prefix(part.reader, part.words[-1], cache)
    # A word found nowhere, neither whole nor as the start of a word, is misspelled:
    # its spellings one edit away count from the start.
    unknown = [i for i in range(len(words)) if not any(s.words[i].known() for s in parts)] if not ranked else []
    for segment in parts:
        for index in unknown:
            add_fuzzy(segment.reader, segment.words[index], cache, lexicons or DEFAULT_LEXICONS)
    if not ranked:
        ranked = ranked_block(parts, doc_count, scored, texts, limit)
    if len(ranked) < FUZZY_BELOW and not unknown:
        # Every word exists, but not together: any may be mistyped.
        for segment in parts:
            segment.exact_hits = {doc for _s, seg, doc in ranked if seg is segment}
            for index in range(len(words)):
                add_fuzzy(segment.reader, segment.words[index], cache, lexicons or DEFAULT_LEXICONS)
        ranked += ranked_block(parts, doc_count, scored, texts, limit)
    hits = [(segment.pids[doc], score) for score, segment, doc in ranked]
    return hits[:limit] if limit else hits


def ranked_block(segments: list[Segment], doc_count: int, scored: bool = True, texts=None, keep: int | None = None) -> list:
    """(score, segment, doc) of the documents holding every word, best first (exact hits of
    an earlier block left out); the best `keep` only, if given."""
    idf = []
    for index in range(len(segments[0].words) if segments else 0):
        # A word found whole is as rare as it is whole: the words it may be the start of
        # must not make a finished word look common.
        df = sum(len(s.words[index].exact_docs()) for s in segments) or sum(len(s.words[index].docs()) for s in segments)
        idf.append(math.log(1 + doc_count / (df + 0.5)))
    idf_sum = sum(idf)
    items: list[tuple] = []
    unscored: list[tuple] = []
    for segment in segments:
        sets = sorted((w.docs() for w in segment.words), key=len)
        if segment.allowed is not None:
            sets.insert(0, segment.allowed)
        candidates = set.intersection(*sets) - segment.exact_hits if sets else set()
        if not scored:
            unscored.extend((0.0, segment, doc) for doc in candidates)
            continue
        scores: Iterable[tuple[int, float]] = first_pass(segment, candidates, idf).items()
        if keep is not None:  # only the best can be shown: the rest need no order
            scores = heapq.nlargest(max(RESCORED, keep), scores, key=itemgetter(1))
        items.extend((score, id(segment), doc, segment) for doc, score in scores)
    if not scored:
        return unscored
    top = heapq.nlargest(RESCORED, items, key=itemgetter(0))
    if texts is not None:
        texts = texts([seg.pids[doc] for _s, _i, doc, seg in top])
    rescored = []
    for segment in segments:
        docs = sorted(doc for _s, _i, doc, seg in top if seg is segment)
        if not docs:
            continue
        if texts is not None:
            title_pos, abstract_pos = text_positions(segment, docs, texts)
        else:
            title_pos = [positions(segment.reader, "title", w, docs) for w in segment.words]
            abstract_pos = [positions(segment.reader, "abstract", w, docs) for w in segment.words]
        for score, _i, doc, seg in top:
            if seg is segment:
                rescored.append((score + bonus(segment, doc, title_pos, abstract_pos, idf_sum), segment, doc))
    rescored.sort(key=lambda item: -item[0])
    if len(items) > len(top) and (keep is None or keep > len(top)):
        chosen = {(id(seg), doc) for _s, seg, doc in rescored}
        others = [(s, seg, doc) for s, _i, doc, seg in items if (id(seg), doc) not in chosen]
        best = keep - len(top) if keep is not None else len(others)
        others = heapq.nlargest(best, others, key=itemgetter(0))
        rescored += others
    return rescored
