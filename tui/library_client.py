"""The app's one way to the library: `LibraryClient` owns the `Library` and answers requests.

Its methods block (SQLite, Whoosh), so the screen calls them from thread workers and posts
what they return; they never touch a widget. What it keeps for the screen:

- the ordered write queue: `submit` queues a write request, `drain_writes` runs the queue one
  at a time (a toggle pressed twice ends where it began) and posts each outcome; nothing is
  dropped, a busy library is waited for (`store.errors.retry_while_busy`, the one retry rule);
- stale-answer tokens: `view_request` numbers each view request and `is_latest` says whether an
  answer is still wanted, so a slow old search never overwrites a newer one;
- progress adapters: the store's `progress(phase, done, total)` callbacks, turned into messages.

Tests drive it without a Pilot: give it any `post` callable and read what it posts.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual.message import Message

from store.errors import IndexUnavailable, OutputRefused, QueryError, retry_while_busy
from store.exporting import left_out_warning
from store.files import output_target
from store.library import Library, Progress
from store.model import Paper

from . import settings
from .messages import (
    REBUILD_WORK,
    SEARCH_LIBRARY,
    BibtexReady,
    BibtexRequest,
    ChangeSaved,
    ClearFlagsRequest,
    ExportDone,
    ExportRequest,
    FlagsCleared,
    ImportDone,
    ImportRequest,
    IndexChecked,
    IndexNotRebuilt,
    IndexRebuilding,
    IndexRebuilt,
    LibraryFailed,
    LibraryOpened,
    LongWork,
    MarkRequest,
    NoteRequest,
    QueryFailed,
    ReadFailed,
    RelatedLoaded,
    RestoreRequest,
    RowsLoaded,
    TagRequest,
    ViewLoaded,
    ViewRequest,
    ViewWaiting,
    WorkProgress,
    WriteFailed,
    WriteRequest,
    WriteWaiting,
    Written,
)
from .screens.views import View, combined_query
from .settings import ReaderSettings
from .widgets.paper_list import PAGE_SIZE
from .write_queue import WriteQueue

log = logging.getLogger(__name__)

# A search by relevance ranks this many best hits; the others follow, newest first.
RANKED_HITS = 500
# A view read waits this long for queued writes, so that it sees them.
WRITE_WAIT_S = 10.0
IDLE_POLL_S = 0.05


class RebuildStopped(BaseException):
    """Raised from the rebuild's progress callback when the app closes: the index is left as it
    was (a rebuild is one Whoosh commit) and is rebuilt on the next open. A BaseException, so
    that the index does not take it for damage and start over."""


def describe(error: BaseException) -> str:
    """An error in the reader's words: no traceback, no class path."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename or ''}: {error.strerror}".lstrip(": ")
    return str(error) or type(error).__name__


