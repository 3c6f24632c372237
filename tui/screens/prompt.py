"""A one-line question in a modal: a path to import, tags to add; Tab completes either."""

from __future__ import annotations

import asyncio
import os

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static


class TagSuggester(Suggester):
    """Completes the last of comma-separated tags from the tags the library has."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._tags = tags

    async def get_suggestion(self, value: str) -> str | None:
        stem = value.rpartition(",")[2].lstrip()
        if not stem:
            return None
        for tag in self._tags:
            if tag.casefold().startswith(stem.casefold()) and tag != stem:
                return value[: len(value) - len(stem)] + tag
        return None


class PathSuggester(Suggester):
    """Completes the last part of a file path from what is in its directory."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        # A directory listing may wait on a slow disk: never on the UI thread.
        return await asyncio.to_thread(complete_path, value)


def complete_path(value: str) -> str | None:
    """`~/Down` -> `~/Downloads/`: the first name in the directory that `value` starts; hidden
    names only when the part typed starts with a dot. None when nothing completes it."""
    head, slash, stem = value.rpartition("/")
    if not value or value.startswith("~") and not slash:
        return None  # `~user` is not completed
    directory = os.path.expanduser(head + slash) if slash else "."
    try:
        with os.scandir(directory) as entries:
            names = sorted(
                (entry.name + ("/" if entry.is_dir() else "")) for entry in entries
                if entry.name.startswith(stem) and entry.name != stem and (stem[:1] == "." or entry.name[:1] != ".")
            )
    except OSError:
        return None
    return f"{head}{slash}{names[0]}" if names else None


class CompletingInput(Input):
    """An input where Tab takes the suggestion (as → does), instead of leaving the field."""

    BINDINGS = [Binding("tab", "complete", "Accept the suggestion", show=False)]

    async def action_complete(self) -> None:
        if self.suggester is None or not self.cursor_at_end:
            return
        # Asked again rather than read from the screen: typed fast, it may not have arrived yet.
        suggestion = await self.suggester.get_suggestion(self.value)
        if suggestion:
            self.value = suggestion
            self.cursor_position = len(suggestion)


class PromptScreen(ModalScreen[str | None]):
    """Asks for one line of text; dismisses with it, or with None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", suggester: Suggester | None = None) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._suggester = suggester

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self._title), classes="dialog-title")
            yield CompletingInput(self._value, placeholder=self._placeholder, suggester=self._suggester,
                                  id="prompt-input")
            completes = " · Tab to complete" if self._suggester is not None else ""
            yield Static(Text(f"Enter to confirm{completes} · Esc to cancel"), classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
