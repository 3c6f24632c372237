"""The list pane: one line a paper, and a status line naming the view and its counts.

`PaperList` draws a line at a time (the Line API): it holds the ids of the current view and
a cache of the papers the screen has handed it, and draws only the rows on screen, so a view
of a hundred thousand papers costs no more than one of ten. A row whose paper is not cached
yet asks for its page of papers with `RowsWanted`; the screen loads them and calls
`add_papers`. Papers are duck-typed (id, title/display_title, authors, date...): widgets do
not know the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from ..text import first_author_label, safe_text
from .component_style import foreground_style

PAGE_SIZE = 100
DATE_WIDTH = 10
AUTHOR_WIDTH = 24
MARKS_WIDTH = 3
# Below this width a row keeps only the marks, the title and the author.
NARROW_ROW = 60


def _fit(text: str, width: int, style: Style | str = "") -> Text:
    """`text` cut (with an ellipsis) or padded to exactly `width` cells."""
    piece = Text(text, style=style, no_wrap=True, end="")
    piece.truncate(max(width, 0), overflow="ellipsis", pad=True)
    return piece


class PaperList(ScrollView, can_focus=True):
    """The papers of the current view, one line each."""

    COMPONENT_CLASSES = {
        "paper-list--cursor",
        "paper-list--selected",
        "paper-list--unread",
        "paper-list--read",
        "paper-list--mark",
        "paper-list--date",
        "paper-list--author",
        "paper-list--tag",
        "paper-list--placeholder",
    }

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "first", "First paper", show=False, id="list.first"),
        Binding("G,end", "last", "Last paper", show=False, id="list.last"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page-down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page-up"),
        Binding("space", "toggle_selection", "Select", id="list.select",
                tooltip="Select or unselect the paper; actions then apply to every selected paper"),
        Binding("escape", "clear_selection", "Clear", show=False, id="list.clear-selection",
                tooltip="Clear the selection, or else the search"),
        Binding("enter", "choose", "Details", show=False, id="list.choose", tooltip="Go to the paper's details"),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor is on another paper (None: the list is empty)."""

        paper_id: int | None

    @dataclass
    class Chosen(Message):
        """Enter on a paper: the reader wants its details."""

        paper_id: int

    @dataclass
    class RowsWanted(Message):
        """Rows on screen whose papers the list has not got."""

        paper_ids: list[int]

    @dataclass
    class SelectionChanged(Message):
        count: int

    @dataclass
    class EscapePressed(Message):
        """Esc with nothing selected: the screen may clear the search."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.paper_ids: list[int] = []
        self.empty_message = ""
        self._papers: dict[int, Any] = {}
        self._requested_pages: set[int] = set()
        self._selected: dict[int, None] = {}  # an ordered set: actions apply in the order chosen
        self._cursor = 0

    # --- attributes down --------------------------------------------------------------

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def current_id(self) -> int | None:
        return self.paper_ids[self._cursor] if self.paper_ids else None

    def current_paper(self) -> Any | None:
        pid = self.current_id
        return None if pid is None else self._papers.get(pid)

    def paper(self, paper_id: int) -> Any | None:
        return self._papers.get(paper_id)

    @property
    def selected_ids(self) -> list[int]:
        return list(self._selected)

    def selected_papers(self) -> list[Any]:
        return [self._papers[pid] for pid in self._selected if pid in self._papers]

    def show_ids(self, paper_ids: list[int], cursor_to: int | None = None) -> None:
        """Show these papers, the cursor on paper `cursor_to` when it is among them, else on the first."""
        self.paper_ids = list(paper_ids)
        self._requested_pages.clear()
        self._cursor = self.paper_ids.index(cursor_to) if cursor_to in self.paper_ids else 0
        self._update_virtual_size()
        self.scroll_to(y=max(0, self._cursor - self._visible_height() // 2), animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self.current_id))

    def add_papers(self, papers: list[Any], replace: bool = False) -> None:
        """Cache these papers; `replace` puts fresher copies over the ones cached."""
        for paper in papers:
            if replace or paper.id not in self._papers:
                self._papers[paper.id] = paper
        self.refresh_papers(paper.id for paper in papers)

    def refresh_papers(self, paper_ids: Iterable[int]) -> None:
        """Repaint only the visible rows of these papers: a star or a page of rows
        arriving redraws a few lines, not the whole list."""
        wanted = set(paper_ids)
        top = int(self.scroll_offset.y)
        for index in range(top, min(top + self._visible_height(), len(self.paper_ids))):
            if self.paper_ids[index] in wanted:
                self.refresh_line(index)

    def forget_papers(self) -> None:
        """Drop every cached paper: another window or command may have changed them."""
        self._papers.clear()
        self._requested_pages.clear()  # or rows asked for before would never be asked again

    def move_cursor(self, index: int) -> None:
        if not self.paper_ids:
            return
        index = max(0, min(index, len(self.paper_ids) - 1))
        moved = index != self._cursor
        self._cursor = index
        self._scroll_to_cursor()
        self.refresh()
        if moved:
            self.post_message(self.Highlighted(self.current_id))

    def find_unread(self, step: int) -> tuple[int | None, bool]:
        """The row of the next unread paper from the cursor going `step` (+1/-1).

        Returns (row or None, complete): `complete` is False when a row on the way is not
        cached yet; its page has been asked for, and the search can be tried again once it came.
        """
        index = self._cursor + step
        while 0 <= index < len(self.paper_ids):
            paper = self._papers.get(self.paper_ids[index])
            if paper is None:
                self._want_page(index // PAGE_SIZE)
                return None, False
            if not paper.read:
                return index, True
            index += step
        return None, True

    def clear_selection(self) -> None:
        if self._selected:
            self._selected.clear()
            self.refresh()
            self.post_message(self.SelectionChanged(0))

    # --- actions ------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.paper_ids) - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + max(1, self._visible_height() - 1))

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - max(1, self._visible_height() - 1))

    def action_toggle_selection(self) -> None:
        pid = self.current_id
        if pid is None or pid not in self._papers:
            return
        if pid in self._selected:
            del self._selected[pid]
        else:
            self._selected[pid] = None
        self.post_message(self.SelectionChanged(len(self._selected)))
        self.move_cursor(self._cursor + 1)
        self.refresh()

    def action_clear_selection(self) -> None:
        if self._selected:
            self.clear_selection()
        else:
            self.post_message(self.EscapePressed())

    def action_choose(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Chosen(self.current_id))

    # --- events -------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_to_cursor()

    def on_focus(self) -> None:
        self.refresh()  # the cursor is drawn brighter while the list has focus

    def on_blur(self) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        self.move_cursor(int(self.scroll_offset.y) + event.y)

    # --- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if not self.paper_ids:
            return self._message_line(y, width)
        index = int(self.scroll_offset.y) + y
        if index >= len(self.paper_ids):
            return Strip.blank(width, self.rich_style)
        paper = self._papers.get(self.paper_ids[index])
        if paper is None:
            self._want_page(index // PAGE_SIZE)
            return self._strip(_fit("  …", width), self._style("paper-list--placeholder"))
        on_cursor = index == self._cursor
        return self._strip(self._row_text(paper, width, plain=on_cursor), self._row_style(paper, on_cursor))

    def _row_text(self, paper: Any, width: int, plain: bool) -> Text:
        """Marks, date, title and tags, then the first author in a column of its own.

        `plain` leaves out the columns' colours (on the cursor's line they would not read well).
        """
        style = (lambda _component: "") if plain else self._style
        narrow = width < NARROW_ROW
        date_width = 0 if narrow else DATE_WIDTH
        author_width = 0 if narrow else min(AUTHOR_WIDTH, width // 4)
        title_width = width - MARKS_WIDTH - 1 - (date_width and date_width + 1) - (author_width and author_width + 2)
        tags = " ".join(f"#{safe_text(tag)}" for tag in paper.tags)
        tags_width = min(cell_len(tags), title_width // 3)
        marks = [
            "▌" if paper.id in self._selected else " ",
            " " if paper.read else "●",
            "★" if paper.starred else " ",
        ]
        row = Text(end="", no_wrap=True)
        row.append("".join(marks) + " ", style=style("paper-list--mark"))
        if date_width:
            row.append_text(_fit(paper.date or "", date_width, style("paper-list--date")))
            row.append(" ")
        row.append_text(_fit(safe_text(paper.display_title), title_width - (tags_width and tags_width + 1)))
        if tags_width:
            row.append(" ")
            row.append_text(_fit(tags, tags_width, style("paper-list--tag")))
        if author_width:
            row.append("  ")
            row.append_text(_fit(first_author_label(paper), author_width, style("paper-list--author")))
        row.truncate(width, overflow="ellipsis", pad=True)
        return row

    def _row_style(self, paper: Any, on_cursor: bool) -> Style:
        style = self.rich_style + self._style("paper-list--read" if paper.read else "paper-list--unread")
        if paper.id in self._selected:
            style += self.get_component_rich_style("paper-list--selected")
        if on_cursor:
            style += self.get_component_rich_style("paper-list--cursor")
        return style

    def _message_line(self, y: int, width: int) -> Strip:
        lines = self.empty_message.splitlines()
        text = lines[y - 1] if 0 < y <= len(lines) else ""
        return self._strip(_fit(f"  {text}" if text else "", width), self._style("paper-list--placeholder"))

    def _strip(self, text: Text, style: Style) -> Strip:
        text.stylize_before(style)
        segments = list(text.render(self.app.console))
        return Strip(segments, text.cell_len).simplify()

    def _style(self, component: str) -> Style:
        return foreground_style(self, component)

    # --- helpers ------------------------------------------------------------------------

    def _want_page(self, page: int) -> None:
        if page in self._requested_pages:
            return
        self._requested_pages.add(page)
        wanted = [pid for pid in self.paper_ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE] if pid not in self._papers]
        if wanted:
            self.post_message(self.RowsWanted(wanted))

    def _visible_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.paper_ids))

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False)


class ListStatus(Static):
    """One line under the list: the view (or search), how many papers it shows, the selection,
    the sort and the library's counts, the least needed left out when the line is short."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[str, int, dict[str, int], str, int] | None = None

    def show(self, view_name: str, shown: int, counts: dict[str, int], sort: str, selected: int) -> None:
        self._shown = (view_name, shown, counts, sort, selected)
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        if self._shown is not None:
            self.update(status_line(self.content_size.width or 1_000, *self._shown))


def status_line(width: int, view_name: str, shown: int, counts: dict[str, int], sort: str, selected: int) -> Text:
    """`Unread (5)  3 selected  sort: date  all 6 · unread 5 · starred 0` in `width` cells: the
    counts go first when it is short, then the sort; the name is cut last, its count never."""
    extras: list[tuple[str, str]] = []  # most wanted first
    if selected:
        extras.append((f"{selected} selected", "bold"))
    extras.append((f"sort: {sort}", ""))
    extras.append((f"all {counts.get('all', 0)} · unread {counts.get('unread', 0)} · starred {counts.get('starred', 0)}", ""))
    count = f" ({shown})"
    name = safe_text(view_name)
    while extras and cell_len(name) + len(count) + sum(len(text) + 2 for text, _ in extras) > width:
        extras.pop()
    room = width - len(count) - sum(len(text) + 2 for text, _ in extras)
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    line.append_text(_fit(name, max(1, min(cell_len(name), room)), "bold"))
    line.append(count)
    for text, style in extras:
        line.append("  ")
        line.append(text, style=style)
    return line
