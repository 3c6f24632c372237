"""The Whoosh full-text index: the only module that imports whoosh.

It holds the searchable text of each paper and the facts the query language
filters on. It is derived data: `PaperIndex.rebuild` makes it anew from the
store. Keeping Whoosh behind this module lets it move to another build.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import fields, index, qparser, query, writing

from .model import IndexUnavailable, QueryError
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.support.charset import accent_map

try:
    import fcntl
except ImportError:  # Windows: marker updates are not locked between processes
    fcntl = None

WRITE_LOCK_TIMEOUT_S = 30.0
# Writing this many documents at once is shared among processes, each making
# its own segment (Whoosh's multisegment writer): indexing is CPU-bound Python.
PARALLEL_MIN_DOCS = 4000
INDEX_PROCS = min(2, os.cpu_count() or 1)
WRITER_LIMIT_MB = 128
MAX_CACHED_SEGMENTS = 64  # postings held in memory per writer before spilling to disk
# Which state of the store the index reflects (see `PaperIndex.reflects`); bump
# INDEX_SCHEMA when make_schema() changes, so that older indexes are rebuilt.
GENERATION_FILE = "papers-tui-generation.json"
GENERATION_LOCK = "papers-tui-generation.lock"
INDEX_SCHEMA = 3
MAX_MARKER_EXTRA = 1000
_WHOOSH_LOCK = "MAIN_WRITELOCK"
log = logging.getLogger(__name__)
DEFAULT_FIELDS = ("title", "authors", "abstract", "tags", "note", "orgs", "comments")
FIELD_BOOSTS = {"title": 3.0, "authors": 2.0, "tags": 2.0, "abstract": 1.0}
FIELD_ALIASES = {
    "authors": ["author", "au"],
    "tags": ["tag"],
    "cat": ["category"],
    "orgs": ["org"],
    "arxiv": ["arxiv_id"],
    "state": ["is"],
}


@dataclass
class IndexDoc:
    """What the index knows of one paper (built by the Library from a Paper)."""

    pid: int
    key: str
    title: str
    authors: str
    abstract: str
    tags: list[str]
    note: str
    orgs: str
    comments: str
    categories: list[str]
    year: int | None
    arxiv: str | None
    doi: str | None
    states: list[str]  # read/unread, starred, untitled
    has: list[str]  # code, note, tags, abstract


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
_term_caches: dict[str, dict[str, str | None]] = {kind: {} for kind in ANALYZERS}
_word_patterns = {"text": re.compile(TEXT_WORD), "name": re.compile(NAME_WORD)}


def _term_of(kind: str, word: str) -> str | None:
    """What the analyzer makes of one word (None: a stop word), cached.

    Every filter in both analyzers looks at one token at a time, so analysing
    word by word gives the terms of the whole text; only positions differ, and
    `analysed_terms` renumbers them as the stop filter does."""
    cache = _term_caches[kind]
    term = cache.get(word, False)
    if term is False:
        tokens = [t.text for t in _analyzer_instances[kind](word)]
        term = tokens[0] if tokens else None
        if len(cache) >= TERM_CACHE_LIMIT:
            cache.clear()
        cache[word] = term
    return term


_analyzer_instances = {kind: make() for kind, make in ANALYZERS.items()}


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
        term = cache.get(word, False)
        if term is False:
            term = _term_of(kind, word)
        if term is None:
            continue
        # The stop filter keeps the first kept word's own position, then numbers on from it.
        pos = index if pos is None else pos + 1
        positions.setdefault(term, []).append(pos)
    return positions


class FastText(fields.TEXT):
    """A TEXT field indexed several times faster than Whoosh's token-by-token
    pipeline: words are found with one regex call and each distinct word is
    analysed once (cached). Queries use the same analyzer, so the terms match
    (tests compare the two on the corpus and on generated text)."""

    def __init__(self, kind: str, **kwargs):
        super().__init__(analyzer=ANALYZERS[kind](), **kwargs)
        self.kind = kind

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        encode = self.format.encode
        return [
            (term.encode("utf-8"), len(poses), len(poses) * boost, encode(poses))
            for term, poses in analysed_terms(self.kind, value).items()
        ]


def make_schema() -> fields.Schema:
    return fields.Schema(
        pid=fields.ID(stored=True, unique=True, sortable=True),  # a column: hit -> paper id without a stored-field read
        key=fields.ID(),
        title=FastText("text", field_boost=FIELD_BOOSTS["title"]),
        authors=FastText("name", field_boost=FIELD_BOOSTS["authors"]),
        abstract=FastText("text"),
        tags=fields.KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=FIELD_BOOSTS["tags"]),
        note=FastText("text"),
        orgs=FastText("name"),
        comments=FastText("text"),
        cat=fields.KEYWORD(lowercase=True),
        year=fields.NUMERIC(int, bits=32),
        arxiv=fields.ID(),
        doi=fields.ID(),
        state=fields.KEYWORD(lowercase=True),
        has=fields.KEYWORD(lowercase=True),
    )


class PaperIndex:
    """A Whoosh index in one directory, with a cached searcher.

    Beside Whoosh's files it keeps GENERATION_FILE: which store generations it
    reflects, so that a process killed between the SQL commit and the index
    update (or an index from another version, or a damaged one) is noticed on
    open. A damaged index never raises on open: `problem` says what is wrong,
    searches raise IndexUnavailable, and `rebuild` makes it anew.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self._lock = threading.RLock()
        self._searcher = None
        self._searcher_pids = None  # (searcher, paper id by its document number)
        self._pids_by_segment: dict[str, list[int]] = {}
        self._postings = PostingCache()
        self.problem: str | None = None  # why the index cannot be used (damaged), until rebuilt
        self._ix = self._open_or_create()
        self._parser = self._make_parser()

    # --- life cycle ---------------------------------------------------------------------

    def _open_or_create(self):
        try:
            with self._marker_lock():  # two processes must not both create it
                if index.exists_in(str(self.directory)):
                    ix = index.open_dir(str(self.directory))
                else:
                    ix = index.create_in(str(self.directory), make_schema())
            # Reading the segments here finds most damage now rather than in a search.
            self._searcher = ix.searcher()
            self._searcher.doc_count()
            return ix
        except Exception as error:  # whatever Whoosh raises on a damaged index
            self._set_problem(error)
            return None

    def close(self) -> None:
        with self._lock:
            self._searcher_pids = None  # segment pid lists are kept: segments do not change
            if self._searcher is not None:
                try:
                    self._searcher.close()
                except Exception:
                    pass
                self._searcher = None

    def doc_count(self) -> int:
        with self._lock:
            try:
                return self._get_searcher().doc_count()
            except IndexUnavailable:
                raise
            except Exception as error:
                raise self._set_problem(error) from error

    def indexed_ids(self) -> set[int]:
        """Every paper id the index holds a document for (for integrity checks)."""
        with self._lock:
            try:
                return {int(stored["pid"]) for stored in self._get_searcher().all_stored_fields()}
            except IndexUnavailable:
                raise
            except Exception as error:
                raise self._set_problem(error) from error

    def _set_problem(self, error: BaseException) -> IndexUnavailable:
        self.problem = f"{type(error).__name__}: {error}"[:300]
        log.warning("search index in %s is damaged: %s", self.directory, self.problem)
        self.close()
        return IndexUnavailable(
            "the search index is damaged and must be rebuilt from the library (papers-tui reindex)"
        )

    # --- which state of the store the index reflects ------------------------------------

    @contextmanager
    def _marker_lock(self):
        """Serialises marker updates (and index creation) between processes."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / GENERATION_LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _read_marker(self) -> tuple[int, list[int]] | None:
        try:
            data = json.loads((self.directory / GENERATION_FILE).read_text(encoding="utf-8"))
            base, extra = data["base"], data["extra"]
            if data.get("schema") != INDEX_SCHEMA or not isinstance(base, int):
                return None
            if not isinstance(extra, list) or not all(isinstance(e, int) for e in extra):
                return None
            return base, extra
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_marker(self, base: int, extra: Iterable[int]) -> None:
        extra = set(extra)
        while base + 1 in extra:
            base += 1
        # A generation forgotten here can only make the index look stale, never current.
        kept = sorted(e for e in extra if e > base)[-MAX_MARKER_EXTRA:]
        text = json.dumps({"schema": INDEX_SCHEMA, "base": base, "extra": kept})
        fd, tmp = tempfile.mkstemp(prefix=".generation.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.directory / GENERATION_FILE)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def indexed_generation(self) -> int | None:
        """The store generation up to which every write is in the index (None: unknown)."""
        marker = self._read_marker()
        return None if marker is None else marker[0]

    def reflects(self, generation: int) -> bool:
        return self.problem is None and self._ix is not None and self.indexed_generation() == generation

    def mark_indexed(self, generation: int) -> None:
        """Record that the write which made `generation` is in the index.

        The recorded generation only moves past a write once that write and all
        before it are in, so a process killed before indexing leaves a hole
        that makes the index stale, whatever other processes do meanwhile."""
        try:
            with self._marker_lock():
                marker = self._read_marker()
                if marker is None or generation <= marker[0]:
                    return  # unknown state stays unknown until a rebuild
                self._write_marker(marker[0], [*marker[1], generation])
        except OSError as error:
            log.warning("could not record the index generation: %s", error)

    def set_indexed(self, generation: int) -> None:
        """After a rebuild: the index reflects `generation` (and any later write already marked)."""
        with self._marker_lock():
            marker = self._read_marker()
            self._write_marker(generation, [e for e in (marker[1] if marker else []) if e > generation])

    def adopt_if_empty(self, store_state: Callable[[], tuple[int, int]]) -> None:
        """With no marker yet, an empty index of an empty store is current.

        `store_state` gives (paper count, generation), read under the marker lock."""
        if self._ix is None or (self.directory / GENERATION_FILE).exists():
            return
        with self._marker_lock():
            if (self.directory / GENERATION_FILE).exists():
                return
            count, generation = store_state()
            if count == 0 and self.doc_count() == 0:
                self._write_marker(generation, [])

    # --- writing ------------------------------------------------------------------------

    def update(self, docs: Iterable[IndexDoc], generation: int | None = None, expected: int = 0) -> bool:
        """Add or replace these papers' documents, then record `generation`.

        The SQL write this follows has committed already, so failing here must
        not undo it: on any error the index is left marked stale (it will be
        rebuilt) and False is returned. `docs` is read after the index's write
        lock is taken, so the documents are never older than another process's.
        `expected` (how many documents) chooses a parallel writer for big batches."""
        with self._lock:
            if self._ix is None:
                return False
            try:
                writer = self._open_writer(expected)
            except LockError:
                log.warning("search index busy for %ss; it will be brought up to date later", WRITE_LOCK_TIMEOUT_S)
                return False
            except Exception as error:
                self._set_problem(error)
                return False
            try:
                for doc in docs:
                    writer.update_document(**_fields_of(doc))
                writer.commit()
            except Exception as error:
                _abandon(writer)
                log.warning("search index update failed, it will be rebuilt: %r", error, exc_info=True)
                return False
            except BaseException:
                _abandon(writer)
                raise
            if generation is not None:
                self.mark_indexed(generation)
            self._refresh()
            return True

    def rebuild(self, docs, generation: int | Callable[[], int] | None = None, expected: int = 0) -> int:
        """Make the index anew from `docs`; returns how many were indexed.

        `docs` (an iterable, or a function giving one) and `generation` (or a
        function giving it) are read once the write lock is held, so writes
        committed meanwhile are either read here or indexed after. The old
        documents go in the same commit that adds the new ones: a process
        killed while rebuilding leaves the old index whole."""
        with self._lock:
            self.close()
            if self._ix is None or self._built_for_other_schema():
                self._ix = self._recreate()
            try:
                return self._rebuild_once(docs, generation, expected)
            except IndexUnavailable:
                raise
            except Exception as error:
                if not callable(docs):
                    raise
                log.warning("rebuilding over the old index failed (%s); starting from an empty one", error)
                self._ix = self._recreate()
                return self._rebuild_once(docs, generation, expected)

    def _rebuild_once(self, docs, generation, expected: int) -> int:
        try:
            writer = self._open_writer(expected)
        except LockError as error:
            raise IndexUnavailable("the search index is busy: another papers-tui is writing it; try again") from error
        try:
            recorded = generation() if callable(generation) else generation
            count = 0
            for doc in docs() if callable(docs) else docs:
                writer.add_document(**_fields_of(doc))
                count += 1
            writer.commit(mergetype=writing.CLEAR)
        except BaseException:
            _abandon(writer)
            raise
        self.problem = None
        if recorded is not None:
            self.set_indexed(recorded)
        self.close()
        return count

    def _built_for_other_schema(self) -> bool:
        """An index made by another version keeps its own schema through a rebuild
        (Whoosh stores it), so it must be made anew instead."""
        try:
            data = json.loads((self.directory / GENERATION_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return self._ix.doc_count_all() > 0
        return not isinstance(data, dict) or data.get("schema") != INDEX_SCHEMA

    def _open_writer(self, expected: int):
        # compound=False: Whoosh reads a file inside a compound segment by copying
        # all of it into memory (BytesIO), 500 MB for 100,000 papers; separate
        # files are read where needed.
        options = {"timeout": WRITE_LOCK_TIMEOUT_S, "limitmb": WRITER_LIMIT_MB, "compound": False}
        if expected >= PARALLEL_MIN_DOCS and INDEX_PROCS > 1:
            return _ParallelWriter(self._ix, procs=INDEX_PROCS, batchsize=250, multisegment=True, **options)
        return self._ix.writer(**options)

    def _recreate(self):
        """An empty index in place of a damaged one."""
        if self.directory.exists() and not self.directory.is_dir():
            self.directory.unlink()
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = FileStorage(str(self.directory)).lock(_WHOOSH_LOCK)
        if not _try_for(lambda: lock.acquire(blocking=False), WRITE_LOCK_TIMEOUT_S):
            raise IndexUnavailable("the search index is busy: another papers-tui is writing it; try again")
        try:
            with self._marker_lock():
                for path in self.directory.iterdir():
                    if path.name not in (GENERATION_LOCK, _WHOOSH_LOCK):
                        if path.is_dir():
                            shutil.rmtree(path, ignore_errors=True)
                        else:
                            path.unlink(missing_ok=True)
                ix = index.create_in(str(self.directory), make_schema())
        finally:
            lock.release()
        self.problem = None
        return ix

    # --- reading ------------------------------------------------------------------------

    def _get_searcher(self):
        with self._lock:
            if self._ix is None:
                raise IndexUnavailable(
                    "the search index is damaged and must be rebuilt from the library (papers-tui reindex)"
                )
            if self._searcher is None:
                self._searcher = self._ix.searcher()
            elif not self._searcher.up_to_date():
                # Another process (or window) wrote to the index.
                self._refresh()
                if self._searcher is None:
                    self._searcher = self._ix.searcher()
            return self._searcher

    def _refresh(self) -> None:
        # Not Searcher.refresh(): whoosh-reloaded's reuses the old reader's segments
        # even when a merge or a rebuild removed them (documents seen twice), and
        # fails on an empty index. A new searcher costs a few file opens.
        self.close()  # opened afresh on the next search

    def parse(self, text: str):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise QueryError("the query is not valid text (it holds bytes that are not UTF-8)") from error
        check_balanced(text)
        try:
            parsed = self._parser.parse(_minus_as_not(text))
        except Exception as error:  # Whoosh's parser has corners that raise rather than report
            raise QueryError(f"cannot understand the query: {type(error).__name__}") from error
        error = _first_error(parsed)
        if error:
            raise QueryError(f"cannot understand the query: {error}")
        return _without_stop_words(parsed)

    def search(self, text, limit: int | None = None) -> list[tuple[int, float]]:
        """(paper id, score) for the query (text, or already parsed), best first."""
        parsed = self.parse(text) if isinstance(text, str) else text
        with self._lock:
            try:
                searcher = self._get_searcher()
                results = searcher.search(_expanded_as_sets(parsed, self._postings), limit=limit)
                pids = self._pids(searcher)
                return [(pids[hit.docnum], hit.score) for hit in results]
            except QueryError:
                raise
            except Exception as error:
                raise self._failed(error) from error

    def matching(self, text) -> list[int]:
        """Every paper id the query matches, unranked. Nothing is scored: the query is
        worked out with sets of document numbers, a segment at a time, which is many
        times faster than stepping Whoosh's matchers through tens of thousands of hits."""
        parsed = self.parse(text) if isinstance(text, str) else text
        with self._lock:
            try:
                searcher = self._get_searcher()
                found: list[int] = []
                for subsearcher, _offset in searcher.subsearchers or [(searcher, 0)]:
                    if subsearcher.doc_count_all():  # an empty index has no segment
                        pids = self._segment_pids(subsearcher.reader())
                        found.extend(pids[docnum] for docnum in _docset(parsed, subsearcher, self._postings))
                return found
            except QueryError:
                raise
            except Exception as error:
                raise self._failed(error) from error

    def _segment_pids(self, reader) -> list[int]:
        """Paper id of each document of one segment. Segments never change once
        written (a write adds a segment), so this survives new searchers."""
        segment_id = reader.segment().segment_id()
        pids = self._pids_by_segment.get(segment_id)
        if pids is None:
            pids = [int(pid) for pid in reader.column_reader("pid")] if reader.doc_count_all() else []
            if len(self._pids_by_segment) > MAX_CACHED_SEGMENTS:
                self._pids_by_segment.clear()
            self._pids_by_segment[segment_id] = pids
        return pids

    def warm(self) -> None:
        """Load what the first search would (a background worker calls this on open)."""
        with self._lock:
            try:
                searcher = self._get_searcher()
                for subsearcher, _offset in searcher.subsearchers or [(searcher, 0)]:
                    if subsearcher.doc_count_all():
                        self._segment_pids(subsearcher.reader())
            except Exception as error:  # a damaged index: searches will say so
                log.warning("could not warm the search index: %r", error)

    def _pids(self, searcher) -> list[int]:
        """Paper id by the searcher's document number: its segments' lists one after
        the other (a segment's documents are numbered from its offset on)."""
        if self._searcher_pids is None or self._searcher_pids[0] is not searcher:
            pids: list[int] = []
            for subsearcher, _offset in searcher.subsearchers or [(searcher, 0)]:
                if subsearcher.doc_count_all():  # an empty index has no segment
                    pids.extend(self._segment_pids(subsearcher.reader()))
            self._searcher_pids = (searcher, pids)
        return self._searcher_pids[1]

    def _failed(self, error: Exception) -> QueryError:
        """A search raised: the query's fault, or a damaged index? Reading the whole index tells."""
        try:
            with self._ix.searcher() as searcher:
                for _ in searcher.all_stored_fields():
                    pass
                for _ in searcher.reader().all_terms():
                    pass
        except Exception as damage:
            return self._set_problem(damage)
        return QueryError(f"cannot run the query: {type(error).__name__}: {error}"[:200])

    def terms(self, text: str) -> list[str]:
        """The words of a query that text should be highlighted for."""
        try:
            parsed = self.parse(text)
            words = {value for field, value in parsed.iter_all_terms() if field in DEFAULT_FIELDS}
        except QueryError:
            return []
        except Exception:
            return []
        return sorted(str(w) for w in words if isinstance(w, str))

    def more_like_this(self, pid: int, text: str, limit: int = 20) -> list[tuple[int, float]]:
        """Papers whose abstracts share the most telling words with `text`."""
        with self._lock:
            try:
                searcher = self._get_searcher()
                docnum = searcher.document_number(pid=str(pid))
                if docnum is None or not text.strip():
                    return []
                # Passing the text spares storing term vectors, which doubled indexing time.
                results = searcher.more_like(docnum, "abstract", text=text, top=limit + 1)
                return [(int(hit["pid"]), hit.score) for hit in results if int(hit["pid"]) != pid][:limit]
            except QueryError:
                raise
            except Exception as error:
                raise self._failed(error) from error

    def _make_parser(self):
        parser = qparser.MultifieldParser(
            list(DEFAULT_FIELDS), make_schema(), fieldboosts=FIELD_BOOSTS, group=qparser.AndGroup
        )
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
        parser.add_plugin(qparser.GtLtPlugin())
        return parser


