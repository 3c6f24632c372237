"""Edit a paper's note in a modal."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea


class NoteScreen(ModalScreen[str | None]):
    """Dismisses with the note as edited (ctrl+s), or None (Escape: the note stays as it was)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save note", id="note.save"),
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def __init__(self, paper_title: str, note: str) -> None:
        super().__init__()
        self._paper_title = paper_title
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"Note on {self._paper_title}"), classes="dialog-title")
            yield TextArea(self._note, soft_wrap=True, id="note-text")
            yield Static(Text("ctrl+s to save · Esc to cancel"), classes="dialog-hint")

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
