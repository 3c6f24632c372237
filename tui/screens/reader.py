"""The reader: search on top, the papers of the current view, the highlighted paper's details.

The screen is the one part of the app that talks to the Library, and never on the UI thread:
reads run in exclusive thread workers (a new search cancels the stale one) and post a message
back; changes go through a `SaveQueue`, one at a time and never dropped. A change shows at once:
the cached paper is edited and repainted, then the store catches up. Long work (an import, an
export, rebuilding a search index found behind the store on open) passes the store a progress
callback that posts messages; the screen hands them to the work line (`WorkIndicator`). While
the index is rebuilt the list is in use (views are answered by the store) and a search waits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import webbrowser
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from store.errors import retry_while_busy
from store.library import ImportReport, Library, Progress, QueryError
from store.model import Paper

from ..text import safe_text
from ..widgets.detail_pane import DetailPane
from ..widgets.paper_list import PAGE_SIZE, ListStatus, PaperList
from ..widgets.search_pane import SearchPane
from ..widgets.work_indicator import WorkIndicator
from .export import ExportChoice, ExportScreen
from .help import HelpScreen
from .note import NoteScreen
from .pick import PickScreen
from .prompt import PromptScreen, TagSuggester
from .save_queue import SaveQueue

from .views import UNREAD, VIEWS, View, combined_query, export_filename, next_sort, related_view, tag_view

# A view read waits this long for queued changes, so that it sees them.
SAVE_WAIT_S = 10.0
IDLE_POLL_S = 0.05
# The app waits this long on exit for the last changes to be written.
SHUTDOWN_WAIT_S = 30.0

WELCOME = """Welcome to papers-tui. The library is empty.

Import papers (listing pages copied as text, BibTeX or JSON lines):
  • from a shell:   papers-tui import FILE
  • here:           press i and give the file's path
  • or paste a listing into this window.

Press ? for every key."""
EMPTY_LIBRARY = "No papers yet: press i to import a file, or paste a listing."
EMPTY_VIEW = "No papers in this view. Keys 1-5 change the view; Esc clears the search."


# --- messages from the workers ------------------------------------------------------------


@dataclass
class LibraryOpened(Message):
    library: Library


@dataclass
class IndexChecked(Message):
    status: str  # see Library.index_status: anything but "current" is rebuilt in a worker


@dataclass
class LibraryFailed(Message):
    error: str


@dataclass
class IndexRebuilding(Message):
    """How far the rebuild of the search index got, as the store reports it."""

    status: str  # why: 'stale', 'missing' or 'damaged' (see Library.index_status)
    phase: str = ""  # the store's phase ("index"); "" before its first report
    done: int = 0
    total: int = 0


@dataclass
class IndexRebuilt(Message):
    status: str


@dataclass
class IndexNotRebuilt(Message):
    status: str


class RebuildStopped(BaseException):
    """Raised from the rebuild's progress callback when the app closes: the index is left as it
    was (a rebuild is one Whoosh commit) and is rebuilt on the next open. A BaseException, so
    that the index does not take it for damage and start over."""


@dataclass(frozen=True)
class LongWork:
    """Work the work line shows while it runs."""

    id: int
    label: str  # in the reader's words: "Importing papers.jsonl"


REBUILD_WORK = LongWork(0, "Rebuilding the search index")


@dataclass
class WorkProgress(Message):
    work: LongWork
    phase: str  # the store's phase ("store", "index", "export"...), "" when it has just begun
    done: int = 0
    total: int = 0


@dataclass
class ViewRequest:
    token: int  # which request this is: an answer to an older one is dropped
    view: View
    search: str
    sort: str
    cursor_to: int | None  # the paper the cursor should stay on


@dataclass
class ViewLoaded(Message):
    request: ViewRequest
    paper_ids: list[int]
    papers: list[Paper]  # the page around the cursor, so the list shows at once
    terms: list[str]
    counts: dict[str, int]
    tag_counts: list[tuple[str, int]]


@dataclass
class ViewWaiting(Message):
    """The view needs the search index, which is being rebuilt: it is read again afterwards."""

    request: ViewRequest


@dataclass
class QueryFailed(Message):
    """The reader's query does not parse."""

    request: ViewRequest
    error: str


@dataclass
class ReadFailed(Message):
    error: str


@dataclass
class RowsLoaded(Message):
    papers: list[Paper]
    replace: bool = False  # fresh from the store: put over the cached copies


@dataclass
class RelatedLoaded(Message):
    paper: Paper
    related: list[Paper]