class LibraryClient:
    def __init__(self, directory: Path, post: Callable[[Message], object], page_size: int = PAGE_SIZE) -> None:
        self.directory = directory
        self.library: Library | None = None  # set by `open`
        self.closing = False  # the app is going: reads are not answered, a rebuild stops
        self._post = post  # thread-safe: Screen.post_message, or a list's append in tests
        self._page_size = page_size
        self._writes: WriteQueue[WriteRequest] = WriteQueue()
        self._view_token = 0
        self._work_ids = itertools.count(REBUILD_WORK.id + 1)
        self._settings: ReaderSettings | None = None  # to save on closing

    @property
    def _opened(self) -> Library:
        if self.library is None:
            raise RuntimeError("the library is not open yet")
        return self.library

    # --- opening ----------------------------------------------------------------------------

    def open(self) -> Message:
        try:
            self.library = Library(self.directory)
        except Exception as error:  # any reason at all: the reader must be told, not shown a traceback
            return LibraryFailed(describe(error))
        return LibraryOpened(settings.load(self.directory))

    def remember(self, reader_settings: ReaderSettings) -> None:
        """The view and sort to write when the app closes (`shut_down`), to reopen as they were."""
        self._settings = reader_settings

    def check_index(self) -> IndexChecked:
        """Is the index current? Loads what the first search would load when it is."""
        try:
            status: str = self._opened.index_status()
            if status == "current":
                self._opened.index.warm()
        except Exception as error:  # noqa: BLE001 - reported as an index to rebuild
            log.error("index check: %r", error)
            status = "damaged"
        return IndexChecked(status)

    def rebuild_index(self, status: str) -> Message | None:
        """Rebuild the index, posting `IndexRebuilding` as it goes; None when stopped by closing."""

        def progress(phase: str, done: int, total: int) -> None:
            if self.closing:
                raise RebuildStopped()
            self._post(IndexRebuilding(status, phase, done, total))

        try:
            rebuilt = self._opened.repair_index(progress=progress)
        except RebuildStopped:
            return None
        except Exception as error:  # reported as not rebuilt; the store is untouched
            log.error("rebuilding the index failed: %r", error)
            rebuilt = False
        if self.closing:
            return None
        return IndexRebuilt(status) if rebuilt else IndexNotRebuilt(status)

    # --- reads ------------------------------------------------------------------------------

    def view_request(
        self, view: View, search: str, sort: str, cursor_to: int | None, scope: str = SEARCH_LIBRARY
    ) -> ViewRequest:
        """A new request for a view: every answer to an older one is stale from now on."""
        self._view_token += 1
        return ViewRequest(self._view_token, view, search, sort, cursor_to, scope)

    def is_latest(self, request: ViewRequest) -> bool:
        return request.token == self._view_token

    def wait_for_writes(self, cancelled: Callable[[], bool]) -> bool:
        """Wait (a while at most) for the queued writes, so a view read next shows them;
        False when `cancelled` says the read is no longer wanted."""
        waited = 0.0
        while not self._writes.wait_idle(IDLE_POLL_S) and waited < WRITE_WAIT_S:
            if cancelled():
                return False
            waited += IDLE_POLL_S
        return True

    def read_view(self, request: ViewRequest, index_rebuilding: bool = False) -> Message | None:
        """The view's ids and its first rows; None when a newer request made it stale."""
        if not self.is_latest(request):
            return None
        answer = self._read(partial(self._view_answer, request, index_rebuilding))
        return answer if self.is_latest(request) else None

    def _view_answer(self, request: ViewRequest, index_rebuilding: bool) -> Message:
        library = self._opened
        try:
            paper_ids = self._view_ids(request)
        except IndexUnavailable:  # damage this search found: rebuilt as on open, then asked again
            if not index_rebuilding:
                self._post(IndexChecked("damaged"))
            return ViewWaiting(request)
        except QueryError as error:
            if index_rebuilding:  # the index is being rebuilt: the search runs again when it is done
                return ViewWaiting(request)
            return QueryFailed(request, str(error))
        cursor = paper_ids.index(request.cursor_to) if request.cursor_to in paper_ids else 0
        start = max(0, cursor - self._page_size // 2)
        return ViewLoaded(
            request,
            paper_ids,
            library.papers(paper_ids[start : start + self._page_size]),
            library.highlight_terms(request.search) if request.search.strip() else [],
            library.counts(),
            library.tag_counts(),
        )

    def _view_ids(self, request: ViewRequest) -> list[int]:
        """The view; or, with a search, its hits in the whole library or in the view."""
        view, search = request.view, request.search
        if not search.strip():
            return self._opened.ids(view.query, request.sort) if view.paper_ids is None else list(view.paper_ids)
        if request.scope == SEARCH_LIBRARY:
            return self._search_ids(search, request.sort)
        if view.paper_ids is None:
            return self._search_ids(combined_query(view, search), request.sort)
        found = set(self._opened.ids(search, "date"))  # a fixed list (related papers) keeps its order
        return [pid for pid in view.paper_ids if pid in found]

    def _search_ids(self, query: str, sort: str) -> list[int]:
        """Every hit of `query` in `sort` order. By relevance, the best RANKED_HITS come first,
        the rest after them newest first: ranking every hit of a common word at 100,000 papers
        would make each keystroke wait on scores nobody scrolls down to read."""
        if sort != "relevance":
            return self._opened.ids(query, sort)
        ranked = self._opened.ids(query, "relevance", limit=RANKED_HITS)
        if len(ranked) < RANKED_HITS:
            return ranked
        seen = set(ranked)
        return ranked + [pid for pid in self._opened.ids(query, "date") if pid not in seen]

    def rows(self, paper_ids: list[int], replace: bool = False) -> Message | None:
        return self._read(lambda: RowsLoaded(self._opened.papers(paper_ids), replace))

    def related(self, paper: Paper) -> Message | None:
        return self._read(lambda: RelatedLoaded(paper, self._opened.related(paper.id)))

    def _read(self, read: Callable[[], Message]) -> Message | None:
        try:
            return read()
        except Exception as error:  # a locked or damaged store: say so rather than end the app
            if self.closing:
                return None  # the store closed under a read nobody waits for
            log.error("read failed: %r", error)
            return ReadFailed(describe(error))

    def check_export_path(self, path: str) -> tuple[str, bool]:
        """(why the app will not write an export to `path`, or ""; whether a file is there).

        The store decides what may be written at all (`store.files.output_target`); the app also
        refuses standard output and devices, which would write the BibTeX over its own screen."""
        try:
            kind, target = output_target(Path(path).expanduser())
        except OutputRefused as error:
            return str(error), False
        except OSError as error:
            return describe(error), False
        if kind != "file" or target is None:
            return f"{path}: not a file; the app writes exports to files (`papers-tui export` writes to a terminal)", False
        return "", target.exists()

    # --- writes -----------------------------------------------------------------------------

    def submit(self, request: WriteRequest) -> bool:
        """Queue a write; True when no writer is running and the caller must start `drain_writes`."""
        return self._writes.put(request)

    def drain_writes(self) -> None:
        """Run the queued writes in order, posting each outcome, until the queue is empty."""
        while (request := self._writes.take()) is not None:
            self._post(self.write(request))

    def write(self, request: WriteRequest) -> Message:
        """Run one write: `Written` (one of its kinds), or `WriteFailed`; never raises."""
        if request.work is not None:
            self._post(WorkProgress(request.work, ""))
        try:
            # A write is one transaction, so a busy library is safe to try again rather than lose it.
            return retry_while_busy(partial(self._apply, request), on_wait=partial(self._tell_waiting, request))
        except Exception as error:  # reported to the reader; the writes queued after it still run
            return WriteFailed(request, describe(error))

    def _tell_waiting(self, request: WriteRequest) -> None:
        self._post(WriteWaiting(request))

    def _apply(self, request: WriteRequest) -> Written:
        library, ids = self._opened, list(request.paper_ids)
        match request:
            case MarkRequest(state=state, value=value):
                library.mark(ids, **{state: value})
            case TagRequest(add=add, remove=remove):
                library.tag(ids, add=add, remove=remove)
            case NoteRequest(note=note):
                library.set_note(ids[0], note)
            case RestoreRequest(change=change):
                library.undo_change(change)
            case BibtexRequest():
                return BibtexReady(request, *self._counts(), text=library.bibtex(ids))
            case ExportRequest():
                return self.export(request)
            case ImportRequest():
                return self.import_papers(request)
            case ClearFlagsRequest():
                library.clear_flags(ids)
                return FlagsCleared(request, *self._counts(), papers=library.papers(ids))
            case _:
                raise TypeError(f"no such write: {request!r}")
        return ChangeSaved(request, *self._counts(), papers=library.papers(ids))

    def export(self, request: ExportRequest) -> ExportDone:
        left_out = self._opened.left_out_of_export(request.paper_ids)
        self._opened.export(request.paper_ids, request.path, style=request.style, progress=self.progress(request.work))
        entries = len(request.paper_ids) - len(left_out)
        return ExportDone(request, *self._counts(), entries=entries, warning=left_out_warning(left_out))

    def import_papers(self, request: ImportRequest) -> ImportDone:
        progress = self.progress(request.work)
        if request.paths:
            reports = self._opened.import_paths(list(request.paths), progress=progress)
        else:
            reports = [self._opened.import_text(request.text, "<pasted>", progress=progress)]
        ids = sorted({pid for report in reports for pid in report.paper_ids})
        return ImportDone(request, *self._counts(), reports=reports, papers=self._opened.papers(ids))

    def _counts(self) -> tuple[dict[str, int], list[tuple[str, int]]]:
        return self._opened.counts(), self._opened.tag_counts()

    # --- progress ---------------------------------------------------------------------------

    def long_work(self, label: str) -> LongWork:
        """A new piece of long work for the work line (an import, an export)."""
        return LongWork(next(self._work_ids), label)

    def progress(self, work: LongWork) -> Progress:
        """The store's progress callback for `work`: posts `WorkProgress` from the worker's thread."""

        def report(phase: str, done: int, total: int) -> None:
            self._post(WorkProgress(work, phase, done, total))

        return report

    # --- closing ----------------------------------------------------------------------------

    def begin_closing(self) -> None:
        self.closing = True

    def shut_down(self, timeout: float) -> None:
        """Wait for the queued writes (at most `timeout` seconds), save the reader's settings,
        then close the library (blocks)."""
        self.closing = True
        self._writes.wait_idle(timeout)
        if self.library is not None:
            if self._settings is not None:
                settings.save(self.directory, self._settings)
            self.library.close()
