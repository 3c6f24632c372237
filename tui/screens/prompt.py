"""A one-line question in a modal: a path to import, tags to add."""

from __future__ import annotations

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
            yield Input(self._value, placeholder=self._placeholder, suggester=self._suggester, id="prompt-input")
            yield Static(Text("Enter to confirm · → to accept a suggestion · Esc to cancel"), classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