def _docset(parsed, searcher, cache: "PostingCache") -> set[int]:
    """Document numbers of one segment's searcher that `parsed` matches (deleted
    documents excluded). And, Or, Not and terms are set operations on posting
    lists read a block at a time; other query types ask Whoosh for their documents."""
    reader = searcher.reader()
    kind = type(parsed)
    if kind is query.Term:
        return _term_docs(reader, parsed.fieldname, parsed.text, cache)
    if kind is query.And:
        parts = sorted((_docset(sub, searcher, cache) for sub in parsed.subqueries), key=len)
        result = parts[0] if parts else set()
        for part in parts[1:]:
            result = result & part
        return result
    if kind is query.Or and not parsed.minmatch:
        return set().union(*(_docset(sub, searcher, cache) for sub in parsed.subqueries))
    if kind is query.Not:
        return set(reader.all_doc_ids()) - _docset(parsed.query, searcher, cache)
    if kind is query.AndNot:
        return _docset(parsed.a, searcher, cache) - _docset(parsed.b, searcher, cache)
    if kind is query.AndMaybe:
        return _docset(parsed.a, searcher, cache)
    if kind in (query.Prefix, query.Wildcard, query.FuzzyTerm) and parsed.text not in ("", "*"):
        result: set[int] = set()
        for fieldname, btext in parsed.expanded_terms(reader):
            result |= _term_docs(reader, fieldname, btext, cache)
        return result
    return set(parsed.docs(searcher))


