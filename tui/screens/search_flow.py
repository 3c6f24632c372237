"""Searching from the reader: where a search looks, the order it is shown in, and what says so.

A search looks through the whole library unless the reader narrows it to the current view
(`ctrl+l`; docs/decisions.md says why the library is the default). Its hits come best match
first: typing a search switches the order to relevance, `S` then cycles the search's order, and
clearing the search goes back to the view in the view's own order. Choosing another view, or
related papers, ends the search: the list then shows that view whole.
A mixin of `ReaderScreen`, which provides what is declared below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..messages import SEARCH_LIBRARY, SEARCH_VIEW
from ..widgets.search_pane import SearchPane
from .views import ALL, SORTS

if TYPE_CHECKING:
    from ..widgets.paper_list import PaperList
    from .reader_workers import ReaderWorkers
    from .views import View

    _Base = ReaderWorkers
else:
    _Base = object

# The orders, as the status lines name them.
SORT_NAMES = {"date": "newest first", "title": "by title", "added": "latest added", "relevance": "best match"}
# Without a search there is nothing to be relevant to: a view cycles the other orders.
VIEW_SORTS = tuple(sort for sort in SORTS if sort != "relevance")


def next_in(sort: str, choices: tuple[str, ...]) -> str:
    return choices[(choices.index(sort) + 1) % len(choices)] if sort in choices else choices[0]


class SearchFlow(_Base):
    if TYPE_CHECKING:  # provided by ReaderScreen
        _view: View
        _search: str
        _scope: str
        _sort: str  # the view's order
        _search_sort: str  # the search's order

        @property
        def paper_list(self) -> PaperList: ...
        @property
        def search_pane(self) -> SearchPane: ...
        def _reload(self, keep_cursor: bool) -> None: ...
        def _update_status(self) -> None: ...

    @property
    def searching(self) -> bool:
        return bool(self._search.strip())

    @property
    def shown_sort(self) -> str:
        """The order of the list: the search's while there is one, else the view's."""
        return self._search_sort if self.searching else self._sort

    @property
    def search_place(self) -> str:
        """Where a search looks, in the reader's words: `all papers`, or the view's name."""
        if self._scope == SEARCH_LIBRARY or self._view is ALL:
            return "all papers"
        return self._view.name

    def sort_name(self) -> str:
        """The order for the status line: related papers come in order of likeness."""
        if not self.searching and self._view.paper_ids is not None:
            return "likeness"
        return self.shown_sort

    def list_name(self) -> str:
        """The list's name in its status line: the view's, or the search's."""
        return f"Search in {self.search_place}" if self.searching else self._view.name

    def show_search_status(self, hits: int | None = None) -> None:
        if self.searching and hits is not None:
            self.search_pane.show_hits(hits, self.search_place, SORT_NAMES.get(self.shown_sort, self.shown_sort))
        elif not self.searching:
            self.search_pane.show_hits(None, self.search_place)

    # --- messages from the search pane ----------------------------------------------------

    def on_search_pane_changed(self, message: SearchPane.Changed) -> None:
        if not self.searching and message.query.strip():
            self._search_sort = "relevance"  # a new search: best match first
        self._search = message.query
        self._update_status()
        self._reload(keep_cursor=False)

    def on_search_pane_submitted(self, message: SearchPane.Submitted) -> None:
        self.set_focus(self.paper_list)

    def on_search_pane_cleared(self, message: SearchPane.Cleared) -> None:
        self._scope = SEARCH_LIBRARY  # the next search looks everywhere again
        self.show_search_status()
        self.set_focus(self.paper_list)

    # --- actions --------------------------------------------------------------------------

    def action_toggle_scope(self) -> None:
        self._scope = SEARCH_VIEW if self._scope == SEARCH_LIBRARY else SEARCH_LIBRARY
        self.notify(f"Searches look in {self.search_place}.")
        self._update_status()
        if self.searching:
            self._reload(keep_cursor=True)
        else:
            self.show_search_status()

    def action_cycle_sort(self) -> None:
        if self.searching:
            self._search_sort = next_in(self._search_sort, SORTS)
        elif self._view.paper_ids is not None:
            self.notify("Related papers stay in order of likeness.")
            return
        else:
            self._sort = next_in(self._sort, VIEW_SORTS)
        self._update_status()
        self._reload(keep_cursor=True)

    def end_search(self) -> None:
        """Forget the search without a view read of its own (the caller shows another view)."""
        if self.searching or self.search_pane.query_text:
            self.search_pane.clear_quietly()
        self._search = ""
        self._scope = SEARCH_LIBRARY
        self.show_search_status()
