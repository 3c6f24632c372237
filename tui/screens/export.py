"""Ask where to write BibTeX, and in which style."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

from store.styles import STYLES  # one home: the CLI and this dialog offer the same styles


@dataclass(frozen=True)
class ExportChoice:
    path: str
    style: str


class StyleChoice(RadioSet):
    """The styles; Enter takes the highlighted one and exports (Space only picks it)."""

    BINDINGS = [Binding("enter", "export", "Export", show=False)]

    @dataclass
    class Chosen(Message):
        """Enter on a style: export in it."""

        index: int | None  # the style highlighted, None when none is

    def action_export(self) -> None:
        highlighted = self._selected  # the style under the cursor (RadioSet keeps it in this var)
        if highlighted is not None:
            self.query(RadioButton)[highlighted].value = True  # shown pressed, if the dialog stays
        self.post_message(self.Chosen(highlighted))


class ExportScreen(ModalScreen[ExportChoice | None]):
    """Dismisses with the path and style (Enter in the path or on a style), or None on Escape.
    `problem` says why the path given before could not be used."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, what: str, path: str, style: str = STYLES[0], problem: str = "") -> None:
        super().__init__()
        self._what = what
        self._path = path
        self._style_chosen = style if style in STYLES else STYLES[0]
        self._problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"Export {self._what} as BibTeX to"), classes="dialog-title")
            yield Input(self._path, id="export-path")
            if self._problem:
                yield Static(Text(self._problem), classes="dialog-error")
            with StyleChoice(id="export-style"):
                for style in STYLES:
                    yield RadioButton(style, value=style == self._style_chosen, id=f"style-{style}")
            yield Static(Text("Enter to export · Tab to the style (↑↓, then Enter) · Esc to cancel"),
                         classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_style_choice_chosen(self, event: StyleChoice.Chosen) -> None:
        event.stop()
        self._submit(STYLES[event.index] if event.index is not None else None)

    def _submit(self, style: str | None = None) -> None:
        path = self.query_one(Input).value.strip()
        if path:
            self.dismiss(ExportChoice(path, style or self._style()))
        else:
            self.query_one(Input).focus()

    def _style(self) -> str:
        pressed = self.query_one(RadioSet).pressed_index
        return STYLES[pressed] if pressed >= 0 else STYLES[0]

    def action_cancel(self) -> None:
        self.dismiss(None)