_EXPANDING = (query.Prefix, query.Wildcard, query.FuzzyTerm)


def _expanded_as_sets(parsed, cache: "PostingCache"):
    """The query with each prefix, wildcard and fuzzy term made a constant-score
    set of documents: Whoosh ranks `multi*` through a union of every word it
    expands to (hundreds), and took 30 s at 100,000 papers; a set takes a few ms.
    Whoosh scores such terms as constant already (constantscore), so the ranking
    is the same."""
    if type(parsed) in _EXPANDING and parsed.text not in ("", "*"):
        return _ExpandedTerms(parsed, cache)
    if isinstance(parsed, query.BinaryQuery):  # AndNot, AndMaybe... (also CompoundQuery: test first)
        return type(parsed)(_expanded_as_sets(parsed.a, cache), _expanded_as_sets(parsed.b, cache))
    if type(parsed) in (query.And, query.Or):
        return type(parsed)([_expanded_as_sets(sub, cache) for sub in parsed.subqueries], boost=parsed.boost)
    if type(parsed) is query.Not:
        return query.Not(_expanded_as_sets(parsed.query, cache), boost=parsed.boost)
    return parsed


class _ExpandedTerms(query.Query):
    """Documents of an expanding term (prefix, wildcard, fuzzy), from _docset, each scored its boost."""

    def __init__(self, original, cache: "PostingCache"):
        self.original, self.cache, self.boost = original, cache, original.boost

    def __eq__(self, other):
        return type(other) is _ExpandedTerms and other.original == self.original

    def __hash__(self):
        return hash(("expanded", self.original))

    def __unicode__(self):
        return str(self.original)

    __str__ = __unicode__

    def estimate_size(self, ixreader):
        return ixreader.doc_count()

    def matcher(self, searcher, context=None):
        # `searcher` is one segment's (Whoosh searches segment by segment).
        ids = sorted(_docset(self.original, searcher, self.cache))
        return ListMatcher(array("I", ids), all_weights=self.boost) if ids else NullMatcher()


