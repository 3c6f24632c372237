"""What crosses between the reader screen and the workers that talk to the library.

Requests go down (the screen hands them to `LibraryClient`, whose methods run in thread
workers); messages come up (the workers post them, the screen's `on_...` handlers take them).
Nothing here calls the store: these are plain data, so they can be built and read anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from .screens.views import View
from .settings import ReaderSettings

if TYPE_CHECKING:  # the types only: importing the store here would load it for every widget
    from store.library import ImportReport
    from store.model import Paper


# --- long work, shown on the work line ----------------------------------------------------


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


# --- opening the library and its index ----------------------------------------------------


@dataclass
class LibraryOpened(Message):
    """The client holds an open library: views can be read."""

    settings: ReaderSettings = field(default_factory=lambda: ReaderSettings())  # as the last run left them


@dataclass
class ReaderReady(Message):
    """The reader shows its first view (or why the library cannot open): keys apply from now on."""


@dataclass
class LibraryFailed(Message):
    error: str


@dataclass
class IndexChecked(Message):
    status: str  # see Library.index_status: anything but "current" is rebuilt in a worker


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


# --- reads --------------------------------------------------------------------------------


# Where a search looks: the whole library (the default), or only the papers of the current view.
SEARCH_LIBRARY = "library"
SEARCH_VIEW = "view"


@dataclass(frozen=True)
class ViewRequest:
    token: int  # which request this is: an answer to an older one is dropped (LibraryClient.is_latest)
    view: View
    search: str
    sort: str  # the order shown: the view's, or the search's (relevance unless the reader chose)
    cursor_to: int | None  # the paper the cursor should stay on
    scope: str = SEARCH_LIBRARY  # where the search looks (no search: the view is shown)


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
class ExportPathChecked(Message):
    """Whether the app may write an export where the reader asked (LibraryClient.check_export_path)."""

    paper_ids: tuple[int, ...]
    what: str  # the papers in the reader's words, for the dialog shown again
    path: str  # as the reader typed it
    style: str
    refused: str  # why the app will not write there; "" when it will
    exists: bool  # a file is there already: replace it only if the reader says so


@dataclass
class RelatedLoaded(Message):
    paper: Paper
    related: list[Paper]


# --- writes: requests, run one at a time in the order they were made ----------------------


@dataclass(frozen=True, kw_only=True)
class WriteRequest:
    label: str  # what the reader did, in their words ("mark read"): "Could not mark read"
    paper_ids: tuple[int, ...] = ()  # the papers it applies to
    work: LongWork | None = None  # long work, shown on the work line while it runs


@dataclass(frozen=True, kw_only=True)
class PaperChange(WriteRequest):
    """A change to the papers `paper_ids` (not an export or import): undone by `RestoreRequest`."""


@dataclass(frozen=True, kw_only=True)
class MarkRequest(PaperChange):
    state: str  # "read" or "starred"
    value: bool


@dataclass(frozen=True, kw_only=True)
class TagRequest(PaperChange):
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NoteRequest(PaperChange):
    note: str


@dataclass(frozen=True, kw_only=True)
class RestoreRequest(PaperChange):
    """Undo: put back the fields one change set, as they were before it
    (`change`: {paper id: {field: value before}}, as `Library.undo_change` takes)."""

    change: dict[int, dict[str, object]]


@dataclass(frozen=True, kw_only=True)
class BibtexRequest(WriteRequest):
    """Not a change, but queued all the same: the BibTeX shows the changes made before it."""

    what: str  # the papers in the reader's words, for "Copied the BibTeX of ..."


@dataclass(frozen=True, kw_only=True)
class ExportRequest(WriteRequest):
    path: Path
    style: str
    work: LongWork


@dataclass(frozen=True, kw_only=True)
class ImportRequest(WriteRequest):
    work: LongWork
    paths: tuple[str, ...] = ()  # files to import, or else
    text: str = ""  # pasted text


@dataclass(frozen=True, kw_only=True)
class ClearFlagsRequest(WriteRequest):
    """The reader checked these papers: their import flags go (not undone by `u`: undo
    puts back read, starred, tags and note)."""


# --- writes: what came of them ------------------------------------------------------------


@dataclass
class Written(Message):
    """A write is done; the library's counts as they are now."""

    request: WriteRequest
    counts: dict[str, int]
    tag_counts: list[tuple[str, int]]


@dataclass
class ChangeSaved(Written):
    papers: list[Paper]  # the changed papers as the store now holds them


@dataclass
class BibtexReady(Written):
    request: BibtexRequest
    text: str


@dataclass
class ExportDone(Written):
    request: ExportRequest
    entries: int
    warning: str | None = None  # papers left out (no title), named


@dataclass
class ImportDone(Written):
    request: ImportRequest
    reports: list[ImportReport]
    papers: list[Paper]  # every paper the import added or merged


@dataclass
class FlagsCleared(Written):
    request: ClearFlagsRequest
    papers: list[Paper]  # as the store now holds them, without flags


@dataclass
class WriteFailed(Message):
    request: WriteRequest
    error: str


@dataclass
class WriteWaiting(Message):
    """Another process holds the library's write lock: the write waits for it."""

    request: WriteRequest
