"""Ask where to write BibTeX, and in which style."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

STYLES = ("arxiv", "scholar", "biblatex")


@dataclass(frozen=True)
class ExportChoice:
    path: str
    style: str


class ExportScreen(ModalScreen[ExportChoice | None]):
    """Dismisses with the path and style (Enter in the path), or None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, what: str, path: str) -> None:
        super().__init__()
        self._what = what
        self._path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"Export {self._what} as BibTeX to"), classes="dialog-title")
            yield Input(self._path, id="export-path")
            with RadioSet(id="export-style"):
                for style in STYLES:
                    yield RadioButton(style, value=style == STYLES[0], id=f"style-{style}")
            yield Static(Text("Enter to export · Tab to the style · Esc to cancel"), classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss(ExportChoice(event.value.strip(), self._style()))

    def _style(self) -> str:
        pressed = self.query_one(RadioSet).pressed_index
        return STYLES[pressed] if pressed >= 0 else STYLES[0]

    def action_cancel(self) -> None:
        self.dismiss(None)
