"""The search pane: the query as you type it, and how many papers it found or why it does not parse."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

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

    def show_hits(self, count: int | None) -> None:
        """`count` papers found; None when there is no search."""
        status = self.query_one("#search-status", Static)
        status.remove_class("-error")
        if count is None:
            status.update(Text("/ to search", style="dim"))
        else:
            status.update(Text(f"{count} hit" if count == 1 else f"{count} hits"))

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
