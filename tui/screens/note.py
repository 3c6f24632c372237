"""Edit a paper's note in a modal."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from .pick import PickScreen


class NoteScreen(ModalScreen[str | None]):
    """Dismisses with the note as edited (ctrl+s), or None (Escape: the note stays as it was;
    with changes typed, only once the reader says to throw them away)."""

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
        if self.query_one(TextArea).text == self._note:
            self.dismiss(None)
            return
        choices = [("keep", "Keep editing"), ("save", "Save the note"), ("discard", "Discard the changes")]
        self.app.push_screen(PickScreen("The note has changes. Discard them?", choices), self._after_asking)

    def _after_asking(self, choice: str | None) -> None:
        if choice == "save":
            self.action_save()
        elif choice == "discard":
            self.dismiss(None)
        else:
            self.query_one(TextArea).focus()
