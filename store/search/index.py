"""PaperIndex: the Whoosh index of the library's papers, in one directory.

It holds the searchable text of each paper and the facts the query language
filters on. It is derived data: `PaperIndex.rebuild` makes it anew from the store.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index, writing
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from ..errors import IndexUnavailable, QueryError
from . import parallel, whoosh_private
from .integrity import IndexFiles
from .marker import GENERATION_LOCK, GenerationMarker, try_for
from .parsing import highlight_terms, make_parser, parse
from .schema import INDEX_SCHEMA, IndexDoc, fields_of, make_schema
from .sets import PostingCache, docset, expanded_as_sets

WRITE_LOCK_TIMEOUT_S = 30.0  # read at call time (tests lower it)
WRITER_LIMIT_MB = 128
MAX_CACHED_SEGMENTS = 64  # segments whose paper-id lists are kept
DAMAGED = "the search index is damaged and must be rebuilt from the library (papers-tui reindex)"
BUSY = "the search index is busy: another papers-tui is writing it; try again"
log = logging.getLogger(__name__)


class PaperIndex:
    """A Whoosh index in one directory, with a cached searcher.

    Beside Whoosh's files it keeps a generation marker (store/search/marker.py):
    which store generations it reflects, so that a process killed between the
    SQL commit and the index update (or an index from another version, or a
    damaged one) is noticed on open. A damaged index never raises on open:
    `problem` says what is wrong, searches raise IndexUnavailable, and `rebuild`
    makes it anew.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.marker = GenerationMarker(directory, INDEX_SCHEMA)
        self.files = IndexFiles(directory, self.marker)  # checksums of the committed files
        self._lock = threading.RLock()
        self._searcher = None
        self._searcher_pids = None  # (searcher, paper id by its document number)
        self._pids_by_segment: dict[str, list[int]] = {}
        self._postings = PostingCache()
        self.problem: str | None = None  # why the index cannot be used (damaged), until rebuilt
        self._ix = self._open_or_create()
        self._parser = make_parser()

    # --- life cycle ---------------------------------------------------------------------

    def _open_or_create(self):
        try:
            with self.marker.lock():  # two processes must not both create it
                if index.exists_in(str(self.directory)):
                    ix = index.open_dir(str(self.directory))
                else:
                    ix = index.create_in(str(self.directory), make_schema())
                    self.files.record(ix, holding_lock=True)
            # Reading the segments here finds most damage now rather than in a search;
            # the checksums find the rest (a damaged block is read only by some searches).
            self._searcher = ix.searcher()
            self._searcher.doc_count()
            problem = self.files.verify(ix)
        except Exception as error:  # whatever Whoosh raises on a damaged index
            self._set_problem(error)
            return None
        if problem:
            self._set_problem(problem)
        return ix

    def verify(self) -> str | None:
        """Check every committed file against its checksum (doctor): what is wrong
        (kept in `problem`: searches then raise IndexUnavailable), or None."""
        with self._lock:
            problem = self.files.check(self._ix) if self._ix is not None else self.problem or "it cannot be opened"
            if problem:
                self._set_problem(problem)
            return problem

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
        return self._reading(lambda searcher: searcher.doc_count())

    def indexed_ids(self) -> set[int]:
        """Every paper id the index holds a document for (for integrity checks)."""
        return self._reading(lambda searcher: {int(stored["pid"]) for stored in searcher.all_stored_fields()})

    def _reading(self, read):
        """read(searcher), any failure but IndexUnavailable taken as damage."""
        with self._lock:
            try:
                return read(self._get_searcher())
            except IndexUnavailable:
                raise
            except Exception as error:
                raise self._set_problem(error) from error

    def _set_problem(self, error: BaseException | str) -> IndexUnavailable:
        self.problem = (error if isinstance(error, str) else f"{type(error).__name__}: {error}")[:300]
        log.warning("search index in %s is damaged: %s", self.directory, self.problem)
        self.close()
        return IndexUnavailable(DAMAGED)

    # --- which state of the store the index reflects (see marker.py) --------------------

    def indexed_generation(self) -> int | None:
        """The store generation up to which every write is in the index (None: unknown)."""
        return self.marker.indexed_generation()

    def reflects(self, generation: int) -> bool:
        return self.problem is None and self._ix is not None and self.indexed_generation() == generation

    def mark_indexed(self, generation: int) -> None:
        """Record that the write which made `generation` is in the index."""
        self.marker.mark_indexed(generation)

    def set_indexed(self, generation: int) -> None:
        """After a rebuild: the index reflects `generation` (and any later write already marked)."""
        self.marker.set_indexed(generation)

    def adopt_if_empty(self, store_state: Callable[[], tuple[int, int]]) -> None:
        """With no marker yet, an empty index of an empty store is current.

        `store_state` gives (paper count, generation), read under the marker lock."""
        if self._ix is None or self.marker.exists():
            return
        with self.marker.lock():
            if self.marker.exists():
                return
            count, generation = store_state()
            if count == 0 and self.doc_count() == 0:
                self.marker.write(generation, [])

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
                    writer.update_document(**fields_of(doc))
                writer.commit()
            except Exception as error:
                parallel.abandon(writer)
                log.warning("search index update failed, it will be rebuilt: %r", error, exc_info=True)
                return False
            except BaseException:
                parallel.abandon(writer)
                raise
            self.files.record(self._ix)
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
            raise IndexUnavailable(BUSY) from error
        try:
            recorded = generation() if callable(generation) else generation
            count = 0
            for doc in docs() if callable(docs) else docs:
                writer.add_document(**fields_of(doc))
                count += 1
            writer.commit(mergetype=writing.CLEAR)
        except BaseException:
            parallel.abandon(writer)
            raise
        self.files.forget()
        self.files.record(self._ix)
        self.problem = None
        if recorded is not None:
            self.set_indexed(recorded)
        self.close()
        return count

    def _built_for_other_schema(self) -> bool:
        """An index made by another version keeps its own schema through a rebuild
        (Whoosh stores it), so it must be made anew instead."""
        differs = self.marker.recorded_schema_differs()
        return self._ix.doc_count_all() > 0 if differs is None else differs

    def _open_writer(self, expected: int):
        # compound=False: Whoosh reads a file inside a compound segment by copying
        # all of it into memory (BytesIO), 500 MB for 100,000 papers; separate
        # files are read where needed.
        options = {"timeout": WRITE_LOCK_TIMEOUT_S, "limitmb": WRITER_LIMIT_MB, "compound": False}
        if parallel.wants_parallel(expected):
            return parallel.parallel_writer(self._ix, **options)
        return self._ix.writer(**options)

    def _recreate(self):
        """An empty index in place of a damaged one."""
        if self.directory.exists() and not self.directory.is_dir():
            self.directory.unlink()
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = whoosh_private.writer_lock(FileStorage(str(self.directory)))
        if not try_for(lambda: lock.acquire(blocking=False), WRITE_LOCK_TIMEOUT_S):
            raise IndexUnavailable(BUSY)
        try:
            with self.marker.lock():
                for path in self.directory.iterdir():
                    if path.name not in (GENERATION_LOCK, whoosh_private.WRITER_LOCK_NAME):
                        if path.is_dir():
                            shutil.rmtree(path, ignore_errors=True)
                        else:
                            path.unlink(missing_ok=True)
                ix = index.create_in(str(self.directory), make_schema())
                self.files.forget()
                self.files.record(ix, holding_lock=True)
        finally:
            lock.release()
        self.problem = None
        return ix

    # --- reading ------------------------------------------------------------------------

    def _get_searcher(self):
        with self._lock:
            if self._ix is None:
                raise IndexUnavailable(DAMAGED)
            if self._searcher is None or not self._searcher.up_to_date():
                # Opened afresh (after a write, maybe another process's): its new files are checked.
                self._refresh()
                problem = self.files.verify(self._ix, full=False)
                if problem:
                    raise self._set_problem(problem)
                self._searcher = self._ix.searcher()
            return self._searcher

    def _refresh(self) -> None:
        # Not Searcher.refresh(): whoosh-reloaded's reuses the old reader's segments
        # even when a merge or a rebuild removed them (documents seen twice), and
        # fails on an empty index. A new searcher costs a few file opens.
        self.close()  # opened afresh on the next search

    def parse(self, text: str):
        return parse(self._parser, text)

    def _querying(self, ask):
        """ask(searcher), a failure told apart as the query's fault or the index's damage."""
        with self._lock:
            try:
                return ask(self._get_searcher())
            except QueryError:
                raise
            except Exception as error:
                raise self._failed(error) from error

    def search(self, text, limit: int | None = None) -> list[tuple[int, float]]:
        """(paper id, score) for the query (text, or already parsed), best first."""
        parsed = self.parse(text) if isinstance(text, str) else text

        def ask(searcher):
            results = searcher.search(expanded_as_sets(parsed, self._postings), limit=limit)
            pids = self._pids(searcher)
            return [(pids[hit.docnum], hit.score) for hit in results]

        return self._querying(ask)

    def matching(self, text) -> list[int]:
        """Every paper id the query matches, unranked. Nothing is scored: the query is
        worked out with sets of document numbers, a segment at a time, which is many
        times faster than stepping Whoosh's matchers through tens of thousands of hits."""
        parsed = self.parse(text) if isinstance(text, str) else text

        def ask(searcher):
            found: list[int] = []
            for subsearcher, _offset in whoosh_private.leaf_searchers(searcher):
                if subsearcher.doc_count_all():  # an empty index has no segment
                    pids = self._segment_pids(subsearcher.reader())
                    found.extend(pids[docnum] for docnum in docset(parsed, subsearcher, self._postings))
            return found

        return self._querying(ask)

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
                for subsearcher, _offset in whoosh_private.leaf_searchers(searcher):
                    if subsearcher.doc_count_all():
                        self._segment_pids(subsearcher.reader())
            except Exception as error:  # a damaged index: searches will say so
                log.warning("could not warm the search index: %r", error)

    def _pids(self, searcher) -> list[int]:
        """Paper id by the searcher's document number: its segments' lists one after
        the other (a segment's documents are numbered from its offset on)."""
        if self._searcher_pids is None or self._searcher_pids[0] is not searcher:
            pids: list[int] = []
            for subsearcher, _offset in whoosh_private.leaf_searchers(searcher):
                if subsearcher.doc_count_all():  # an empty index has no segment
                    pids.extend(self._segment_pids(subsearcher.reader()))
            self._searcher_pids = (searcher, pids)
        return self._searcher_pids[1]

    def _failed(self, error: Exception) -> QueryError:
        """A search raised: the query's fault, or a damaged index? Whoosh refusing the
        query says the first; the checksums, an error only damaged bytes raise, or
        reading the whole index say the second (IndexFiles.damage_behind)."""
        damage = self.files.damage_behind(self._ix, error)
        if damage:
            return self._set_problem(damage)
        return QueryError(f"cannot run the query: {type(error).__name__}: {error}"[:200])

    def terms(self, text: str) -> list[str]:
        """The words of a query that text should be highlighted for."""
        return highlight_terms(self._parser, text)

    def more_like_this(self, pid: int, text: str, limit: int = 20) -> list[tuple[int, float]]:
        """Papers whose abstracts share the most telling words with `text`."""

        def ask(searcher):
            docnum = searcher.document_number(pid=str(pid))
            if docnum is None or not text.strip():
                return []
            # Passing the text spares storing term vectors, which doubled indexing time.
            results = searcher.more_like(docnum, "abstract", text=text, top=limit + 1)
            return [(int(hit["pid"]), hit.score) for hit in results if int(hit["pid"]) != pid][:limit]

        return self._querying(ask)