def _term_docs(reader, fieldname: str, text, cache: "PostingCache") -> set[int]:
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
        matcher = reader.postings(fieldname, btext)
        if type(matcher) is FilterMatcher and matcher._exclude:
            matcher = matcher.child  # deleted documents are taken out below, from a set
        ids = cache.put(key, array("i", _all_ids(matcher)))
    found = set(ids)
    return found - reader.deleted_docs_set if reader.has_deletions() else found


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


def _all_ids(matcher):
    """The ids of a fresh posting matcher: a whole block at a time from the W3
    codec's blocks (Whoosh's own all_ids() makes three calls per posting)."""
    if not all(hasattr(matcher, name) for name in ("_read_ids", "_next_block", "_i")):
        return list(matcher.all_ids())
    ids: list[int] = []
    while matcher.is_active():
        matcher._read_ids()
        ids.extend(matcher._ids[matcher._i :])
        matcher._next_block()
    return ids


class _ParallelWriter(MpWriter):
    """Whoosh's multiprocess writer, with sub-processes that cannot outlive it."""

    def _new_task(self):
        task = _SubWriter(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment)
        task.daemon = True  # ended with this process
        self.tasks.append(task)
        task.start()
        return task


class _SubWriter(SubWriterTask):
    def run(self):
        _die_with_parent()
        super().run()


