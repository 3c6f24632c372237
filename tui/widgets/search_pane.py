"""The search pane: the query as you type it, and how many papers it found or why it does not parse."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from ..text import safe_text

PLACEHOLDER = "words, \"a phrase\", author:name, tag:name, is:starred, year:>2022"


class SearchPane(Horizontal):
    """The query input; tells the screen of every change, the screen tells it the outcome."""

    BINDINGS = [
        Binding("escape", "clear", "Clear search", id="search.clear"),
    ]

    @dataclass
    class Changed(Message):
        """The query changed (every keystroke): results as you type."""

        query: str

    @dataclass
    class Submitted(Message):
        """Enter: the reader is done typing and goes to the results."""

        query: str

    @dataclass
    class Cleared(Message):
        """Escape: the search is gone; back to the list."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER, id="search-input")
        yield Static("", id="search-status")

    @property
    def query_text(self) -> str:
        return self.input.value

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def show_hits(self, count: int | None, where: str = "all papers", order: str = "") -> None:
        """`count` papers found in `where` (all papers, or a view), shown in `order`;
        `count` None when there is no search: where the next one will look."""
        status = self.query_one("#search-status", Static)
        status.remove_class("-error")
        if count is None:
            status.update(Text(f"/ to search {safe_text(where)}", style="dim", no_wrap=True, overflow="ellipsis"))
        else:
            line = Text(f"{count:,} hit" if count == 1 else f"{count:,} hits", no_wrap=True, overflow="ellipsis")
            line.append(f" in {safe_text(where)}" + (f" · {order}" if order else ""), style="dim")
            status.update(line)

    def show_error(self, message: str) -> None:
        status = self.query_one("#search-status", Static)
        status.add_class("-error")
        status.update(Text(message))

    def show_waiting(self, message: str) -> None:
        """The search cannot run yet (its index is being rebuilt); it runs later by itself."""
        status = self.query_one("#search-status", Static)
        status.remove_class("-error")
        status.update(Text(message, style="italic"))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def action_clear(self) -> None:
        self.input.value = ""
        self.post_message(self.Cleared())

    def clear_quietly(self) -> None:
        """Empty the field without telling the screen (which is showing something else)."""
        with self.input.prevent(Input.Changed):
            self.input.value = ""