@dataclass
class SaveJob:
    label: str  # what the reader did, in their words ("mark read")
    run: Callable[[Library], Any]
    paper_ids: Sequence[int] = ()  # papers to hand back fresh once changed
    done: Callable[[Any], None] | None = None  # then runs on the UI thread with `run`'s result
    work: LongWork | None = None  # shown on the work line while it runs


@dataclass
class SaveDone(Message):
    job: SaveJob
    result: Any
    papers: list[Paper]
    counts: dict[str, int]
    tag_counts: list[tuple[str, int]]


@dataclass
class SaveFailed(Message):
    job: SaveJob
    error: str


@dataclass
class UndoStep:
    label: str
    before: list[Paper]  # the papers as they were before the change


@dataclass
class ImportOutcome:
    reports: list[ImportReport]
    papers: list[Paper]  # every paper the import added or merged


def describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename or ''}: {error.strerror}".lstrip(": ")
    return str(error) or type(error).__name__


def copy_paper(paper: Paper) -> Paper:
    # Edits replace a paper's lists rather than change them, so a shallow copy is a snapshot.
    return dataclasses.replace(paper)


def clean_tags(text: str) -> list[str]:
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


def rebuild_text(rebuild: IndexRebuilding) -> str:
    """`the search index is being rebuilt: 4,000 of 10,000…`"""
    done = f": {rebuild.done:,} of {rebuild.total:,}" if rebuild.total else ""
    return f"the search index is being rebuilt{done}…"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def import_summary(reports: Iterable[ImportReport]) -> str:
    lines = []
    for report in reports:
        lines.append(
            f"{safe_text(report.source)}: {report.added} added, {report.merged} merged, "
            f"{report.unchanged} already known, {len(report.skipped)} skipped"
        )
    return "\n".join(lines)