def _die_with_parent() -> None:
    """A sub-writer waits on a queue only its parent feeds: if the parent is
    killed, the kernel ends the sub-writer too (Linux), instead of leaving it."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl
            os._exit(1)
    except Exception:
        pass


def _abandon(writer) -> None:
    """Cancel a writer, whatever state a failure left it in: its lock must go, or
    every later write in this process would wait WRITE_LOCK_TIMEOUT_S and fail."""
    for task in getattr(writer, "tasks", ()):  # a parallel writer's sub-processes
        try:
            task.terminate()
        except Exception:
            pass
    try:
        writer.cancel()
    except Exception:
        pass
    lock = getattr(writer, "writelock", None)
    if lock is not None and getattr(lock, "fd", None) is not None:
        try:
            lock.release()
        except Exception:
            pass


def _try_for(attempt: Callable[[], bool], timeout: float, delay: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if attempt():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)


def _fields_of(doc: IndexDoc) -> dict:
    values = {
        "pid": str(doc.pid),
        "key": doc.key,
        "title": doc.title,
        "authors": doc.authors,
        "abstract": doc.abstract,
        "tags": ",".join(doc.tags),
        "note": doc.note,
        "orgs": doc.orgs,
        "comments": doc.comments,
        "cat": " ".join(doc.categories),
        "state": " ".join(doc.states),
        "has": " ".join(doc.has),
    }
    if doc.year is not None:
        values["year"] = doc.year
    if doc.arxiv:
        values["arxiv"] = doc.arxiv
    if doc.doi:
        values["doi"] = doc.doi
    return values


_LEADING_MINUS = re.compile(r"(?<![^\s(])-(?=[^\s\-)])")


def _minus_as_not(text: str) -> str:
    """`-survey` excludes, as in web search (Whoosh would look for `survey`);
    a hyphen inside a word (`multi-task`) or a phrase is left alone."""
    pieces = text.split('"')
    for index in range(0, len(pieces), 2):  # outside quotes
        pieces[index] = _LEADING_MINUS.sub("NOT ", pieces[index])
    return '"'.join(pieces)


def check_balanced(text: str) -> None:
    """Whoosh silently guesses at unbalanced quotes and brackets; we say so."""
    if text.count('"') % 2:
        raise QueryError('unbalanced quote: a phrase needs a closing "')
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    in_phrase = False
    for char in text:
        if char == '"':
            in_phrase = not in_phrase
        elif in_phrase:
            continue
        elif char in pairs:
            stack.append(pairs[char])
        elif char in pairs.values():
            if not stack or stack.pop() != char:
                raise QueryError(f"unbalanced {char!r}: it closes nothing")
    if stack:
        raise QueryError(f"unbalanced brackets: {''.join(reversed(stack))!r} missing")


# The default fields whose analyzer keeps every word (no stop list, no minimum size).
_VERBATIM_FIELDS = frozenset(name for name in DEFAULT_FIELDS if name in ("authors", "tags", "orgs"))


def _without_stop_words(parsed):
    """`study a` or `results 7`: the text fields drop `a` and `7`, so the word is
    left looking in names and tags only, and would make the AND find nothing.
    A plain word that the text analyzer drops is dropped from an AND instead."""
    if type(parsed) is not query.And:
        return parsed
    kept = [sub for sub in parsed.subqueries if not _stopped_word(sub)]
    if len(kept) == len(parsed.subqueries) or not kept:
        return parsed
    return kept[0] if len(kept) == 1 else query.And(kept, boost=parsed.boost)


def _stopped_word(sub) -> bool:
    if type(sub) is not query.Or or len(sub.subqueries) != len(_VERBATIM_FIELDS):
        return False
    terms = sub.subqueries
    if not all(type(term) is query.Term and term.fieldname in _VERBATIM_FIELDS for term in terms):
        return False
    return {term.fieldname for term in terms} == _VERBATIM_FIELDS and _term_of("text", str(terms[0].text)) is None


def _first_error(parsed) -> str | None:
    error = getattr(parsed, "error", None)
    if error:
        return str(error)
    if not parsed.is_leaf():
        for child in parsed.children():
            error = _first_error(child)
            if error:
                return error
    return None
