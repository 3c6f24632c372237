"""The reader: search on top, the papers of the current view, the highlighted paper's details.

Attributes down, messages up. The screen never calls the store: its workers (reader_workers.py)
run `LibraryClient` calls on threads and post messages (tui/messages.py), which the `on_...`
handlers below show; actions make write requests. A change shows at once: the cached paper is
edited and repainted (changes.py), then the store catches up. Keys, help and palette: keys.py;
import and export flows: transfers.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from .. import messages as msg
from ..messages import REBUILD_WORK, SEARCH_LIBRARY, ViewRequest
from ..settings import ReaderSettings, settings_for
from ..text import safe_text
from ..widgets.detail_pane import DetailPane
from ..widgets.paper_list import ListStatus, PaperList
from ..widgets.search_pane import SearchPane
from ..widgets.work_indicator import WorkIndicator
from . import changes, keys
from .help import HelpScreen
from .note import NoteScreen
from .pick import PickScreen
from .prompt import PromptScreen, TagSuggester
from .reader_text import (
    EMPTY_LIBRARY,
    EMPTY_VIEW,
    INDEX_NOT_REBUILT,
    WELCOME,
    WRITE_WAITING,
    capitalized,
    clean_tags,
    describe_papers,
    rebuild_text,
)
from .reader_workers import ReaderWorkers
from .search_flow import SearchFlow
from .transfers import TransferFlows
from .views import VIEWS, View, related_view, tag_view

if TYPE_CHECKING:
    from store.model import Paper

# Narrower than this, the footer is compact (see on_resize).
FULL_FOOTER_WIDTH = 100
# The app waits this long on exit for the last changes to be written.
SHUTDOWN_WAIT_S = 30.0


class ReaderScreen(TransferFlows, SearchFlow, ReaderWorkers):
    BINDINGS = keys.READER_BINDINGS

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self._view: View = ReaderSettings().to_view()  # then as the last run left it
        self._view_tag: str | None = None  # the tag of a tag view, to reopen it next time
        self._search = ""
        self._scope = SEARCH_LIBRARY  # where a search looks (search_flow.py)
        self._sort = "date"  # the view's order
        self._search_sort = "relevance"  # the search's order
        self._terms: list[str] = []
        self._counts: dict[str, int] = {}
        self._tag_counts: list[tuple[str, int]] = []
        self._undo = changes.UndoHistory()
        self._seeking: int | None = None  # n/p waiting for rows to load: the direction
        self._index_checked = False  # checked once, after the first view is shown
        self._keys_taken = False  # keys are held by the app until the first view is shown
        self.waiting: ViewRequest | None = None  # the view (a search) held back until the rebuild is done

    def compose(self) -> ComposeResult:
        yield SearchPane(id="search-pane")
        with Horizontal(id="panes"):
            with Vertical(id="list-pane"):
                yield PaperList(id="paper-list")
                yield ListStatus(id="list-status")
            yield DetailPane(id="detail-pane")
        yield WorkIndicator(id="work-indicator")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        # Narrow, the footer drops its padding and the palette's key (^p is in the help) and so
        # keeps `? Help` and `q Quit` in sight.
        footer, narrow = self.query_one(Footer), event.size.width < FULL_FOOTER_WIDTH
        if footer.compact != narrow:
            footer.compact, footer.show_command_palette = narrow, not narrow
            footer.refresh(recompose=True)

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
        self.show_search_status()
        self._open_library()

    async def on_unmount(self) -> None:
        # Every change is written before the app goes; then the store closes, off the UI thread.
        self.client.remember(settings_for(self._view, self._view_tag, self._sort))
        await asyncio.to_thread(self.client.shut_down, SHUTDOWN_WAIT_S)

    # --- opening and the index ------------------------------------------------------------

    def on_library_opened(self, message: msg.LibraryOpened) -> None:
        self._view, self._sort = message.settings.to_view(), message.settings.sort
        self._view_tag = message.settings.tag or None
        self.show_search_status()
        self._update_status()
        self._reload(keep_cursor=False)

    def on_library_failed(self, message: msg.LibraryFailed) -> None:
        self.detail.show_message(f"Cannot open the library in {self.directory}:\n{message.error}")
        self.notify(message.error, title="Cannot open the library", severity="error")
        self._take_keys()

    def on_index_checked(self, message: msg.IndexChecked) -> None:
        if message.status != "current":
            self._rebuild = msg.IndexRebuilding(message.status)
            self.work_indicator.show_work(REBUILD_WORK.id, REBUILD_WORK.label, "", 0, 0)
            self._rebuild_index(message.status)
            if self._search.strip():
                self._reload(keep_cursor=True)  # a search typed meanwhile waits for the rebuild

    def on_index_rebuilding(self, message: msg.IndexRebuilding) -> None:
        if self._rebuild is None:
            return  # over already
        self._rebuild = message
        self.work_indicator.show_work(REBUILD_WORK.id, REBUILD_WORK.label, message.phase, message.done, message.total)
        if self.waiting is not None:
            self._show_waiting(self.waiting)

    def on_index_rebuilt(self, message: msg.IndexRebuilt) -> None:
        self._rebuild_over()

    def on_index_not_rebuilt(self, message: msg.IndexNotRebuilt) -> None:
        self._rebuild_over()
        self.notify(INDEX_NOT_REBUILT, title=f"Search index {message.status}", severity="warning")

    def _rebuild_over(self) -> None:
        self._rebuild = None
        self.work_indicator.end_work(REBUILD_WORK.id)
        # The search held back runs now; a view read while the index was behind is read again.
        self._reload(keep_cursor=True)

    # --- reads ------------------------------------------------------------------------------

    def on_view_loaded(self, message: msg.ViewLoaded) -> None:
        request = message.request
        if not self.client.is_latest(request):
            return
        self._terms = message.terms
        self.paper_list.empty_message = EMPTY_LIBRARY if not message.counts.get("all") else EMPTY_VIEW
        self.paper_list.add_papers(message.papers)
        self.paper_list.show_ids(message.paper_ids, cursor_to=request.cursor_to)
        self._set_counts(message.counts, message.tag_counts)
        self.show_search_status(len(message.paper_ids))
        self._show_current()
        if not self._index_checked:
            self._index_checked = True
            self._take_keys()
            self._check_index()

    def on_view_waiting(self, message: msg.ViewWaiting) -> None:
        if self.client.is_latest(message.request):
            self._show_waiting(message.request)

    def on_query_failed(self, message: msg.QueryFailed) -> None:
        if self.client.is_latest(message.request):
            self.search_pane.show_error(message.error)  # the previous results stay

    def on_read_failed(self, message: msg.ReadFailed) -> None:
        self.notify(message.error, title="Cannot read the library", severity="error")
        self._take_keys()

    def _take_keys(self) -> None:
        """The keys typed while the library opened apply now, in order (tui/key_line.py)."""
        if not self._keys_taken:
            self._keys_taken = True
            self.post_message(msg.ReaderReady())

    def on_rows_loaded(self, message: msg.RowsLoaded) -> None:
        self.paper_list.add_papers(message.papers, replace=message.replace)
        if self.paper_list.current_id in {paper.id for paper in message.papers}:
            self._show_current()
        if self._seeking is not None:
            step, self._seeking = self._seeking, None
            self._seek_unread(step)

    def on_related_loaded(self, message: msg.RelatedLoaded) -> None:
        if not message.related:
            self.notify("No related papers found.")
            return
        self.paper_list.add_papers(message.related)
        self.end_search()  # related to the paper alone, whatever was searched
        self._set_view(related_view(safe_text(message.paper.display_title), [paper.id for paper in message.related]))

    # --- writes: what came of them ----------------------------------------------------------

    def _settle(self, request: msg.WriteRequest) -> None:
        """One write fewer on its way; its long work (if any) leaves the work line."""
        self._unsettled_writes -= 1
        if request.work is not None:
            self.work_indicator.end_work(request.work.id)

    def _written(self, message: msg.Written) -> None:
        self._settle(message.request)
        self._set_counts(message.counts, message.tag_counts)

    def on_change_saved(self, message: msg.ChangeSaved) -> None:
        self._written(message)
        if not self._unsettled_writes:
            # The store's copy is the truth (tags normalised...), unless a later change is still on its way.
            self.paper_list.add_papers(message.papers, replace=True)
            self._show_current()

    def on_write_failed(self, message: msg.WriteFailed) -> None:
        self._settle(message.request)
        self.notify(message.error, title=f"Could not {message.request.label}", severity="error")
        if isinstance(message.request, msg.PaperChange):
            self._load_rows(list(message.request.paper_ids), replace=True)  # show the store as it is

    def on_write_waiting(self, message: msg.WriteWaiting) -> None:
        self.notify(WRITE_WAITING)

    def on_work_progress(self, message: msg.WorkProgress) -> None:
        work = message.work
        self.work_indicator.show_work(work.id, work.label, message.phase, message.done, message.total)

    # --- messages from the widgets ------------------------------------------------------

    def on_paper_list_escape_pressed(self, message: PaperList.EscapePressed) -> None:
        # Esc from the results (after Enter in the search) clears the search too.
        if self.search_pane.query_text:
            self.search_pane.action_clear()

    def on_paper_list_highlighted(self, message: PaperList.Highlighted) -> None:
        self._show_current()

    def on_paper_list_rows_wanted(self, message: PaperList.RowsWanted) -> None:
        if self.library_open:
            self._load_rows(message.paper_ids)

    def on_paper_list_chosen(self, message: PaperList.Chosen) -> None:
        self.set_focus(self.detail)

    def on_paper_list_selection_changed(self, message: PaperList.SelectionChanged) -> None:
        self._update_status()

    def on_detail_pane_back(self, message: DetailPane.Back) -> None:
        self.set_focus(self.paper_list)

    # --- showing ------------------------------------------------------------------------

    def _reload(self, keep_cursor: bool) -> None:
        if not self.library_open:
            return
        cursor_to = self.paper_list.current_id if keep_cursor else None
        request = self.client.view_request(self._view, self._search, self.shown_sort, cursor_to, self._scope)
        self.waiting = None
        if self._rebuild is not None and request.search.strip():
            # A search of an index being rebuilt would miss papers: it runs when the rebuild is done.
            self._show_waiting(request)
            return
        self._load_view(request)

    def _show_waiting(self, request: ViewRequest) -> None:
        """The list says the view waits for the index (and how far its rebuild got), not wrong papers."""
        if self._rebuild is None:
            return  # over already: the view has been asked for again
        self.waiting = request
        what = "Your search" if request.search.strip() else "This view"
        self._terms = []
        self.paper_list.empty_message = f"{capitalized(rebuild_text(self._rebuild))}\n{what} shows when it is done."
        if self.paper_list.paper_ids:
            self.paper_list.show_ids([])
        else:
            self.paper_list.refresh()
        if request.search.strip():
            self.search_pane.show_waiting("waiting for the index")
        self._update_status()
        self._show_current()

    def _set_view(self, view: View, tag: str | None = None) -> None:
        self._view = view
        if view.paper_ids is None:  # related papers are not reopened: the view they came from is
            self._view_tag = tag
        self._update_status()
        self._reload(keep_cursor=False)

    def _set_counts(self, counts: dict[str, int], tag_counts: list[tuple[str, int]]) -> None:
        self._counts, self._tag_counts = counts, tag_counts
        self._update_status()

    def _update_status(self) -> None:
        self.query_one(ListStatus).show(
            self.list_name(), len(self.paper_list.paper_ids), self._counts, self.sort_name(),
            len(self.paper_list.selected_ids),
        )

    def _show_current(self) -> None:
        paper = self.paper_list.current_paper()
        if self.waiting is not None and self._rebuild is not None:
            self.detail.show_message(self.paper_list.empty_message)
        elif paper is not None:
            self.detail.show_paper(paper, self._terms)
        elif self._counts and not self._counts.get("all"):
            self.detail.show_message(WELCOME)
        elif not self.paper_list.paper_ids:
            self.detail.show_message(EMPTY_VIEW)
        else:
            self.detail.show_message("Loading…")

    # --- changing papers ----------------------------------------------------------------

    def _targets(self) -> list[Paper]:
        """The selected papers, else the highlighted one: what an action applies to."""
        selected = self.paper_list.selected_papers()
        if selected:
            return selected
        current = self.paper_list.current_paper()
        return [current] if current is not None else []

    def _change(self, papers: list[Paper], change: changes.Change) -> None:
        """Edit the cached papers and repaint now, remember them for undo, write the change in the background."""
        # A modal may have been open: the cache may hold fresher copies than those it was given.
        papers = [self.paper_list.paper(paper.id) or paper for paper in papers]
        self._undo.remember(change.request, papers)
        for paper in papers:
            change.edit(paper)
        self.paper_list.refresh_papers(change.request.paper_ids)  # only their rows: the key shows at once
        self._show_current()
        self._write(change.request)

    def action_toggle_read(self) -> None:
        if papers := self._targets():
            self._change(papers, changes.toggle(papers, "read", "mark read", "mark unread"))

    def action_toggle_star(self) -> None:
        if papers := self._targets():
            self._change(papers, changes.toggle(papers, "starred", "star", "unstar"))

    def action_add_tags(self) -> None:
        papers = self._targets()
        if not papers:
            return

        def add(answer: str | None) -> None:
            if tags := clean_tags(answer or ""):
                self._change(papers, changes.add_tags(papers, tags))

        suggester = TagSuggester([name for name, _count in self._tag_counts])
        title = f"Add tags to {describe_papers(papers)} (comma separated)"
        self.app.push_screen(PromptScreen(title, placeholder="to-read, survey", suggester=suggester), add)

    def action_remove_tag(self) -> None:
        papers = self._targets()
        tags = sorted({tag for paper in papers for tag in paper.tags}, key=str.casefold)
        if not tags:
            self.notify("No tags to remove.")
            return
        picker = PickScreen(f"Remove a tag from {describe_papers(papers)}", [(tag, tag) for tag in tags])
        self.app.push_screen(picker, lambda tag: self._change(papers, changes.remove_tag(papers, tag)) if tag else None)

    def action_edit_note(self) -> None:
        paper = self.paper_list.current_paper()
        if paper is None:
            return

        def save(note: str | None) -> None:
            if note is not None and note != paper.note:
                self._change([paper], changes.set_note(paper, note))

        self.app.push_screen(NoteScreen(safe_text(paper.display_title), paper.note), save)

    def action_undo(self) -> None:
        undone = self._undo.undo(self.paper_list.paper)
        if undone is None:
            self.notify("Nothing to undo.")
            return
        label, restored, request = undone
        self.paper_list.add_papers(restored, replace=True)
        self.paper_list.refresh()
        self._show_current()
        self._write(request)
        self.notify(f"Undone: {label} ({describe_papers(restored)})")

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
        self.end_search()  # as a mail client's folders do: the view shows whole
        self._set_view(VIEWS[slug])

    def action_pick_tag(self) -> None:
        if not self._tag_counts:
            self.notify("No tags yet: press t to tag papers.")
            return
        choices = [(name, f"{name}  ({count})") for name, count in self._tag_counts]
        self.app.push_screen(PickScreen("Show the papers tagged", choices), self._show_tag)

    def _show_tag(self, tag: str | None) -> None:
        if tag:
            self.end_search()
            self._set_view(tag_view(tag), tag)

    def action_reload(self) -> None:
        self.paper_list.forget_papers()
        self._reload(keep_cursor=True)

    def action_related(self) -> None:
        paper = self.paper_list.current_paper()
        if paper is None or not self.library_open:
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

    # --- the app ------------------------------------------------------------------------

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.help_sections()))

    def action_quit(self) -> None:
        self.app.exit()  # the changes still queued are written on the way out (on_unmount)

    def _bound_nodes(self) -> list[tuple[str, keys.BoundNode]]:
        """Where the reader's keys are bound, by section of the help."""
        sections = ("Moving and selecting (list)", "Papers and views", "Search", "Details", "App")
        return list(zip(sections, (self.paper_list, self, self.search_pane, self.detail, self.app), strict=True))

    def help_sections(self) -> keys.HelpSections:
        return keys.help_sections(self.app, self._bound_nodes())

    def palette_commands(self) -> Iterable[SystemCommand]:
        return keys.palette_commands(self.app, self._bound_nodes())