class ReaderScreen(Screen[None]):
    # The footer shows the keys of every minute; all of them are in the help (?) and the palette (^p).
    BINDINGS = [
        Binding("slash", "focus_search", "Search", key_display="/", id="focus-search",
                tooltip="Type a query; results follow as you type (Enter: to the results, Esc: clear)"),
        Binding("r", "toggle_read", "Read", id="toggle-read",
                tooltip="Mark read or unread"),
        Binding("s", "toggle_star", "Star", id="toggle-star",
                tooltip="Star or unstar"),
        Binding("t", "add_tags", "Tag", id="add-tags",
                tooltip="Add tags (comma separated, completed from the library's)"),
        Binding("T", "remove_tag", "Untag", id="remove-tag", show=False,
                tooltip="Remove one of the papers' tags"),
        Binding("u", "undo", "Undo", id="undo",
                tooltip="Undo the last change (again for the one before)"),
        Binding("n", "next_unread", "Next unread", id="next-unread", show=False,
                tooltip="Go to the next unread paper"),
        Binding("p", "previous_unread", "Prev unread", id="previous-unread", show=False,
                tooltip="Go to the previous unread paper"),
        Binding("N", "edit_note", "Note", id="edit-note", show=False,
                tooltip="Edit the highlighted paper's note"),
        Binding("o", "open_page", "Open", id="open-page", show=False,
                tooltip="Open the paper's page in the browser"),
        Binding("y", "copy_bibtex", "Copy BibTeX", id="copy-bibtex", show=False,
                tooltip="Copy the BibTeX to the clipboard"),
        Binding("x", "export", "Export", id="export",
                tooltip="Write the view (or the selection) to a BibTeX file"),
        Binding("i", "import_file", "Import", id="import-file", show=False,
                tooltip="Import a file (pasting a listing imports it too)"),
        Binding("m", "related", "Related", id="related", show=False,
                tooltip="Show the papers most like the highlighted one"),
        Binding("S", "cycle_sort", "Sort", id="cycle-sort", show=False,
                tooltip="Sort by date, title, date added or relevance"),
        Binding("1", "show_view('unread')", "Unread", id="view-unread", show=False,
                tooltip="View the unread papers (the inbox)"),
        Binding("2", "show_view('starred')", "Starred", id="view-starred", show=False,
                tooltip="View the starred papers"),
        Binding("3", "show_view('all')", "All", id="view-all", show=False,
                tooltip="View every paper"),
        Binding("4", "show_view('read')", "Read papers", id="view-read", show=False,
                tooltip="View the papers already read"),
        Binding("5", "pick_tag", "Tags", id="view-tag", show=False,
                tooltip="Pick a tag and view its papers"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False,
                tooltip="Reload the view: shows what another window or command changed"),
        Binding("question_mark", "help", "Help", key_display="?", id="help",
                tooltip="Every key"),
        Binding("q", "quit", "Quit", id="quit",
                tooltip="Quit (every change is already saved)"),
    ]

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = directory
        self.library: Library | None = None
        self._view: View = UNREAD
        self._search = ""
        self._sort = "date"
        self._terms: list[str] = []
        self._counts: dict[str, int] = {}
        self._tag_counts: list[tuple[str, int]] = []
        self._view_token = 0
        self._saves: SaveQueue[SaveJob] = SaveQueue()
        self._unsettled_saves = 0  # queued changes whose outcome the UI has not seen yet
        self._undo: list[UndoStep] = []
        self._seeking: int | None = None  # n/p waiting for rows to load: the direction
        self._closing = False
        self._rebuild: IndexRebuilding | None = None  # the search index's rebuild, while it runs
        self._index_checked = False  # checked once, after the first view is shown
        self._waiting: ViewRequest | None = None  # the view (a search) held back until it is done
        self._work_ids = itertools.count(REBUILD_WORK.id + 1)

    def compose(self) -> ComposeResult:
        yield SearchPane(id="search-pane")
        with Horizontal(id="panes"):
            with Vertical(id="list-pane"):
                yield PaperList(id="paper-list")
                yield ListStatus(id="list-status")
            yield DetailPane(id="detail-pane")
        yield WorkIndicator(id="work-indicator")
        yield Footer()

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def search_pane(self) -> SearchPane:
        return self.query_one(SearchPane)

    @property
    def work_indicator(self) -> WorkIndicator:
        return self.query_one(WorkIndicator)

    def on_mount(self) -> None:
        self.set_focus(self.paper_list)
        self.detail.show_message("Opening the library…")
        self.search_pane.show_hits(None)
        self._open_library()

    async def on_unmount(self) -> None:
        # Every change is written before the app goes; then the store closes, off the UI thread.
        self._closing = True
        await asyncio.to_thread(self._saves.wait_idle, SHUTDOWN_WAIT_S)
        if self.library is not None:
            await asyncio.to_thread(self.library.close)

    # --- workers: reads -----------------------------------------------------------------

    def _post_read(self, read: Callable[[], Message]) -> None:
        """Run `read` on this worker's thread and post its message, unless nobody wants it now."""
        worker = get_current_worker()
        try:
            message = read()
        except Exception as error:  # a locked or damaged store: say so rather than end the app
            if self._closing:
                return  # the store closed under a read nobody waits for
            self.log.error(f"read failed: {error!r}")
            message = ReadFailed(describe(error))
        if not worker.is_cancelled and not self._closing:
            self.post_message(message)

    @work(thread=True, exclusive=True, group="open", name="open-library")
    def _open_library(self) -> None:
        try:
            library = Library(self.directory)
        except Exception as error:  # any reason at all: the reader must be told, not shown a traceback
            self.post_message(LibraryFailed(describe(error)))
            return
        # The rows come from SQLite: they show before the index (Whoosh) is even loaded.
        self.post_message(LibraryOpened(library))

    @work(thread=True, exclusive=True, group="open", name="check-index")
    def _check_index(self) -> None:
        """Once the first rows are up: is the index current? (Loading Whoosh sooner
        would only compete with the first view for the interpreter.)"""
        library = self.library
        try:
            status = library.index_status()
            if status == "current":
                library.index.warm()  # what the first search would load
        except Exception as error:  # noqa: BLE001 - reported as an index to rebuild
            self.log.error(f"index check: {error!r}")
            status = "damaged"
        self.post_message(IndexChecked(status))

    @work(thread=True, exclusive=True, group="index", name="rebuild-index")
    def _rebuild_index(self, status: str) -> None:
        """Rebuild an index behind the store while the list is in use: views are read from
        the store meanwhile; a search waits for it (see `_reload`)."""

        def progress(phase: str, done: int, total: int) -> None:
            if self._closing:
                raise RebuildStopped()
            self.post_message(IndexRebuilding(status, phase, done, total))

        try:
            rebuilt = self.library.repair_index(progress=progress)
        except RebuildStopped:
            return
        except Exception as error:  # reported as not rebuilt; the store is untouched
            self.log.error(f"rebuilding the index failed: {error!r}")
            rebuilt = False
        if not self._closing:
            self.post_message(IndexRebuilt(status) if rebuilt else IndexNotRebuilt(status))

    @work(thread=True, exclusive=True, group="view", name="load-view")
    def _load_view(self, request: ViewRequest) -> None:
        # Wait for queued changes first: a view read before they land would not show them.
        worker = get_current_worker()
        waited = 0.0
        while not self._saves.wait_idle(IDLE_POLL_S) and waited < SAVE_WAIT_S:
            if worker.is_cancelled:
                return
            waited += IDLE_POLL_S
        self._post_read(partial(self._read_view, request))

    def _read_view(self, request: ViewRequest) -> Message:
        library = self.library
        try:
            paper_ids = self._view_ids(library, request)
        except QueryError as error:
            if self._rebuild is not None:  # a damaged index, until the rebuild is done
                return ViewWaiting(request)
            return QueryFailed(request, str(error))
        cursor = paper_ids.index(request.cursor_to) if request.cursor_to in paper_ids else 0
        start = max(0, cursor - PAGE_SIZE // 2)
        return ViewLoaded(
            request,
            paper_ids,
            library.papers(paper_ids[start : start + PAGE_SIZE]),
            library.highlight_terms(request.search) if request.search.strip() else [],
            library.counts(),
            library.tag_counts(),
        )

    @staticmethod
    def _view_ids(library: Library, request: ViewRequest) -> list[int]:
        view, search = request.view, request.search
        if view.paper_ids is None:
            return library.ids(combined_query(view, search), request.sort)
        if not search.strip():
            return list(view.paper_ids)
        found = set(library.ids(search, "relevance"))
        return [pid for pid in view.paper_ids if pid in found]

    @work(thread=True, group="rows", name="load-rows")
    def _load_rows(self, paper_ids: list[int], replace: bool = False) -> None:
        self._post_read(lambda: RowsLoaded(self.library.papers(paper_ids), replace))

    @work(thread=True, exclusive=True, group="related", name="load-related")
    def _load_related(self, paper: Paper) -> None:
        self._post_read(lambda: RelatedLoaded(paper, self.library.related(paper.id)))

    @work(thread=True, group="browser", name="open-browser")
    def _open_pages(self, urls: list[str]) -> None:
        # The browser may take its time to start; it never holds up the UI.
        try:
            opened = all([webbrowser.open(url) for url in urls])
        except webbrowser.Error as error:
            opened = False
            self.log.error(f"webbrowser: {error!r}")
        if not opened:
            self.notify("No web browser could be started.", severity="warning")

    # --- workers: changes ---------------------------------------------------------------

    def _save(self, job: SaveJob) -> None:
        if self.library is None:
            self.notify("The library is still opening; try again in a moment.")
            return
        self._unsettled_saves += 1
        if self._saves.put(job):
            self._drain_saves()

    @work(thread=True, group="save", name="save")
    def _drain_saves(self) -> None:
        while (job := self._saves.take()) is not None:
            self.post_message(self._run_save(job))

    def _run_save(self, job: SaveJob) -> Message:
        library = self.library
        if job.work is not None:
            self.post_message(WorkProgress(job.work, ""))

        def run_once() -> Message:
            result = job.run(library)
            return SaveDone(job, result, library.papers(job.paper_ids), library.counts(), library.tag_counts())

        def tell_waiting() -> None:
            self.app.call_from_thread(self.notify, "Another papers-tui is writing; your change waits for it.")

        try:
            # A change is one transaction, so a busy library is safe to try again rather than lose it.
            return retry_while_busy(run_once, on_wait=tell_waiting)
        except Exception as error:  # reported to the reader; the changes queued after it still run
            return SaveFailed(job, describe(error))

    # --- messages from the workers ------------------------------------------------------

    def on_library_opened(self, message: LibraryOpened) -> None:
        self.library = message.library
        self._reload(keep_cursor=False)

    def on_index_checked(self, message: IndexChecked) -> None:
        if message.status != "current":
            self._rebuild = IndexRebuilding(message.status)
            self.work_indicator.show_work(REBUILD_WORK.id, REBUILD_WORK.label, "", 0, 0)
            self._rebuild_index(message.status)
            if self._search.strip():
                self._reload(keep_cursor=True)  # a search typed meanwhile waits for the rebuild

    def on_index_rebuilding(self, message: IndexRebuilding) -> None:
        if self._rebuild is None:
            return  # over already
        self._rebuild = message
        self.work_indicator.show_work(REBUILD_WORK.id, REBUILD_WORK.label, message.phase, message.done, message.total)
        if self._waiting is not None:
            self._show_waiting(self._waiting)

    def on_index_rebuilt(self, message: IndexRebuilt) -> None:
        self._rebuild_over()

    def _rebuild_over(self) -> None:
        self._rebuild = None
        self.work_indicator.end_work(REBUILD_WORK.id)
        # The search held back runs now; a view read while the index was behind is read again.
        self._reload(keep_cursor=True)

    def on_index_not_rebuilt(self, message: IndexNotRebuilt) -> None:
        self._rebuild_over()
        self.notify(
            "The search index could not be rebuilt now (another papers-tui may be writing it); "
            "views and searches may miss papers until `papers-tui reindex`.",
            title=f"Search index {message.status}",
            severity="warning",
        )

    def on_library_failed(self, message: LibraryFailed) -> None:
        self.detail.show_message(f"Cannot open the library in {self.directory}:\n{message.error}")
        self.notify(message.error, title="Cannot open the library", severity="error")

    def on_view_loaded(self, message: ViewLoaded) -> None:
        request = message.request
        if request.token != self._view_token:
            return
        self._terms = message.terms
        self.paper_list.empty_message = EMPTY_LIBRARY if not message.counts.get("all") else EMPTY_VIEW
        self.paper_list.add_papers(message.papers)
        self.paper_list.show_ids(message.paper_ids, cursor_to=request.cursor_to)
        self._set_counts(message.counts, message.tag_counts)
        self.search_pane.show_hits(len(message.paper_ids) if request.search.strip() else None)
        self._show_current()
        if not self._index_checked:
            self._index_checked = True
            self._check_index()

    def on_view_waiting(self, message: ViewWaiting) -> None:
        if message.request.token == self._view_token:
            self._show_waiting(message.request)

    def on_work_progress(self, message: WorkProgress) -> None:
        work = message.work
        self.work_indicator.show_work(work.id, work.label, message.phase, message.done, message.total)

    def on_query_failed(self, message: QueryFailed) -> None:
        if message.request.token == self._view_token:
            self.search_pane.show_error(message.error)  # the previous results stay

    def on_read_failed(self, message: ReadFailed) -> None:
        self.notify(message.error, title="Cannot read the library", severity="error")

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        self.paper_list.add_papers(message.papers, replace=message.replace)
        if self.paper_list.current_id in {paper.id for paper in message.papers}:
            self._show_current()
        if self._seeking is not None:
            step, self._seeking = self._seeking, None
            self._seek_unread(step)

    def on_related_loaded(self, message: RelatedLoaded) -> None:
        if not message.related:
            self.notify("No related papers found.")
            return
        self.paper_list.add_papers(message.related)
        self._set_view(related_view(safe_text(message.paper.display_title), [paper.id for paper in message.related]))

    def on_save_done(self, message: SaveDone) -> None:
        self._unsettled_saves -= 1
        if message.job.work is not None:
            self.work_indicator.end_work(message.job.work.id)
        self._set_counts(message.counts, message.tag_counts)
        if not self._unsettled_saves:
            # The store's copy is the truth (tags normalised...), unless a later change is still on its way.
            self.paper_list.add_papers(message.papers, replace=True)
            self._show_current()
        if message.job.done is not None:
            message.job.done(message.result)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._unsettled_saves -= 1
        if message.job.work is not None:
            self.work_indicator.end_work(message.job.work.id)
        self.notify(message.error, title=f"Could not {message.job.label}", severity="error")
        if message.job.paper_ids:
            self._load_rows(list(message.job.paper_ids), replace=True)  # show the store as it is

    # --- messages from the widgets ------------------------------------------------------

    def on_search_pane_changed(self, message: SearchPane.Changed) -> None:
        self._search = message.query
        self._reload(keep_cursor=False)

    def on_search_pane_submitted(self, message: SearchPane.Submitted) -> None:
        self.set_focus(self.paper_list)

    def on_search_pane_cleared(self, message: SearchPane.Cleared) -> None:
        self.set_focus(self.paper_list)

    def on_paper_list_escape_pressed(self, message: PaperList.EscapePressed) -> None:
        # Esc from the results (after Enter in the search) clears the search too.
        if self.search_pane.query_text:
            self.search_pane.action_clear()

    def on_paper_list_highlighted(self, message: PaperList.Highlighted) -> None:
        self._show_current()

    def on_paper_list_rows_wanted(self, message: PaperList.RowsWanted) -> None:
        if self.library is not None:
            self._load_rows(message.paper_ids)

    def on_paper_list_chosen(self, message: PaperList.Chosen) -> None:
        self.set_focus(self.detail)

    def on_paper_list_selection_changed(self, message: PaperList.SelectionChanged) -> None:
        self._update_status()

    def on_detail_pane_back(self, message: DetailPane.Back) -> None:
        self.set_focus(self.paper_list)

    def on_paste(self, event: events.Paste) -> None:
        # Inputs take their own pastes; anywhere else, pasted text is a listing to import.
        if self.library is None or not event.text.strip():
            return
        text = event.text
        self._import(
            "import the pasted text",
            "Importing the pasted text",
            lambda library, progress: [library.import_text(text, "<pasted>", progress=progress)],
        )

    # --- showing ------------------------------------------------------------------------

    def _reload(self, keep_cursor: bool) -> None:
        if self.library is None:
            return
        self._view_token += 1
        cursor_to = self.paper_list.current_id if keep_cursor else None
        request = ViewRequest(self._view_token, self._view, self._search, self._sort, cursor_to)
        self._waiting = None
        if self._rebuild is not None and request.search.strip():
            # A search of an index being rebuilt would miss papers: it runs when the rebuild is done.
            self._show_waiting(request)
            return
        self._load_view(request)

    def _show_waiting(self, request: ViewRequest) -> None:
        """The list says the view waits for the index (and how far its rebuild got), not wrong papers."""
        self._waiting = request
        what = "Your search" if request.search.strip() else "This view"
        self._terms = []
        self.paper_list.empty_message = f"{_capitalized(rebuild_text(self._rebuild))}\n{what} shows when it is done."
        if self.paper_list.paper_ids:
            self.paper_list.show_ids([])
        else:
            self.paper_list.refresh()
        if request.search.strip():
            self.search_pane.show_waiting("waiting for the index")
        self._update_status()
        self._show_current()

    def _set_view(self, view: View) -> None:
        self._view = view
        self._reload(keep_cursor=False)

    def _set_counts(self, counts: dict[str, int], tag_counts: list[tuple[str, int]]) -> None:
        self._counts, self._tag_counts = counts, tag_counts
        self._update_status()

    def _update_status(self) -> None:
        self.query_one(ListStatus).show(
            self._view.name,
            len(self.paper_list.paper_ids),
            self._counts,
            self._sort,
            len(self.paper_list.selected_ids),
        )

    def _show_current(self) -> None:
        paper = self.paper_list.current_paper()
        if self._waiting is not None and self._rebuild is not None:
            self.detail.show_message(self.paper_list.empty_message)
        elif paper is not None:
            self.detail.show_paper(paper, self._terms)
        elif self._counts and not self._counts.get("all"):
            self.detail.show_message(WELCOME)
        elif not self.paper_list.paper_ids:
            self.detail.show_message(EMPTY_VIEW)
        else:
            self.detail.show_message("Loading…")

    def _repaint(self) -> None:
        self.paper_list.refresh()
        self._show_current()

    # --- changing papers ----------------------------------------------------------------

    def _targets(self) -> list[Paper]:
        """The selected papers, else the highlighted one: what an action applies to."""
        selected = self.paper_list.selected_papers()
        if selected:
            return selected
        current = self.paper_list.current_paper()
        return [current] if current is not None else []

    def _change(
        self,
        label: str,
        papers: list[Paper],
        edit: Callable[[Paper], None],
        save: Callable[[Library, list[int]], None],
    ) -> None:
        """Edit the cached papers and repaint now, remember them for undo, save in the background."""
        # A modal may have been open: the cache may hold fresher copies than those it was given.
        papers = [self.paper_list.paper(paper.id) or paper for paper in papers]
        self._undo.append(UndoStep(label, [copy_paper(paper) for paper in papers]))
        for paper in papers:
            edit(paper)
        ids = [paper.id for paper in papers]
        self.paper_list.refresh_papers(ids)  # only their rows: the key shows at once
        self._show_current()
        self._save(SaveJob(label, lambda library: save(library, ids), ids))

    def action_toggle_read(self) -> None:
        self._toggle("read", "mark read", "mark unread")

    def action_toggle_star(self) -> None:
        self._toggle("starred", "star", "unstar")

    def _toggle(self, state: str, label_on: str, label_off: str) -> None:
        """Flip `state` (read or starred) on the targets: all on, unless all are on already."""
        papers = self._targets()
        if papers:
            value = not all(getattr(paper, state) for paper in papers)
            self._change(
                label_on if value else label_off,
                papers,
                lambda paper: setattr(paper, state, value),
                lambda library, ids: library.mark(ids, **{state: value}),
            )

    def action_add_tags(self) -> None:
        papers = self._targets()
        if not papers:
            return

        def add(answer: str | None) -> None:
            tags = clean_tags(answer or "")
            if tags:
                self._change(
                    f"tag {', '.join(tags)}",
                    papers,
                    lambda paper: setattr(paper, "tags", sorted({*paper.tags, *tags}, key=str.casefold)),
                    lambda library, ids: library.tag(ids, add=tags),
                )

        names = [name for name, _count in self._tag_counts]
        title = f"Add tags to {self._describe(papers)} (comma separated)"
        self.app.push_screen(PromptScreen(title, placeholder="to-read, survey", suggester=TagSuggester(names)), add)

    def action_remove_tag(self) -> None:
        papers = self._targets()
        tags = sorted({tag for paper in papers for tag in paper.tags}, key=str.casefold)
        if not tags:
            self.notify("No tags to remove.")
            return

        def remove(tag: str | None) -> None:
            if tag:
                self._change(
                    f"untag {tag}",
                    papers,
                    lambda paper: setattr(paper, "tags", [t for t in paper.tags if t != tag]),
                    lambda library, ids: library.tag(ids, remove=[tag]),
                )

        choices = [(tag, tag) for tag in tags]
        self.app.push_screen(PickScreen(f"Remove a tag from {self._describe(papers)}", choices), remove)

    def action_edit_note(self) -> None:
        paper = self.paper_list.current_paper()
        if paper is None:
            return

        def save(note: str | None) -> None:
            if note is not None and note != paper.note:
                self._change(
                    "edit the note",
                    [paper],
                    lambda p: setattr(p, "note", note),
                    lambda library, ids: library.set_note(ids[0], note),
                )

        self.app.push_screen(NoteScreen(safe_text(paper.display_title), paper.note), save)

    def action_undo(self) -> None:
        if not self._undo:
            self.notify("Nothing to undo.")
            return
        step = self._undo.pop()
        restored = [copy_paper(paper) for paper in step.before]
        self.paper_list.add_papers(restored, replace=True)
        self._repaint()

        def restore(library: Library) -> None:
            for paper in restored:
                library.restore_state(paper)

        self._save(SaveJob(f"undo {step.label}", restore, [paper.id for paper in restored]))
        self.notify(f"Undone: {step.label} ({self._describe(restored)})")

    # --- moving -------------------------------------------------------------------------

    def action_next_unread(self) -> None:
        self._seek_unread(+1)

    def action_previous_unread(self) -> None:
        self._seek_unread(-1)

    def _seek_unread(self, step: int) -> None:
        row, complete = self.paper_list.find_unread(step)
        if not complete:
            self._seeking = step  # tried again when the rows on the way have loaded
        elif row is None:
            self.notify("No more unread papers this way.")
        else:
            self.paper_list.move_cursor(row)

    def action_focus_search(self) -> None:
        # At once, not after a refresh as `focus()` does: the keys typed next belong to the search.
        self.set_focus(self.search_pane.input)

    def action_show_view(self, slug: str) -> None:
        self._set_view(VIEWS[slug])

    def action_pick_tag(self) -> None:
        if not self._tag_counts:
            self.notify("No tags yet: press t to tag papers.")
            return
        choices = [(name, f"{name}  ({count})") for name, count in self._tag_counts]

        def show(tag: str | None) -> None:
            if tag:
                self._set_view(tag_view(tag))

        self.app.push_screen(PickScreen("Show the papers tagged", choices), show)

    def action_reload(self) -> None:
        self.paper_list.forget_papers()
        self._reload(keep_cursor=True)

    def action_cycle_sort(self) -> None:
        if self._view.paper_ids is not None:
            self.notify("Related papers stay in order of likeness.")
            return
        self._sort = next_sort(self._sort)
        self._update_status()
        self._reload(keep_cursor=True)

    def action_related(self) -> None:
        paper = self.paper_list.current_paper()
        if paper is None or self.library is None:
            return
        if self._rebuild is not None:
            self.notify(f"Related papers come from the search index: {rebuild_text(self._rebuild)}")
            return
        self._load_related(paper)

    # --- outside the app ----------------------------------------------------------------

    def action_open_page(self) -> None:
        urls = [paper.page_url for paper in self._targets() if paper.page_url]
        if not urls:
            self.notify("No link for this paper.")
            return
        self._open_pages(urls)
        self.notify(f"Opening {urls[0]}" if len(urls) == 1 else f"Opening {len(urls)} pages")

    def action_copy_bibtex(self) -> None:
        papers = self._targets()
        if not papers:
            return
        ids = [paper.id for paper in papers]

        def copied(text: str) -> None:
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied the BibTeX of {self._describe(papers)}.")

        self._save(SaveJob("copy BibTeX", lambda library: library.bibtex(ids), done=copied))

    def action_export(self) -> None:
        ids = self.paper_list.selected_ids or list(self.paper_list.paper_ids)
        if not ids:
            self.notify("Nothing to export in this view.")
            return
        what = f"{len(ids)} selected papers" if self.paper_list.selected_ids else f"the view ({len(ids)} papers)"

        def export(choice: ExportChoice | None) -> None:
            if choice is None:
                return
            path = Path(choice.path).expanduser()
            work, progress = self._long_work(f"Exporting to {safe_text(path.name)}")
            self._save(
                SaveJob(
                    "export BibTeX",
                    lambda library: library.export(ids, path, style=choice.style, progress=progress),
                    done=lambda _text: self.notify(f"Wrote {len(ids)} entries ({choice.style}) to {path}"),
                    work=work,
                )
            )

        default = str(Path("~") / export_filename(self._view))
        self.app.push_screen(ExportScreen(what, default), export)

    def action_import_file(self) -> None:
        def start(answer: str | None) -> None:
            path = (answer or "").strip()
            if path:
                target = Path(path).expanduser()
                self._import(
                    f"import {path}",
                    f"Importing {safe_text(target.name)}",
                    lambda library, progress: library.import_paths([str(target)], progress=progress),
                )

        self.app.push_screen(
            PromptScreen("Import a file: a listing, BibTeX or JSON lines", placeholder="~/Downloads/papers.txt"),
            start,
        )

    def _long_work(self, label: str) -> tuple[LongWork, Progress]:
        """A piece of long work for the work line, and the progress callback its worker passes the store."""
        work = LongWork(next(self._work_ids), label)

        def progress(phase: str, done: int, total: int) -> None:
            self.post_message(WorkProgress(work, phase, done, total))  # from the worker's thread

        return work, progress

    def _import(self, label: str, work_label: str, run: Callable[[Library, Progress], list[ImportReport]]) -> None:
        work, progress = self._long_work(work_label)

        def import_and_fetch(library: Library) -> ImportOutcome:
            reports = run(library, progress)
            ids = sorted({pid for report in reports for pid in report.paper_ids})
            return ImportOutcome(reports, library.papers(ids))

        def imported(outcome: ImportOutcome) -> None:
            self.paper_list.add_papers(outcome.papers, replace=True)
            self.notify(import_summary(outcome.reports), title="Imported")
            self._reload(keep_cursor=True)

        self._save(SaveJob(label, import_and_fetch, done=imported, work=work))

    # --- the app ------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.help_sections()))

    def action_quit(self) -> None:
        self.app.exit()  # the changes still queued are written on the way out (on_unmount)

    def _describe(self, papers: list[Paper]) -> str:
        if len(papers) == 1:
            return f"“{safe_text(papers[0].display_title)[:60]}”"
        return f"{len(papers)} papers"

    def _bound_nodes(self) -> list[tuple[str, DOMNode]]:
        return [
            ("Moving and selecting (list)", self.paper_list),
            ("Papers and views", self),
            ("Search", self.search_pane),
            ("Details", self.detail),
            ("App", self.app),
        ]

    def _bindings_by_action(self) -> Iterable[tuple[str, DOMNode, str, list[Binding]]]:
        """(section, node, action, bindings of that action) for every key the reader can press."""
        for section, node in self._bound_nodes():
            by_action: dict[str, list[Binding]] = {}
            for binding in Binding.make_bindings(type(node).BINDINGS):
                by_action.setdefault(binding.action, []).append(binding)
            for action, bindings in by_action.items():
                yield section, node, action, bindings

    def help_sections(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        sections: dict[str, list[tuple[str, str, str]]] = {}
        for section, _node, _action, bindings in self._bindings_by_action():
            keys = " ".join(dict.fromkeys(self.app.get_key_display(binding) for binding in bindings))
            sections.setdefault(section, []).append((keys, bindings[0].description, bindings[0].tooltip))
        sections.setdefault("App", []).append(("^p", "Commands", "The command palette: every command by name"))
        return list(sections.items())

    def palette_commands(self) -> Iterable[SystemCommand]:
        for _section, node, action, bindings in self._bindings_by_action():
            keys = " ".join(dict.fromkeys(self.app.get_key_display(binding) for binding in bindings))
            binding = bindings[0]
            help_text = f"{binding.tooltip} (key {keys})" if binding.tooltip else f"key {keys}"
            yield SystemCommand(binding.description, help_text, partial(node.run_action, action))
