"""Every key of the app, in one place (`?`)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_WIDTH = 10
NAME_WIDTH = 16


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close help", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
        """`sections`: (heading, [(keys, name, what they do)])."""
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-body"):
            yield Static(Text("papers-tui keys   (Esc closes · ^p finds any command by name)"), classes="dialog-title")
            yield Static(self._table(), id="help-table")

    def _table(self) -> Group:
        parts: list[Text | Table] = []
        for heading, rows in self._sections:
            parts.append(Text(("\n" if parts else "") + heading, style="bold underline"))
            table = Table.grid(padding=(0, 2))
            table.add_column(width=KEY_WIDTH, style="bold")
            table.add_column(width=NAME_WIDTH)
            table.add_column(style="dim")
            for keys, name, description in rows:
                table.add_row(Text(keys), Text(name), Text(description))
            parts.append(table)
        return Group(*parts)

    def action_close(self) -> None:
        self.dismiss(None)
